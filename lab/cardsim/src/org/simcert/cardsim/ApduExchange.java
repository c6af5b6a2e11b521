package org.simcert.cardsim;

import java.io.ByteArrayOutputStream;
import javacard.framework.APDU;
import javacard.framework.APDUException;

/**
 * The card side of one command/response exchange behind a {@link APDU} object: moves command data into the APDU
 * buffer in the portions an applet asks for, and collects the response it sends, enforcing the APDU state
 * machine of the Java Card 3.0.5 API (javacard.framework.APDU) so an applet that misuses it fails here as on a card.
 * Each check cites the exception the method's documentation lists. The response is collected and shaped for the
 * transmission protocol after process() returns, so the T=0 / T=1 transfer errors (NO_T0_GETRESPONSE,
 * NO_T0_REISSUE, T1_IFD_ABORT, IO_ERROR) cannot happen while the applet runs and are never thrown.
 */
public final class ApduExchange {
    /** IFSD: the outgoing block size the simulated reader offers in T=1 (APDU.getOutBlockSize). */
    public static final short T1_IFSD = 254;
    /** IFSC: the incoming block size in T=1 (APDU.getInBlockSize). */
    public static final short T1_IFSC = 254;

    public final CommandApdu command;
    public final byte[] buffer;
    public final byte protocol;
    /** Whether the applet implements ExtendedLength: it may then send up to 32767 bytes, else 256. */
    private final boolean extendedLengthApplet;
    private int received;
    private byte state = APDU.STATE_INITIAL;
    /** setIncomingAndReceive has been called. */
    private boolean incoming;
    /** setOutgoing, setOutgoingNoChaining or setOutgoingAndSend has been called. */
    private boolean outgoing;
    private boolean noChaining;
    /** setOutgoingAndSend has been called: nothing more can be sent. */
    private boolean setOutgoingAndSendCalled;
    private int outgoingLength = -1;
    private final ByteArrayOutputStream response = new ByteArrayOutputStream();

    public ApduExchange(CommandApdu command, byte[] buffer, byte protocol, boolean extendedLengthApplet) {
        this.command = command;
        this.buffer = buffer;
        this.protocol = protocol;
        this.extendedLengthApplet = extendedLengthApplet;
        java.util.Arrays.fill(buffer, (byte) 0);
        System.arraycopy(command.raw, 0, buffer, 0, 4);
        if (command.extended) {
            buffer[4] = 0;
            int l = command.nc > 0 ? command.nc : (command.ne == 65536 ? 0 : command.ne);
            buffer[5] = (byte) (l >> 8);
            buffer[6] = (byte) l;
        } else if (command.raw.length > 4) {
            buffer[4] = command.raw[4];
        }
    }

    public static short inBlockSize(byte protocol) {
        return protocol == APDU.PROTOCOL_T0 ? (short) 1 : T1_IFSC;
    }

    public static short outBlockSize(byte protocol) {
        return protocol == APDU.PROTOCOL_T0 ? (short) 258 : T1_IFSD;
    }

    /**
     * getIncomingLength and getOffsetCdata: "ILLEGAL_USE if setIncomingAndReceive() not called or if setOutgoing()
     * or setOutgoingNoChaining() previously invoked".
     */
    private void checkIncomingKnown() {
        if (!incoming || outgoing) {
            APDUException.throwIt(APDUException.ILLEGAL_USE);
        }
    }

    public short offsetCdata() {
        checkIncomingKnown();
        return (short) command.dataOffset;
    }

    public short incomingLength() {
        checkIncomingKnown();
        return (short) command.nc;
    }

    public byte state() {
        return state;
    }

    /**
     * setIncomingAndReceive: "ILLEGAL_USE if setIncomingAndReceive() already invoked or if setOutgoing() or
     * setOutgoingNoChaining() previously invoked". Data goes to offset 5, or 7 for an extended APDU.
     */
    public short setIncomingAndReceive() {
        if (incoming || outgoing) {
            APDUException.throwIt(APDUException.ILLEGAL_USE);
        }
        incoming = true;
        return receiveInto(command.dataOffset);
    }

    /**
     * receiveBytes: "ILLEGAL_USE if setIncomingAndReceive() not called or if setOutgoing() or
     * setOutgoingNoChaining() previously invoked; BUFFER_BOUNDS if not enough buffer space for incoming block
     * size" (a block is the in block size, or what is left of the data when that is less).
     */
    public short receiveBytes(short bOff) {
        if (!incoming || outgoing) {
            APDUException.throwIt(APDUException.ILLEGAL_USE);
        }
        return receiveInto(bOff);
    }

    private short receiveInto(int off) {
        int left = command.nc - received;
        if (off < 0 || (left > 0 && off + Math.min(left, inBlockSize(protocol)) > buffer.length)) {
            APDUException.throwIt(APDUException.BUFFER_BOUNDS);
        }
        int n = Math.min(left, buffer.length - off);
        System.arraycopy(command.raw, command.dataOffset + received, buffer, off, n);
        received += n;
        state = received == command.nc ? APDU.STATE_FULL_INCOMING : APDU.STATE_PARTIAL_INCOMING;
        return (short) n;
    }

