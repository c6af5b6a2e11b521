package org.simcert.cardsim;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The virtual card side (vicc) of vsmartcard's vpcd protocol: connects to the reader (pcscd's vpcd driver, or the
 * harness listening the same way), then answers frames of a 2-byte big-endian length and a payload. A 1-byte
 * payload is a control (0 power off, 1 power on, 2 reset, 4 get ATR); anything longer is a command APDU. Usage:
 * java -cp ... org.simcert.cardsim.VSmartCard card.cfg (jCardSim's configuration keys).
 *
 * Beyond jCardSim: lines on standard input move the card between readers while it keeps its persistent state,
 * as a SIM moved to another phone does: `move HOST PORT` pulls the card from its reader (the socket closes, the
 * card loses power) and inserts it into the vpcd reader at HOST:PORT; `move HOST PORT TAP` also copies the APDUs
 * of that stay to the harness's loopback port TAP (ApduTap). `tear N` cuts the power at the N-th
 * persistent write from then on (fault injection); the torn card then waits for a `move`. `end` takes the card out
 * of its reader for good, and the process ends, whoever runs the reader. Without such lines the
 * process ends when its reader closes the connection, as jCardSim's does. CardHost runs several cards, each as
 * this class runs one (CardSlot), in one process.
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
        try {
            CardConfig config = CardConfig.load(args[0]);
            // jCardSim copies its configuration into the system properties; a process of one card does the same.
            for (String k : config.properties.stringPropertyNames()) {
                System.setProperty(k, config.properties.getProperty(k));
            }
            CardSlot slot = new CardSlot(config);
            slot.mover().listen(System.in);
            slot.serve();
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

    /** How a stay in a reader ended. */
    enum Ending { READER_CLOSED, PULLED_OUT, TORN }

    /** Where a `move` puts the card: a vpcd reader, and the loopback port of the harness's ApduTap (0: none). */
    static final class Insertion {
        final InetSocketAddress reader;
        final int tapPort;

        Insertion(InetSocketAddress reader, int tapPort) {
            this.reader = reader;
            this.tapPort = tapPort;
        }
    }

    /** Serves the reader until it closes the connection, the card is moved away, or a fault ends the stay. */
    static Ending run(CardRuntime card, Insertion at, CardConfig config, Mover mover) throws IOException {
        boolean log = config.log;
        int apdus = 0;
        try (Socket s = connect(at.reader.getHostString(), at.reader.getPort()); ApduTap tap = ApduTap.open(at.tapPort)) {
            mover.inserted(s);
            s.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            while (true) {
                int len;
                try {
                    QuickAck.rearm(s);
                    len = in.readUnsignedShort();
                } catch (EOFException e) {
                    return Ending.READER_CLOSED;
                }
                byte[] payload = new byte[len];
                try {
                    QuickAck.rearm(s);
                    in.readFully(payload);
                } catch (EOFException e) {
                    return Ending.READER_CLOSED; // cut off mid-frame: the reader is gone all the same
                }
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
                apdus++;
                tap.command(payload);
                if (config.removeAfterApdus > 0 && apdus > config.removeAfterApdus) {
                    CardLog.line("pulling the card out after " + config.removeAfterApdus + " APDUs (fault injection)");
                    return Ending.PULLED_OUT; // the socket closes without an answer, as when a card leaves mid-command
                }
                byte[] response;
                try {
                    response = card.transmit(payload);
                } catch (TearError e) {
                    CardLog.line(e.getMessage() + " (fault injection); waiting to be inserted again");
                    return Ending.TORN;
                }
                if (config.hostile != null && apdus > config.hostileAfter && startsWith(payload, config.hostileCommand)) {
                    response = hostile(config.hostile, payload, response);
                    if (response == null) {
                        continue; // silence: the reader waits for an answer that never comes
                    }
                }
                if (log) {
                    // Header, Lc and status word only: command and response data may hold PINs or key material.
                    CommandApdu c = CommandApdu.parse(payload);
                    CardLog.line(Hex.encode(payload, 0, Math.min(4, payload.length))
                            + (c == null ? " (malformed)" : " Lc=" + c.nc) + " -> " + Hex.encode(response, response.length - 2, 2));
                }
                tap.answer(response);
                send(out, response);
            }
        } catch (java.net.SocketException e) {
            // The reader went away: for a virtual card that is removal, not an error.
        }
        return Ending.READER_CLOSED;
    }

    /** The hostile answer to a command (fault injection; see CardConfig.HOSTILE); null for no answer. */
    static byte[] hostile(String mode, byte[] command, byte[] honest) {
        switch (mode) {
            case "truncated":
                return new byte[] {honest[0]};
            case "overlong": {
                byte[] r = new byte[honest.length + 300];
                System.arraycopy(honest, 0, r, 300, honest.length);
                return r;
            }
            case "unknown-sw":
                return new byte[] {0x6F, 0x42};
            case "loop-61":
                return new byte[] {0x61, (byte) 0xFF};
            case "loop-6c":
                return new byte[] {0x6C, 0x10};
            case "silence":
                return null;
            case "corrupt-data":
            case "bad-length": {
                int dataLength = honest.length - 2;
                boolean ok = honest[dataLength] == (byte) 0x90 && honest[dataLength + 1] == 0;
                if (!ok || dataLength < 2) {
                    return honest;
                }
                byte[] r = honest.clone();
                if (mode.equals("corrupt-data")) {
                    r[dataLength - 1] ^= 0x01;
                } else {
                    r[1] = (byte) 0x85; // BER/DER: a five-byte length, which X.690 and ISO/IEC 7816-4 never allow here
                }
                return r;
            }
            default:
                return honest;
        }
    }

    private static boolean startsWith(byte[] command, byte[] prefix) {
        if (prefix == null) {
            return true;
        }
        if (command.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            // The logical channel bits of CLA do not count: a channel-1 READ BINARY is still a READ BINARY.
            byte c = i == 0 ? (byte) (command[0] & 0xFC) : command[i];
            byte p = i == 0 ? (byte) (prefix[0] & 0xFC) : prefix[i];
            if (c != p) {
                return false;
            }
        }
        return true;
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

    /** The reader the card is in, and the commands that change it (`move`, `tear`, `image`, `end`). */
    static final class Mover {
        private Insertion next;
        private Socket current;
        private boolean inputClosed;
        private final CardRuntime card;

        Mover(InetSocketAddress initial, CardRuntime card) {
            this.next = new Insertion(initial, 0);
            this.card = card;
        }

        /** Reads command lines from `in` on a thread of its own; end of input changes nothing. */
        void listen(InputStream in) {
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        command(line);
                    }
                } catch (IOException e) {
                    CardLog.line("control input: " + e.getMessage());
                }
                closeInput();
            }, "cardsim-control");
            t.setDaemon(true);
            t.start();
        }

        /** Carries out one control line; an unknown or malformed one is reported, not obeyed. */
        void command(String line) {
            String[] w = line.trim().split("\\s+");
            try {
                if ((w.length == 3 || w.length == 4) && w[0].equals("move")) {
                    int tapPort = w.length == 4 ? Integer.parseInt(w[3]) : 0;
                    if (w.length == 4 && (tapPort < 1 || tapPort > 65535)) {
                        throw new NumberFormatException("tap port " + w[3] + " is not a TCP port");
                    }
                    move(new Insertion(new InetSocketAddress(w[1], Integer.parseInt(w[2])), tapPort));
                } else if (w.length == 2 && w[0].equals("tear")) {
                    card.armTear(Integer.parseInt(w[1]));
                    // The harness waits for this line before it sends the commands the tear is meant for.
                    CardLog.line("tear armed at write " + w[1]);
                } else if (w.length == 1 && w[0].equals("end")) {
                    end();
                } else if (w.length == 1 && w[0].equals("image")) {
                    // Test hook: the digest of the persistent state (CardRuntime.stateImage), never the state.
                    CardLog.line("state image " + card.stateImage());
                } else if (!line.trim().isEmpty()) {
                    CardLog.line("unknown control line: " + line.trim());
                }
            } catch (IOException | NumberFormatException e) {
                CardLog.line("control line \"" + line.trim() + "\": " + e.getMessage());
            }
        }

        synchronized void move(Insertion to) throws IOException {
            next = to;
            if (current != null) {
                current.close(); // pulls the card out of its reader
            }
            notifyAll();
        }

        /** Nobody will insert the card again (end of the control input, or `end`). */
        synchronized void closeInput() {
            inputClosed = true;
            notifyAll();
        }

        /** Takes the card out of its reader for good (`end`): the card's serving ends. */
        synchronized void end() throws IOException {
            next = null;
            closeInput();
            if (current != null) {
                current.close();
            }
        }

        synchronized void inserted(Socket s) {
            current = s;
        }

        /** Waits for a `move`; null when the control input ends first (nobody will insert the card again). */
        synchronized Insertion awaitTarget() {
            while (next == null && !inputClosed) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
            return takeTarget();
        }

        /** The next reader to go into: the first one, or the one a `move` named; null when there is none. */
        synchronized Insertion takeTarget() {
            current = null;
            Insertion t = next;
            next = null;
            return t;
        }
    }
}
