package org.simcert.cardsim;

import java.io.PrintStream;

/**
 * The simulator's lines, each tagged with the card it is about. A process that runs one card (VSmartCard) tags them
 * "cardsim: " on standard error, as it always has; a process that runs several (CardHost) tags each card's
 * "cardsim[ID]: ", so the harness reading them can tell its cards' answers apart, and sends them to whoever asked
 * for the card (standard error, or the connection of a harness process sharing the host). The tag and the
 * destination belong to the thread that serves the card, or that carries out a command for it.
 */
public final class CardLog {
    public static final String SINGLE = "cardsim: ";

    /** A thread's tag and where its lines go (null: standard error, as it is when the line is written). */
    private static final class Voice {
        final String tag;
        final PrintStream out;

        Voice(String tag, PrintStream out) {
            this.tag = tag;
            this.out = out;
        }
    }

    private static final ThreadLocal<Voice> VOICE = ThreadLocal.withInitial(() -> new Voice(SINGLE, null));

    private CardLog() {
    }

    /** The tag of card `id` in a process of several cards. */
    public static String tagOf(String id) {
        return "cardsim[" + id + "]: ";
    }

    /** From now on this thread's lines are about the card tagged `tag`, on standard error. */
    static void use(String tag) {
        use(tag, null);
    }

    /** From now on this thread's lines are about the card tagged `tag`, and go to `out`. */
    static void use(String tag, PrintStream out) {
        VOICE.set(new Voice(tag, out));
    }

    /** One line, whole: println is atomic per call, so the lines of cards side by side never mix. */
    public static void line(String text) {
        Voice v = VOICE.get();
        PrintStream out = v.out != null ? v.out : System.err;
        synchronized (out) {
            out.println(v.tag + text);
            out.flush();
        }
    }
}
