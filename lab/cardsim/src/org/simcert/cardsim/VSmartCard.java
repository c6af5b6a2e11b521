package org.simcert.cardsim;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;

/**
 * The virtual card side (vicc) of vsmartcard's vpcd protocol: connects to the reader (pcscd's vpcd driver, or the
 * harness listening the same way), then answers frames of a 2-byte big-endian length and a payload. A 1-byte
 * payload is a control (0 power off, 1 power on, 2 reset, 4 get ATR); anything longer is a command APDU. Usage:
 * java -cp ... org.simcert.cardsim.VSmartCard card.cfg (jCardSim's configuration keys).
 */
public final class VSmartCard {
    static final int POWER_OFF = 0;
    static final int POWER_ON = 1;
    static final int RESET = 2;
    static final int GET_ATR = 4;

    private VSmartCard() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: java org.simcert.cardsim.VSmartCard <config.properties>");
            System.exit(2);
        }
        CardConfig config;
        try {
            config = CardConfig.load(args[0]);
            String host = config.properties.getProperty(CardConfig.HOST);
            String port = config.properties.getProperty(CardConfig.PORT);
            if (host == null || port == null) {
                throw new IllegalArgumentException("the configuration needs " + CardConfig.HOST + " and " + CardConfig.PORT);
            }
            for (String k : config.properties.stringPropertyNames()) {
                System.setProperty(k, config.properties.getProperty(k));
            }
            for (String cls : config.applets.values()) {
                Class.forName(cls, false, VSmartCard.class.getClassLoader());
            }
            run(new CardRuntime(config), host, Integer.parseInt(port.trim()), config.log);
        } catch (ClassNotFoundException e) {
            System.err.println("cardsim: applet class not found on the classpath: " + e.getMessage());
            System.exit(2);
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("cardsim: " + e.getMessage());
            System.exit(2);
        }
        System.exit(0);
    }

    private static Socket connect(String host, int port) throws IOException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            try {
                return new Socket(host, port);
            } catch (ConnectException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IOException("no vpcd reader listening on " + host + ":" + port);
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
        }
    }

    /** Serves the reader until it closes the connection (the card is then removed, and the process ends). */
    static void run(CardRuntime card, String host, int port, boolean log) throws IOException {
        try (Socket s = connect(host, port)) {
            s.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            while (true) {
                int len;
                try {
                    len = in.readUnsignedShort();
                } catch (EOFException e) {
                    return;
                }
                byte[] payload = new byte[len];
                in.readFully(payload);
                if (len == 1) {
                    switch (payload[0]) {
                        case POWER_OFF:
                        case POWER_ON:
                        case RESET:
                            card.powerUp();
                            break;
                        case GET_ATR:
                            send(out, card.atr());
                            break;
                        default:
                            break;
                    }
                    continue;
                }
                byte[] response = card.transmit(payload);
                if (log) {
                    System.err.println("cardsim: " + Hex.encode(payload, 0, Math.min(4, payload.length)) + " Lc/Le="
                            + (payload.length > 4 ? payload.length - 4 : 0) + " -> "
                            + Hex.encode(response, response.length - 2, 2));
                }
                send(out, response);
            }
        } catch (java.net.SocketException e) {
            // The reader went away: for a virtual card that is removal, not an error.
        }
    }

    /** One write per frame, so Nagle never holds half a frame back. */
    private static void send(OutputStream out, byte[] payload) throws IOException {
        byte[] frame = new byte[payload.length + 2];
        frame[0] = (byte) (payload.length >> 8);
        frame[1] = (byte) payload.length;
        System.arraycopy(payload, 0, frame, 2, payload.length);
        out.write(frame);
        out.flush();
    }
}
