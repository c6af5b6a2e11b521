package org.simcert.applets.probe;

import javacard.framework.APDU;
import javacard.framework.APDUException;
import javacard.framework.CardRuntimeException;
import javacard.framework.SystemException;
import javacard.framework.TransactionException;
import javacard.framework.Util;

/**
 * What a rule case saw, kept in a CLEAR_ON_RESET array so that the next command can read it back (INS 42): the
 * case may have left the APDU in a state where it can no longer answer for itself (after setOutgoingAndSend, say).
 * Layout: kind, reason (2 bytes), APDU state, value (2 bytes).
 */
final class Outcome {
    static final byte NONE = 0;
    static final byte APDU_EXCEPTION = 1;
    static final byte TRANSACTION_EXCEPTION = 2;
    static final byte OTHER_EXCEPTION = 3;
    static final byte SYSTEM_EXCEPTION = 4;
    static final short LENGTH = 6;

    private final byte[] record;

    Outcome(byte[] record) {
        this.record = record;
    }

    void clear() {
        Util.arrayFillNonAtomic(record, (short) 0, LENGTH, (byte) 0);
    }

    /** No exception: the APDU state and a value the case read (a length, an offset, a byte it stored). */
    void returned(APDU apdu, short value) {
        set(NONE, (short) 0, apdu, value);
    }

    void threw(RuntimeException e, APDU apdu) {
        byte kind = OTHER_EXCEPTION;
        if (e instanceof APDUException) {
            kind = APDU_EXCEPTION;
        } else if (e instanceof TransactionException) {
            kind = TRANSACTION_EXCEPTION;
        } else if (e instanceof SystemException) {
            kind = SYSTEM_EXCEPTION;
        }
        short reason = e instanceof CardRuntimeException ? ((CardRuntimeException) e).getReason() : 0;
        set(kind, reason, apdu, (short) 0);
    }

    private void set(byte kind, short reason, APDU apdu, short value) {
        record[0] = kind;
        Util.setShort(record, (short) 1, reason);
        record[3] = apdu.getCurrentState();
        Util.setShort(record, (short) 4, value);
    }

    byte[] bytes() {
        return record;
    }
}
