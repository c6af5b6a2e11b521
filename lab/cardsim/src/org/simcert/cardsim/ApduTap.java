package org.simcert.cardsim;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;

/**
 * A copy of the command APDUs a card receives in its reader, and of its answers, for the harness that put it there
 * (`move HOST PORT TAP`): `simcert sim serve` puts its card straight into pcscd's vpcd reader, where the card's own
 * socket acknowledges at once (QuickAck), and writes its trace from this copy, masking secrets itself. Each copy is
 * sent to the loopback port TAP as one write: '>' (command) or '<' (answer), a 2-byte big-endian length, the bytes.
 * The card gives the reader its answer only once the harness has acknowledged the answer's copy (one byte, ACK
 * 06), so the trace holds every exchange a client has seen the end of. Controls (power, ATR) are not copied. When
 * the harness's end is gone the tap stops copying; the card goes on. The tap closes when the card leaves the
 * reader, which is how the harness learns that it has.
 */
final class ApduTap implements Closeable {
    static final byte COMMAND = '>';
    static final byte ANSWER = '<';

    static final int ACK = 0x06;

    private final Socket socket;
    private OutputStream out;
    private InputStream in;

    private ApduTap(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket == null ? null : socket.getOutputStream();
        this.in = socket == null ? null : socket.getInputStream();
    }

    /** A tap to the harness's loopback port, or one that copies nothing for port 0. */
    static ApduTap open(int port) throws IOException {
        if (port == 0) {
            return new ApduTap(null);
        }
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setTcpNoDelay(true);
        return new ApduTap(s);
    }

    void command(byte[] apdu) {
        copy(COMMAND, apdu);
    }

    /** Copies the answer and waits for the harness to acknowledge it. */
    void answer(byte[] response) {
        copy(ANSWER, response);
        if (out == null) {
            return;
        }
        try {
            if (in.read() != ACK) {
                out = null;
            }
        } catch (IOException e) {
            out = null;
        }
    }

    private void copy(byte direction, byte[] bytes) {
        if (out == null) {
            return;
        }
        byte[] frame = new byte[bytes.length + 3];
        frame[0] = direction;
        frame[1] = (byte) (bytes.length >> 8);
        frame[2] = (byte) bytes.length;
        System.arraycopy(bytes, 0, frame, 3, bytes.length);
        try {
            out.write(frame);
            out.flush();
        } catch (IOException e) {
            out = null; // the harness went away; the card's reader is what matters
        }
    }

    @Override
    public void close() throws IOException {
        if (socket != null) {
            socket.close();
        }
    }
}
