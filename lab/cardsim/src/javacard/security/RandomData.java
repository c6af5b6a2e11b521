package javacard.security;

import java.security.SecureRandom;

/**
 * Random numbers from the JDK's SecureRandom for every algorithm: unlike a seeded pseudo-random generator, card
 * challenges and generated keys are not predictable from one run to the next.
 */
public abstract class RandomData {
    public static final byte ALG_PSEUDO_RANDOM = 1;
    public static final byte ALG_SECURE_RANDOM = 2;
    public static final byte ALG_TRNG = 3;
    public static final byte ALG_PRESEEDED_DRBG = 4;
    public static final byte ALG_FAST = 5;
    public static final byte ALG_KEYGENERATION = 6;

    protected RandomData() {
    }

    public static final RandomData getInstance(byte algorithm) throws CryptoException {
        if (algorithm < ALG_PSEUDO_RANDOM || algorithm > ALG_KEYGENERATION) {
            CryptoException.throwIt(CryptoException.NO_SUCH_ALGORITHM);
        }
        return new SecureRandomData(algorithm);
    }

    /** @deprecated as in the API since 3.0.5; use {@link #nextBytes}. */
    @Deprecated
    public abstract void generateData(byte[] buffer, short offset, short length) throws CryptoException;

    public abstract short nextBytes(byte[] buffer, short offset, short length) throws CryptoException;

    public abstract void setSeed(byte[] buffer, short offset, short length);

    public abstract byte getAlgorithm();

    private static final class SecureRandomData extends RandomData {
        private final byte algorithm;
        private final SecureRandom random = new SecureRandom();

        SecureRandomData(byte algorithm) {
            this.algorithm = algorithm;
        }

        @Deprecated
        public void generateData(byte[] buffer, short offset, short length) {
            nextBytes(buffer, offset, length);
        }

        public short nextBytes(byte[] buffer, short offset, short length) {
            if (offset < 0 || length < 0 || offset + length > buffer.length) {
                CryptoException.throwIt(CryptoException.ILLEGAL_VALUE);
            }
            byte[] r = new byte[length];
            random.nextBytes(r);
            System.arraycopy(r, 0, buffer, offset, length);
            return (short) (offset + length);
        }

        public void setSeed(byte[] buffer, short offset, short length) {
            // Supplements, never replaces, the generator's own entropy (SecureRandom.setSeed semantics).
            byte[] s = new byte[length];
            System.arraycopy(buffer, offset, s, 0, length);
            random.setSeed(s);
        }

        public byte getAlgorithm() {
            return algorithm;
        }
    }
}
