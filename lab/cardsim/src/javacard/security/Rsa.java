package javacard.security;

import java.math.BigInteger;
import java.security.SecureRandom;

/**
 * RSA primitives and PKCS #1 v1.5 encoding (RFC 8017 sections 7.2 and 9.2) shared by Signature and
 * javacardx.crypto.Cipher. Public so the Cipher in javacardx.crypto can reach it; applets must not use it, and
 * the harness's API-subset check rejects any applet that does.
 */
public final class Rsa {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Rsa() {
    }

    public static boolean isRsaKey(Key key) {
        return key instanceof RsaKeyImpl || key instanceof RsaPrivateCrtKeyImpl;
    }

    public static boolean isPrivate(Key key) {
        return key instanceof RsaPrivateCrtKeyImpl || (key instanceof RsaKeyImpl && key.getType() == KeyBuilder.TYPE_RSA_PRIVATE);
    }

    public static int modulusBytes(Key key) {
        return key instanceof RsaPrivateCrtKeyImpl ? ((RsaPrivateCrtKeyImpl) key).modulusBytes() : ((RsaKeyImpl) key).modulusBytes();
    }

    /** The raw RSA operation with the key's exponent, output left-padded to the modulus length. */
    public static byte[] op(Key key, byte[] input) {
        BigInteger m = new BigInteger(1, input);
        BigInteger r = key instanceof RsaPrivateCrtKeyImpl ? ((RsaPrivateCrtKeyImpl) key).privateOp(m) : ((RsaKeyImpl) key).op(m);
        return toFixed(r, modulusBytes(key));
    }

    static byte[] toFixed(BigInteger n, int len) {
        byte[] b = n.toByteArray();
        byte[] out = new byte[len];
        int copy = Math.min(b.length, len);
        System.arraycopy(b, b.length - copy, out, len - copy, copy);
        return out;
    }

    /** EM = 00 || BT || PS || 00 || D; BT 01 pads with FF (signatures), BT 02 with random non-zero bytes. */
    public static byte[] pad(byte[] data, int k, int blockType) {
        if (data.length > k - 11) {
            CryptoException.throwIt(CryptoException.ILLEGAL_USE);
        }
        byte[] em = new byte[k];
        em[1] = (byte) blockType;
        int ps = k - 3 - data.length;
        for (int i = 0; i < ps; i++) {
            if (blockType == 1) {
                em[2 + i] = (byte) 0xFF;
            } else {
                byte b;
                do {
                    b = (byte) RANDOM.nextInt(256);
                } while (b == 0);
                em[2 + i] = b;
            }
        }
        System.arraycopy(data, 0, em, 3 + ps, data.length);
        return em;
    }

    /** Removes PKCS #1 v1.5 padding of block type 01 or 02; null when the encoding is wrong. */
    public static byte[] unpad(byte[] em) {
        if (em.length < 11 || em[0] != 0 || (em[1] != 1 && em[1] != 2)) {
            return null;
        }
        int i = 2;
        while (i < em.length && em[i] != 0) {
            if (em[1] == 1 && em[i] != (byte) 0xFF) {
                return null;
            }
            i++;
        }
        if (i == em.length || i < 10) {
            return null;
        }
        byte[] d = new byte[em.length - i - 1];
        System.arraycopy(em, i + 1, d, 0, d.length);
        return d;
    }
}
