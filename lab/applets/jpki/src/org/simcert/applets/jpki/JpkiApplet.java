package org.simcert.applets.jpki;

import javacard.framework.APDU;
import javacard.framework.Applet;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.OwnerPIN;
import javacard.framework.Util;
import javacard.security.ECKey;
import javacard.security.ECPrivateKey;
import javacard.security.ECPublicKey;
import javacard.security.KeyBuilder;
import javacard.security.KeyPair;
import javacard.security.RSAPublicKey;
import javacard.security.MessageDigest;
import javacard.security.RSAPrivateCrtKey;
import javacard.security.Signature;
import javacardx.apdu.ExtendedLength;
import javacardx.crypto.Cipher;
import org.globalplatform.Application;
import org.globalplatform.GPSystem;
import org.globalplatform.SecureChannel;

/**
 * Reference implementation of the JPKI user-authentication application (JPKI AP, AID D3 92 F0 00 26 01 00 00
 * 00 01) as My Number cards and phone secure elements expose it: SELECT of the AP and its EFs, READ BINARY of the
 * certificates and token info, VERIFY of the 4-digit PIN, COMPUTE DIGITAL SIGNATURE with the user-authentication
 * key: RSA-2048 as today's cards, or ECDSA P-384 (the next-generation card's choice) or P-256, fixed per instance by
 * its install parameters. Command bytes and status words follow ../shared/reference/jpki-card-interface.md. Until it
 * is PERSONALIZED the applet takes only SELECT, STORE DATA (DGIs) and GENERATE ASYMMETRIC KEY PAIR (README.md).
 */
public final class JpkiApplet extends Applet implements ExtendedLength, Application, Personalization.DgiSink {
    // File identifiers of the JPKI AP.
    static final short FID_USER_AUTH_CERT = 0x000A;
    static final short FID_USER_AUTH_CA_CERT = 0x000B;
    static final short FID_TOKEN_INFO = 0x0006;
    static final short FID_CERT_PRESENCE = 0x0008;
    static final short FID_USER_AUTH_KEY = 0x0017;
    static final short FID_USER_AUTH_PIN = 0x0018;
    /** The public key of a key pair generated on the card, as 7F49 (this project's FID; read before personalization). */
    static final short FID_GENERATED_PUBLIC_KEY = 0x0021;

    private static final byte INS_SELECT = (byte) 0xA4;
    private static final byte INS_READ_BINARY = (byte) 0xB0;
    private static final byte INS_VERIFY = 0x20;
    private static final byte INS_CHANGE_REFERENCE_DATA = 0x24;
    private static final byte INS_COMPUTE_DIGITAL_SIGNATURE = 0x2A;
    private static final byte INS_INTERNAL_AUTHENTICATE = (byte) 0x88;
    private static final byte INS_STORE_DATA = (byte) 0xE2;
    /** GENERATE ASYMMETRIC KEY PAIR (ISO/IEC 7816-8). */
    private static final byte INS_GENERATE_KEY_PAIR = 0x46;

    /** VERIFY / CHANGE REFERENCE DATA P2: the current EF (80) or the user-auth PIN by SFI (80 | 18). */
    private static final byte P2_CURRENT_EF = (byte) 0x80;
    private static final byte P2_USER_AUTH_PIN_SFI = (byte) 0x98;
    /** COMPUTE DIGITAL SIGNATURE P2: the current EF (80) or the user-auth key by reference (97). */
    private static final byte P2_USER_AUTH_KEY_REF = (byte) 0x97;

    // DGIs (README.md): EMV CPS v1.1 numbering for the ICC private key in CRT form, ours for the rest.
    private static final short DGI_RSA_PQ = (short) 0x8201;
    private static final short DGI_RSA_DQ1 = (short) 0x8202;
    private static final short DGI_RSA_DP1 = (short) 0x8203;
    private static final short DGI_RSA_Q = (short) 0x8204;
    private static final short DGI_RSA_P = (short) 0x8205;
    /** EC private key: the scalar d (this project's numbering; EMV CPS defines no EC key DGI). */
    private static final short DGI_EC_PRIVATE = (short) 0x8301;
    private static final short DGI_PIN = (short) 0x8010;
    private static final short DGI_PIN_TRIES = (short) 0x9010;
    private static final short DGI_EF_MASK = (short) 0xA000;

    /** Bits of `received` for the pieces personalization must deliver. */
    private static final short GOT_P = 0x01;
    private static final short GOT_Q = 0x02;
    private static final short GOT_DP1 = 0x04;
    private static final short GOT_DQ1 = 0x08;
    private static final short GOT_PQ = 0x10;
    private static final short GOT_PIN = 0x20;
    private static final short GOT_TRIES = 0x40;
    private static final short GOT_CERT = 0x80;
    private static final short GOT_EC_D = 0x100;
    private static final short GOT_RSA_KEY = GOT_P | GOT_Q | GOT_DP1 | GOT_DQ1 | GOT_PQ;
    private static final short GOT_REST = GOT_PIN | GOT_TRIES | GOT_CERT;

