package org.simcert.cardsim;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.MalformedURLException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Several cards in one process, each as VSmartCard runs one: a harness that opens many cards (a rack's, a test
 * run's) pays for one JVM's start and warm-up, not one per card. Each card has its own runtime, configuration,
 * timing model and capability switches (CardRuntime), its own loader for its applets' classes (so its own static
 * fields), and a thread of its own that serves its reader.
 *
 *   java -cp <cardsim classes> org.simcert.cardsim.CardHost            commands on standard input
 *   java -cp <cardsim classes> org.simcert.cardsim.CardHost --listen   commands on loopback TCP connections: prints
 *                                                                      "cardhost: listening on PORT" on standard output
 *
 * Commands, one per line:
 *   card ID CONFIG [CLASSPATH]   a new card, in its factory state, from the configuration file CONFIG (VSmartCard's
 *                                keys), its applets' classes from CLASSPATH (directories, separated as the platform
 *                                separates a class path); it goes into the vpcd reader the configuration names
 *   ID move HOST PORT [TAP] | ID tear N | ID image | ID end
 *                                as VSmartCard's lines, for card ID (`end` takes it out for good)
 * Every line about a card is tagged "cardsim[ID]: " (on standard error, or on the connection that asked for the
 * card); a card that cannot be made says "cardsim[ID]: failed: ..." and one whose serving ended "cardsim[ID]: out".
 * Each connection is a session of its own: its IDs are its own, and its cards are taken out when it closes, so a
 * harness process that dies leaves no card behind. Standard input's session ends the process when it ends.
 */
public final class CardHost {
    private static final Map<String, CardSlot> CARDS = new ConcurrentHashMap<>();
    private static final AtomicInteger SESSIONS = new AtomicInteger();

    private CardHost() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 1 && args[0].equals("--listen")) {
            listen();
            return;
        }
        serve(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), null, "");
        System.exit(0);
    }

    /** Takes sessions on a loopback port until the process is stopped. */
    private static void listen() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            System.out.println("cardhost: listening on " + server.getLocalPort());
            System.out.flush();
            while (true) {
                Socket s = server.accept();
                String session = "s" + SESSIONS.incrementAndGet() + "/";
                Thread t = new Thread(() -> {
                    try (Socket socket = s) {
                        PrintStream out = new PrintStream(socket.getOutputStream(), true, "UTF-8");
                        serve(new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)), out, session);
                    } catch (IOException e) {
                        // the harness process went away: its cards are out (serve's finally)
                    }
                }, "session-" + session);
                t.setDaemon(true);
                t.start();
            }
        }
    }

    /** One session's commands until its input ends; then its cards are taken out. */
    private static void serve(BufferedReader in, PrintStream out, String session) throws IOException {
        try {
            String line;
            while ((line = in.readLine()) != null) {
                String[] w = line.trim().split("\\s+", 2);
                if (w[0].isEmpty()) {
                    continue;
                }
                if (w[0].equals("card") && w.length == 2) {
                    start(w[1].split("\\s+"), out, session);
                } else {
                    CardSlot slot = CARDS.get(session + w[0]);
                    CardLog.use(CardLog.tagOf(w[0]), out);
                    if (slot == null) {
                        CardLog.line("no such card: " + line.trim());
                    } else {
                        slot.mover().command(w.length == 2 ? w[1] : "");
                    }
                    CardLog.use(CardLog.SINGLE);
                }
            }
        } finally {
            if (!session.isEmpty()) {
                for (Map.Entry<String, CardSlot> e : CARDS.entrySet()) {
                    if (e.getKey().startsWith(session)) {
                        try {
                            e.getValue().mover().end();
                        } catch (IOException ignored) {
                            // its reader is gone already: the card is out all the same
                        }
                    }
                }
            }
        }
    }

    /** `card ID CONFIG [CLASSPATH]`: makes the card and serves it on a thread of its own. */
    private static void start(String[] a, PrintStream out, String session) {
        if (a.length < 2 || a.length > 3) {
            CardLog.use(CardLog.SINGLE, out);
            CardLog.line("usage: card ID CONFIG [CLASSPATH]");
            CardLog.use(CardLog.SINGLE);
            return;
        }
        String id = a[0];
        String tag = CardLog.tagOf(id);
        Thread t = new Thread(() -> {
            CardLog.use(tag, out);
            try {
                CardConfig config = CardConfig.load(a[1], appletLoader(a.length == 3 ? a[2] : ""));
                CardSlot slot = new CardSlot(config);
                if (CARDS.putIfAbsent(session + id, slot) != null) {
                    CardLog.line("failed: card " + id + " exists already");
                    return;
                }
                try {
                    slot.serve();
                } finally {
                    CARDS.remove(session + id);
                }
                CardLog.line("out");
            } catch (ClassNotFoundException e) {
                CardLog.line("failed: applet class not found on the classpath: " + e.getMessage());
            } catch (IOException | RuntimeException e) {
                CardLog.line("failed: " + e.getMessage());
            }
        }, "card-" + session + id);
        t.setDaemon(true);
        t.start();
    }

    /** A loader of the card's own for its applets' classes; the simulator's own classes come from this process's. */
    private static ClassLoader appletLoader(String classpath) throws MalformedURLException {
        String[] dirs = classpath.isEmpty() ? new String[0] : classpath.split(File.pathSeparator);
        URL[] urls = new URL[dirs.length];
        for (int i = 0; i < dirs.length; i++) {
            urls[i] = new File(dirs[i]).toURI().toURL();
        }
        return new URLClassLoader(urls, CardHost.class.getClassLoader());
    }
}
