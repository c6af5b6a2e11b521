package org.simcert.applets.jpki;

import javacard.framework.APDU;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;

/**
 * VERIFY and CHANGE REFERENCE DATA of the JPKI AP. The PIN is named by P2: 80 the current EF (0018 or 001B,
 * selected before), or without SELECT by its short identifier 80 | SFI: 98 the user-authentication PIN, 9B the
 * signing password.
 */
final class PinCommands {
    private static final byte P2_CURRENT_EF = (byte) 0x80;
    private static final byte P2_USER_AUTH_PIN = (byte) 0x98;
    private static final byte P2_SIGNING_PIN = (byte) 0x9B;

    private final JpkiFiles files;
    private final JpkiPin userAuthPin;
    private final JpkiPin signingPin;

    PinCommands(JpkiFiles files, JpkiPin userAuthPin, JpkiPin signingPin) {
        this.files = files;
        this.userAuthPin = userAuthPin;
        this.signingPin = signingPin;
    }

    /** The PIN P2 names; 6986 for P2 80 when the current EF is no PIN (we chose 6986 "no current EF" over 6A88). */
    private JpkiPin pinFor(byte p2) {
        if (p2 == P2_USER_AUTH_PIN) {
            return userAuthPin;
        }
        if (p2 == P2_SIGNING_PIN) {
            return signingPin;
        }
        if (p2 != P2_CURRENT_EF) {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        byte cur = files.current();
        if (cur == JpkiFiles.USER_AUTH_PIN) {
            return userAuthPin;
        }
        if (cur != JpkiFiles.SIGNING_PIN) {
            ISOException.throwIt(ISO7816.SW_COMMAND_NOT_ALLOWED);
        }
        return signingPin;
    }

    /** VERIFY `00 20 00 P2 [Lc PIN]`: without data it reports the state (9000 / 63Cx / 6984) and spends nothing. */
    void verify(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        if (buf[ISO7816.OFFSET_P1] != 0x00) {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        JpkiPin pin = pinFor(buf[ISO7816.OFFSET_P2]);
        short len = Apdus.receiveAll(apdu);
        pin.verify(buf, apdu.getOffsetCdata(), len);
    }

    /** CHANGE REFERENCE DATA `00 24 01 P2 Lc newPIN`: only after VERIFY of that PIN (6982). */
    void change(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        if (buf[ISO7816.OFFSET_P1] != 0x01) {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        JpkiPin pin = pinFor(buf[ISO7816.OFFSET_P2]);
        if (!pin.isValidated()) {
            ISOException.throwIt(ISO7816.SW_SECURITY_STATUS_NOT_SATISFIED);
        }
        short len = Apdus.receiveAll(apdu);
        pin.change(buf, apdu.getOffsetCdata(), len);
    }
}