    /** Install parameter (application data) `80 01 alg` choosing the instance's key; absent: RSA-2048. */
    private static final byte INSTALL_TAG_KEY_ALGORITHM = (byte) 0x80;
    static final byte ALG_RSA_2048 = 0x01;
    static final byte ALG_EC_P256 = 0x02;
    static final byte ALG_EC_P384 = 0x03;

    /** ISO/IEC 7816-4 6981: command incompatible with file structure (no constant in ISO7816). */
    private static final short SW_INCOMPATIBLE_FILE_STRUCTURE = 0x6981;

    private static final short KEY_BYTES = 256;
    /** Size of each CRT component of an RSA-2048 key (p, q, dp, dq, q^-1 mod p). */
    private static final short HALF_KEY_BYTES = 128;
    private static final short MAX_EF_SIZE = 3072;
    private static final byte PIN_LENGTH = 4;
    /** OwnerPIN capacity: VERIFY takes up to 16 bytes, so a longer wrong PIN is compared (and counted), never refused. */
    private static final byte PIN_MAX_SIZE = 16;
    private static final byte MAX_PIN_TRIES = 15;

    /** DigestInfo prefix for SHA-256 (RFC 8017 section 9.2, note 1). */
    private static final byte[] SHA256_DIGEST_INFO = {
        0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, (byte) 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20
    };

    private final ElementaryFile[] files;
    private final byte keyAlgorithm;
    /** The user-authentication key: RSA (with `cipher`) or EC (with `ecdsa`), as `keyAlgorithm` says. */
    private RSAPrivateCrtKey key;
    private final Cipher cipher;
    private final ECPrivateKey ecKey;
    private final ECPublicKey ecPublic;
    private final KeyPair ecPair;
    private final Signature ecdsa;
    /** Bytes of the EC field (32 for P-256, 48 for P-384), which is also the length of its hash (SHA-256 / SHA-384). */
    private final short ecFieldBytes;
    private final MessageDigest sha256;
    private final Personalization personalization;
    private OwnerPIN pin;
    private boolean personalized;
    private short received;
    private final byte[] pinScratch;
    private byte pinScratchLength;
    private byte pinTries;
    private byte pinTryLimit;

    /** [0] 1 while the STORE DATA block being read carries encrypted DGI values (P1 b7-b6 = 11). */
    private final byte[] blockEncrypted;
    /** Personalized life cycle state reported by GET STATUS (application specific: b1-b4 set). */
    private static final byte STATE_PERSONALIZED = 0x0F;

    /** Scratch for key components being received and for signature input/output. */
    private final byte[] scratch;
    /** [0] index of the current EF in `files`, or one of the pseudo-files below; cleared on deselect. */
    private final byte[] current;
    private static final byte NO_EF = -1;
    private static final byte EF_KEY = -2;
    private static final byte EF_PIN = -3;

