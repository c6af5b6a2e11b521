package org.simcert.applets.jpki;

import javacard.framework.APDU;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.Util;

/**
 * The file system of the JPKI AP: its binary EFs (certificates, token info, presence bytes, the public keys of keys
 * generated on the card), the current EF, SELECT EF and READ BINARY. The keys (0017, 001A) and PINs (0018, 001B)
 * can be selected as the target of the commands that use them, never read. EF 0001, the signing certificate, is
 * read only after the signing password is verified (6982 otherwise), as on the card.
 */
final class JpkiFiles {
    static final short FID_USER_AUTH_CERT = 0x000A;
    static final short FID_USER_AUTH_CA_CERT = 0x000B;
    static final short FID_SIGNING_CERT = 0x0001;
    static final short FID_SIGNING_CA_CERT = 0x0002;
    static final short FID_TOKEN_INFO = 0x0006;
    static final short FID_CERT_PRESENCE = 0x0008;
    static final short FID_USER_AUTH_KEY = 0x0017;
    static final short FID_USER_AUTH_PIN = 0x0018;
    static final short FID_SIGNING_KEY = 0x001A;
    static final short FID_SIGNING_PIN = 0x001B;
    /** Public keys of key pairs generated on the card, as 7F49 (this project's FIDs; read before personalization). */
    static final short FID_USER_AUTH_PUBLIC_KEY = 0x0021;
    static final short FID_SIGNING_PUBLIC_KEY = 0x0022;

    /** The current EF: 0 none (the value CLEAR_ON_DESELECT memory starts at), 1.. an index in efs + 1, or below. */
    static final byte NONE = 0;
    static final byte USER_AUTH_KEY = -1;
    static final byte USER_AUTH_PIN = -2;
    static final byte SIGNING_KEY = -3;
    static final byte SIGNING_PIN = -4;

    private static final short MAX_EF_SIZE = 3072;
    /** ISO/IEC 7816-4 6981: command incompatible with file structure (no constant in ISO7816). */
    private static final short SW_INCOMPATIBLE_FILE_STRUCTURE = 0x6981;

    private final ElementaryFile[] efs;
    private final byte[] current;
    private final JpkiPin signingPin;

    JpkiFiles(JpkiPin signingPin) {
        this.signingPin = signingPin;
        efs = new ElementaryFile[] {
            new ElementaryFile(FID_USER_AUTH_CERT), new ElementaryFile(FID_USER_AUTH_CA_CERT),
            new ElementaryFile(FID_SIGNING_CERT), new ElementaryFile(FID_SIGNING_CA_CERT),
            new ElementaryFile(FID_TOKEN_INFO), new ElementaryFile(FID_CERT_PRESENCE),
            new ElementaryFile(FID_USER_AUTH_PUBLIC_KEY), new ElementaryFile(FID_SIGNING_PUBLIC_KEY),
        };
        current = JCSystem.makeTransientByteArray((short) 1, JCSystem.CLEAR_ON_DESELECT);
    }

    byte current() {
        return current[0];
    }

    void clearCurrent() {
        current[0] = NONE;
    }

    /** The EF with this FID, whether written or not; null for an unknown FID. */
    ElementaryFile ef(short fid) {
        for (short i = 0; i < (short) efs.length; i++) {
            if (efs[i].fid == fid) {
                return efs[i];
            }
        }
        return null;
    }

    /** An EF personalization writes (DGI A000 | FID), checked for its size; 6A80 for any other FID. */
    ElementaryFile personalizedEf(short fid, short size) {
        ElementaryFile f = ef(fid);
        if (f == null || fid == FID_USER_AUTH_PUBLIC_KEY || fid == FID_SIGNING_PUBLIC_KEY || size <= 0 || size > MAX_EF_SIZE) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        return f;
    }

    /** Whether every EF a personalized JPKI AP serves has arrived whole. */
    boolean allPersonalized() {
        for (short i = 0; i < (short) efs.length; i++) {
            short fid = efs[i].fid;
            if (fid != FID_USER_AUTH_PUBLIC_KEY && fid != FID_SIGNING_PUBLIC_KEY && !efs[i].isPresent()) {
                return false;
            }
        }
        return true;
    }

