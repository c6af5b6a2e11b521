package org.simcert.cardsim.tools;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;

/**
 * The floor for the simulator's round trip (npm run bench:sim): a "card" on the vicc side of vpcd's protocol that
 * does no card work at all. It connects to host:port as VSmartCard does, reads the same frames (2-byte big-endian
 * length, payload) with the same streams, answers GET ATR with a 2-byte ATR and every APDU with 9000, each answer in
 * one write with TCP_NODELAY. Whatever the simulator takes beyond this is the card runtime's own cost.
 * Usage: java -cp ... org.simcert.cardsim.tools.VpcdEcho HOST PORT
 */
public final class VpcdEcho {
    private static final byte[] ATR_FRAME = {0x00, 0x02, 0x3B, 0x00};
    private static final byte[] OK_FRAME = {0x00, 0x02, (byte) 0x90, 0x00};

    private VpcdEcho() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: java org.simcert.cardsim.tools.VpcdEcho HOST PORT");
            System.exit(2);
        }
        try (Socket s = new Socket(args[0], Integer.parseInt(args[1]))) {
            s.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            byte[] payload = new byte[65535];
            while (true) {
                int len;
                try {
                    len = in.readUnsignedShort();
                    in.readFully(payload, 0, len);
                } catch (EOFException e) {
                    return; // the reader closed the connection: the card is removed
                }
                if (len == 1) {
                    if (payload[0] == 4) { // GET ATR; power controls need no answer
                        out.write(ATR_FRAME);
                        out.flush();
                    }
                    continue;
                }
                out.write(OK_FRAME);
                out.flush();
            }
        } catch (java.net.SocketException e) {
            // The reader went away: removal, not an error.
        }
    }
}
