package javacard.security;

import java.math.BigInteger;

/** RSA public key, or private key in modulus/exponent form. */
final class RsaKeyImpl implements RSAPublicKey, RSAPrivateKey {
    private final short bits;
    private final byte type;
    private final KeyComponent modulus = new KeyComponent();
    private final KeyComponent exponent = new KeyComponent();

    RsaKeyImpl(byte type, short bits) {
        this.type = type;
        this.bits = bits;
    }

    public void setModulus(byte[] b, short o, short l) { modulus.set(b, o, l, (short) ((bits + 7) / 8)); }
    public void setExponent(byte[] b, short o, short l) { exponent.set(b, o, l, (short) ((bits + 7) / 8)); }
    public short getModulus(byte[] b, short o) { return modulus.get(b, o); }
    public short getExponent(byte[] b, short o) { return exponent.get(b, o); }

    void setAll(BigInteger n, BigInteger e) {
        modulus.setBig(n);
        exponent.setBig(e);
    }

    public boolean isInitialized() {
        return modulus.isSet() && exponent.isSet();
    }

    public void clearKey() {
        modulus.clear();
        exponent.clear();
    }

    public byte getType() {
        return type;
    }

    public short getSize() {
        return bits;
    }

    BigInteger op(BigInteger m) {
        BigInteger n = modulus.big();
        if (m.signum() < 0 || m.compareTo(n) >= 0) {
            CryptoException.throwIt(CryptoException.ILLEGAL_VALUE);
        }
        return m.modPow(exponent.big(), n);
    }

    int modulusBytes() {
        return (bits + 7) / 8;
    }
}
