package javacard.security;

/**
 * Signatures of the Java Card 3.0.5 API. This simulator implements RSA with SHA-1/SHA-256 and PKCS #1 v1.5
 * (RSASSA-PKCS1-v1_5, RFC 8017 section 8.2), deterministic as the scheme is, and ECDSA with SHA-256/SHA-384 on
 * the JDK's provider (FIPS 186-4, random nonces), its signature DER-encoded as the API specifies.
 */
public abstract class Signature {
    public static final byte ALG_RSA_SHA_PKCS1 = 10;
    public static final byte ALG_RSA_SHA_256_PKCS1 = 40;
    public static final byte ALG_ECDSA_SHA_256 = 33;
    public static final byte ALG_ECDSA_SHA_384 = 34;
    public static final byte MODE_SIGN = 1;
    public static final byte MODE_VERIFY = 2;

    protected Signature() {
    }

    public static final Signature getInstance(byte algorithm, boolean externalAccess) throws CryptoException {
        switch (algorithm) {
            case ALG_RSA_SHA_PKCS1:
                return new RsaPkcs1Signature(algorithm, MessageDigest.ALG_SHA);
            case ALG_RSA_SHA_256_PKCS1:
                return new RsaPkcs1Signature(algorithm, MessageDigest.ALG_SHA_256);
            case ALG_ECDSA_SHA_256:
                return new EcdsaSignature(algorithm, MessageDigest.ALG_SHA_256);
            case ALG_ECDSA_SHA_384:
                return new EcdsaSignature(algorithm, MessageDigest.ALG_SHA_384);
            default:
                CryptoException.throwIt(CryptoException.NO_SUCH_ALGORITHM);
                return null;
        }
    }

    public abstract void init(Key theKey, byte theMode) throws CryptoException;

    public abstract void init(Key theKey, byte theMode, byte[] bArray, short bOff, short bLen) throws CryptoException;

    public abstract short getLength() throws CryptoException;

    public abstract byte getAlgorithm();

    public abstract void update(byte[] inBuff, short inOffset, short inLength) throws CryptoException;

    public abstract short sign(byte[] inBuff, short inOffset, short inLength, byte[] sigBuff, short sigOffset) throws CryptoException;

    public abstract boolean verify(byte[] inBuff, short inOffset, short inLength, byte[] sigBuff, short sigOffset, short sigLength)
            throws CryptoException;

    /** Signs a hash computed elsewhere; its length must be the algorithm's digest length (Java Card 3.0.5). */
    public abstract short signPreComputedHash(byte[] hashBuff, short hashOffset, short hashLength, byte[] sigBuff, short sigOffset)
            throws CryptoException;

    private static final class RsaPkcs1Signature extends Signature {
        private final byte algorithm;
        private final MessageDigest digest;
        private final byte hashAlgorithm;
        private Key key;
        private byte mode;

        RsaPkcs1Signature(byte algorithm, byte hashAlgorithm) {
            this.algorithm = algorithm;
            this.hashAlgorithm = hashAlgorithm;
            this.digest = MessageDigest.getInstance(hashAlgorithm, false);
        }

        public void init(Key theKey, byte theMode) {
            if (!Rsa.isRsaKey(theKey) || !theKey.isInitialized()) {
                CryptoException.throwIt(theKey != null && Rsa.isRsaKey(theKey) ? CryptoException.UNINITIALIZED_KEY : CryptoException.ILLEGAL_VALUE);
            }
            if ((theMode == MODE_SIGN) != Rsa.isPrivate(theKey) || (theMode != MODE_SIGN && theMode != MODE_VERIFY)) {
                CryptoException.throwIt(CryptoException.ILLEGAL_VALUE);
            }
            key = theKey;
            mode = theMode;
            digest.reset();
        }

        public void init(Key theKey, byte theMode, byte[] bArray, short bOff, short bLen) {
            CryptoException.throwIt(CryptoException.ILLEGAL_VALUE);
        }

        public short getLength() {
            if (key == null) {
                CryptoException.throwIt(CryptoException.INVALID_INIT);
            }
            return (short) Rsa.modulusBytes(key);
        }

        public byte getAlgorithm() {
            return algorithm;
        }