    private JpkiApplet(byte algorithm) {
        files = new ElementaryFile[] {
            new ElementaryFile(FID_USER_AUTH_CERT), new ElementaryFile(FID_USER_AUTH_CA_CERT),
            new ElementaryFile(FID_TOKEN_INFO), new ElementaryFile(FID_CERT_PRESENCE), new ElementaryFile(FID_GENERATED_PUBLIC_KEY)
        };
        keyAlgorithm = algorithm;
        if (algorithm == ALG_RSA_2048) {
            key = (RSAPrivateCrtKey) KeyBuilder.buildKey(KeyBuilder.TYPE_RSA_CRT_PRIVATE, KeyBuilder.LENGTH_RSA_2048, false);
            cipher = Cipher.getInstance(Cipher.ALG_RSA_PKCS1, false);
            ecKey = null;
            ecPublic = null;
            ecPair = null;
            ecdsa = null;
            ecFieldBytes = 0;
        } else {
            boolean p384 = algorithm == ALG_EC_P384;
            short bits = p384 ? KeyBuilder.LENGTH_EC_FP_384 : KeyBuilder.LENGTH_EC_FP_256;
            ecKey = (ECPrivateKey) KeyBuilder.buildKey(KeyBuilder.TYPE_EC_FP_PRIVATE, bits, false);
            ecPublic = (ECPublicKey) KeyBuilder.buildKey(KeyBuilder.TYPE_EC_FP_PUBLIC, bits, false);
            setDomain(ecKey, p384);
            setDomain(ecPublic, p384);
            // Keys allocated once: a card has no garbage collector, so GENERATE reuses them.
            ecPair = new KeyPair(ecPublic, ecKey);
            ecdsa = Signature.getInstance(p384 ? Signature.ALG_ECDSA_SHA_384 : Signature.ALG_ECDSA_SHA_256, false);
            ecFieldBytes = (short) (p384 ? 48 : 32);
            key = null;
            cipher = null;
        }
        sha256 = MessageDigest.getInstance(MessageDigest.ALG_SHA_256, false);
        pinScratch = new byte[PIN_MAX_SIZE];
        scratch = JCSystem.makeTransientByteArray(KEY_BYTES, JCSystem.CLEAR_ON_DESELECT);
        current = JCSystem.makeTransientByteArray((short) 1, JCSystem.CLEAR_ON_DESELECT);
        blockEncrypted = JCSystem.makeTransientByteArray((short) 1, JCSystem.CLEAR_ON_RESET);
        personalization = new Personalization(this);
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

    /**
     * Install parameters as jCardSim and GlobalPlatform pass them: LV instance AID, LV privileges, LV application
     * data (C9). The application data may hold `80 01 alg` (01 RSA-2048, 02 ECDSA P-256, 03 ECDSA P-384); anything
     * else there is refused with 6A80, so a mistyped parameter never yields an instance with the wrong key type.
     */
    public static void install(byte[] bArray, short bOffset, byte bLength) {
        short aidOff = (short) (bOffset + 1);
        byte aidLen = bArray[bOffset];
        short privOff = (short) (aidOff + aidLen);
        byte algorithm = ALG_RSA_2048;
        short end = (short) (bOffset + bLength);
        if (privOff < end) {
            short paramsLenOff = (short) (privOff + 1 + bArray[privOff]);
            if (paramsLenOff < end) {
                algorithm = keyAlgorithm(bArray, (short) (paramsLenOff + 1), (short) (bArray[paramsLenOff] & 0xFF));
            }
        }
        new JpkiApplet(algorithm).register(bArray, aidOff, aidLen);
    }

    private static byte keyAlgorithm(byte[] b, short off, short len) {
        if (len == 0) {
            return ALG_RSA_2048;
        }
        if (len != 3 || b[off] != INSTALL_TAG_KEY_ALGORITHM || b[(short) (off + 1)] != 1) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        byte alg = b[(short) (off + 2)];
        if (alg != ALG_RSA_2048 && alg != ALG_EC_P256 && alg != ALG_EC_P384) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        return alg;
    }

    private boolean isEc() {
        return keyAlgorithm != ALG_RSA_2048;
    }

    private short requiredKeyBits() {
        return isEc() ? GOT_EC_D : GOT_RSA_KEY;
    }

    /** Selecting the AP starts from scratch: no current EF, PIN not verified, personalization stream at block 00. */
    public boolean select() {
        current[0] = NO_EF;
        if (pin != null) {
            pin.reset();
        }
        personalization.reset();
        return true;
    }

    /**
     * OwnerPIN keeps its validated flag until a card reset; the JPKI AP forgets the verification as soon as another
     * application is selected, so a UI app cannot leave a verified PIN behind for the next one on the channel.
     */
    public void deselect() {
        if (pin != null) {
            pin.reset();
        }
    }

    public void process(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        byte ins = buf[ISO7816.OFFSET_INS];
        byte cla = buf[ISO7816.OFFSET_CLA];
        boolean proprietary = (cla & 0x80) != 0;
        if (selectingApplet()) {
            return; // SELECT of the AP: 9000, no FCI
        }
        if (!plainClass(cla)) {
            ISOException.throwIt(ISO7816.SW_CLA_NOT_SUPPORTED);
        }
        if (ins == INS_STORE_DATA && proprietary) {
            storeData(apdu);
            return;
        }
        if (ins == INS_COMPUTE_DIGITAL_SIGNATURE && proprietary) {
            requirePersonalized();
            computeDigitalSignature(apdu);
            return;
        }
        if (proprietary) {
            ISOException.throwIt(ins == INS_STORE_DATA || ins == INS_COMPUTE_DIGITAL_SIGNATURE
                    ? ISO7816.SW_CLA_NOT_SUPPORTED : ISO7816.SW_INS_NOT_SUPPORTED);
        }
        switch (ins) {
            case INS_SELECT:
                select(apdu);
                return;
            case INS_READ_BINARY:
                readBinary(apdu);
                return;
            case INS_GENERATE_KEY_PAIR:
                generateKeyPair(apdu);
                return;
            case INS_VERIFY:
                requirePersonalized();
                verify(apdu);
                return;
            case INS_CHANGE_REFERENCE_DATA:
                requirePersonalized();
                changeReferenceData(apdu);
                return;
            case INS_INTERNAL_AUTHENTICATE:
                // JPKI keys refuse INTERNAL AUTHENTICATE: the key signs only through COMPUTE DIGITAL SIGNATURE.
                ISOException.throwIt(ISO7816.SW_SECURITY_STATUS_NOT_SATISFIED);
                return;
            case INS_COMPUTE_DIGITAL_SIGNATURE:
            case INS_STORE_DATA:
                ISOException.throwIt(ISO7816.SW_CLA_NOT_SUPPORTED);
                return;
            default:
                ISOException.throwIt(ISO7816.SW_INS_NOT_SUPPORTED);
        }
    }

    /**
     * Whether CLA is one the applet can take: not FF (invalid, ISO/IEC 7816-3 PPS) and without secure messaging
     * (ISO/IEC 7816-4 5.4.1: b4-b3 in the first interindustry class 0x-3x, b6 in the further one 4x-7x; GP's 8x/Cx
     * code it the same way). The applet has no secure messaging of its own, and the security domain unwraps its
     * own before forwarding (processData), so an SM class reaching process() is refused rather than misread.
     * The logical channel bits are the runtime's business.
     */
    private static boolean plainClass(byte cla) {
        if (cla == (byte) 0xFF) {
            return false;
        }
        if ((cla & 0x40) == 0) {
            return (cla & 0x0C) == 0;
        }
        return (cla & 0x20) == 0;
    }

    private void requirePersonalized() {
        if (!personalized) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
    }

    // ---- SELECT EF ----

    private void select(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        byte p1 = buf[ISO7816.OFFSET_P1];
        if (p1 == 0x04) {
            ISOException.throwIt(ISO7816.SW_FILE_NOT_FOUND); // another DF name: the JPKI AP has no child DFs
        }
        if (p1 != 0x02) {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2); // select by path (09) and others are not supported
        }
        short lc = apdu.setIncomingAndReceive();
        if (lc != 2 || apdu.getIncomingLength() != 2) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        // SELECT works before personalization too (files not yet written answer 6A82); the commands that use
        // the selected EF are the ones that check the PERSONALIZED state.
        short fid = Util.getShort(buf, apdu.getOffsetCdata());
        if (fid == FID_USER_AUTH_KEY) {
            current[0] = EF_KEY;
            return;
        }
        if (fid == FID_USER_AUTH_PIN) {
            current[0] = EF_PIN;
            return;
        }
        byte i = fileIndex(fid);
        if (i < 0) {
            ISOException.throwIt(ISO7816.SW_FILE_NOT_FOUND);
        }
        current[0] = i;
    }