    private byte indexOfPresent(short fid) {
        for (byte i = 0; i < (byte) efs.length; i++) {
            if (efs[i].fid == fid && efs[i].isPresent()) {
                return (byte) (i + 1);
            }
        }
        return NONE;
    }

    /**
     * SELECT EF `00 A4 02 0C 02 FID`. Works before personalization too (EFs not yet written answer 6A82); the
     * commands that use the selected EF check the PERSONALIZED state.
     */
    void select(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        byte p1 = buf[ISO7816.OFFSET_P1];
        if (p1 == 0x04) {
            ISOException.throwIt(ISO7816.SW_FILE_NOT_FOUND); // another DF name: the JPKI AP has no child DFs
        }
        if (p1 != 0x02) {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2); // select by path (09) and others are not supported
        }
        if (Apdus.receiveAll(apdu) != 2) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        short fid = Util.getShort(buf, apdu.getOffsetCdata());
        switch (fid) {
            case FID_USER_AUTH_KEY:
                current[0] = USER_AUTH_KEY;
                return;
            case FID_USER_AUTH_PIN:
                current[0] = USER_AUTH_PIN;
                return;
            case FID_SIGNING_KEY:
                current[0] = SIGNING_KEY;
                return;
            case FID_SIGNING_PIN:
                current[0] = SIGNING_PIN;
                return;
            default:
                byte i = indexOfPresent(fid);
                if (i == NONE) {
                    ISOException.throwIt(ISO7816.SW_FILE_NOT_FOUND);
                }
                current[0] = i;
        }
    }

    /**
     * READ BINARY `00 B0 offset Le` of the current EF, or `00 B0 (80 | SFI) offset Le` (the SFI, P1 b5-b1, equals
     * the FID's low byte and selects the EF). Before personalization only the generated public keys (EF 0021 /
     * 0022, selected by FID) can be read, so the SP-TSM can have them certified.
     */
    void readBinary(APDU apdu, boolean personalized) {
        byte[] buf = apdu.getBuffer();
        byte p1 = buf[ISO7816.OFFSET_P1];
        boolean bySfi = (p1 & 0x80) != 0;
        if (!personalized && (bySfi || !isGeneratedPublicKey(current[0]))) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        short offset;
        if (bySfi) {
            if ((p1 & 0x60) != 0) {
                ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
            }
            byte i = indexOfPresent((short) (p1 & 0x1F));
            if (i == NONE) {
                ISOException.throwIt(ISO7816.SW_FILE_NOT_FOUND);
            }
            current[0] = i;
            offset = (short) (buf[ISO7816.OFFSET_P2] & 0xFF);
        } else {
            offset = Util.getShort(buf, ISO7816.OFFSET_P1);
        }
        byte cur = current[0];
        if (cur < 0) {
            ISOException.throwIt(SW_INCOMPATIBLE_FILE_STRUCTURE); // the keys and PINs are no binary files
        }
        if (cur == NONE) {
            ISOException.throwIt(ISO7816.SW_COMMAND_NOT_ALLOWED);
        }
        ElementaryFile file = efs[(short) (cur - 1)];
        if (file.fid == FID_SIGNING_CERT && !signingPin.isValidated()) {
            ISOException.throwIt(ISO7816.SW_SECURITY_STATUS_NOT_SATISFIED);
        }
        if (offset >= file.size()) {
            ISOException.throwIt(ISO7816.SW_WRONG_P1P2);
        }
        short ne = apdu.setOutgoing();
        short left = (short) (file.size() - offset);
        short count = ne < left ? ne : left;
        apdu.setOutgoingLength(count);
        apdu.sendBytesLong(file.content(), offset, count);
    }

    private boolean isGeneratedPublicKey(byte cur) {
        if (cur <= NONE) {
            return false;
        }
        short fid = efs[(short) (cur - 1)].fid;
        return fid == FID_USER_AUTH_PUBLIC_KEY || fid == FID_SIGNING_PUBLIC_KEY;
    }
}
