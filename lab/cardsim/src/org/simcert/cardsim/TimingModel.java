package org.simcert.cardsim;

import java.util.Locale;
import java.util.Properties;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * A declared timing model for benchmark checks: makes on-card key generation and signing take a duration drawn
 * from a known distribution, so `simcert bench` can be shown to recover a truth it did not measure. The simulator's
 * own durations (the JDK's crypto on a PC) say nothing about a card; neither does this model, which is why it is
 * off unless configured and why every result made with it is labelled.
 *
 * Keys (CardConfig): {@code simcert.cardsim.timing.keygen} and {@code ...sign} = {@code fixed,MEDIAN_MS[,CV]} or
 * {@code lognormal,MEDIAN_MS,CV}; {@code simcert.cardsim.timing.seed} = a whole number for repeatable draws. A
 * lognormal with median m and coefficient of variation cv has sigma = sqrt(ln(1 + cv^2)) and mu = ln(m).
 *
 * The drawn duration is the whole operation: the real computation runs first and the rest of the time is waited
 * out, so "the card takes that long" (a draw shorter than the computation cannot be honoured and is counted as an
 * overrun, reported on stderr). Each operation has its own random stream split from the seed, so the k-th keygen
 * draw is the same whatever signatures happen in between.
 */
public final class TimingModel {
    public static final String SEED = "simcert.cardsim.timing.seed";
    public static final String KEYGEN = "simcert.cardsim.timing.keygen";
    public static final String SIGN = "simcert.cardsim.timing.sign";

    /** The operations the model paces (hooked in KeyPair.genKeyPair and Signature.sign / signPreComputedHash). */
    public enum Op {
        KEYGEN, SIGN
    }

    public static final TimingModel OFF = new TimingModel(null, null, 0L, false);

    private static final long SPIN_NANOS = 1_500_000L;

    private final Distribution keygen;
    private final Distribution sign;
    private final long seed;
    private final boolean seeded;
    private final Random keygenRandom;
    private final Random signRandom;
    private final long[] overruns = new long[Op.values().length];

    /** One operation's distribution: fixed (always the median) or lognormal (median and coefficient of variation). */
    public static final class Distribution {
        final boolean lognormal;
        final double medianMs;
        final double cv;
        final double mu;
        final double sigma;

        Distribution(boolean lognormal, double medianMs, double cv) {
            this.lognormal = lognormal;
            this.medianMs = medianMs;
            this.cv = cv;
            this.mu = Math.log(medianMs);
            this.sigma = Math.sqrt(Math.log1p(cv * cv));
        }

        double drawMs(Random r) {
            return lognormal && sigma > 0 ? Math.exp(mu + sigma * r.nextGaussian()) : medianMs;
        }

        @Override
        public String toString() {
            return lognormal ? String.format(Locale.ROOT, "lognormal median %s ms cv %s", num(medianMs), num(cv))
                    : String.format(Locale.ROOT, "fixed %s ms", num(medianMs));
        }
    }

    private TimingModel(Distribution keygen, Distribution sign, long seed, boolean seeded) {
        this.keygen = keygen;
        this.sign = sign;
        this.seed = seed;
        this.seeded = seeded;
        // java.util.Random's algorithm is fixed by its specification, so a seed gives the same draws on every JDK.
        SplittableRandom root = seeded ? new SplittableRandom(seed) : new SplittableRandom();
        this.keygenRandom = new Random(root.nextLong());
        this.signRandom = new Random(root.nextLong());
    }

    /** Reads the timing keys; none set gives OFF. Bad values are refused with the key's name, as CardConfig does. */
    public static TimingModel parse(Properties p) {
        Distribution k = distribution(p, KEYGEN);
        Distribution s = distribution(p, SIGN);
        String seedText = p.getProperty(SEED);
        long seed = 0L;
        if (seedText != null) {
            try {
                seed = Long.parseLong(seedText.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(SEED + " must be a whole number, not " + seedText);
            }
        }
        if (k == null && s == null) {
            return OFF;
        }
        return new TimingModel(k, s, seed, seedText != null);
    }

    private static Distribution distribution(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null || v.trim().isEmpty()) {
            return null;
        }
        String[] parts = v.trim().split("\\s*,\\s*");
        String usage = key + " must be fixed,MEDIAN_MS[,CV] or lognormal,MEDIAN_MS,CV, not " + v;
        if (parts.length < 2 || parts.length > 3) {
            throw new IllegalArgumentException(usage);
        }
        boolean lognormal;
        if (parts[0].equals("lognormal")) {
            lognormal = true;
        } else if (parts[0].equals("fixed")) {
            lognormal = false;
        } else {
            throw new IllegalArgumentException(usage);
        }
        double median;
        double cv;
        try {
            median = Double.parseDouble(parts[1]);
            cv = parts.length == 3 ? Double.parseDouble(parts[2]) : 0.0;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(usage);
        }
        if (!(median > 0) || Double.isInfinite(median) || !(cv >= 0) || cv > 3) {
            throw new IllegalArgumentException(key + ": the median must be > 0 ms and the coefficient of variation 0..3, not " + v);
        }
        if (lognormal && parts.length != 3) {
            throw new IllegalArgumentException(usage);
        }
        return new Distribution(lognormal, median, cv);
    }

    public boolean isOff() {
        return keygen == null && sign == null;
    }

    /** What a piece of work that may throw looks like to the hooks (the JDK's crypto throws checked exceptions). */
    public interface Work<T, E extends Exception> {
        T run() throws E;
    }

    /**
     * The hook: runs the operation, then waits until the duration drawn for it has passed since it started. With no
     * model for the operation it only runs it.
     */
    public static <T, E extends Exception> T paced(Op op, Work<T, E> work) throws E {
        // The model of the card this thread serves: cards side by side in one process (CardHost) keep their own.
        CardRuntime card = CardRuntime.currentOrNull();
        TimingModel m = card == null ? OFF : card.timing();
        Distribution d = m.distribution(op);
        if (d == null) {
            return work.run();
        }
        long start = System.nanoTime();
        long due = start + m.drawNanos(op, d);
        T result = work.run();
        m.waitUntil(op, due);
        return result;
    }

    /** The hook for work with no result (KeyPair.genKeyPair). */
    public static void pace(Op op, Runnable work) {
        paced(op, () -> {
            work.run();
            return null;
        });
    }

    private Distribution distribution(Op op) {
        return op == Op.KEYGEN ? keygen : sign;
    }

    private long drawNanos(Op op, Distribution d) {
        Random r = op == Op.KEYGEN ? keygenRandom : signRandom;
        double ms;
        synchronized (r) {
            ms = d.drawMs(r);
        }
        return Math.round(ms * 1e6);
    }

    /**
     * Sleeps most of the way and spins the last stretch: a sleep alone overshoots by the scheduler's slack (tens to
     * hundreds of microseconds), which would bias a 20 ms model by more than the 2 % a benchmark must resolve.
     */
    private void waitUntil(Op op, long due) {
        long left = due - System.nanoTime();
        if (left < 0) {
            overrun(op, -left);
            return;
        }
        while (left > SPIN_NANOS) {
            LockSupport.parkNanos(left - SPIN_NANOS);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                return;
            }
            left = due - System.nanoTime();
        }
        while (System.nanoTime() < due) {
            Thread.onSpinWait();
        }
    }

    private void overrun(Op op, long byNanos) {
        long n;
        synchronized (overruns) {
            n = ++overruns[op.ordinal()];
        }
        // Powers of two only: a model below the simulator's own speed should be noticed, not flood the log.
        if (Long.bitCount(n) == 1) {
            CardLog.line(String.format(Locale.ROOT, "timing model: %s took %.3f ms longer than drawn (%d time(s)); the model cannot be faster than the simulator's own computation",
                    op.name().toLowerCase(Locale.ROOT), byNanos / 1e6, n));
        }
    }

    @Override
    public String toString() {
        if (isOff()) {
            return "off";
        }
        StringBuilder b = new StringBuilder();
        if (keygen != null) {
            b.append("keygen ").append(keygen);
        }
        if (sign != null) {
            b.append(b.length() > 0 ? "; " : "").append("sign ").append(sign);
        }
        if (seeded) {
            b.append("; seed ").append(seed);
        }
        return b.toString();
    }

    private static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