    private byte fileIndex(short fid) {
        for (byte i = 0; i < (byte) files.length; i++) {
            if (files[i].fid == fid && files[i].isPresent()) {
                return i;
            }
        }
        return NO_EF;
    }

    // ---- READ BINARY ----

    private void readBinary(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        byte p1 = buf[ISO7816.OFFSET_P1];
        boolean bySfi = (p1 & 0x80) != 0;
        // Before personalization only the public key generated on the card (EF 0021, no SFI) can be read, so the
        // SP-TSM can have it certified; everything else answers 6985 like the other commands.
        if (!personalized && (bySfi || current[0] < 0 || files[current[0]].fid != FID_GENERATED_PUBLIC_KEY)) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        short offset;
        if (bySfi) {
            // Short EF identifier in P1 b5-b1 (ISO/IEC 7816-4 7.2.2); the JPKI AP's SFIs equal the FIDs' low byte.
            if ((p1 & 0x60) != 0) {
                ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
            }
            byte i = fileIndex((short) (p1 & 0x1F));
            if (i < 0) {
                ISOException.throwIt(ISO7816.SW_FILE_NOT_FOUND);
            }
            current[0] = i;
            offset = (short) (buf[ISO7816.OFFSET_P2] & 0xFF);
        } else {
            offset = Util.getShort(buf, ISO7816.OFFSET_P1);
        }
        byte ef = current[0];
        if (ef == EF_KEY || ef == EF_PIN) {
            ISOException.throwIt(SW_INCOMPATIBLE_FILE_STRUCTURE); // the key and PIN are no binary files
        }
        if (ef == NO_EF) {
            ISOException.throwIt(ISO7816.SW_COMMAND_NOT_ALLOWED);
        }
        ElementaryFile file = files[ef];
        if (offset >= file.size()) {
            ISOException.throwIt(ISO7816.SW_WRONG_P1P2);
        }
        short ne = apdu.setOutgoing();
        short left = (short) (file.size() - offset);
        short count = ne < left ? ne : left;
        apdu.setOutgoingLength(count);
        apdu.sendBytesLong(file.content(), offset, count);
    }

