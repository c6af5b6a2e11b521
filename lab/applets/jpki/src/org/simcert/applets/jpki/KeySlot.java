package org.simcert.applets.jpki;

import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.Util;
import javacard.security.ECKey;
import javacard.security.ECPrivateKey;
import javacard.security.ECPublicKey;
import javacard.security.KeyBuilder;
import javacard.security.KeyPair;
import javacard.security.MessageDigest;
import javacard.security.RSAPrivateCrtKey;
import javacard.security.RSAPublicKey;
import javacard.security.Signature;
import javacardx.crypto.Cipher;

/**
 * One private key of the JPKI AP: the user-authentication key (EF 0017) or the signing key (EF 001A). Its type is
 * fixed at install: RSA-2048 (signing RSASSA-PKCS1-v1_5 with Cipher.ALG_RSA_PKCS1, deterministic) or ECDSA P-256 /
 * P-384 (with SHA-256 / SHA-384, answering r || s). The key arrives as DGIs (RSA CRT components, EC scalar) or is
 * generated in the card, its public key then written to an EF as the ISO/IEC 7816-8 7F49 template. All objects
 * are allocated here, once: a card has no garbage collector.
 */
final class KeySlot {
    static final byte ALG_RSA_2048 = 0x01;
    static final byte ALG_EC_P256 = 0x02;
    static final byte ALG_EC_P384 = 0x03;

    /** RSA CRT components by their EMV CPS DGI number (low nibble of 82x1..82x5). */
    static final byte RSA_PQ = 1;
    static final byte RSA_DQ1 = 2;
    static final byte RSA_DP1 = 3;
    static final byte RSA_Q = 4;
    static final byte RSA_P = 5;
    private static final byte ALL_RSA_COMPONENTS = 0x3E; // bits 1..5
    private static final byte EC_SCALAR = 0x01;

    static final short RSA_BYTES = 256;
    /** Size of each CRT component of an RSA-2048 key (p, q, dp, dq, q^-1 mod p). */
    static final short RSA_HALF_BYTES = 128;

    /** DigestInfo prefix for SHA-256 (RFC 8017 section 9.2, note 1). */
    private static final byte[] SHA256_DIGEST_INFO = {
        0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, (byte) 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20
    };

    final byte algorithm;
    private final RSAPrivateCrtKey rsaKey;
    private final RSAPublicKey rsaPublic;
    private final Cipher cipher;
    private final ECPrivateKey ecKey;
    private final ECPublicKey ecPublic;
    private final Signature ecdsa;
    private final KeyPair pair;
    /** Bytes of the EC field (32 for P-256, 48 for P-384), also the length of its hash; 0 for RSA. */
    private final short ecFieldBytes;
    private final MessageDigest sha256;
    private final byte[] scratch;
    /** Bits of the components that arrived whole (RSA: 1 << component; EC: 1); all of them once generated. */
    private byte received;

    /** scratch: at least RSA_BYTES of transient memory, shared with the rest of the applet. */
    KeySlot(byte algorithm, MessageDigest sha256, byte[] scratch) {
        this.algorithm = algorithm;
        this.sha256 = sha256;
        this.scratch = scratch;
        if (algorithm == ALG_RSA_2048) {
            rsaKey = (RSAPrivateCrtKey) KeyBuilder.buildKey(KeyBuilder.TYPE_RSA_CRT_PRIVATE, KeyBuilder.LENGTH_RSA_2048, false);
            rsaPublic = (RSAPublicKey) KeyBuilder.buildKey(KeyBuilder.TYPE_RSA_PUBLIC, KeyBuilder.LENGTH_RSA_2048, false);
            cipher = Cipher.getInstance(Cipher.ALG_RSA_PKCS1, false);
            pair = new KeyPair(rsaPublic, rsaKey);
            ecKey = null;
            ecPublic = null;
            ecdsa = null;
            ecFieldBytes = 0;
        } else {
            boolean p384 = algorithm == ALG_EC_P384;
            short bits = p384 ? KeyBuilder.LENGTH_EC_FP_384 : KeyBuilder.LENGTH_EC_FP_256;
            ecKey = (ECPrivateKey) KeyBuilder.buildKey(KeyBuilder.TYPE_EC_FP_PRIVATE, bits, false);
            ecPublic = (ECPublicKey) KeyBuilder.buildKey(KeyBuilder.TYPE_EC_FP_PUBLIC, bits, false);
            setDomain(ecKey, p384);
            setDomain(ecPublic, p384);
            pair = new KeyPair(ecPublic, ecKey);
            ecdsa = Signature.getInstance(p384 ? Signature.ALG_ECDSA_SHA_384 : Signature.ALG_ECDSA_SHA_256, false);
            ecFieldBytes = (short) (p384 ? 48 : 32);
            rsaKey = null;
            rsaPublic = null;
            cipher = null;
        }
    }

