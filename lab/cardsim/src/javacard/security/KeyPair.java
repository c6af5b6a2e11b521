package javacard.security;

import java.math.BigInteger;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAKeyGenParameterSpec;

/**
 * On-card key pair generation (Java Card 3.0.5 API) on the JDK's generators: RSA (plain or CRT private key) and EC
 * over a prime field (P-256, P-384).
 */
public final class KeyPair {
    public static final byte ALG_RSA = 1;
    public static final byte ALG_RSA_CRT = 2;
    public static final byte ALG_EC_FP = 5;

    private final byte algorithm;
    private final PublicKey publicKey;
    private final PrivateKey privateKey;

    public KeyPair(byte algorithm, short keyLength) throws CryptoException {
        if (algorithm != ALG_RSA && algorithm != ALG_RSA_CRT && algorithm != ALG_EC_FP) {
            CryptoException.throwIt(CryptoException.NO_SUCH_ALGORITHM);
        }
        this.algorithm = algorithm;
        if (algorithm == ALG_EC_FP) {
            this.publicKey = (PublicKey) KeyBuilder.buildKey(KeyBuilder.TYPE_EC_FP_PUBLIC, keyLength, false);
            this.privateKey = (PrivateKey) KeyBuilder.buildKey(KeyBuilder.TYPE_EC_FP_PRIVATE, keyLength, false);
            return;
        }
        this.publicKey = (PublicKey) KeyBuilder.buildKey(KeyBuilder.TYPE_RSA_PUBLIC, keyLength, false);
        this.privateKey = (PrivateKey) KeyBuilder.buildKey(
                algorithm == ALG_RSA_CRT ? KeyBuilder.TYPE_RSA_CRT_PRIVATE : KeyBuilder.TYPE_RSA_PRIVATE, keyLength, false);
    }

    public KeyPair(PublicKey publicKey, PrivateKey privateKey) throws CryptoException {
        boolean ec = publicKey instanceof EcKeyImpl && privateKey instanceof EcKeyImpl
                && publicKey.getType() == KeyBuilder.TYPE_EC_FP_PUBLIC && privateKey.getType() == KeyBuilder.TYPE_EC_FP_PRIVATE
                && publicKey.getSize() == privateKey.getSize();
        if (!ec && (!Rsa.isRsaKey(publicKey) || !Rsa.isRsaKey(privateKey))) {
            CryptoException.throwIt(CryptoException.ILLEGAL_VALUE);
        }
        this.algorithm = ec ? ALG_EC_FP : privateKey instanceof RsaPrivateCrtKeyImpl ? ALG_RSA_CRT : ALG_RSA;
        this.publicKey = publicKey;
        this.privateKey = privateKey;
    }

    /** Generates a new pair; a public exponent already set in the public key is kept, else 65537 is used. */
    public final void genKeyPair() throws CryptoException {
        // A platform that cannot generate keys on the card (simcert.cardsim.keyGeneration=false in the card's
        // configuration): the algorithm is not there (CryptoException NO_SUCH_ALGORITHM).
        if (org.simcert.cardsim.CardRuntime.current().switchedOff("simcert.cardsim.keyGeneration")) {
            CryptoException.throwIt(CryptoException.NO_SUCH_ALGORITHM);
        }
        org.simcert.cardsim.TimingModel.pace(org.simcert.cardsim.TimingModel.Op.KEYGEN, this::generate);
    }

    private void generate() {
        if (algorithm == ALG_EC_FP) {
            genEcKeyPair();
            return;
        }
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

    /**
     * Domain parameters already set in the public key are kept (they must name P-256 or P-384); with none set, the
     * NIST curve of the key's size is used, as cards with preset defaults do. Half-set parameters: ILLEGAL_VALUE.
     */
    private void genEcKeyPair() {
        EcKeyImpl pub = (EcKeyImpl) publicKey;
        EcKeyImpl priv = (EcKeyImpl) privateKey;
        java.security.spec.ECParameterSpec spec;
        if (pub.hasDomain()) {
            spec = pub.spec();
        } else if (pub.hasAnyDomainPart()) {
            CryptoException.throwIt(CryptoException.ILLEGAL_VALUE);
            return;
        } else {
            spec = Ec.named(Ec.defaultCurve(pub.getSize()));
            pub.setDomain(spec);
        }
        if (!priv.hasDomain() || !priv.spec().equals(spec)) {
            priv.setDomain(spec);
        }
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(spec, new java.security.SecureRandom());
            java.security.KeyPair kp = g.generateKeyPair();
            java.security.interfaces.ECPublicKey w = (java.security.interfaces.ECPublicKey) kp.getPublic();
            java.security.interfaces.ECPrivateKey s = (java.security.interfaces.ECPrivateKey) kp.getPrivate();
            pub.setGenerated(w.getW(), null, spec);
            priv.setGenerated(null, s.getS(), spec);
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
