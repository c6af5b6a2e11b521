package javacard.framework;

import org.simcert.cardsim.ApduExchange;
import org.simcert.cardsim.CardRuntime;

/**
 * The APDU object of the Java Card 3.0.5 API: the applet's view of one command and its response. The runtime
 * creates one per command; its buffer is reused across commands as on a card. The state machine and the
 * exceptions each method documents are enforced by {@link ApduExchange}.
 */
public final class APDU {
    public static final byte STATE_INITIAL = 0;
    public static final byte STATE_PARTIAL_INCOMING = 1;
    public static final byte STATE_FULL_INCOMING = 2;
    public static final byte STATE_OUTGOING = 3;
    public static final byte STATE_OUTGOING_LENGTH_KNOWN = 4;
    public static final byte STATE_PARTIAL_OUTGOING = 5;
    public static final byte STATE_FULL_OUTGOING = 6;
    public static final byte STATE_ERROR_NO_T0_GETRESPONSE = -1;
    public static final byte STATE_ERROR_T1_IFD_ABORT = -2;
    public static final byte STATE_ERROR_IO = -3;
    public static final byte STATE_ERROR_NO_T0_REISSUE = -4;

    public static final byte PROTOCOL_MEDIA_MASK = (byte) 0xF0;
    public static final byte PROTOCOL_TYPE_MASK = 0x0F;
    public static final byte PROTOCOL_T0 = 0;
    public static final byte PROTOCOL_T1 = 1;
    public static final byte PROTOCOL_MEDIA_DEFAULT = 0;

    private final ApduExchange exchange;

    APDU(ApduExchange exchange) {
        this.exchange = exchange;
    }

    public byte[] getBuffer() {
        return exchange.buffer;
    }

    public static short getInBlockSize() {
        return ApduExchange.inBlockSize(getProtocol());
    }

    public static short getOutBlockSize() {
        return ApduExchange.outBlockSize(getProtocol());
    }

    public static byte getProtocol() {
        return CardRuntime.current().protocol();
    }

    public byte getNAD() {
        return 0;
    }

    public short setOutgoing() throws APDUException {
        return exchange.setOutgoing(false);
    }

    public short setOutgoingNoChaining() throws APDUException {
        return exchange.setOutgoing(true);
    }

    public void setOutgoingLength(short len) throws APDUException {
        exchange.setOutgoingLength(len);
    }

    public short receiveBytes(short bOff) throws APDUException {
        return exchange.receiveBytes(bOff);
    }

    public short setIncomingAndReceive() throws APDUException {
        return exchange.setIncomingAndReceive();
    }

    public void sendBytes(short bOff, short len) throws APDUException {
        exchange.sendBytes(bOff, len);
    }

    public void sendBytesLong(byte[] outData, short bOff, short len) throws APDUException {
        exchange.sendBytesLong(outData, bOff, len);
    }

    public void setOutgoingAndSend(short bOff, short len) throws APDUException {
        exchange.setOutgoingAndSend(bOff, len);
    }

    public byte getCurrentState() {
        return exchange.state();
    }

    public static APDU getCurrentAPDU() throws SecurityException {
        return CardRuntime.current().currentApdu();
    }

    public static byte[] getCurrentAPDUBuffer() throws SecurityException {
        return getCurrentAPDU().getBuffer();
    }

    public static byte getCLAChannel() {
        return CardRuntime.current().currentChannel();
    }

    /** "ILLEGAL_USE if setOutgoingNoChaining() previously invoked"; otherwise nothing to do over vpcd. */
    public static void waitExtension() throws APDUException {
        getCurrentAPDU().exchange.waitExtension();
    }

    public boolean isCommandChainingCLA() {
        return (exchange.buffer[ISO7816.OFFSET_CLA] & 0x10) != 0;
    }

    public boolean isSecureMessagingCLA() {
        byte cla = exchange.buffer[ISO7816.OFFSET_CLA];
        return (cla & 0x40) == 0 ? (cla & 0x0C) != 0 : (cla & 0x20) != 0;
    }

    public boolean isISOInterindustryCLA() {
        return (exchange.buffer[ISO7816.OFFSET_CLA] & 0x80) == 0;
    }

    public short getIncomingLength() {
        return exchange.incomingLength();
    }

    public short getOffsetCdata() {
        return exchange.offsetCdata();
    }
}
