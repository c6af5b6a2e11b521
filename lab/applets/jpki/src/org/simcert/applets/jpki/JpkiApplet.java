package org.simcert.applets.jpki;

import javacard.framework.APDU;
import javacard.framework.Applet;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.security.MessageDigest;
import javacardx.apdu.ExtendedLength;
import org.globalplatform.Application;

/**
 * Reference implementation of the JPKI AP (AID D3 92 F0 00 26 01 00 00 00 01) as My Number cards and phone secure
 * elements expose it, both halves: user authentication (certificate 000A, CA 000B, key 0017, 4-digit PIN 0018,
 * 3 tries) and digital signature (certificate 0001 readable after the password, CA 0002, key 001A, password 001B
 * of 6..16 A-Z 0-9, 5 tries), token info 0006 and presence bytes 0008. Each key is RSA-2048 (today's cards) or
 * ECDSA P-384 (the next-generation card's choice) or P-256, fixed per instance by the install parameters.
 * Command bytes and status words follow ../shared/reference/jpki-card-interface.md. This class dispatches; the
 * concerns live in JpkiFiles (EFs, SELECT, READ BINARY), JpkiPin and PinCommands (VERIFY, CHANGE REFERENCE DATA),
 * KeySlot and KeyCommands (COMPUTE DIGITAL SIGNATURE, GENERATE ASYMMETRIC KEY PAIR) and Personalizer (STORE DATA).
 * Until it is PERSONALIZED the applet takes only SELECT, STORE DATA and GENERATE ASYMMETRIC KEY PAIR (README.md).
 */
public final class JpkiApplet extends Applet implements ExtendedLength, Application {
    private static final byte INS_SELECT = (byte) 0xA4;
    private static final byte INS_READ_BINARY = (byte) 0xB0;
    private static final byte INS_VERIFY = 0x20;
    private static final byte INS_CHANGE_REFERENCE_DATA = 0x24;
    private static final byte INS_COMPUTE_DIGITAL_SIGNATURE = 0x2A;
    private static final byte INS_INTERNAL_AUTHENTICATE = (byte) 0x88;
    private static final byte INS_STORE_DATA = (byte) 0xE2;
    /** GENERATE ASYMMETRIC KEY PAIR (ISO/IEC 7816-8). */
    private static final byte INS_GENERATE_KEY_PAIR = 0x46;

    /** Install parameters (application data): `80 01 alg` the user-auth key, `81 01 alg` the signing key. */
    private static final byte INSTALL_TAG_USER_AUTH_KEY = (byte) 0x80;
    private static final byte INSTALL_TAG_SIGNING_KEY = (byte) 0x81;

    private final JpkiFiles files;
    private final JpkiPin userAuthPin;
    private final JpkiPin signingPin;
    private final PinCommands pinCommands;
    private final KeyCommands keyCommands;
    private final Personalizer personalizer;

    private JpkiApplet(byte userAuthAlgorithm, byte signingAlgorithm) {
        userAuthPin = new JpkiPin(true, (byte) 4, (byte) 4);
        signingPin = new JpkiPin(false, (byte) 6, (byte) 16);
        files = new JpkiFiles(signingPin);
        // Scratch for key components being received and for signature input and output, shared by both keys.
        byte[] scratch = JCSystem.makeTransientByteArray(KeySlot.RSA_BYTES, JCSystem.CLEAR_ON_DESELECT);
        MessageDigest sha256 = MessageDigest.getInstance(MessageDigest.ALG_SHA_256, false);
        KeySlot userAuthKey = new KeySlot(userAuthAlgorithm, sha256, scratch);
        KeySlot signingKey = new KeySlot(signingAlgorithm, sha256, scratch);
        pinCommands = new PinCommands(files, userAuthPin, signingPin);
        keyCommands = new KeyCommands(files, userAuthKey, signingKey, userAuthPin, signingPin);
        personalizer = new Personalizer(files, userAuthKey, signingKey, userAuthPin, signingPin, scratch);
    }

