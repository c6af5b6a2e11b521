package javacard.security;

import java.math.BigInteger;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAKeyGenParameterSpec;

/** On-card key pair generation (Java Card 3.0.5 API), RSA with a CRT private key, on the JDK's generator. */
public final class KeyPair {
    public static final byte ALG_RSA = 1;
    public static final byte ALG_RSA_CRT = 2;

    private final byte algorithm;
    private final PublicKey publicKey;
    private final PrivateKey privateKey;

    public KeyPair(byte algorithm, short keyLength) throws CryptoException {
        if (algorithm != ALG_RSA && algorithm != ALG_RSA_CRT) {
            CryptoException.throwIt(CryptoException.NO_SUCH_ALGORITHM);
        }
        this.algorithm = algorithm;
        this.publicKey = (PublicKey) KeyBuilder.buildKey(KeyBuilder.TYPE_RSA_PUBLIC, keyLength, false);
        this.privateKey = (PrivateKey) KeyBuilder.buildKey(
                algorithm == ALG_RSA_CRT ? KeyBuilder.TYPE_RSA_CRT_PRIVATE : KeyBuilder.TYPE_RSA_PRIVATE, keyLength, false);
    }

    public KeyPair(PublicKey publicKey, PrivateKey privateKey) throws CryptoException {
        if (!Rsa.isRsaKey(publicKey) || !Rsa.isRsaKey(privateKey)) {
            CryptoException.throwIt(CryptoException.ILLEGAL_VALUE);
        }
        this.algorithm = privateKey instanceof RsaPrivateCrtKeyImpl ? ALG_RSA_CRT : ALG_RSA;
        this.publicKey = publicKey;
        this.privateKey = privateKey;
    }

    /** Generates a new pair; a public exponent already set in the public key is kept, else 65537 is used. */
    public final void genKeyPair() throws CryptoException {
        RsaKeyImpl pub = (RsaKeyImpl) publicKey;
        BigInteger e = BigInteger.valueOf(65537);
        if (pub.isInitialized() || hasExponent(pub)) {
            byte[] buf = new byte[512];
            short n = pub.getExponent(buf, (short) 0);
            e = new BigInteger(1, java.util.Arrays.copyOf(buf, n));
        }
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(new RSAKeyGenParameterSpec(pub.getSize(), e));
            java.security.KeyPair kp = g.generateKeyPair();
            RSAPrivateCrtKey k = (RSAPrivateCrtKey) kp.getPrivate();
            pub.setAll(k.getModulus(), k.getPublicExponent());
            if (privateKey instanceof RsaPrivateCrtKeyImpl) {
                ((RsaPrivateCrtKeyImpl) privateKey).setAll(k.getPrimeP(), k.getPrimeQ(), k.getPrimeExponentP(), k.getPrimeExponentQ(),
                        k.getCrtCoefficient());
            } else {
                ((RsaKeyImpl) privateKey).setAll(k.getModulus(), k.getPrivateExponent());
            }
        } catch (java.security.GeneralSecurityException ex) {
            throw new CryptoException(CryptoException.ILLEGAL_VALUE);
        }
    }

    private static boolean hasExponent(RsaKeyImpl pub) {
        try {
            pub.getExponent(new byte[512], (short) 0);
            return true;
        } catch (CryptoException ex) {
            return false;
        }
    }

    public PublicKey getPublic() {
        return publicKey;
    }

    public PrivateKey getPrivate() {
        return privateKey;
    }

    public byte getAlgorithm() {
        return algorithm;
    }
}
