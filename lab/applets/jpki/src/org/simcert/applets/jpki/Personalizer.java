package org.simcert.applets.jpki;

import javacard.framework.APDU;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.Util;
import org.globalplatform.GPSystem;
import org.globalplatform.SecureChannel;

/**
 * Personalization of the JPKI AP by STORE DATA (GlobalPlatform Card Specification 2.3.1, 11.11) with DGIs, sent
 * straight to the applet or forwarded by its security domain (then key and PIN values may be encrypted under the
 * domain's DEK). It routes each DGI to the key, PIN or EF it belongs to, and ends personalization when the last
 * block arrives and both halves are complete: both keys (injected or generated on the card), both PINs with their
 * tries, and EFs 000A, 000B, 0001, 0002, 0006, 0008. The DGI numbering is in README.md.
 */
final class Personalizer implements Personalization.DgiSink {
    private static final byte INS_STORE_DATA = (byte) 0xE2;

    // DGIs: EMV CPS v1.1 numbering for the ICC private key in CRT form (82x1..82x5), ours for the rest.
    private static final short DGI_USER_AUTH_RSA_FIRST = (short) 0x8201;
    private static final short DGI_USER_AUTH_RSA_LAST = (short) 0x8205;
    private static final short DGI_SIGNING_RSA_FIRST = (short) 0x8211;
    private static final short DGI_SIGNING_RSA_LAST = (short) 0x8215;
    private static final short DGI_USER_AUTH_EC = (short) 0x8301;
    private static final short DGI_SIGNING_EC = (short) 0x8311;
    private static final short DGI_USER_AUTH_PIN = (short) 0x8010;
    private static final short DGI_USER_AUTH_PIN_TRIES = (short) 0x9010;
    private static final short DGI_SIGNING_PIN = (short) 0x8011;
    private static final short DGI_SIGNING_PIN_TRIES = (short) 0x9011;
    private static final short DGI_EF_MASK = (short) 0xA000;

    /** An encrypted PIN comes padded (ISO 9797-1 method 2) to whole cipher blocks: 16 characters fill 32 bytes. */
    private static final short MAX_ENCRYPTED_PIN = 32;

    /** Personalized life cycle state reported by GET STATUS (application specific: b1-b4 set). */
    private static final byte STATE_PERSONALIZED = 0x0F;

    private final JpkiFiles files;
    private final KeySlot userAuthKey;
    private final KeySlot signingKey;
    private final JpkiPin userAuthPin;
    private final JpkiPin signingPin;
    private final byte[] scratch;
    private final Personalization stream;
    /** [0] 1 while the STORE DATA block being read carries encrypted DGI values (P1 b7-b6 = 11). */
    private final byte[] blockEncrypted;
    private boolean personalized;

    Personalizer(JpkiFiles files, KeySlot userAuthKey, KeySlot signingKey, JpkiPin userAuthPin, JpkiPin signingPin, byte[] scratch) {
        this.files = files;
        this.userAuthKey = userAuthKey;
        this.signingKey = signingKey;
        this.userAuthPin = userAuthPin;
        this.signingPin = signingPin;
        this.scratch = scratch;
        stream = new Personalization(this);
        blockEncrypted = JCSystem.makeTransientByteArray((short) 1, JCSystem.CLEAR_ON_RESET);
    }

    boolean isPersonalized() {
        return personalized;
    }

    /** Selecting the AP restarts the STORE DATA stream at block 00. */
    void resetStream() {
        stream.reset();
    }

    /** STORE DATA sent straight to the applet: DGIs in clear only. */
    void storeData(APDU apdu) {
        if (personalized) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        try {
            byte[] buf = apdu.getBuffer();
            byte p1 = buf[ISO7816.OFFSET_P1];
            checkP1(p1, false);
            stream.checkSequence(buf[ISO7816.OFFSET_P2]);
            short len = Apdus.receiveAll(apdu);
            stream.consume(buf, apdu.getOffsetCdata(), len);
            endBlock(p1);
        } catch (ISOException e) {
            abortStream();
            throw e;
        }
    }

    /**
     * STORE DATA forwarded by the security domain (INSTALL [for personalization]): the domain has checked and
     * removed its secure messaging; DGI values may come encrypted under its DEK (P1 b7-b6 = 11).
     */
    void processData(byte[] b, short off, short len) {
        if (personalized) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        try {
            if (len < 5 || b[(short) (off + ISO7816.OFFSET_INS)] != INS_STORE_DATA) {
                ISOException.throwIt(ISO7816.SW_INS_NOT_SUPPORTED);
            }
            byte p1 = b[(short) (off + ISO7816.OFFSET_P1)];
            checkP1(p1, true);
            stream.checkSequence(b[(short) (off + ISO7816.OFFSET_P2)]);
            short lc = (short) (b[(short) (off + ISO7816.OFFSET_LC)] & 0xFF);
            if ((short) (lc + 5) != len) {
                ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
            }
            stream.consume(b, (short) (off + ISO7816.OFFSET_CDATA), lc);
            endBlock(p1);
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
        stream.reset();
        blockEncrypted[0] = 0;
    }

    /** P1 (GP CS 2.3.1 table 11-89): b8 last block, b7-b6 encryption, b5-b4 = 01 DGI format. */
    private void checkP1(byte p1, boolean fromDomain) {
        byte enc = (byte) (p1 & 0x60);
        // Encrypted DGIs only through the security domain, whose DEK protects them; 01 (application-defined) never.
        if ((p1 & 0x18) != 0x08 || enc == 0x20 || enc == 0x40 || (enc == 0x60 && !fromDomain)) {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        blockEncrypted[0] = (byte) (enc == 0x60 ? 1 : 0);
    }

    private void endBlock(byte p1) {
        if (blockEncrypted[0] != 0 && stream.inMiddleOfDgi()) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA); // an encrypted DGI must end in its block
        }
        blockEncrypted[0] = 0;
        stream.blockDone();
        if ((p1 & 0x80) != 0) {
            finish();
        }
    }

