package org.simcert.applets.jpki;

import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.Util;

/**
 * Reads the DGI stream of STORE DATA commands (GlobalPlatform Card Specification 2.3.1, 11.11; DGI layout as in
 * EMV CPS v1.1: tag of 2 bytes, length of 1 byte or FF + 2 bytes, value). A DGI may span STORE DATA blocks: the
 * header is collected byte by byte, the value is copied to where the DGI's handler wants it as it arrives.
 */
final class Personalization {
    private static final byte STATE_EXPECTED_BLOCK = 0;
    private static final byte STATE_HEADER_LENGTH = 1;
    private static final byte STATE_TAG = 2;
    private static final byte STATE_VALUE_LENGTH = 3;
    private static final byte STATE_VALUE_OFFSET = 4;
    private static final byte STATE_IN_VALUE = 5;

    /** Transient so that a reset or deselect restarts personalization from block 00. */
    private final short[] state;
    private final byte[] header;
    private final DgiSink sink;

    /** What the applet does with each DGI; unknown tags and bad lengths end the command with ISOException. */
    interface DgiSink {
        /** A DGI header arrived: check the tag and length and prepare room for the value. */
        void begin(short tag, short length);

        /** The array the value of the DGI being received is copied into, at destinationOffset(). */
        byte[] destination(short tag);

        short destinationOffset(short tag);

        /** The whole value has arrived. */
        void complete(short tag, short length);
    }

    Personalization(DgiSink sink) {
        this.sink = sink;
        state = JCSystem.makeTransientShortArray((short) 6, JCSystem.CLEAR_ON_DESELECT);
        header = JCSystem.makeTransientByteArray((short) 5, JCSystem.CLEAR_ON_DESELECT);
    }

    /** Checks P2 against the expected block number; block 00 always starts a fresh stream. */
    void checkSequence(byte p2) {
        if (p2 == 0) {
            Util.arrayFillNonAtomic(header, (short) 0, (short) header.length, (byte) 0);
            for (short i = 0; i < (short) state.length; i++) {
                state[i] = 0;
            }
        }
        if ((short) (p2 & 0xFF) != state[STATE_EXPECTED_BLOCK]) {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
    }

    void blockDone() {
        state[STATE_EXPECTED_BLOCK]++;
    }

    boolean inMiddleOfDgi() {
        return state[STATE_IN_VALUE] != 0 || state[STATE_HEADER_LENGTH] != 0;
    }

    void reset() {
        for (short i = 0; i < (short) state.length; i++) {
            state[i] = 0;
        }
    }

    /** Consumes one block of the stream. */
    void consume(byte[] buf, short off, short len) {
        short end = (short) (off + len);
        while (off < end) {
            if (state[STATE_IN_VALUE] == 0) {
                header[state[STATE_HEADER_LENGTH]] = buf[off];
                state[STATE_HEADER_LENGTH]++;
                off++;
                startValueIfHeaderComplete();
            } else {
                short want = (short) (state[STATE_VALUE_LENGTH] - state[STATE_VALUE_OFFSET]);
                short n = (short) (end - off) < want ? (short) (end - off) : want;
                short tag = state[STATE_TAG];
                Util.arrayCopy(buf, off, sink.destination(tag), (short) (sink.destinationOffset(tag) + state[STATE_VALUE_OFFSET]), n);
                state[STATE_VALUE_OFFSET] += n;
                off += n;
                if (state[STATE_VALUE_OFFSET] == state[STATE_VALUE_LENGTH]) {
                    finishDgi();
                }
            }
        }
    }

    private void startValueIfHeaderComplete() {
        short have = state[STATE_HEADER_LENGTH];
        if (have < 3) {
            return;
        }
        short length;
        if (header[2] == (byte) 0xFF) {
            if (have < 5) {
                return;
            }
            length = Util.getShort(header, (short) 3);
            if (length < 0) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
        } else {
            length = (short) (header[2] & 0xFF);
        }
        state[STATE_TAG] = Util.getShort(header, (short) 0);
        state[STATE_VALUE_LENGTH] = length;
        state[STATE_VALUE_OFFSET] = 0;
        state[STATE_HEADER_LENGTH] = 0;
        sink.begin(state[STATE_TAG], length);
        if (length == 0) {
            finishDgi();
        } else {
            state[STATE_IN_VALUE] = 1;
        }
    }

    private void finishDgi() {
        state[STATE_IN_VALUE] = 0;
        sink.complete(state[STATE_TAG], state[STATE_VALUE_LENGTH]);
    }
}