    static boolean isKnownAlgorithm(byte alg) {
        return alg == ALG_RSA_2048 || alg == ALG_EC_P256 || alg == ALG_EC_P384;
    }

    private static void setDomain(ECKey k, boolean p384) {
        byte[] field = p384 ? Curves.P384_FIELD : Curves.P256_FIELD;
        byte[] a = p384 ? Curves.P384_A : Curves.P256_A;
        byte[] b = p384 ? Curves.P384_B : Curves.P256_B;
        byte[] g = p384 ? Curves.P384_G : Curves.P256_G;
        byte[] r = p384 ? Curves.P384_R : Curves.P256_R;
        k.setFieldFP(field, (short) 0, (short) field.length);
        k.setA(a, (short) 0, (short) a.length);
        k.setB(b, (short) 0, (short) b.length);
        k.setG(g, (short) 0, (short) g.length);
        k.setR(r, (short) 0, (short) r.length);
        k.setK(p384 ? Curves.P384_K : Curves.P256_K);
    }

    boolean isEc() {
        return algorithm != ALG_RSA_2048;
    }

    /** Whether the key is whole: every component injected, or generated on the card. */
    boolean isComplete() {
        if (isEc()) {
            return received == EC_SCALAR && ecKey.isInitialized();
        }
        return received == ALL_RSA_COMPONENTS && rsaKey.isInitialized();
    }

    // ---- injection (DGIs) ----

    /**
     * A key DGI is arriving: checks it fits the key's type (6A80 otherwise: an RSA component for an EC key or the
     * reverse) and returns the most bytes its value may have. The component counts as missing until it is whole.
     * component: RSA_PQ..RSA_P for RSA, 0 for the EC scalar.
     */
    short beginComponent(byte component) {
        boolean ecComponent = component == 0;
        if (ecComponent != isEc()) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        received &= (byte) ~bit(component);
        return ecComponent ? ecFieldBytes : RSA_HALF_BYTES;
    }

