package org.simcert.cardsim;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Several cards in one process, each as VSmartCard runs one: a harness that opens many cards (a rack's, a test
 * run's) pays for one JVM's start and warm-up, not one per card. Each card has its own runtime, configuration,
 * timing model and capability switches (CardRuntime), its own loader for its applets' classes (so its own static
 * fields), and a thread of its own that serves its reader. Usage: java -cp <cardsim classes> org.simcert.cardsim.CardHost
 *
 * Standard input carries one command per line:
 *   card ID CONFIG [CLASSPATH]   a new card, in its factory state, from the configuration file CONFIG (VSmartCard's
 *                                keys), its applets' classes from CLASSPATH (directories, separated as the platform
 *                                separates a class path); it goes into the vpcd reader the configuration names
 *   ID move HOST PORT | ID tear N | ID image   as VSmartCard's lines, for card ID
 *   ID end                       takes card ID out for good
 * Every line about a card is tagged "cardsim[ID]: " on standard error; a card that cannot be made says
 * "cardsim[ID]: failed: ..." and one whose serving ended "cardsim[ID]: out". The process ends with its input.
 */
public final class CardHost {
    private static final Map<String, CardSlot> CARDS = new ConcurrentHashMap<>();

    private CardHost() {
    }

    public static void main(String[] args) throws IOException {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] w = line.trim().split("\\s+", 2);
                if (w[0].isEmpty()) {
                    continue;
                }
                if (w[0].equals("card") && w.length == 2) {
                    start(w[1].split("\\s+"));
                } else {
                    CardSlot slot = CARDS.get(w[0]);
                    CardLog.use(CardLog.tagOf(w[0]));
                    if (slot == null) {
                        CardLog.line("no such card: " + line.trim());
                    } else if (w.length == 2 && w[1].trim().equals("end")) {
                        slot.mover().end();
                    } else {
                        slot.mover().command(w.length == 2 ? w[1] : "");
                    }
                    CardLog.use(CardLog.SINGLE);
                }
            }
        }
        System.exit(0);
    }

    /** `card ID CONFIG [CLASSPATH]`: makes the card and serves it on a thread of its own. */
    private static void start(String[] a) {
        if (a.length < 2 || a.length > 3) {
            CardLog.line("usage: card ID CONFIG [CLASSPATH]");
            return;
        }
        String id = a[0];
        String tag = CardLog.tagOf(id);
        Thread t = new Thread(() -> {
            CardLog.use(tag);
            try {
                CardConfig config = CardConfig.load(a[1]);
                config.appletLoader = appletLoader(a.length == 3 ? a[2] : "");
                CardSlot slot = new CardSlot(config);
                if (CARDS.putIfAbsent(id, slot) != null) {
                    CardLog.line("failed: card " + id + " exists already");
                    return;
                }
                try {
                    slot.serve();
                } finally {
                    CARDS.remove(id);
                }
                CardLog.line("out");
            } catch (ClassNotFoundException e) {
                CardLog.line("failed: applet class not found on the classpath: " + e.getMessage());
            } catch (IOException | RuntimeException e) {
                CardLog.line("failed: " + e.getMessage());
            }
        }, "card-" + id);
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