    /**
     * Install parameters as jCardSim and GlobalPlatform pass them: LV instance AID, LV privileges, LV application
     * data (C9). The application data may hold `80 01 a` (user-auth key) and `81 01 a` (signing key; default: the
     * user-auth key's type), a = 01 RSA-2048, 02 ECDSA P-256, 03 ECDSA P-384; empty: both RSA-2048. Anything else
     * is refused with 6A80, so a mistyped parameter never yields an instance with the wrong key type.
     */
    public static void install(byte[] bArray, short bOffset, byte bLength) {
        short aidOff = (short) (bOffset + 1);
        byte aidLen = bArray[bOffset];
        short privOff = (short) (aidOff + aidLen);
        short end = (short) (bOffset + bLength);
        byte userAuth = 0;
        byte signing = 0;
        if (privOff < end) {
            short paramsLenOff = (short) (privOff + 1 + bArray[privOff]);
            if (paramsLenOff < end) {
                short off = (short) (paramsLenOff + 1);
                short paramsEnd = (short) (off + (short) (bArray[paramsLenOff] & 0xFF));
                if (paramsEnd > end) {
                    ISOException.throwIt(ISO7816.SW_WRONG_DATA);
                }
                while (off < paramsEnd) {
                    if ((short) (off + 3) > paramsEnd || bArray[(short) (off + 1)] != 1 || !KeySlot.isKnownAlgorithm(bArray[(short) (off + 2)])) {
                        ISOException.throwIt(ISO7816.SW_WRONG_DATA);
                    }
                    byte tag = bArray[off];
                    byte alg = bArray[(short) (off + 2)];
                    if (tag == INSTALL_TAG_USER_AUTH_KEY && userAuth == 0) {
                        userAuth = alg;
                    } else if (tag == INSTALL_TAG_SIGNING_KEY && signing == 0) {
                        signing = alg;
                    } else {
                        ISOException.throwIt(ISO7816.SW_WRONG_DATA); // unknown or repeated tag
                    }
                    off += 3;
                }
            }
        }
        if (userAuth == 0) {
            userAuth = KeySlot.ALG_RSA_2048;
        }
        if (signing == 0) {
            signing = userAuth;
        }
        new JpkiApplet(userAuth, signing).register(bArray, aidOff, aidLen);
    }

    /** Selecting the AP starts from scratch: no current EF, no PIN verified, personalization stream at block 00. */
    public boolean select() {
        files.clearCurrent();
        userAuthPin.reset();
        signingPin.reset();
        personalizer.resetStream();
        return true;
    }

    /**
     * OwnerPIN keeps its validated flag until a card reset; the JPKI AP forgets both verifications as soon as
     * another application is selected, so a UI app cannot leave a verified PIN behind for the next one.
     */
    public void deselect() {
        userAuthPin.reset();
        signingPin.reset();
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
        if (proprietary) {
            if (ins == INS_STORE_DATA) {
                personalizer.storeData(apdu);
            } else if (ins == INS_COMPUTE_DIGITAL_SIGNATURE) {
                requirePersonalized();
                keyCommands.computeDigitalSignature(apdu);
            } else {
                ISOException.throwIt(ISO7816.SW_INS_NOT_SUPPORTED);
            }
            return;
        }
        switch (ins) {
            case INS_SELECT:
                files.select(apdu);
                return;
            case INS_READ_BINARY:
                files.readBinary(apdu, personalizer.isPersonalized());
                return;
            case INS_GENERATE_KEY_PAIR:
                keyCommands.generateKeyPair(apdu, personalizer.isPersonalized());
                return;
            case INS_VERIFY:
                requirePersonalized();
                pinCommands.verify(apdu);
                return;
            case INS_CHANGE_REFERENCE_DATA:
                requirePersonalized();
                pinCommands.change(apdu);
                return;
            case INS_INTERNAL_AUTHENTICATE:
                // JPKI keys refuse INTERNAL AUTHENTICATE: they sign only through COMPUTE DIGITAL SIGNATURE.
                ISOException.throwIt(ISO7816.SW_SECURITY_STATUS_NOT_SATISFIED);
                return;
            case INS_COMPUTE_DIGITAL_SIGNATURE:
            case INS_STORE_DATA:
                ISOException.throwIt(ISO7816.SW_CLA_NOT_SUPPORTED); // proprietary commands need CLA 80
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
        if (!personalizer.isPersonalized()) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
    }

    /** STORE DATA forwarded by the security domain after INSTALL [for personalization]. */
    public void processData(byte[] baBuffer, short sOffset, short sLength) {
        personalizer.processData(baBuffer, sOffset, sLength);
    }
}
