package javacard.security;

import java.math.BigInteger;
import java.security.spec.ECFieldFp;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;

/**
 * EC key over a prime field, public (point W) or private (scalar S). The domain parameters are the applet's to set,
 * as on a card; they must be those of a curve the JDK implements (see Ec).
 */
final class EcKeyImpl implements ECPublicKey, ECPrivateKey {
    private final byte type;
    private final short bits;
    private final KeyComponent field = new KeyComponent();
    private final KeyComponent a = new KeyComponent();
    private final KeyComponent b = new KeyComponent();
    private final KeyComponent g = new KeyComponent();
    private final KeyComponent r = new KeyComponent();
    private short k;
    private final KeyComponent value = new KeyComponent();

    EcKeyImpl(byte type, short bits) {
        this.type = type;
        this.bits = bits;
    }

    private short fieldBytes() {
        return (short) ((bits + 7) / 8);
    }

    private short pointBytes() {
        return (short) (1 + 2 * fieldBytes());
    }

    public void setFieldFP(byte[] buf, short off, short len) { field.setExact(buf, off, len, fieldBytes()); }
    public void setFieldF2M(short e) { CryptoException.throwIt(CryptoException.ILLEGAL_VALUE); }
    public void setFieldF2M(short e1, short e2, short e3) { CryptoException.throwIt(CryptoException.ILLEGAL_VALUE); }
    public void setA(byte[] buf, short off, short len) { a.setExact(buf, off, len, fieldBytes()); }
    public void setB(byte[] buf, short off, short len) { b.setExact(buf, off, len, fieldBytes()); }
    public void setG(byte[] buf, short off, short len) { g.setExact(buf, off, len, pointBytes()); }
    public void setR(byte[] buf, short off, short len) { r.setExact(buf, off, len, fieldBytes()); }
    public void setK(short cofactor) {
        org.simcert.cardsim.CardRuntime.current().memory().persistentWrite(null);
        k = cofactor;
    }
    public short getField(byte[] buf, short off) { return field.get(buf, off); }
    public short getA(byte[] buf, short off) { return a.get(buf, off); }
    public short getB(byte[] buf, short off) { return b.get(buf, off); }
    public short getG(byte[] buf, short off) { return g.get(buf, off); }
    public short getR(byte[] buf, short off) { return r.get(buf, off); }
    public short getK() {
        if (k == 0) {
            CryptoException.throwIt(CryptoException.UNINITIALIZED_KEY);
        }
        return k;
    }

    public void setW(byte[] buf, short off, short len) {
        requireType(KeyBuilder.TYPE_EC_FP_PUBLIC);
        if (len != pointBytes() || buf[off] != 0x04) {
            CryptoException.throwIt(CryptoException.ILLEGAL_VALUE); // only the uncompressed form
        }
        value.setExact(buf, off, len, pointBytes());
    }

    public short getW(byte[] buf, short off) {
        requireType(KeyBuilder.TYPE_EC_FP_PUBLIC);
        return value.get(buf, off);
    }

    public void setS(byte[] buf, short off, short len) {
        requireType(KeyBuilder.TYPE_EC_FP_PRIVATE);
        value.setExact(buf, off, len, fieldBytes());
    }

    public short getS(byte[] buf, short off) {
        requireType(KeyBuilder.TYPE_EC_FP_PRIVATE);
        return value.get(buf, off);
    }

    private void requireType(byte t) {
        if (type != t) {
            CryptoException.throwIt(CryptoException.ILLEGAL_USE);
        }
    }

    boolean hasDomain() {
        return field.isSet() && a.isSet() && b.isSet() && g.isSet() && r.isSet() && k != 0;
    }

    boolean hasAnyDomainPart() {
        return field.isSet() || a.isSet() || b.isSet() || g.isSet() || r.isSet() || k != 0;
    }

    /** The JDK curve the domain parameters name (ILLEGAL_VALUE for any other curve, UNINITIALIZED_KEY when unset). */
    ECParameterSpec spec() {
        if (!hasDomain()) {
            CryptoException.throwIt(CryptoException.UNINITIALIZED_KEY);
        }
        return Ec.match(field.big(), a.big(), b.big(), Ec.decodePoint(g.bytes()), r.big(), k);
    }

    /** Sets the domain parameters of a named curve (used by KeyPair when the applet set none). */
    void setDomain(ECParameterSpec s) {
        int n = Ec.fieldBytes(s);
        setExactBig(field, ((ECFieldFp) s.getCurve().getField()).getP(), n);
        setExactBig(a, s.getCurve().getA(), n);
        setExactBig(b, s.getCurve().getB(), n);
        byte[] gp = Ec.encodePoint(s.getGenerator(), n);
        g.setExact(gp, (short) 0, (short) gp.length, (short) gp.length);
        setExactBig(r, s.getOrder(), n);
        setK((short) s.getCofactor());
    }

    private static void setExactBig(KeyComponent c, BigInteger v, int n) {
        byte[] bytes = Ec.fixed(v, n);
        c.setExact(bytes, (short) 0, (short) n, (short) n);
    }

    void setGenerated(ECPoint w, BigInteger s, ECParameterSpec spec) {
        int n = Ec.fieldBytes(spec);
        byte[] v = type == KeyBuilder.TYPE_EC_FP_PUBLIC ? Ec.encodePoint(w, n) : Ec.fixed(s, n);
        value.setExact(v, (short) 0, (short) v.length, (short) v.length);
    }

    BigInteger scalar() {
        requireType(KeyBuilder.TYPE_EC_FP_PRIVATE);
        return value.big();
    }

    ECPoint point() {
        requireType(KeyBuilder.TYPE_EC_FP_PUBLIC);
        return Ec.decodePoint(value.bytes());
    }

    public boolean isInitialized() {
        return hasDomain() && value.isSet();
    }

    public void clearKey() {
        field.clear();
        a.clear();
        b.clear();
        g.clear();
        r.clear();
        k = 0;
        value.clear();
    }

    public byte getType() {
        return type;
    }

    public short getSize() {
        return bits;
    }
}
