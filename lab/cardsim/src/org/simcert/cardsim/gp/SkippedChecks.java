package org.simcert.cardsim.gp;

import java.util.Properties;

/**
 * Secure channel checks a deliberately broken card manager skips, so that the harness can show its tests catch a
 * card without them: a test that passes against such a card cannot be testing that check. Off unless the
 * simulator's configuration switches one on; a real card manager has no such switch.
 *
 * <ul>
 *   <li>C-MAC: any MAC is taken as the right one (GPCS 2.3.1 E.4.4, Amendment D 6.2.4 say it must verify);</li>
 *   <li>host cryptogram: any value in EXTERNAL AUTHENTICATE is taken (GPCS 11.8.2.1, Amendment D 7.1.2);</li>
 *   <li>pseudo-random card challenge: the SCP03 domain still says so in i (70) but sends a random challenge, not
 *       the one Amendment D 6.2.2.1 derives from its sequence counter and AID, which the host must refuse.</li>
 * </ul>
 */
public final class SkippedChecks {
    /** Configuration key: true makes the issuer security domain accept commands whatever their C-MAC. */
    public static final String SKIP_CMAC_CHECK = "simcert.cardsim.isd.skipCmacCheck";
    /** Configuration key: true makes the issuer security domain accept any host cryptogram. */
    public static final String SKIP_HOST_CRYPTOGRAM_CHECK = "simcert.cardsim.isd.skipHostCryptogramCheck";

    /** Configuration key: true makes the SCP03 issuer security domain send random, not derived, card challenges. */
    public static final String RANDOM_CARD_CHALLENGE = "simcert.cardsim.isd.randomCardChallenge";

    /** A card manager as the specifications ask for: every check made. */
    public static final SkippedChecks NONE = new SkippedChecks(false, false, false);

    final boolean cmac;
    final boolean hostCryptogram;
    final boolean cardChallengeDerivation;

    SkippedChecks(boolean cmac, boolean hostCryptogram, boolean cardChallengeDerivation) {
        this.cmac = cmac;
        this.hostCryptogram = hostCryptogram;
        this.cardChallengeDerivation = cardChallengeDerivation;
    }

    /** Reads the switches from the simulator's configuration (true or false; absent is false). */
    public static SkippedChecks from(Properties p) {
        return new SkippedChecks(flag(p, SKIP_CMAC_CHECK), flag(p, SKIP_HOST_CRYPTOGRAM_CHECK), flag(p, RANDOM_CARD_CHALLENGE));
    }

    private static boolean flag(Properties p, String key) {
        String v = p.getProperty(key, "false").trim();
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException(key + " must be true or false, not " + v);
        }
        return v.equals("true");
    }
}