        public void update(byte[] inBuff, short inOffset, short inLength) {
            if (key == null) {
                CryptoException.throwIt(CryptoException.INVALID_INIT);
            }
            digest.update(inBuff, inOffset, inLength);
        }

        private byte[] encodedDigestInfo(byte[] inBuff, short inOffset, short inLength) {
            byte[] prefix = MessageDigest.digestInfoPrefix(hashAlgorithm);
            byte[] di = new byte[prefix.length + digest.getLength()];
            System.arraycopy(prefix, 0, di, 0, prefix.length);
            digest.doFinal(inBuff, inOffset, inLength, di, (short) prefix.length);
            return di;
        }

        public short sign(byte[] inBuff, short inOffset, short inLength, byte[] sigBuff, short sigOffset) {
            if (key == null || mode != MODE_SIGN) {
                CryptoException.throwIt(CryptoException.INVALID_INIT);
            }
            int k = Rsa.modulusBytes(key);
            byte[] s = org.simcert.cardsim.TimingModel.paced(org.simcert.cardsim.TimingModel.Op.SIGN, () -> Rsa.op(key, Rsa.pad(encodedDigestInfo(inBuff, inOffset, inLength), k, 1)));
            System.arraycopy(s, 0, sigBuff, sigOffset, s.length);
            return (short) s.length;
        }

        public short signPreComputedHash(byte[] hashBuff, short hashOffset, short hashLength, byte[] sigBuff, short sigOffset) {
            if (key == null || mode != MODE_SIGN) {
                CryptoException.throwIt(CryptoException.INVALID_INIT);
            }
            if (hashLength != digest.getLength()) {
                CryptoException.throwIt(CryptoException.ILLEGAL_VALUE);
            }
            byte[] prefix = MessageDigest.digestInfoPrefix(hashAlgorithm);
            byte[] di = new byte[prefix.length + hashLength];
            System.arraycopy(prefix, 0, di, 0, prefix.length);
            System.arraycopy(hashBuff, hashOffset, di, prefix.length, hashLength);
            byte[] sig = org.simcert.cardsim.TimingModel.paced(org.simcert.cardsim.TimingModel.Op.SIGN, () -> Rsa.op(key, Rsa.pad(di, Rsa.modulusBytes(key), 1)));
            System.arraycopy(sig, 0, sigBuff, sigOffset, sig.length);
            digest.reset();
            return (short) sig.length;
        }

        public boolean verify(byte[] inBuff, short inOffset, short inLength, byte[] sigBuff, short sigOffset, short sigLength) {
            if (key == null || mode != MODE_VERIFY) {
                CryptoException.throwIt(CryptoException.INVALID_INIT);
            }
            byte[] expected = encodedDigestInfo(inBuff, inOffset, inLength);
            int k = Rsa.modulusBytes(key);
            if (sigLength != k) {
                return false;
            }
            byte[] sig = new byte[k];
            System.arraycopy(sigBuff, sigOffset, sig, 0, k);
            byte[] em = Rsa.op(key, sig);
            return java.util.Arrays.equals(Rsa.pad(expected, k, 1), em);
        }
    }

    /** ECDSA over the JDK's "NONEwithECDSA" on a digest this class computes, so sign and signPreComputedHash agree. */
    private static final class EcdsaSignature extends Signature {
        private final byte algorithm;
        private final MessageDigest digest;
        private EcKeyImpl key;
        private byte mode;

        EcdsaSignature(byte algorithm, byte hashAlgorithm) {
            this.algorithm = algorithm;
            this.digest = MessageDigest.getInstance(hashAlgorithm, false);
        }

        public void init(Key theKey, byte theMode) {
            if (!(theKey instanceof EcKeyImpl)) {
                CryptoException.throwIt(CryptoException.ILLEGAL_VALUE);
            }
            if (!theKey.isInitialized()) {
                CryptoException.throwIt(CryptoException.UNINITIALIZED_KEY);
            }
            boolean privateKey = theKey.getType() == KeyBuilder.TYPE_EC_FP_PRIVATE;
            if ((theMode != MODE_SIGN && theMode != MODE_VERIFY) || (theMode == MODE_SIGN) != privateKey) {
                CryptoException.throwIt(CryptoException.ILLEGAL_VALUE);
            }
            key = (EcKeyImpl) theKey;
            mode = theMode;
            digest.reset();
        }

