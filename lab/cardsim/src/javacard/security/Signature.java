package javacard.security;

/**
 * Signatures of the Java Card 3.0.5 API. This simulator implements RSA with SHA-1/SHA-256 and PKCS #1 v1.5
 * (RSASSA-PKCS1-v1_5, RFC 8017 section 8.2), deterministic as the scheme is.
 */
public abstract class Signature {
    public static final byte ALG_RSA_SHA_PKCS1 = 10;
    public static final byte ALG_RSA_SHA_256_PKCS1 = 40;
    public static final byte MODE_SIGN = 1;
    public static final byte MODE_VERIFY = 2;

    protected Signature() {
    }

    public static final Signature getInstance(byte algorithm, boolean externalAccess) throws CryptoException {
        switch (algorithm) {
            case ALG_RSA_SHA_PKCS1:
                return new RsaPkcs1Signature(algorithm, MessageDigest.ALG_SHA);
            case ALG_RSA_SHA_256_PKCS1:
                return new RsaPkcs1Signature(algorithm, MessageDigest.ALG_SHA_256);
            default:
                CryptoException.throwIt(CryptoException.NO_SUCH_ALGORITHM);
                return null;
        }
    }

    public abstract void init(Key theKey, byte theMode) throws CryptoException;

    public abstract void init(Key theKey, byte theMode, byte[] bArray, short bOff, short bLen) throws CryptoException;

    public abstract short getLength() throws CryptoException;

    public abstract byte getAlgorithm();

    public abstract void update(byte[] inBuff, short inOffset, short inLength) throws CryptoException;

    public abstract short sign(byte[] inBuff, short inOffset, short inLength, byte[] sigBuff, short sigOffset) throws CryptoException;

    public abstract boolean verify(byte[] inBuff, short inOffset, short inLength, byte[] sigBuff, short sigOffset, short sigLength)
            throws CryptoException;

    private static final class RsaPkcs1Signature extends Signature {
        private final byte algorithm;
        private final MessageDigest digest;
        private final byte hashAlgorithm;
        private Key key;
        private byte mode;

        RsaPkcs1Signature(byte algorithm, byte hashAlgorithm) {
            this.algorithm = algorithm;
            this.hashAlgorithm = hashAlgorithm;
            this.digest = MessageDigest.getInstance(hashAlgorithm, false);
        }

        public void init(Key theKey, byte theMode) {
            if (!Rsa.isRsaKey(theKey) || !theKey.isInitialized()) {
                CryptoException.throwIt(theKey != null && Rsa.isRsaKey(theKey) ? CryptoException.UNINITIALIZED_KEY : CryptoException.ILLEGAL_VALUE);
            }
            if ((theMode == MODE_SIGN) != Rsa.isPrivate(theKey) || (theMode != MODE_SIGN && theMode != MODE_VERIFY)) {
                CryptoException.throwIt(CryptoException.ILLEGAL_VALUE);
            }
            key = theKey;
            mode = theMode;
            digest.reset();
        }

        public void init(Key theKey, byte theMode, byte[] bArray, short bOff, short bLen) {
            CryptoException.throwIt(CryptoException.ILLEGAL_VALUE);
        }

        public short getLength() {
            if (key == null) {
                CryptoException.throwIt(CryptoException.INVALID_INIT);
            }
            return (short) Rsa.modulusBytes(key);
        }

        public byte getAlgorithm() {
            return algorithm;
        }

        public void update(byte[] inBuff, short inOffset, short inLength) {
            if (key == null) {
                CryptoException.throwIt(CryptoException.INVALID_INIT);
            }
            digest.update(inBuff, inOffset, inLength);
        }

        private byte[] encodedDigestInfo(byte[] inBuff, short inOffset, short inLength) {
            byte[] prefix = MessageDigest.digestInfoPrefix(hashAlgorithm);
            byte[] di = new byte[prefix.length + digest.getLength()];
            System.arraycopy(prefix, 0, di, 0, prefix.length);
            digest.doFinal(inBuff, inOffset, inLength, di, (short) prefix.length);
            return di;
        }

        public short sign(byte[] inBuff, short inOffset, short inLength, byte[] sigBuff, short sigOffset) {
            if (key == null || mode != MODE_SIGN) {
                CryptoException.throwIt(CryptoException.INVALID_INIT);
            }
            int k = Rsa.modulusBytes(key);
            byte[] s = Rsa.op(key, Rsa.pad(encodedDigestInfo(inBuff, inOffset, inLength), k, 1));
            System.arraycopy(s, 0, sigBuff, sigOffset, s.length);
            return (short) s.length;
        }

        public boolean verify(byte[] inBuff, short inOffset, short inLength, byte[] sigBuff, short sigOffset, short sigLength) {
            if (key == null || mode != MODE_VERIFY) {
                CryptoException.throwIt(CryptoException.INVALID_INIT);
            }
            byte[] expected = encodedDigestInfo(inBuff, inOffset, inLength);
            int k = Rsa.modulusBytes(key);
            if (sigLength != k) {
                return false;
            }
            byte[] sig = new byte[k];
            System.arraycopy(sigBuff, sigOffset, sig, 0, k);
            byte[] em = Rsa.op(key, sig);
            return java.util.Arrays.equals(Rsa.pad(expected, k, 1), em);
        }
    }
}