    /**
     * setOutgoing / setOutgoingNoChaining: "ILLEGAL_USE if this method, or setOutgoingNoChaining() method already
     * invoked". Returns Ne: in T=0 a case 4 command carries no Le on the wire, so "In T=0 (Case 4S) protocol, this
     * method will return 256" (32767 from setOutgoing for an ExtendedLength applet); otherwise Le, with 256 / 32767
     * when Le is 00 / 0000 or absent.
     */
    public short setOutgoing(boolean withoutChaining) {
        if (outgoing) {
            APDUException.throwIt(APDUException.ILLEGAL_USE);
        }
        outgoing = true;
        noChaining = withoutChaining;
        state = APDU.STATE_OUTGOING;
        if (protocol == APDU.PROTOCOL_T0 && command.nc > 0) {
            return extendedLengthApplet && !withoutChaining ? Short.MAX_VALUE : 256;
        }
        int ne = command.ne < 0 ? (command.extended ? 32767 : 256) : Math.min(command.ne, 32767);
        return (short) ne;
    }

    /**
     * setOutgoingLength: "ILLEGAL_USE if setOutgoing() or setOutgoingNoChaining() not called or if
     * setOutgoingAndSend() already invoked, or this method already invoked"; "BAD_LENGTH if len is negative, or
     * greater than 256 and the currently selected applet does not implement ExtendedLength; T=0 protocol is in
     * use, non BLOCK CHAINED data transfer is requested and len is greater than 256; T=1 protocol is in use, non
     * BLOCK CHAINED data transfer is requested and len is greater than (IFSD-2)". No rule ties len to Ne: a longer
     * answer reaches the terminal through GET RESPONSE in T=0.
     */
    public void setOutgoingLength(short len) {
        if (!outgoing || setOutgoingAndSendCalled || outgoingLength >= 0) {
            APDUException.throwIt(APDUException.ILLEGAL_USE);
        }
        int max = extendedLengthApplet ? 32767 : 256;
        if (noChaining) {
            max = Math.min(max, protocol == APDU.PROTOCOL_T0 ? 256 : outBlockSize(protocol) - 2);
        }
        if (len < 0 || len > max) {
            APDUException.throwIt(APDUException.BAD_LENGTH);
        }
        outgoingLength = len;
        state = APDU.STATE_OUTGOING_LENGTH_KNOWN;
    }

    /**
     * sendBytes: "ILLEGAL_USE if setOutgoingLength() not called or setOutgoingAndSend() previously invoked or
     * response byte count exceeded"; "BUFFER_BOUNDS if bOff is negative or len is negative or bOff+len exceeds
     * the buffer size".
     */
    public void sendBytes(short bOff, short len) {
        checkSend(len);
        if (bOff < 0 || len < 0 || bOff + len > buffer.length) {
            APDUException.throwIt(APDUException.BUFFER_BOUNDS);
        }
        append(buffer, bOff, len);
    }

    /**
     * sendBytesLong: the same ILLEGAL_USE cases as sendBytes. Its documentation lists no BUFFER_BOUNDS: a range
     * outside outData fails as any array access does (ArrayIndexOutOfBoundsException, as Util.arrayCopy).
     */
    public void sendBytesLong(byte[] outData, short bOff, short len) {
        checkSend(len);
        if (bOff < 0 || len < 0 || bOff + len > outData.length) {
            throw new ArrayIndexOutOfBoundsException("sendBytesLong: " + bOff + "+" + len + " outside " + outData.length);
        }
        append(outData, bOff, len);
    }

    /**
     * setOutgoingAndSend: "ILLEGAL_USE if setOutgoing() or setOutgoingAndSend() previously invoked or response
     * byte count exceeded"; BAD_LENGTH and BUFFER_BOUNDS as setOutgoingLength and sendBytes. Afterwards
     * "sendBytes() and sendBytesLong() methods cannot be invoked"; the state is STATE_FULL_OUTGOING.
     */
    public void setOutgoingAndSend(short bOff, short len) {
        if (outgoing) {
            APDUException.throwIt(APDUException.ILLEGAL_USE);
        }
        byte before = state;
        setOutgoing(false);
        try {
            setOutgoingLength(len);
            sendBytes(bOff, len);
        } catch (APDUException e) {
            outgoing = false; // the call did not happen: the applet may still answer another way
            outgoingLength = -1;
            state = before;
            throw e;
        }
        setOutgoingAndSendCalled = true;
        state = APDU.STATE_FULL_OUTGOING;
    }

    /** APDU.waitExtension: "ILLEGAL_USE if setOutgoingNoChaining() previously invoked". */
    public void waitExtension() {
        if (noChaining) {
            APDUException.throwIt(APDUException.ILLEGAL_USE);
        }
    }

    private void checkSend(short len) {
        if (outgoingLength < 0 || setOutgoingAndSendCalled || (len > 0 && response.size() + len > outgoingLength)) {
            APDUException.throwIt(APDUException.ILLEGAL_USE);
        }
    }

    private void append(byte[] from, int off, int len) {
        response.write(from, off, len);
        state = response.size() == outgoingLength ? APDU.STATE_FULL_OUTGOING : APDU.STATE_PARTIAL_OUTGOING;
    }

    /**
     * The response data (without status word). An applet that returns having sent only part of what it promised
     * with setOutgoingLength gets the rest as zeros, as the Java Card reference implementation's APDU.complete
     * does ("Sends 0s for any remaining data to be sent based on the promised responseLength and status bytes to
     * complete this APDU's response"): the terminal was told the length, so it receives that many bytes.
     */
    public byte[] responseData() {
        byte[] sent = response.toByteArray();
        if (state == APDU.STATE_PARTIAL_OUTGOING && sent.length < outgoingLength) {
            return java.util.Arrays.copyOf(sent, outgoingLength);
        }
        return sent;
    }
}
