package org.simcert.applets.jpki;

import javacard.framework.APDU;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;

/**
 * COMPUTE DIGITAL SIGNATURE and GENERATE ASYMMETRIC KEY PAIR of the JPKI AP. The key is named by P2: 80 the current
 * EF (0017 or 001A, selected before), 97 the user-authentication key, 9A the signing key. Each key signs only after
 * its own PIN is verified: the user-authentication PIN never unlocks the signing key, nor the reverse.
 */
final class KeyCommands {
    private static final byte P2_CURRENT_EF = (byte) 0x80;
    private static final byte P2_USER_AUTH_KEY = (byte) 0x97;
    private static final byte P2_SIGNING_KEY = (byte) 0x9A;

    private final JpkiFiles files;
    private final KeySlot userAuthKey;
    private final KeySlot signingKey;
    private final JpkiPin userAuthPin;
    private final JpkiPin signingPin;

    KeyCommands(JpkiFiles files, KeySlot userAuthKey, KeySlot signingKey, JpkiPin userAuthPin, JpkiPin signingPin) {
        this.files = files;
        this.userAuthKey = userAuthKey;
        this.signingKey = signingKey;
        this.userAuthPin = userAuthPin;
        this.signingPin = signingPin;
    }

    /** Whether P2 (80 with the current EF, 97, 9A) names the signing key; 6A86 other P2, 6986 no key selected. */
    private boolean namesSigningKey(byte p2) {
        if (p2 == P2_USER_AUTH_KEY) {
            return false;
        }
        if (p2 == P2_SIGNING_KEY) {
            return true;
        }
        if (p2 != P2_CURRENT_EF) {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        byte cur = files.current();
        if (cur != JpkiFiles.USER_AUTH_KEY && cur != JpkiFiles.SIGNING_KEY) {
            ISOException.throwIt(ISO7816.SW_COMMAND_NOT_ALLOWED);
        }
        return cur == JpkiFiles.SIGNING_KEY;
    }

    /** COMPUTE DIGITAL SIGNATURE `80 2A P1 P2 Lc data Le`; 6982 unless the key's own PIN is verified. */
    void computeDigitalSignature(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        boolean signing = namesSigningKey(buf[ISO7816.OFFSET_P2]);
        if (!(signing ? signingPin : userAuthPin).isValidated()) {
            ISOException.throwIt(ISO7816.SW_SECURITY_STATUS_NOT_SATISFIED);
        }
        short len = Apdus.receiveAll(apdu);
        short sigLen = (signing ? signingKey : userAuthKey).sign(buf[ISO7816.OFFSET_P1], buf, apdu.getOffsetCdata(), len, buf);
        Apdus.send(apdu, buf, (short) 0, sigLen);
    }

    /**
     * GENERATE ASYMMETRIC KEY PAIR `00 46 00 P2` before personalization (6985 after): P2 00 or 97 the
     * user-authentication key (public key to EF 0021), 9A the signing key (EF 0022); 6A86 other P1/P2.
     */
    void generateKeyPair(APDU apdu, boolean personalized) {
        byte[] buf = apdu.getBuffer();
        if (personalized) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        byte p2 = buf[ISO7816.OFFSET_P2];
        if (buf[ISO7816.OFFSET_P1] != 0x00 || (p2 != 0x00 && p2 != P2_USER_AUTH_KEY && p2 != P2_SIGNING_KEY)) {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        if (p2 == P2_SIGNING_KEY) {
            signingKey.generate(files.ef(JpkiFiles.FID_SIGNING_PUBLIC_KEY));
        } else {
            userAuthKey.generate(files.ef(JpkiFiles.FID_USER_AUTH_PUBLIC_KEY));
        }
    }
}
