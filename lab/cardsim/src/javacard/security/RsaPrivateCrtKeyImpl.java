package javacard.security;

import java.math.BigInteger;

/** The card's RSA CRT private key object (what KeyBuilder.buildKey returns for TYPE_RSA_CRT_PRIVATE). */
final class RsaPrivateCrtKeyImpl implements RSAPrivateCrtKey {
    private final short bits;
    private final KeyComponent p = new KeyComponent();
    private final KeyComponent q = new KeyComponent();
    private final KeyComponent dp = new KeyComponent();
    private final KeyComponent dq = new KeyComponent();
    private final KeyComponent pq = new KeyComponent();

    RsaPrivateCrtKeyImpl(short bits) {
        this.bits = bits;
    }

    private short half() {
        return (short) ((bits / 8 + 1) / 2);
    }

    public void setP(byte[] b, short o, short l) { p.set(b, o, l, half()); }
    public void setQ(byte[] b, short o, short l) { q.set(b, o, l, half()); }
    public void setDP1(byte[] b, short o, short l) { dp.set(b, o, l, half()); }
    public void setDQ1(byte[] b, short o, short l) { dq.set(b, o, l, half()); }
    public void setPQ(byte[] b, short o, short l) { pq.set(b, o, l, half()); }
    public short getP(byte[] b, short o) { return p.get(b, o); }
    public short getQ(byte[] b, short o) { return q.get(b, o); }
    public short getDP1(byte[] b, short o) { return dp.get(b, o); }
    public short getDQ1(byte[] b, short o) { return dq.get(b, o); }
    public short getPQ(byte[] b, short o) { return pq.get(b, o); }

    void setAll(BigInteger ip, BigInteger iq, BigInteger idp, BigInteger idq, BigInteger ipq) {
        p.setBig(ip);
        q.setBig(iq);
        dp.setBig(idp);
        dq.setBig(idq);
        pq.setBig(ipq);
    }

    public boolean isInitialized() {
        return p.isSet() && q.isSet() && dp.isSet() && dq.isSet() && pq.isSet();
    }

    public void clearKey() {
        p.clear();
        q.clear();
        dp.clear();
        dq.clear();
        pq.clear();
    }

    public byte getType() {
        return KeyBuilder.TYPE_RSA_CRT_PRIVATE;
    }

    public short getSize() {
        return bits;
    }

    /** m^d mod n by the CRT (PKCS #1 v2.2, RSASP1 second form). */
    BigInteger privateOp(BigInteger m) {
        if (!isInitialized()) {
            CryptoException.throwIt(CryptoException.UNINITIALIZED_KEY);
        }
        BigInteger bp = p.big();
        BigInteger bq = q.big();
        BigInteger n = bp.multiply(bq);
        if (m.signum() < 0 || m.compareTo(n) >= 0) {
            CryptoException.throwIt(CryptoException.ILLEGAL_VALUE);
        }
        BigInteger m1 = m.modPow(dp.big(), bp);
        BigInteger m2 = m.modPow(dq.big(), bq);
        BigInteger h = pq.big().multiply(m1.subtract(m2)).mod(bp);
        return m2.add(h.multiply(bq));
    }

    int modulusBytes() {
        return (bits + 7) / 8;
    }
}
