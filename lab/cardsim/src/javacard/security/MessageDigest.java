package javacard.security;

/** Message digests of the Java Card 3.0.5 API on the JDK's implementations. */
public abstract class MessageDigest {
    public static final byte ALG_SHA = 1;
    public static final byte ALG_MD5 = 2;
    public static final byte ALG_RIPEMD160 = 3;
    public static final byte ALG_SHA_256 = 4;
    public static final byte ALG_SHA_384 = 5;
    public static final byte ALG_SHA_512 = 6;
    public static final byte ALG_SHA_224 = 7;
    public static final byte LENGTH_SHA = 20;
    public static final byte LENGTH_SHA_256 = 32;
    public static final byte LENGTH_SHA_384 = 48;
    public static final byte LENGTH_SHA_512 = 64;

    protected MessageDigest() {
    }

    public static final MessageDigest getInstance(byte algorithm, boolean externalAccess) throws CryptoException {
        String name;
        switch (algorithm) {
            case ALG_SHA: name = "SHA-1"; break;
            case ALG_SHA_224: name = "SHA-224"; break;
            case ALG_SHA_256: name = "SHA-256"; break;
            case ALG_SHA_384: name = "SHA-384"; break;
            case ALG_SHA_512: name = "SHA-512"; break;
            case ALG_MD5: name = "MD5"; break;
            default:
                CryptoException.throwIt(CryptoException.NO_SUCH_ALGORITHM);
                return null;
        }
        return new JdkDigest(algorithm, name);
    }

    public abstract byte getAlgorithm();

    public abstract byte getLength();

    public abstract short doFinal(byte[] inBuff, short inOffset, short inLength, byte[] outBuff, short outOffset);

    public abstract void update(byte[] inBuff, short inOffset, short inLength);

    public abstract void reset();

    /** DER DigestInfo prefix (RFC 8017 section 9.2, note 1), or null for digests without one here. */
    static byte[] digestInfoPrefix(byte algorithm) {
        switch (algorithm) {
            case ALG_SHA: return hex("3021300906052b0e03021a05000414");
            case ALG_SHA_224: return hex("302d300d06096086480165030402040500041c");
            case ALG_SHA_256: return hex("3031300d060960864801650304020105000420");
            case ALG_SHA_384: return hex("3041300d060960864801650304020205000430");
            case ALG_SHA_512: return hex("3051300d060960864801650304020305000440");
            default: return null;
        }
    }

    private static byte[] hex(String s) {
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    private static final class JdkDigest extends MessageDigest {
        private final byte algorithm;
        private final java.security.MessageDigest md;

        JdkDigest(byte algorithm, String name) {
            this.algorithm = algorithm;
            try {
                this.md = java.security.MessageDigest.getInstance(name);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new CryptoException(CryptoException.NO_SUCH_ALGORITHM);
            }
        }

        public byte getAlgorithm() {
            return algorithm;
        }

        public byte getLength() {
            return (byte) md.getDigestLength();
        }

        public short doFinal(byte[] inBuff, short inOffset, short inLength, byte[] outBuff, short outOffset) {
            md.update(inBuff, inOffset, inLength);
            byte[] d = md.digest();
            System.arraycopy(d, 0, outBuff, outOffset, d.length);
            return (short) d.length;
        }

        public void update(byte[] inBuff, short inOffset, short inLength) {
            md.update(inBuff, inOffset, inLength);
        }

        public void reset() {
            md.reset();
        }
    }
}
