package org.simcert.applets.jpki;

import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.OwnerPIN;
import javacard.framework.Util;

/**
 * One PIN of the JPKI AP: the user-authentication PIN (EF 0018: 4 ASCII digits, 3 tries) or the signing password
 * (EF 001B: 6 to 16 characters of A-Z and 0-9, 5 tries). Personalization hands in the value and the tries (DGIs
 * 8010/9010, 8011/9011); the OwnerPIN is created only when the whole applet is personalized, in that transaction.
 * VERIFY answers as a JPKI card does: 63Cx for a wrong value, 63C0 for the one that spends the last try, 6984 once
 * blocked; any wrong value spends a try, whatever its format.
 */
final class JpkiPin {
    /** OwnerPIN capacity: VERIFY takes up to 16 bytes, so a longer wrong value is compared (and counted), never refused. */
    static final byte MAX_SIZE = 16;
    private static final byte MAX_TRIES = 15;

    private final boolean digitsOnly;
    private final byte minLength;
    private final byte maxLength;
    private OwnerPIN pin;
    /** The value and tries delivered by personalization, kept until the PIN is created. */
    private final byte[] pending;
    private byte pendingLength;
    private byte pendingTries;
    private byte pendingLimit;

    /** digitsOnly: 0-9 (the user-auth PIN); otherwise A-Z and 0-9 (the signing password). */
    JpkiPin(boolean digitsOnly, byte minLength, byte maxLength) {
        this.digitsOnly = digitsOnly;
        this.minLength = minLength;
        this.maxLength = maxLength;
        pending = new byte[MAX_SIZE];
    }

    byte maxLength() {
        return maxLength;
    }

    /** Whether a value has the PIN's format (length and characters). */
    boolean isWellFormed(byte[] b, short off, short len) {
        if (len < minLength || len > maxLength) {
            return false;
        }
        for (short i = 0; i < len; i++) {
            byte c = b[(short) (off + i)];
            boolean digit = c >= '0' && c <= '9';
            boolean upper = c >= 'A' && c <= 'Z';
            if (!digit && (digitsOnly || !upper)) {
                return false;
            }
        }
        return true;
    }

    // ---- personalization ----

    /** A value DGI (8010 / 8011) is arriving: until it is whole, the PIN counts as missing. */
    void forgetPendingValue() {
        pendingLength = 0;
    }

    void forgetPendingTries() {
        pendingLimit = 0;
    }

    void setPendingValue(byte[] b, short off, short len) {
        if (!isWellFormed(b, off, len)) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        Util.arrayCopy(b, off, pending, (short) 0, len);
        pendingLength = (byte) len;
    }

    /** DGI 9010 / 9011: tries left || try limit (1..15, left <= limit). */
    void setPendingTries(byte left, byte limit) {
        if (limit < 1 || limit > MAX_TRIES || left < 1 || left > limit) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        pendingTries = left;
        pendingLimit = limit;
    }

    boolean isReady() {
        return pendingLength != 0 && pendingLimit != 0;
    }

    /**
     * Creates the OwnerPIN from what personalization delivered (call inside the personalization transaction).
     * OwnerPIN starts at its try limit; fewer tries left are spent here with a value that cannot match (length 0).
     */
    void create() {
        OwnerPIN p = new OwnerPIN(pendingLimit, MAX_SIZE);
        p.update(pending, (short) 0, pendingLength);
        for (byte i = pendingTries; i < pendingLimit; i++) {
            p.check(pending, (short) 0, (byte) 0);
        }
        Util.arrayFillNonAtomic(pending, (short) 0, MAX_SIZE, (byte) 0);
        pendingLength = 0;
        pin = p;
    }

    // ---- use ----

    boolean isValidated() {
        return pin != null && pin.isValidated();
    }

    /** Forgets the verification (AP re-selected or deselected). */
    void reset() {
        if (pin != null) {
            pin.reset();
        }
    }

    /** VERIFY with len bytes of value; len 0 asks for the state without spending a try. */
    void verify(byte[] buf, short off, short len) {
        if (pin.getTriesRemaining() == 0) {
            ISOException.throwIt(ISO7816.SW_DATA_INVALID); // 6984: blocked
        }
        if (len == 0) {
            if (!pin.isValidated()) {
                ISOException.throwIt((short) (0x63C0 | pin.getTriesRemaining()));
            }
            return;
        }
        if (len > MAX_SIZE) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        if (!pin.check(buf, off, (byte) len)) {
            ISOException.throwIt((short) (0x63C0 | pin.getTriesRemaining()));
        }
    }

    /**
     * CHANGE REFERENCE DATA after VERIFY: the new value must have the PIN's format (6A80). OwnerPIN.update keeps the
     * try limit and clears the verification, so the new value must be verified before the key signs again.
     */
    void change(byte[] buf, short off, short len) {
        if (!pin.isValidated()) {
            ISOException.throwIt(ISO7816.SW_SECURITY_STATUS_NOT_SATISFIED);
        }
        if (!isWellFormed(buf, off, len)) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        pin.update(buf, off, (byte) len);
    }
}
