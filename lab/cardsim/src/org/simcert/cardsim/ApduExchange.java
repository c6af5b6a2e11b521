package org.simcert.cardsim;

import java.io.ByteArrayOutputStream;
import javacard.framework.APDU;
import javacard.framework.APDUException;

/**
 * The card side of one command/response exchange behind a {@link APDU} object: moves command data into the APDU
 * buffer in the portions an applet asks for, and collects the response it sends, enforcing the APDU state
 * machine of the Java Card 3.0.5 API (javacard.framework.APDU) so an applet that misuses it fails here as on a card.
 */
public final class ApduExchange {
    public final CommandApdu command;
    public final byte[] buffer;
    public final byte protocol;
    /** Whether the applet implements ExtendedLength: it may then send up to 32767 bytes, else 256. */
    private final boolean extendedLengthApplet;
    private int received;
    private byte state = APDU.STATE_INITIAL;
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

    public short offsetCdata() {
        return (short) command.dataOffset;
    }

    public short incomingLength() {
        return (short) command.nc;
    }

    public byte state() {
        return state;
    }

    private short receiveInto(int off) {
        if (off < 0 || off > buffer.length) {
            APDUException.throwIt(APDUException.BUFFER_BOUNDS);
        }
        int n = Math.min(command.nc - received, buffer.length - off);
        System.arraycopy(command.raw, command.dataOffset + received, buffer, off, n);
        received += n;
        state = received == command.nc ? APDU.STATE_FULL_INCOMING : APDU.STATE_PARTIAL_INCOMING;
        return (short) n;
    }

    public short setIncomingAndReceive() {
        if (state != APDU.STATE_INITIAL) {
            APDUException.throwIt(APDUException.ILLEGAL_USE);
        }
        return receiveInto(command.dataOffset);
    }

    public short receiveBytes(short bOff) {
        if (state != APDU.STATE_PARTIAL_INCOMING && state != APDU.STATE_FULL_INCOMING) {
            APDUException.throwIt(APDUException.ILLEGAL_USE);
        }
        return receiveInto(bOff);
    }

    /** Ne as the API reports it: what the terminal expects, 256 (short) or 32767 (extended) when Le was absent. */
    public short setOutgoing() {
        if (state >= APDU.STATE_OUTGOING) {
            APDUException.throwIt(APDUException.ILLEGAL_USE);
        }
        state = APDU.STATE_OUTGOING;
        int ne = command.ne < 0 ? (command.extended ? 32767 : 256) : Math.min(command.ne, 32767);
        return (short) ne;
    }

    public void setOutgoingLength(short len) {
        if (state != APDU.STATE_OUTGOING) {
            APDUException.throwIt(APDUException.ILLEGAL_USE);
        }
        // APDU.setOutgoingLength: BAD_LENGTH above 256 unless the applet implements ExtendedLength. A longer answer
        // to a short command reaches the terminal through GET RESPONSE in T=0.
        int max = extendedLengthApplet ? 32767 : 256;
        if (len < 0 || len > max) {
            APDUException.throwIt(APDUException.BAD_LENGTH);
        }
        outgoingLength = len;
        state = APDU.STATE_OUTGOING_LENGTH_KNOWN;
    }

    public void send(byte[] from, short off, short len) {
        if (state < APDU.STATE_OUTGOING_LENGTH_KNOWN || state == APDU.STATE_FULL_OUTGOING) {
            APDUException.throwIt(APDUException.ILLEGAL_USE);
        }
        if (len < 0 || off < 0 || off + len > from.length) {
            APDUException.throwIt(APDUException.BUFFER_BOUNDS);
        }
        if (response.size() + len > outgoingLength) {
            APDUException.throwIt(APDUException.ILLEGAL_USE);
        }
        response.write(from, off, len);
        state = response.size() == outgoingLength ? APDU.STATE_FULL_OUTGOING : APDU.STATE_PARTIAL_OUTGOING;
    }

    /** The response data the applet sent (without status word). */
    public byte[] responseData() {
        return response.toByteArray();
    }
}