    /** The value of a key DGI is in scratch[0..length): left-pads it to the full component length and sets it. */
    void setComponent(byte component, short length) {
        short size = component == 0 ? ecFieldBytes : RSA_HALF_BYTES;
        leftPad(length, size);
        switch (component) {
            case 0:
                ecKey.setS(scratch, (short) 0, size);
                break;
            case RSA_PQ:
                rsaKey.setPQ(scratch, (short) 0, size);
                break;
            case RSA_DQ1:
                rsaKey.setDQ1(scratch, (short) 0, size);
                break;
            case RSA_DP1:
                rsaKey.setDP1(scratch, (short) 0, size);
                break;
            case RSA_Q:
                rsaKey.setQ(scratch, (short) 0, size);
                break;
            case RSA_P:
                rsaKey.setP(scratch, (short) 0, size);
                break;
            default:
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        received |= bit(component);
    }

    private static byte bit(byte component) {
        return component == 0 ? EC_SCALAR : (byte) (1 << component);
    }

    /**
     * DGIs may carry a component with its leading zero bytes stripped, and a card's key setters are only
     * guaranteed to take the full component length: right-align it in the first `size` bytes of the scratch.
     */
    private void leftPad(short length, short size) {
        if (length > size) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        short pad = (short) (size - length);
        if (pad > 0) {
            Util.arrayCopyNonAtomic(scratch, (short) 0, scratch, pad, length); // overlapping copy is defined
            Util.arrayFillNonAtomic(scratch, (short) 0, pad, (byte) 0);
        }
    }

    // ---- generation on the card ----

    /**
     * GENERATE ASYMMETRIC KEY PAIR: a new key pair in the card; the public key goes to `publicKeyEf` as
     * 7F49 { 81 modulus, 82 exponent } (RSA) or 7F49 { 86 04 || X || Y } (EC). The private key never leaves.
     */
    void generate(ElementaryFile publicKeyEf) {
        pair.genKeyPair();
        if (isEc()) {
            // 7F49 LL | 86 LL 04 X Y: at most 2 + 97 bytes, so one-byte lengths (< 128) suffice.
            short w = (short) (1 + 2 * ecFieldBytes);
            short inner = (short) (2 + w);
            byte[] out = publicKeyEf.prepare((short) (3 + inner));
            out[0] = 0x7F;
            out[1] = 0x49;
            out[2] = (byte) inner;
            out[3] = (byte) 0x86;
            out[4] = (byte) w;
            ecPublic.getW(out, (short) 5);
            publicKeyEf.complete((short) (3 + inner));
            received = EC_SCALAR;
            return;
        }
        short expLen = rsaPublic.getExponent(scratch, (short) 0);
        // 7F49 82 LL LL | 81 82 01 00 modulus | 82 len exponent
        short inner = (short) (4 + RSA_BYTES + 2 + expLen);
        byte[] out = publicKeyEf.prepare((short) (5 + inner));
        out[0] = 0x7F;
        out[1] = 0x49;
        out[2] = (byte) 0x82;
        Util.setShort(out, (short) 3, inner);
        out[5] = (byte) 0x81;
        out[6] = (byte) 0x82;
        Util.setShort(out, (short) 7, RSA_BYTES);
        rsaPublic.getModulus(out, (short) 9);
        out[(short) (9 + RSA_BYTES)] = (byte) 0x82;
        out[(short) (10 + RSA_BYTES)] = (byte) expLen;
        Util.arrayCopy(scratch, (short) 0, out, (short) (11 + RSA_BYTES), expLen);
        Util.arrayFillNonAtomic(scratch, (short) 0, RSA_BYTES, (byte) 0);
        publicKeyEf.complete((short) (5 + inner));
        received = ALL_RSA_COMPONENTS;
    }

    // ---- COMPUTE DIGITAL SIGNATURE ----

    /**
     * Signs in[off..off+len) as P1 says and writes the signature at out[0]; returns its length. out may be the
     * buffer the input is in: the input is consumed first. RSA P1: 00 a DigestInfo (1..245 bytes) padded and signed
     * as is; 02 a SHA-256 hash wrapped in its DigestInfo; 03 a message hashed with SHA-256 and wrapped. EC P1: 00
     * the hash (exactly the curve's hash length); 03 a message hashed in the card. Other P1: 6A86.
     */
    short sign(byte p1, byte[] in, short off, short len, byte[] out) {
        return isEc() ? signEcdsa(p1, in, off, len, out) : signRsa(p1, in, off, len, out);
    }

    private short signRsa(byte p1, byte[] in, short off, short len, byte[] out) {
        short inLen;
        switch (p1) {
            case 0x00: // DigestInfo given: pad and sign as is
                if (len == 0 || len > (short) (RSA_BYTES - 11)) {
                    ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
                }
                inLen = Util.arrayCopyNonAtomic(in, off, scratch, (short) 0, len);
                break;
            case 0x02: // SHA-256 hash given: wrap it in its DigestInfo
                if (len != MessageDigest.LENGTH_SHA_256) {
                    ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
                }
                inLen = Util.arrayCopyNonAtomic(SHA256_DIGEST_INFO, (short) 0, scratch, (short) 0, (short) SHA256_DIGEST_INFO.length);
                inLen = Util.arrayCopyNonAtomic(in, off, scratch, inLen, len);
                break;
            case 0x03: // message given: hash with SHA-256, wrap, sign
                inLen = Util.arrayCopyNonAtomic(SHA256_DIGEST_INFO, (short) 0, scratch, (short) 0, (short) SHA256_DIGEST_INFO.length);
                sha256.reset();
                inLen += sha256.doFinal(in, off, len, scratch, inLen);
                break;
            default:
                ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
                return 0;
        }
        cipher.init(rsaKey, Cipher.MODE_ENCRYPT);
        short sigLen = cipher.doFinal(scratch, (short) 0, inLen, out, (short) 0);
        Util.arrayFillNonAtomic(scratch, (short) 0, inLen, (byte) 0);
        return sigLen;
    }

    /** ECDSA with the key's curve and hash; the API's DER answer converted to r || s (BSI TR-03111 5.2.1). */
    private short signEcdsa(byte p1, byte[] in, short off, short len, byte[] out) {
        ecdsa.init(ecKey, Signature.MODE_SIGN);
        short derLen;
        if (p1 == 0x00) {
            if (len != ecFieldBytes) {
                ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
            }
            derLen = ecdsa.signPreComputedHash(in, off, len, scratch, (short) 0);
        } else if (p1 == 0x03) {
            derLen = ecdsa.sign(in, off, len, scratch, (short) 0);
        } else {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
            return 0;
        }
        short plainLen = PlainSignature.fromDer(scratch, derLen, out, ecFieldBytes);
        Util.arrayFillNonAtomic(scratch, (short) 0, derLen, (byte) 0);
        return plainLen;
    }
}