        public void init(Key theKey, byte theMode, byte[] bArray, short bOff, short bLen) {
            CryptoException.throwIt(CryptoException.ILLEGAL_VALUE);
        }

        /** The longest DER ECDSA-Sig-Value for the key's curve: SEQUENCE of two INTEGERs each up to n+1 bytes. */
        public short getLength() {
            if (key == null) {
                CryptoException.throwIt(CryptoException.INVALID_INIT);
            }
            int n = (key.getSize() + 7) / 8;
            return (short) (2 + 2 * (n + 3) + (n > 60 ? 1 : 0));
        }

        public byte getAlgorithm() {
            return algorithm;
        }

        public void update(byte[] inBuff, short inOffset, short inLength) {
            if (key == null) {
                CryptoException.throwIt(CryptoException.INVALID_INIT);
            }
            digest.update(inBuff, inOffset, inLength);
        }

        private byte[] finish(byte[] inBuff, short inOffset, short inLength) {
            byte[] h = new byte[digest.getLength()];
            digest.doFinal(inBuff, inOffset, inLength, h, (short) 0);
            return h;
        }

        private java.security.Signature jdk() throws java.security.GeneralSecurityException {
            return java.security.Signature.getInstance("NONEwithECDSA");
        }

        private short signHash(byte[] h, byte[] sigBuff, short sigOffset) {
            try {
                java.security.spec.ECParameterSpec spec = key.spec();
                java.security.PrivateKey k = java.security.KeyFactory.getInstance("EC")
                        .generatePrivate(new java.security.spec.ECPrivateKeySpec(key.scalar(), spec));
                java.security.Signature s = jdk();
                s.initSign(k, new java.security.SecureRandom());
                s.update(h);
                byte[] der = s.sign();
                System.arraycopy(der, 0, sigBuff, sigOffset, der.length);
                return (short) der.length;
            } catch (java.security.GeneralSecurityException e) {
                throw new CryptoException(CryptoException.ILLEGAL_VALUE);
            }
        }

        public short sign(byte[] inBuff, short inOffset, short inLength, byte[] sigBuff, short sigOffset) {
            if (key == null || mode != MODE_SIGN) {
                CryptoException.throwIt(CryptoException.INVALID_INIT);
            }
            return org.simcert.cardsim.TimingModel.paced(org.simcert.cardsim.TimingModel.Op.SIGN, () -> signHash(finish(inBuff, inOffset, inLength), sigBuff, sigOffset));
        }

        public short signPreComputedHash(byte[] hashBuff, short hashOffset, short hashLength, byte[] sigBuff, short sigOffset) {
            if (key == null || mode != MODE_SIGN) {
                CryptoException.throwIt(CryptoException.INVALID_INIT);
            }
            if (hashLength != digest.getLength()) {
                CryptoException.throwIt(CryptoException.ILLEGAL_VALUE);
            }
            byte[] h = new byte[hashLength];
            System.arraycopy(hashBuff, hashOffset, h, 0, hashLength);
            digest.reset();
            return org.simcert.cardsim.TimingModel.paced(org.simcert.cardsim.TimingModel.Op.SIGN, () -> signHash(h, sigBuff, sigOffset));
        }

        public boolean verify(byte[] inBuff, short inOffset, short inLength, byte[] sigBuff, short sigOffset, short sigLength) {
            if (key == null || mode != MODE_VERIFY) {
                CryptoException.throwIt(CryptoException.INVALID_INIT);
            }
            byte[] h = finish(inBuff, inOffset, inLength);
            byte[] sig = new byte[sigLength];
            System.arraycopy(sigBuff, sigOffset, sig, 0, sigLength);
            try {
                java.security.PublicKey k = java.security.KeyFactory.getInstance("EC")
                        .generatePublic(new java.security.spec.ECPublicKeySpec(key.point(), key.spec()));
                java.security.Signature s = jdk();
                s.initVerify(k);
                s.update(h);
                return s.verify(sig);
            } catch (java.security.SignatureException e) {
                return false; // a malformed DER signature does not verify
            } catch (java.security.GeneralSecurityException e) {
                throw new CryptoException(CryptoException.ILLEGAL_VALUE);
            }
        }
    }
}
