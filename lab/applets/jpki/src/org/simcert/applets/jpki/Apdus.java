package org.simcert.applets.jpki;

import javacard.framework.APDU;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;

/**
 * The two ways the JPKI AP moves APDU data, written once so that every command follows the Java Card 3.0.5 APDU
 * rules: incoming data is received with exactly one setIncomingAndReceive() (then receiveBytes() for the rest of
 * an extended command), and getIncomingLength() / getOffsetCdata() are only asked after it; outgoing data goes
 * setOutgoing(), setOutgoingLength(), sendBytesLong(), each once. A command without data (case 1 or 2, e.g. a
 * bare VERIFY) still calls setIncomingAndReceive() once where it may carry data, and gets 0: the API allows it.
 */
final class Apdus {
    private Apdus() {
    }

    /**
     * Receives the whole command data into the APDU buffer at getOffsetCdata() and returns Nc (0 when there is
     * none). Data that cannot fit in the buffer answers 6700.
     */
    static short receiveAll(APDU apdu) {
        short got = apdu.setIncomingAndReceive();
        short lc = apdu.getIncomingLength();
        short off = apdu.getOffsetCdata();
        if (lc < 0 || lc > (short) ((short) apdu.getBuffer().length - off)) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        short done = got;
        while (done < lc) {
            done += apdu.receiveBytes((short) (off + done));
        }
        return lc;
    }

    /** Answers with len bytes of src (the runtime turns a short Le into 6Cxx or GET RESPONSE as the protocol says). */
    static void send(APDU apdu, byte[] src, short off, short len) {
        apdu.setOutgoing();
        apdu.setOutgoingLength(len);
        apdu.sendBytesLong(src, off, len);
    }
}
