package org.simcert.applets.aram;

import javacard.framework.JCSystem;
import javacard.framework.Util;

/**
 * The access rules: their REF-AR-DOs (E2), checked by RuleSyntax, back to back in one persistent array of fixed
 * size, in the order they were stored. GET DATA [All] answers them as they lie, so the array is the response body.
 * Callers that change it do so inside a transaction; the array is only ever written with atomic copies, so an
 * aborted transaction (or a power loss) puts every byte back.
 */
final class RuleStore {
    /** Locate results: offsets in the store of the REF-DO, its AID-REF-DO and DeviceAppID-REF-DO, the AR-DO. */
    private static final byte REF = 0;
    private static final byte REF_LEN = 1;
    private static final byte AID = 2;
    private static final byte AID_LEN = 3;
    private static final byte HASH = 4;
    private static final byte HASH_LEN = 5;
    private static final byte AR = 6;
    private static final byte AR_LEN = 7;
    private static final byte NEXT = 8;

    private final byte[] rules;
    private short used;
    private final Ber ber;
    /** Where the parts of the rule last located are (a TLV's offset and full length; length 0: absent). */
    private final short[] loc;

    RuleStore(short capacity, Ber ber) {
        rules = new byte[capacity];
        this.ber = ber;
        loc = JCSystem.makeTransientShortArray((short) 9, JCSystem.CLEAR_ON_RESET);
    }

    byte[] bytes() {
        return rules;
    }

    short used() {
        return used;
    }

    short free() {
        return (short) (rules.length - used);
    }

    /** Parses the stored rule at `at` into loc; returns the offset of the rule after it. */
    short locate(short at) {
        short next = ber.read(rules, at, used);
        short ref = ber.valueOffset();
        short refEnd = ber.read(rules, ref, next);
        loc[REF] = ref;
        loc[REF_LEN] = (short) (refEnd - ref);
        loc[AR] = refEnd;
        loc[AR_LEN] = (short) (next - refEnd);
        loc[AID_LEN] = 0;
        loc[HASH_LEN] = 0;
        ber.read(rules, ref, refEnd);
        short p = ber.valueOffset();
        while (p < refEnd) {
            short q = ber.read(rules, p, refEnd);
            short tag = ber.tag();
            if (tag == RuleSyntax.TAG_AID || tag == (short) (RuleSyntax.TAG_DEFAULT_SELECTED & 0xFF)) {
                loc[AID] = p;
                loc[AID_LEN] = (short) (q - p);
            } else if (tag == (short) (RuleSyntax.TAG_DEVICE_APP_ID & 0xFF)) {
                loc[HASH] = p;
                loc[HASH_LEN] = (short) (q - p);
            }
            p = q;
        }
        loc[NEXT] = next;
        return next;
    }

    /** Whether the located rule's part (REF, AID or HASH) is present and equals b[off, off + len). */
    private boolean partEquals(byte part, byte[] b, short off, short len) {
        return loc[(short) (part + 1)] == len && len != 0
                && Util.arrayCompare(rules, loc[part], b, off, len) == 0;
    }

    /** Offset of the stored rule whose REF-DO is b[off, off + len) byte for byte, or -1. */
    short findRefDo(byte[] b, short off, short len) {
        for (short at = 0; at < used; at = loc[NEXT]) {
            locate(at);
            if (partEquals(REF, b, off, len)) {
                return at;
            }
        }
        return -1;
    }

    /** Whether the stored rule at `at` is b[off, off + len) byte for byte. */
    boolean ruleEquals(short at, byte[] b, short off, short len) {
        short next = locate(at);
        return (short) (next - at) == len && Util.arrayCompare(rules, at, b, off, len) == 0;
    }

    /**
     * Offset of the first rule for the key (AID-REF-DO, DeviceAppID-REF-DO), each given as its whole TLV; -1 when
     * none. A rule without one of the two is no rule for any key: it is an Android carrier-privilege rule.
     */
    short findKey(byte[] aid, short aidOff, short aidLen, byte[] hash, short hashOff, short hashLen) {
        for (short at = 0; at < used; at = loc[NEXT]) {
            locate(at);
            if (partEquals(AID, aid, aidOff, aidLen) && partEquals(HASH, hash, hashOff, hashLen)) {
                return at;
            }
        }
        return -1;
    }

    /** Whether a rule for this AID-REF-DO names a specific device application (a non-empty hash). */
    boolean anySpecificHash(byte[] aid, short aidOff, short aidLen) {
        for (short at = 0; at < used; at = loc[NEXT]) {
            locate(at);
            if (partEquals(AID, aid, aidOff, aidLen) && loc[HASH_LEN] > 2) {
                return true;
            }
        }
        return false;
    }

    /**
     * Command-Delete selectors: counts (remove false) or removes (remove true, inside a transaction) the rules
     * whose AID-REF-DO (selector tag 4F / C0), REF-DO (E1) or whole REF-AR-DO (E2) is b[off, off + len).
     */
    short select(byte[] b, short off, short len, boolean remove) {
        byte tag = b[off];
        byte part = tag == RuleSyntax.TAG_REF_DO ? REF : AID;
        short n = 0;
        short at = 0;
        while (at < used) {
            short next = locate(at);
            boolean hit = tag == RuleSyntax.TAG_REF_AR_DO ? ruleEquals(at, b, off, len) : partEquals(part, b, off, len);
            if (!hit) {
                at = next;
                continue;
            }
            n++;
            if (remove) {
                removeAt(at, next); // the next rule moves to `at`
            } else {
                at = next;
            }
        }
        return n;
    }

    private void removeAt(short at, short next) {
        Util.arrayCopy(rules, next, rules, at, (short) (used - next));
        used -= (short) (next - at);
    }

    /** Appends a checked REF-AR-DO; the caller has checked the space and holds a transaction. */
    void append(byte[] b, short off, short len) {
        Util.arrayCopy(b, off, rules, used, len);
        used += len;
    }

    void clear() {
        used = 0;
    }

    /** Copies the located rule's AR-DO to out at off; returns the offset after it. */
    short copyArDo(short at, byte[] out, short off) {
        locate(at);
        return Util.arrayCopyNonAtomic(rules, loc[AR], out, off, loc[AR_LEN]);
    }
}
