package org.simcert.cardsim;

/**
 * The simulator's lines on standard error, each tagged with the card it is about. A process that runs one card
 * (VSmartCard) tags them "cardsim: ", as it always has; a process that runs several (CardHost) tags each card's
 * "cardsim[ID]: ", so the harness reading them can tell its cards' answers apart. The tag belongs to the thread
 * that serves the card, or that carries out a command for it.
 */
public final class CardLog {
    public static final String SINGLE = "cardsim: ";

    private static final ThreadLocal<String> TAG = ThreadLocal.withInitial(() -> SINGLE);

    private CardLog() {
    }

    /** The tag of card `id` in a process of several cards. */
    public static String tagOf(String id) {
        return "cardsim[" + id + "]: ";
    }

    /** From now on this thread's lines are about the card tagged `tag`. */
    static void use(String tag) {
        TAG.set(tag);
    }

    /** One line, whole: println is atomic per call, so the lines of cards side by side never mix. */
    public static void line(String text) {
        System.err.println(TAG.get() + text);
        System.err.flush();
    }
}
