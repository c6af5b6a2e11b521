package javacard.security;

/** Elliptic-curve public key: the point W, uncompressed (04 || X || Y). */
public interface ECPublicKey extends PublicKey, ECKey {
    void setW(byte[] buffer, short offset, short length) throws CryptoException;

    short getW(byte[] buffer, short offset) throws CryptoException;
}
