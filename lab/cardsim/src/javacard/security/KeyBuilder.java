package javacard.security;

/** Key factory of the Java Card 3.0.5 API; this simulator builds the RSA key types and EC keys over P-256 / P-384. */
public class KeyBuilder {
    public static final byte TYPE_DES_TRANSIENT_RESET = 1;
    public static final byte TYPE_DES_TRANSIENT_DESELECT = 2;
    public static final byte TYPE_DES = 3;
    public static final byte TYPE_RSA_PUBLIC = 4;
    public static final byte TYPE_RSA_PRIVATE = 5;
    public static final byte TYPE_RSA_CRT_PRIVATE = 6;
    public static final byte TYPE_EC_FP_PUBLIC = 11;
    public static final byte TYPE_EC_FP_PRIVATE = 12;
    public static final byte TYPE_AES = 15;

    public static final short LENGTH_DES = 64;
    public static final short LENGTH_DES3_2KEY = 128;
    public static final short LENGTH_DES3_3KEY = 192;
    public static final short LENGTH_RSA_512 = 512;
    public static final short LENGTH_RSA_1024 = 1024;
    public static final short LENGTH_RSA_1536 = 1536;
    public static final short LENGTH_RSA_2048 = 2048;
    public static final short LENGTH_RSA_3072 = 3072;
    public static final short LENGTH_RSA_4096 = 4096;
    public static final short LENGTH_EC_FP_256 = 256;
    public static final short LENGTH_EC_FP_384 = 384;
    public static final short LENGTH_AES_128 = 128;
    public static final short LENGTH_AES_192 = 192;
    public static final short LENGTH_AES_256 = 256;

    /** Simulator setting: false emulates a card whose Java Card platform has no EC. */
    private static final String EC_SWITCH = "simcert.cardsim.ec";
    /** Simulator setting: false emulates a card whose Java Card platform has no RSA (an EC-only secure element). */
    private static final String RSA_SWITCH = "simcert.cardsim.rsa";
    /** Simulator setting: false emulates a platform whose only prime curve is P-384. */
    private static final String EC_P256_SWITCH = "simcert.cardsim.ecP256";

    private KeyBuilder() {
    }

    public static Key buildKey(byte keyType, short keyLength, boolean keyEncryption) throws CryptoException {
        if (keyLength < 512 || keyLength > 4096 || keyLength % 8 != 0) {
            if (keyType == TYPE_RSA_PUBLIC || keyType == TYPE_RSA_PRIVATE || keyType == TYPE_RSA_CRT_PRIVATE) {
                CryptoException.throwIt(CryptoException.ILLEGAL_VALUE);
            }
        }
        if ((keyType == TYPE_RSA_PUBLIC || keyType == TYPE_RSA_PRIVATE || keyType == TYPE_RSA_CRT_PRIVATE)
                && org.simcert.cardsim.CardRuntime.current().switchedOff(RSA_SWITCH)) {
            CryptoException.throwIt(CryptoException.NO_SUCH_ALGORITHM);
        }
        switch (keyType) {
            case TYPE_RSA_PUBLIC:
                return new RsaKeyImpl(TYPE_RSA_PUBLIC, keyLength);
            case TYPE_RSA_PRIVATE:
                return new RsaKeyImpl(TYPE_RSA_PRIVATE, keyLength);
            case TYPE_RSA_CRT_PRIVATE:
                return new RsaPrivateCrtKeyImpl(keyLength);
            case TYPE_EC_FP_PUBLIC:
            case TYPE_EC_FP_PRIVATE:
                // A card without elliptic curves (simcert.cardsim.ec=false in the card's configuration) answers as
                // such a card does: no such algorithm.
                if (org.simcert.cardsim.CardRuntime.current().switchedOff(EC_SWITCH)) {
                    CryptoException.throwIt(CryptoException.NO_SUCH_ALGORITHM);
                }
                if (keyLength == LENGTH_EC_FP_256 && org.simcert.cardsim.CardRuntime.current().switchedOff(EC_P256_SWITCH)) {
                    CryptoException.throwIt(CryptoException.NO_SUCH_ALGORITHM);
                }
                if (keyLength != LENGTH_EC_FP_256 && keyLength != LENGTH_EC_FP_384) {
                    CryptoException.throwIt(CryptoException.NO_SUCH_ALGORITHM); // the JDK's provider has these two prime curves
                }
                return new EcKeyImpl(keyType, keyLength);
            default:
                CryptoException.throwIt(CryptoException.NO_SUCH_ALGORITHM);
                return null;
        }
    }
}
