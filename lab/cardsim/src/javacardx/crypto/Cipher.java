package javacardx.crypto;

import javacard.security.CryptoException;
import javacard.security.Key;
import javacard.security.Rsa;

/**
 * Ciphers of the Java Card 3.0.5 API; this simulator implements RSA with PKCS #1 v1.5 padding and without
 * padding. With a private key, ALG_RSA_PKCS1 in MODE_ENCRYPT pads with block type 01: that is how an applet
 * signs a DigestInfo it was given, and the result equals RSASSA-PKCS1-v1_5 byte for byte.
 */
public abstract class Cipher {
    public static final byte ALG_RSA_PKCS1 = 10;
    public static final byte ALG_RSA_NOPAD = 12;
    public static final byte MODE_DECRYPT = 1;
    public static final byte MODE_ENCRYPT = 2;

    protected Cipher() {
    }

    public static final Cipher getInstance(byte algorithm, boolean externalAccess) throws CryptoException {
        if (algorithm != ALG_RSA_PKCS1 && algorithm != ALG_RSA_NOPAD) {
            CryptoException.throwIt(CryptoException.NO_SUCH_ALGORITHM);
        }
        return new RsaCipher(algorithm);
    }

    public abstract void init(Key theKey, byte theMode) throws CryptoException;

    public abstract void init(Key theKey, byte theMode, byte[] bArray, short bOff, short bLen) throws CryptoException;

    public abstract byte getAlgorithm();

    public abstract short doFinal(byte[] inBuff, short inOffset, short inLength, byte[] outBuff, short outOffset) throws CryptoException;

    public abstract short update(byte[] inBuff, short inOffset, short inLength, byte[] outBuff, short outOffset) throws CryptoException;

    private static final class RsaCipher extends Cipher {
        private final byte algorithm;
        private Key key;
        private byte mode;

        RsaCipher(byte algorithm) {
            this.algorithm = algorithm;
        }

        public void init(Key theKey, byte theMode) {
            if (theKey == null || !Rsa.isRsaKey(theKey)) {
                CryptoException.throwIt(CryptoException.ILLEGAL_VALUE);
            }
            if (!theKey.isInitialized()) {
                CryptoException.throwIt(CryptoException.UNINITIALIZED_KEY);
            }
            if (theMode != MODE_ENCRYPT && theMode != MODE_DECRYPT) {
                CryptoException.throwIt(CryptoException.ILLEGAL_VALUE);
            }
            key = theKey;
            mode = theMode;
        }

        public void init(Key theKey, byte theMode, byte[] bArray, short bOff, short bLen) {
            CryptoException.throwIt(CryptoException.ILLEGAL_VALUE);
        }

        public byte getAlgorithm() {
            return algorithm;
        }

        public short update(byte[] inBuff, short inOffset, short inLength, byte[] outBuff, short outOffset) {
            // RSA works on one block; the API allows refusing update for it.
            CryptoException.throwIt(CryptoException.ILLEGAL_USE);
            return 0;
        }

        public short doFinal(byte[] inBuff, short inOffset, short inLength, byte[] outBuff, short outOffset) {
            if (key == null) {
                CryptoException.throwIt(CryptoException.INVALID_INIT);
            }
            int k = Rsa.modulusBytes(key);
            byte[] in = new byte[inLength];
            System.arraycopy(inBuff, inOffset, in, 0, inLength);
            byte[] out;
            if (mode == MODE_ENCRYPT) {
                if (algorithm == ALG_RSA_NOPAD) {
                    if (inLength != k) {
                        CryptoException.throwIt(CryptoException.ILLEGAL_USE);
                    }
                    out = Rsa.op(key, in);
                } else {
                    out = Rsa.op(key, Rsa.pad(in, k, Rsa.isPrivate(key) ? 1 : 2));
                }
            } else {
                if (inLength != k) {
                    CryptoException.throwIt(CryptoException.ILLEGAL_USE);
                }
                byte[] em = Rsa.op(key, in);
                out = algorithm == ALG_RSA_NOPAD ? em : Rsa.unpad(em);
                if (out == null) {
                    CryptoException.throwIt(CryptoException.ILLEGAL_VALUE);
                }
            }
            System.arraycopy(out, 0, outBuff, outOffset, out.length);
            return (short) out.length;
        }
    }
}