    // ---- GENERATE ASYMMETRIC KEY PAIR (on-card key generation, before personalization) ----

    /**
     * 00 46 00 00: generates the user-authentication key pair inside the card. The private key stays in the card;
     * the public key is put in EF 0021 for the CA to certify, as 7F49 { 81 modulus, 82 exponent } (RSA) or
     * 7F49 { 86 04 || X || Y } (EC), the ISO/IEC 7816-8 public key data objects.
     */
    private void generateKeyPair(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        if (personalized) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        if (buf[ISO7816.OFFSET_P1] != 0x00 || buf[ISO7816.OFFSET_P2] != 0x00) {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        if (isEc()) {
            generateEcKeyPair();
            return;
        }
        KeyPair kp = new KeyPair(KeyPair.ALG_RSA_CRT, KeyBuilder.LENGTH_RSA_2048);
        kp.genKeyPair();
        key = (RSAPrivateCrtKey) kp.getPrivate();
        RSAPublicKey pub = (RSAPublicKey) kp.getPublic();
        short expLen = pub.getExponent(scratch, (short) 0);
        // 7F49 82 LL LL | 81 82 01 00 modulus | 82 len exponent
        short inner = (short) (4 + KEY_BYTES + 2 + expLen);
        ElementaryFile f = efFor(FID_GENERATED_PUBLIC_KEY);
        byte[] out = f.prepare((short) (5 + inner));
        out[0] = 0x7F;
        out[1] = 0x49;
        out[2] = (byte) 0x82;
        Util.setShort(out, (short) 3, inner);
        out[5] = (byte) 0x81;
        out[6] = (byte) 0x82;
        Util.setShort(out, (short) 7, KEY_BYTES);
        pub.getModulus(out, (short) 9);
        out[(short) (9 + KEY_BYTES)] = (byte) 0x82;
        out[(short) (10 + KEY_BYTES)] = (byte) expLen;
        Util.arrayCopy(scratch, (short) 0, out, (short) (11 + KEY_BYTES), expLen);
        Util.arrayFillNonAtomic(scratch, (short) 0, KEY_BYTES, (byte) 0);
        f.complete((short) (5 + inner));
        received |= GOT_RSA_KEY;
    }

    private void generateEcKeyPair() {
        ecPair.genKeyPair();
        // 7F49 LL | 86 LL 04 X Y: at most 2 + 97 bytes, so one-byte lengths (< 128) suffice.
        short w = (short) (1 + 2 * ecFieldBytes);
        short inner = (short) (2 + w);
        ElementaryFile f = efFor(FID_GENERATED_PUBLIC_KEY);
        byte[] out = f.prepare((short) (3 + inner));
        out[0] = 0x7F;
        out[1] = 0x49;
        out[2] = (byte) inner;
        out[3] = (byte) 0x86;
        out[4] = (byte) w;
        ecPublic.getW(out, (short) 5);
        f.complete((short) (3 + inner));
        received |= GOT_EC_D;
    }

    // ---- VERIFY / CHANGE REFERENCE DATA ----

    private void checkPinReference(byte[] buf) {
        byte p2 = buf[ISO7816.OFFSET_P2];
        if (p2 == P2_USER_AUTH_PIN_SFI) {
            return;
        }
        if (p2 != P2_CURRENT_EF) {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        if (current[0] != EF_PIN) {
            ISOException.throwIt(ISO7816.SW_COMMAND_NOT_ALLOWED);
        }
    }

    private void verify(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        if (buf[ISO7816.OFFSET_P1] != 0x00) {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        checkPinReference(buf);
        short lc = apdu.getIncomingLength();
        if (pin.getTriesRemaining() == 0) {
            ISOException.throwIt(ISO7816.SW_DATA_INVALID); // 6984: blocked
        }
        if (lc == 0) {
            // Bare VERIFY: the state of the PIN without spending a try.
            if (!pin.isValidated()) {
                ISOException.throwIt((short) (0x63C0 | pin.getTriesRemaining()));
            }
            return;
        }
        short got = apdu.setIncomingAndReceive();
        if (got != lc || lc > 16) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        if (!pin.check(buf, apdu.getOffsetCdata(), (byte) lc)) {
            ISOException.throwIt((short) (0x63C0 | pin.getTriesRemaining()));
        }
    }

    private void changeReferenceData(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        if (buf[ISO7816.OFFSET_P1] != 0x01) {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        checkPinReference(buf);
        if (!pin.isValidated()) {
            ISOException.throwIt(ISO7816.SW_SECURITY_STATUS_NOT_SATISFIED);
        }
        short lc = apdu.setIncomingAndReceive();
        short off = apdu.getOffsetCdata();
        if (lc != PIN_LENGTH || !allDigits(buf, off, lc)) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        pin.update(buf, off, (byte) lc);
    }

    private static boolean allDigits(byte[] b, short off, short len) {
        for (short i = 0; i < len; i++) {
            byte c = b[(short) (off + i)];
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    // ---- COMPUTE DIGITAL SIGNATURE ----

    private void computeDigitalSignature(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        byte p2 = buf[ISO7816.OFFSET_P2];
        if (p2 == P2_CURRENT_EF) {
            if (current[0] != EF_KEY) {
                ISOException.throwIt(ISO7816.SW_COMMAND_NOT_ALLOWED);
            }
        } else if (p2 != P2_USER_AUTH_KEY_REF) {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        if (!pin.isValidated()) {
            ISOException.throwIt(ISO7816.SW_SECURITY_STATUS_NOT_SATISFIED);
        }
        short lc = apdu.setIncomingAndReceive();
        if (lc != apdu.getIncomingLength()) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        short off = apdu.getOffsetCdata();
        if (isEc()) {
            computeEcdsa(apdu, buf[ISO7816.OFFSET_P1], off, lc);
            return;
        }
        short inLen;
        switch (buf[ISO7816.OFFSET_P1]) {
            case 0x00: // DigestInfo given: pad and sign as is
                if (lc == 0 || lc > (short) (KEY_BYTES - 11)) {
                    ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
                }
                Util.arrayCopyNonAtomic(buf, off, scratch, (short) 0, lc);
                inLen = lc;
                break;
            case 0x02: // SHA-256 hash given: wrap it in its DigestInfo
                if (lc != MessageDigest.LENGTH_SHA_256) {
                    ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
                }
                inLen = Util.arrayCopyNonAtomic(SHA256_DIGEST_INFO, (short) 0, scratch, (short) 0, (short) SHA256_DIGEST_INFO.length);
                inLen = Util.arrayCopyNonAtomic(buf, off, scratch, inLen, lc);
                break;
            case 0x03: // message given: hash with SHA-256, wrap, sign
                inLen = Util.arrayCopyNonAtomic(SHA256_DIGEST_INFO, (short) 0, scratch, (short) 0, (short) SHA256_DIGEST_INFO.length);
                sha256.reset();
                inLen += sha256.doFinal(buf, off, lc, scratch, inLen);
                break;
            default:
                ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
                return;
        }
        cipher.init(key, Cipher.MODE_ENCRYPT);
        short sigLen = cipher.doFinal(scratch, (short) 0, inLen, scratch, (short) 0);
        apdu.setOutgoing();
        apdu.setOutgoingLength(sigLen);
        apdu.sendBytesLong(scratch, (short) 0, sigLen);
    }

    /**
     * ECDSA with the instance's curve and its hash (SHA-256 for P-256, SHA-384 for P-384). P1 00: the hash is given
     * (exactly the hash's length); 03: the message is given and hashed in the card. The answer is r || s, each the
     * field's length (the plain format of BSI TR-03111 section 5.2.1), converted from the API's DER.
     */
    private void computeEcdsa(APDU apdu, byte p1, short off, short lc) {
        byte[] buf = apdu.getBuffer();
        ecdsa.init(ecKey, Signature.MODE_SIGN);
        short derLen;
        if (p1 == 0x00) {
            if (lc != ecFieldBytes) {
                ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
            }
            derLen = ecdsa.signPreComputedHash(buf, off, lc, scratch, (short) 0);
        } else if (p1 == 0x03) {
            derLen = ecdsa.sign(buf, off, lc, scratch, (short) 0);
        } else {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
            return;
        }
        short plainLen = PlainSignature.fromDer(scratch, derLen, buf, ecFieldBytes);
        Util.arrayFillNonAtomic(scratch, (short) 0, derLen, (byte) 0);
        apdu.setOutgoing();
        apdu.setOutgoingLength(plainLen);
        apdu.sendBytesLong(buf, (short) 0, plainLen);
    }

    // ---- STORE DATA (personalization) ----

    private void storeData(APDU apdu) {
        if (personalized) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        try {
            receiveStoreData(apdu);
        } catch (ISOException e) {
            abortStream();
            throw e;
        }
    }

    /**
     * A refused STORE DATA ends the stream: the half-parsed DGI in it cannot be trusted, so the next block must be
     * 00 again (a resent stream replaces what arrived). DGIs completed earlier stay.
     */
    private void abortStream() {
        personalization.reset();
        blockEncrypted[0] = 0;
    }

    private void receiveStoreData(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        byte p1 = buf[ISO7816.OFFSET_P1];
        checkStoreData(p1, false);
        personalization.checkSequence(buf[ISO7816.OFFSET_P2]);
        short off = apdu.getOffsetCdata();
        short total = apdu.getIncomingLength();
        short got = apdu.setIncomingAndReceive();
        short done = 0;
        while (true) {
            personalization.consume(buf, off, got);
            done += got;
            if (done >= total) {
                break;
            }
            got = apdu.receiveBytes(off);
        }
        endBlock(p1);
    }

    /**
     * STORE DATA forwarded by the security domain (INSTALL [for personalization]): the domain has checked and
     * removed its secure messaging; DGI values may come encrypted under its DEK (P1 b7-b6 = 11).
     */
    public void processData(byte[] baBuffer, short sOffset, short sLength) {
        if (personalized) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        try {
            receiveForwardedStoreData(baBuffer, sOffset, sLength);
        } catch (ISOException e) {
            abortStream();
            throw e;
        }
    }

    private void receiveForwardedStoreData(byte[] baBuffer, short sOffset, short sLength) {
        if (sLength < 5 || baBuffer[(short) (sOffset + ISO7816.OFFSET_INS)] != INS_STORE_DATA) {
            ISOException.throwIt(ISO7816.SW_INS_NOT_SUPPORTED);
        }
        byte p1 = baBuffer[(short) (sOffset + ISO7816.OFFSET_P1)];
        checkStoreData(p1, true);
        personalization.checkSequence(baBuffer[(short) (sOffset + ISO7816.OFFSET_P2)]);
        short lc = (short) (baBuffer[(short) (sOffset + ISO7816.OFFSET_LC)] & 0xFF);
        if ((short) (lc + 5) != sLength) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        personalization.consume(baBuffer, (short) (sOffset + ISO7816.OFFSET_CDATA), lc);
        endBlock(p1);
    }

    /** P1 (GP CS 2.3.1 table 11-89): b8 last block, b7-b6 encryption, b5-b4 = 01 DGI format. */
    private void checkStoreData(byte p1, boolean fromDomain) {
        byte enc = (byte) (p1 & 0x60);
        // Encrypted DGIs only through the security domain, whose DEK protects them; 01 (application-defined) never.
        if ((p1 & 0x18) != 0x08 || enc == 0x20 || enc == 0x40 || (enc == 0x60 && !fromDomain)) {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        blockEncrypted[0] = (byte) (enc == 0x60 ? 1 : 0);
    }

    private void endBlock(byte p1) {
        if (blockEncrypted[0] != 0 && personalization.inMiddleOfDgi()) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA); // an encrypted DGI must end in its block
        }
        blockEncrypted[0] = 0;
        personalization.blockDone();
        if ((p1 & 0x80) != 0) {
            finishPersonalization();
        }
    }

    public void begin(short tag, short length) {
        if ((short) (tag & (short) 0xF000) == DGI_EF_MASK) {
            if (blockEncrypted[0] != 0) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA); // file contents are public: sent in clear
            }
            ElementaryFile f = efFor((short) (tag & 0x0FFF));
            if (f == null || f.fid == FID_GENERATED_PUBLIC_KEY || length == 0 || length > MAX_EF_SIZE) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            received &= (short) ~receivedBit(tag); // a DGI being replaced counts only once it is whole again
            f.prepare(length);
            return;
        }
        short max;
        switch (tag) {
            case DGI_RSA_P:
            case DGI_RSA_Q:
            case DGI_RSA_DP1:
            case DGI_RSA_DQ1:
            case DGI_RSA_PQ:
                if (isEc()) {
                    ISOException.throwIt(ISO7816.SW_WRONG_DATA); // a key of the other type than the instance's
                }
                max = HALF_KEY_BYTES;
                break;
            case DGI_EC_PRIVATE:
                if (!isEc()) {
                    ISOException.throwIt(ISO7816.SW_WRONG_DATA);
                }
                max = ecFieldBytes;
                break;
            case DGI_PIN:
                max = blockEncrypted[0] != 0 ? (short) 16 : PIN_LENGTH;
                break;
            case DGI_PIN_TRIES:
                max = 2;
                break;
            default:
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
                return;
        }
        if (length == 0 || length > max) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        received &= (short) ~receivedBit(tag);
    }

    /** The bit of `received` a DGI sets; 0 for the optional EFs. */
    private static short receivedBit(short tag) {
        switch (tag) {
            case DGI_RSA_P:
                return GOT_P;
            case DGI_RSA_Q:
                return GOT_Q;
            case DGI_RSA_DP1:
                return GOT_DP1;
            case DGI_RSA_DQ1:
                return GOT_DQ1;
            case DGI_RSA_PQ:
                return GOT_PQ;
            case DGI_EC_PRIVATE:
                return GOT_EC_D;
            case DGI_PIN:
                return GOT_PIN;
            case DGI_PIN_TRIES:
                return GOT_TRIES;
            default:
                return (short) (tag & 0x0FFF) == FID_USER_AUTH_CERT ? GOT_CERT : 0;
        }
    }

    /**
     * Right-aligns a CRT component in the first HALF_KEY_BYTES of the scratch: DGIs may carry it with its leading
     * zero bytes stripped, and a card's key setters are only guaranteed to take the full component length.
     */
    private void leftPadComponent(short length) {
        leftPad(length, HALF_KEY_BYTES);
    }

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

    public byte[] destination(short tag) {
        if ((short) (tag & (short) 0xF000) == DGI_EF_MASK) {
            return efFor((short) (tag & 0x0FFF)).content();
        }
        return scratch;
    }

    public short destinationOffset(short tag) {
        return 0;
    }

    public void complete(short tag, short length) {
        if (blockEncrypted[0] != 0) {
            length = decrypt(tag, length);
        }
        switch (tag) {
            case DGI_RSA_P:
                leftPadComponent(length);
                key.setP(scratch, (short) 0, HALF_KEY_BYTES);
                break;
            case DGI_RSA_Q:
                leftPadComponent(length);
                key.setQ(scratch, (short) 0, HALF_KEY_BYTES);
                break;
            case DGI_RSA_DP1:
                leftPadComponent(length);
                key.setDP1(scratch, (short) 0, HALF_KEY_BYTES);
                break;
            case DGI_RSA_DQ1:
                leftPadComponent(length);
                key.setDQ1(scratch, (short) 0, HALF_KEY_BYTES);
                break;
            case DGI_RSA_PQ:
                leftPadComponent(length);
                key.setPQ(scratch, (short) 0, HALF_KEY_BYTES);
                break;
            case DGI_EC_PRIVATE:
                leftPad(length, ecFieldBytes);
                ecKey.setS(scratch, (short) 0, ecFieldBytes);
                break;
            case DGI_PIN:
                if (length != PIN_LENGTH || !allDigits(scratch, (short) 0, length)) {
                    ISOException.throwIt(ISO7816.SW_WRONG_DATA);
                }
                Util.arrayCopy(scratch, (short) 0, pinScratch, (short) 0, length);
                pinScratchLength = (byte) length;
                break;
            case DGI_PIN_TRIES:
                if (length != 2 || scratch[1] < 1 || scratch[1] > MAX_PIN_TRIES || scratch[0] < 1 || scratch[0] > scratch[1]) {
                    ISOException.throwIt(ISO7816.SW_WRONG_DATA);
                }
                pinTries = scratch[0];
                pinTryLimit = scratch[1];
                break;
            default: // an EF: its content is whole now
                efFor((short) (tag & 0x0FFF)).complete(length);
        }
        received |= receivedBit(tag);
        Util.arrayFillNonAtomic(scratch, (short) 0, KEY_BYTES, (byte) 0);
    }

    /**
     * Decrypts a DGI value in the scratch with the security domain's DEK. A PIN comes padded to the cipher block
     * (ISO 9797-1 method 2); key components fill whole blocks.
     */
    private short decrypt(short tag, short length) {
        SecureChannel sc = GPSystem.getSecureChannel();
        if (sc == null) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        short n = sc.decryptData(scratch, (short) 0, length);
        if (tag == DGI_PIN) {
            while (n > 0 && scratch[(short) (n - 1)] == 0) {
                n--;
            }
            if (n == 0 || scratch[(short) (n - 1)] != (byte) 0x80) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            n--;
        }
        return n;
    }

    private ElementaryFile efFor(short fid) {
        for (byte i = 0; i < (byte) files.length; i++) {
            if (files[i].fid == fid) {
                return files[i];
            }
        }
        return null;
    }

    /** Everything arrived: create the PIN and mark PERSONALIZED in one transaction, the flag written last. */
    private void finishPersonalization() {
        if (personalization.inMiddleOfDgi()) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        if (received != (short) (requiredKeyBits() | GOT_REST) || !(isEc() ? ecKey.isInitialized() : key.isInitialized())) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        JCSystem.beginTransaction();
        OwnerPIN p = new OwnerPIN(pinTryLimit, PIN_MAX_SIZE);
        p.update(pinScratch, (short) 0, pinScratchLength);
        // OwnerPIN starts at its try limit; a fixture may personalize fewer tries left, spent here with a PIN
        // that cannot match (wrong length).
        for (byte i = pinTries; i < pinTryLimit; i++) {
            p.check(pinScratch, (short) 0, (byte) 0);
        }
        Util.arrayFillNonAtomic(pinScratch, (short) 0, (short) pinScratch.length, (byte) 0);
        pinScratchLength = 0;
        pin = p;
        personalized = true;
        JCSystem.commitTransaction();
        GPSystem.setCardContentState(STATE_PERSONALIZED);
    }
}