    // ---- DGI routing (Personalization.DgiSink) ----

    /** The key a key DGI is for, or null. */
    private KeySlot keyFor(short tag) {
        if ((tag >= DGI_USER_AUTH_RSA_FIRST && tag <= DGI_USER_AUTH_RSA_LAST) || tag == DGI_USER_AUTH_EC) {
            return userAuthKey;
        }
        if ((tag >= DGI_SIGNING_RSA_FIRST && tag <= DGI_SIGNING_RSA_LAST) || tag == DGI_SIGNING_EC) {
            return signingKey;
        }
        return null;
    }

    /** The component a key DGI carries: RSA 1..5 (the DGI's low nibble, EMV CPS order), 0 the EC scalar. */
    private static byte componentOf(short tag) {
        if (tag == DGI_USER_AUTH_EC || tag == DGI_SIGNING_EC) {
            return 0;
        }
        return (byte) (tag & 0x0F);
    }

    private static boolean isEf(short tag) {
        return (short) (tag & (short) 0xF000) == DGI_EF_MASK;
    }

    public void begin(short tag, short length) {
        if (isEf(tag)) {
            if (blockEncrypted[0] != 0) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA); // file contents are public: sent in clear
            }
            files.personalizedEf((short) (tag & 0x0FFF), length).prepare(length);
            return;
        }
        short max;
        KeySlot key = keyFor(tag);
        if (key != null) {
            max = key.beginComponent(componentOf(tag));
        } else {
            switch (tag) {
                case DGI_USER_AUTH_PIN:
                case DGI_SIGNING_PIN:
                    JpkiPin pin = tag == DGI_USER_AUTH_PIN ? userAuthPin : signingPin;
                    pin.forgetPendingValue();
                    max = blockEncrypted[0] != 0 ? MAX_ENCRYPTED_PIN : pin.maxLength();
                    break;
                case DGI_USER_AUTH_PIN_TRIES:
                case DGI_SIGNING_PIN_TRIES:
                    (tag == DGI_USER_AUTH_PIN_TRIES ? userAuthPin : signingPin).forgetPendingTries();
                    max = 2;
                    break;
                default:
                    ISOException.throwIt(ISO7816.SW_WRONG_DATA);
                    return;
            }
        }
        if (length == 0 || length > max) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
    }

    public byte[] destination(short tag) {
        if (isEf(tag)) {
            return files.ef((short) (tag & 0x0FFF)).content();
        }
        return scratch;
    }

    public short destinationOffset(short tag) {
        return 0;
    }

    public void complete(short tag, short length) {
        if (isEf(tag)) {
            files.ef((short) (tag & 0x0FFF)).complete(length); // the EF's content is whole now
            return;
        }
        if (blockEncrypted[0] != 0) {
            length = decrypt(tag, length);
        }
        KeySlot key = keyFor(tag);
        if (key != null) {
            key.setComponent(componentOf(tag), length);
        } else if (tag == DGI_USER_AUTH_PIN || tag == DGI_SIGNING_PIN) {
            (tag == DGI_USER_AUTH_PIN ? userAuthPin : signingPin).setPendingValue(scratch, (short) 0, length);
        } else {
            if (length != 2) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            (tag == DGI_USER_AUTH_PIN_TRIES ? userAuthPin : signingPin).setPendingTries(scratch[0], scratch[1]);
        }
        Util.arrayFillNonAtomic(scratch, (short) 0, (short) scratch.length, (byte) 0);
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
        if (tag == DGI_USER_AUTH_PIN || tag == DGI_SIGNING_PIN) {
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

    /**
     * The last block: everything of both halves must have arrived (6985 otherwise, still unpersonalized). Then
     * both PINs are created and PERSONALIZED set in one transaction, the flag written last, so a torn
     * personalization never leaves a half-personalized applet.
     */
    private void finish() {
        if (stream.inMiddleOfDgi()) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        if (!userAuthKey.isComplete() || !signingKey.isComplete() || !userAuthPin.isReady() || !signingPin.isReady()
                || !files.allPersonalized()) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        JCSystem.beginTransaction();
        userAuthPin.create();
        signingPin.create();
        personalized = true;
        JCSystem.commitTransaction();
        GPSystem.setCardContentState(STATE_PERSONALIZED);
    }
}
