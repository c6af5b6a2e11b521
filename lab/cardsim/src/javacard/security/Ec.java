package javacard.security;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECFieldFp;

/**
 * Elliptic-curve support shared by the EC keys, KeyPair and Signature: maps the domain parameters an applet sets
 * to one of the curves the JDK's provider implements (NIST P-256 and P-384, i.e. secp256r1 / secp384r1), and
 * converts points. Public only so the simulator's packages can reach it; the API-subset check refuses applets that
 * use it.
 */
public final class Ec {
    private static final String[] CURVES = {"secp256r1", "secp384r1"};

    private Ec() {
    }

    static ECParameterSpec named(String name) {
        try {
            AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
            p.init(new ECGenParameterSpec(name));
            return p.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no " + name, e);
        }
    }

    /** The JDK name of the curve of this size the simulator uses when an applet sets no domain parameters. */
    static String defaultCurve(short bits) {
        if (bits == 256) {
            return CURVES[0];
        }
        if (bits == 384) {
            return CURVES[1];
        }
        CryptoException.throwIt(CryptoException.ILLEGAL_VALUE);
        return null;
    }

    /** The supported curve with exactly these domain parameters, or ILLEGAL_VALUE: the JDK computes on named curves only. */
    static ECParameterSpec match(BigInteger p, BigInteger a, BigInteger b, ECPoint g, BigInteger r, int k) {
        for (String name : CURVES) {
            ECParameterSpec s = named(name);
            if (((ECFieldFp) s.getCurve().getField()).getP().equals(p) && s.getCurve().getA().equals(a) && s.getCurve().getB().equals(b)
                    && s.getGenerator().equals(g) && s.getOrder().equals(r) && s.getCofactor() == k) {
                return s;
            }
        }
        CryptoException.throwIt(CryptoException.ILLEGAL_VALUE);
        return null;
    }

    static int fieldBytes(ECParameterSpec s) {
        return (s.getCurve().getField().getFieldSize() + 7) / 8;
    }

    /** Uncompressed point 04 || X || Y (SEC 1 v2 section 2.3.3). */
    static byte[] encodePoint(ECPoint w, int fieldBytes) {
        byte[] out = new byte[1 + 2 * fieldBytes];
        out[0] = 0x04;
        System.arraycopy(Rsa.toFixed(w.getAffineX(), fieldBytes), 0, out, 1, fieldBytes);
        System.arraycopy(Rsa.toFixed(w.getAffineY(), fieldBytes), 0, out, 1 + fieldBytes, fieldBytes);
        return out;
    }

    /** Decodes an uncompressed point; compressed and infinity encodings are refused (ILLEGAL_VALUE). */
    static ECPoint decodePoint(byte[] enc) {
        if (enc.length < 3 || enc[0] != 0x04 || (enc.length - 1) % 2 != 0) {
            CryptoException.throwIt(CryptoException.ILLEGAL_VALUE);
        }
        int n = (enc.length - 1) / 2;
        byte[] x = new byte[n];
        byte[] y = new byte[n];
        System.arraycopy(enc, 1, x, 0, n);
        System.arraycopy(enc, 1 + n, y, 0, n);
        return new ECPoint(new BigInteger(1, x), new BigInteger(1, y));
    }

    static byte[] fixed(BigInteger v, int len) {
        return Rsa.toFixed(v, len);
    }
}
