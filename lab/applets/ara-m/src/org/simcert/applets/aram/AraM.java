package org.simcert.applets.aram;

import javacard.framework.APDU;
import javacard.framework.Applet;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.Util;
import javacard.security.RandomData;
import org.globalplatform.Application;

/**
 * Access Rule Application Master (ARA-M, AID A0 00 00 01 51 41 43 4C 00) of the GlobalPlatform Secure Element
 * Access Control specification, as phones read it to decide which device application may talk to which applet:
 * GET DATA [All] / [Next] / [Specific] / [Refresh] and STORE DATA with Command-Store-REF-AR-DO (F0),
 * Command-Delete (F1) and Command-UpdateRefreshTag (F2), sent straight to the applet or forwarded by its security
 * domain after INSTALL [for personalization]. Command bytes and status words follow
 * ../shared/reference/globalplatform.md section 5 and pySim's sw_aram table; see README.md.
 *
 * Install parameters (the application data, C9 of INSTALL or the last field of jCardSim's CREATE APPLET): empty
 * for a rule store of 1024 bytes, or 2 bytes giving its size (16 to 32752).
 */
public final class AraM extends Applet implements Application {
    private static final byte INS_GET_DATA = (byte) 0xCA;
    private static final byte INS_STORE_DATA = (byte) 0xE2;

    private static final short P1P2_ALL = (short) 0xFF40;
    private static final short P1P2_SPECIFIC = (short) 0xFF50;
    private static final short P1P2_NEXT = (short) 0xFF60;
    private static final short P1P2_REFRESH = (short) 0xDF20;

    private static final byte CMD_STORE = (byte) 0xF0;
    private static final byte CMD_DELETE = (byte) 0xF1;
    private static final byte CMD_UPDATE_REFRESH_TAG = (byte) 0xF2;

    /** pySim sw_aram: "Rule successfully stored but an access rule already exists". */
    private static final short SW_RULE_EXISTS = 0x6381;
    /** pySim sw_aram: "DO is not supported by the ARA-M/ARA-C" (Command-Get and friends, client AIDs). */
    private static final short SW_DO_NOT_SUPPORTED = 0x6981;
    /** pySim sw_aram: "Rules have been updated and must be read again". */
    private static final short SW_RULES_UPDATED = 0x6984;
    /** pySim sw_aram: "Conflicting access rule already exists in the Secure Element". */
    private static final short SW_CONFLICTING_RULE = 0x6A89;
    private static final short SW_NOT_FOUND = 0x6A88;

    private static final short DEFAULT_CAPACITY = 1024;
    private static final short MIN_CAPACITY = 16;
    /** The GET DATA [All] answer (up to 5 header bytes, FF40 82 LL LL, and the rules) must stay countable in a short. */
    private static final short MAX_CAPACITY = 32752;
    private static final short TAG_SIZE = 8;

    /** The answer to GET DATA [Specific] when a more specific rule names another application: NEVER. */
    private static final byte[] NEVER = {(byte) 0xE3, 0x06, (byte) 0xD0, 0x01, 0x00, (byte) 0xD1, 0x01, 0x00};
    /** The keys of the catch-all rules: all SE applications, all device applications. */
    private static final byte[] ALL_AIDS = {RuleSyntax.TAG_AID, 0x00};
    private static final byte[] ALL_APPS = {RuleSyntax.TAG_DEVICE_APP_ID, 0x00};

    private final Ber ber;
    private final RuleSyntax syntax;
    private final RuleStore store;
    private final byte[] refreshTag;
    private final RandomData random;

    /** GET DATA [All] / [Next] in progress: [0] bytes of the answer sent, [1] its total length (0: none). */
    private final short[] reading;
    /** [0..8) the refresh tag the reading started under; [8..13) the answer's header. */
    private final byte[] scratch;
    private static final short READ_TAG = 0;
    private static final short HEAD = 8;
    /**
     * A new refresh tag being drawn. CLEAR_ON_RESET, not CLEAR_ON_DESELECT: STORE DATA forwarded by the security
     * domain runs while the ARA-M is not selected, when a card forbids access to its CLEAR_ON_DESELECT memory.
     */
    private final byte[] fresh;

    private AraM(short capacity) {
        ber = new Ber();
        syntax = new RuleSyntax(ber);
        store = new RuleStore(capacity, ber);
        random = RandomData.getInstance(RandomData.ALG_SECURE_RANDOM);
        refreshTag = new byte[TAG_SIZE];
        random.nextBytes(refreshTag, (short) 0, TAG_SIZE);
        reading = JCSystem.makeTransientShortArray((short) 2, JCSystem.CLEAR_ON_DESELECT);
        scratch = JCSystem.makeTransientByteArray((short) 13, JCSystem.CLEAR_ON_DESELECT);
        fresh = JCSystem.makeTransientByteArray(TAG_SIZE, JCSystem.CLEAR_ON_RESET);
    }

    /** GlobalPlatform / jCardSim layout: LV(instance AID) LV(privileges) LV(application data). */
    public static void install(byte[] bArray, short bOffset, byte bLength) {
        short end = (short) (bOffset + (bLength & 0xFF));
        short p = (short) (bOffset + 1 + bArray[bOffset]);
        short capacity = DEFAULT_CAPACITY;
        if (p < end) {
            p += (short) (1 + (bArray[p] & 0xFF)); // privileges
        }
        if (p < end) {
            short n = (short) (bArray[p] & 0xFF);
            if (n == 2 && (short) (p + 3) <= end) {
                capacity = Util.getShort(bArray, (short) (p + 1));
            } else if (n != 0) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
        }
        if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        new AraM(capacity).register(bArray, (short) (bOffset + 1), bArray[bOffset]);
    }

    public boolean select() {
        reading[1] = 0;
        return true;
    }

    public void process(APDU apdu) {
        if (selectingApplet()) {
            return;
        }
        byte[] buf = apdu.getBuffer();
        byte cla = buf[ISO7816.OFFSET_CLA];
        byte ins = buf[ISO7816.OFFSET_INS];
        if (ins != INS_GET_DATA && ins != INS_STORE_DATA) {
            ISOException.throwIt(ISO7816.SW_INS_NOT_SUPPORTED);
        }
        // Both are GlobalPlatform proprietary commands (CLA 8x / Cx); secure messaging is the domain's business.
        if ((cla & 0x80) == 0 || cla == (byte) 0xFF || ((cla & 0x40) == 0 ? (cla & 0x0C) != 0 : (cla & 0x20) != 0)) {
            ISOException.throwIt(ISO7816.SW_CLA_NOT_SUPPORTED);
        }
        if (ins == INS_STORE_DATA) {
            checkStoreDataP1P2(buf[ISO7816.OFFSET_P1], buf[ISO7816.OFFSET_P2]);
            short lc = apdu.setIncomingAndReceive();
            if (lc != apdu.getIncomingLength()) {
                ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
            }
            short off = apdu.getOffsetCdata();
            storeData(buf, off, (short) (off + lc));
            return;
        }
        switch (Util.getShort(buf, ISO7816.OFFSET_P1)) {
            case P1P2_ALL:
                getAll(apdu);
                return;
            case P1P2_NEXT:
                getNext(apdu);
                return;
            case P1P2_SPECIFIC:
                getSpecific(apdu);
                return;
            case P1P2_REFRESH:
                buf[0] = (byte) 0xDF;
                buf[1] = 0x20;
                buf[2] = (byte) TAG_SIZE;
                Util.arrayCopyNonAtomic(refreshTag, (short) 0, buf, (short) 3, TAG_SIZE);
                send(apdu, (short) (3 + TAG_SIZE));
                return;
            default:
                ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
    }

    /**
     * STORE DATA forwarded by the security domain after INSTALL [for personalization]: the domain has checked and
     * removed its secure messaging and hands over the command, header first.
     */
    public void processData(byte[] baBuffer, short sOffset, short sLength) {
        if (sLength < 5 || baBuffer[(short) (sOffset + ISO7816.OFFSET_INS)] != INS_STORE_DATA) {
            ISOException.throwIt(ISO7816.SW_INS_NOT_SUPPORTED);
        }
        checkStoreDataP1P2(baBuffer[(short) (sOffset + ISO7816.OFFSET_P1)], baBuffer[(short) (sOffset + ISO7816.OFFSET_P2)]);
        short lc = (short) (baBuffer[(short) (sOffset + ISO7816.OFFSET_LC)] & 0xFF);
        if ((short) (lc + 5) != sLength) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        short off = (short) (sOffset + ISO7816.OFFSET_CDATA);
        storeData(baBuffer, off, (short) (off + lc));
    }

    /**
     * P1 90 (GPCS table 11-89: last block, no encryption, BER-TLV; b1 may be set): every ARA-M command data object
     * fits one command, so P2, the block number, is 00.
     */
    private static void checkStoreDataP1P2(byte p1, byte p2) {
        if ((byte) (p1 & 0xFE) != (byte) 0x90 || p2 != 0) {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
    }

    // ---- GET DATA ----

    /** Sends the first `len` bytes of the buffer, or as many as the terminal asked for. */
    private static void send(APDU apdu, short len) {
        short ne = apdu.setOutgoing();
        if (len > ne) {
            len = ne;
        }
        apdu.setOutgoingLength(len);
        apdu.sendBytes((short) 0, len);
    }

    /**
     * GET DATA [All]: FF40 with the REF-AR-DOs as one TLV. What the response cannot hold the terminal fetches with
     * GET DATA [Next], reading on from where this answer ends (as many bytes as each command's Le asks).
     */
    private void getAll(APDU apdu) {
        short used = store.used();
        scratch[HEAD] = (byte) 0xFF;
        scratch[(short) (HEAD + 1)] = 0x40;
        short total = (short) (Ber.putLength(scratch, (short) (HEAD + 2), used) - HEAD + used);
        Util.arrayCopyNonAtomic(refreshTag, (short) 0, scratch, READ_TAG, TAG_SIZE);
        reading[0] = 0;
        reading[1] = total;
        sendPart(apdu);
    }

    private void getNext(APDU apdu) {
        if (reading[1] == 0) {
            ISOException.throwIt(SW_NOT_FOUND); // no answer being read, or it was read to the end
        }
        if (Util.arrayCompare(refreshTag, (short) 0, scratch, READ_TAG, TAG_SIZE) != 0) {
            reading[1] = 0; // the rules changed since GET DATA [All]: the rest would not fit what was read
            ISOException.throwIt(SW_RULES_UPDATED);
        }
        sendPart(apdu);
    }

    /** Sends the next part of the answer being read: header bytes first, then the rule store. */
    private void sendPart(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        short from = reading[0];
        short total = reading[1];
        short head = (short) (total - store.used());
        short ne = apdu.setOutgoing();
        short n = (short) (total - from);
        if (n > ne) {
            n = ne;
        }
        short k = 0;
        while (from < head && k < n) {
            buf[k++] = scratch[(short) (HEAD + from++)];
        }
        if (k < n) {
            Util.arrayCopyNonAtomic(store.bytes(), (short) (from - head), buf, k, (short) (n - k));
        }
        from += (short) (n - k);
        reading[0] = from;
        if (from == total) {
            reading[1] = 0;
        }
        apdu.setOutgoingLength(n);
        apdu.sendBytes((short) 0, n);
    }

    /**
     * GET DATA [Specific]: the AR-DO that applies to the REF-DO's (AID-REF-DO, DeviceAppID-REF-DO), resolved as the
     * Access Control Enforcer resolves GET DATA [All] (globalplatform.md section 5, seek-for-android
     * AccessRuleCache.findAccessRule): this AID and hash; NEVER if a rule for this AID names another application;
     * this AID and all applications; all AIDs and this hash; NEVER if an all-AIDs rule names another application;
     * all AIDs and all applications. Answers FF50 { AR-DO }, or 6A88 when no rule applies.
     */
    private void getSpecific(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        short lc = apdu.setIncomingAndReceive();
        if (lc != apdu.getIncomingLength()) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        short off = apdu.getOffsetCdata();
        short end = (short) (off + lc);
        if (syntax.refDo(buf, off, end) != end) {
            Ber.malformed();
        }
        // The request's AID-REF-DO and DeviceAppID-REF-DO, whole TLVs; both are required.
        short aid = -1;
        short aidLen = 0;
        short hash = -1;
        short hashLen = 0;
        ber.read(buf, off, end);
        short p = ber.valueOffset();
        while (p < end) {
            short q = ber.read(buf, p, end);
            short tag = ber.tag();
            if (tag == RuleSyntax.TAG_AID || tag == (short) (RuleSyntax.TAG_DEFAULT_SELECTED & 0xFF)) {
                aid = p;
                aidLen = (short) (q - p);
            } else if (tag == (short) (RuleSyntax.TAG_DEVICE_APP_ID & 0xFF)) {
                hash = p;
                hashLen = (short) (q - p);
            }
            p = q;
        }
        if (aid < 0 || hash < 0) {
            Ber.malformed();
        }
        boolean specificApp = hashLen > 2;
        boolean allAids = aidLen == 2 && buf[aid] == RuleSyntax.TAG_AID;
        short at = -1;
        boolean never = false;
        if (specificApp) {
            at = store.findKey(buf, aid, aidLen, buf, hash, hashLen);
            never = at < 0 && !allAids && store.anySpecificHash(buf, aid, aidLen);
        }
        if (at < 0 && !never) {
            at = store.findKey(buf, aid, aidLen, ALL_APPS, (short) 0, (short) 2);
        }
        if (at < 0 && !never && specificApp) {
            at = store.findKey(ALL_AIDS, (short) 0, (short) 2, buf, hash, hashLen);
            never = at < 0 && store.anySpecificHash(ALL_AIDS, (short) 0, (short) 2);
        }
        if (at < 0 && !never) {
            at = store.findKey(ALL_AIDS, (short) 0, (short) 2, ALL_APPS, (short) 0, (short) 2);
        }
        if (at < 0 && !never) {
            ISOException.throwIt(SW_NOT_FOUND);
        }
        // The request is no longer needed: the answer overwrites the buffer. The AR-DO goes after room for a
        // two-byte length (filters can make it 128 bytes or more) and moves down when one byte will do.
        short end4 = never ? Util.arrayCopyNonAtomic(NEVER, (short) 0, buf, (short) 4, (short) NEVER.length)
                : store.copyArDo(at, buf, (short) 4);
        short arLen = (short) (end4 - 4);
        short v = 4;
        if (arLen < 0x80) {
            Util.arrayCopyNonAtomic(buf, (short) 4, buf, (short) 3, arLen);
            v = 3;
        }
        buf[0] = (byte) 0xFF;
        buf[1] = 0x50;
        Ber.putLength(buf, (short) 2, arLen);
        send(apdu, (short) (v + arLen));
    }

    // ---- STORE DATA ----

    /** One command data object filling the data field. */
    private void storeData(byte[] b, short off, short end) {
        if (ber.read(b, off, end) != end) {
            Ber.malformed(); // more than one data object, or trailing bytes
        }
        short tag = ber.tag();
        short v = ber.valueOffset();
        short vEnd = (short) (v + ber.length());
        if (tag == (short) (CMD_STORE & 0xFF)) {
            storeRules(b, v, vEnd);
        } else if (tag == (short) (CMD_DELETE & 0xFF)) {
            delete(b, v, vEnd);
        } else if (tag == (short) (CMD_UPDATE_REFRESH_TAG & 0xFF)) {
            if (v != vEnd) {
                Ber.malformed();
            }
            JCSystem.beginTransaction();
            newRefreshTag();
            JCSystem.commitTransaction();
        } else if (tag >= (short) 0xF3 && tag <= (short) 0xF8) {
            // Command-Get, -GetAll, -GetNext, -GetClientAIDs, -RegisterClientAIDs, -GetDeviceConfig: ARA-C business.
            ISOException.throwIt(SW_DO_NOT_SUPPORTED);
        } else {
            Ber.malformed();
        }
    }

    /**
     * Command-Store-REF-AR-DO: one or more REF-AR-DOs, stored all or none. A rule whose REF-DO is already stored
     * with the same AR-DO is not stored twice (6381 once the others are in); with another AR-DO it conflicts and
     * nothing is stored (6A89). Everything is checked, and the space counted, before the transaction opens.
     */
    private void storeRules(byte[] b, short off, short end) {
        if (off == end) {
            Ber.malformed();
        }
        short need = 0;
        boolean exists = false;
        for (short p = off; p < end; ) {
            short next = syntax.refArDo(b, p, end);
            byte state = existing(b, off, p, next);
            if (state == CONFLICT) {
                ISOException.throwIt(SW_CONFLICTING_RULE);
            }
            if (state == SAME) {
                exists = true;
            } else {
                need += (short) (next - p);
            }
            p = next;
        }
        if (need > store.free()) {
            ISOException.throwIt(ISO7816.SW_FILE_FULL);
        }
        if (need > 0) {
            JCSystem.beginTransaction();
            for (short p = off; p < end; ) {
                short next = ber.read(b, p, end);
                if (refDoIsStored(b, p, next) < 0) {
                    store.append(b, p, (short) (next - p));
                }
                p = next;
            }
            newRefreshTag();
            JCSystem.commitTransaction();
        }
        if (exists) {
            ISOException.throwIt(SW_RULE_EXISTS);
        }
    }

    private static final byte NEW = 0;
    private static final byte SAME = 1;
    private static final byte CONFLICT = 2;

    /** Whether the rule at b[p, next) is new, already stored (or earlier in this command) as is, or conflicts. */
    private byte existing(byte[] b, short first, short p, short next) {
        short at = refDoIsStored(b, p, next);
        if (at >= 0) {
            return store.ruleEquals(at, b, p, (short) (next - p)) ? SAME : CONFLICT;
        }
        ber.read(b, p, next);
        short ref = ber.valueOffset();
        short refLen = (short) (ber.read(b, ref, next) - ref);
        for (short q = first; q < p; ) {
            short qNext = ber.read(b, q, p);
            short qRef = ber.valueOffset();
            short qRefLen = (short) (ber.read(b, qRef, qNext) - qRef);
            if (qRefLen == refLen && Util.arrayCompare(b, qRef, b, ref, refLen) == 0) {
                return (short) (qNext - q) == (short) (next - p) && Util.arrayCompare(b, q, b, p, (short) (next - p)) == 0
                        ? SAME : CONFLICT;
            }
            q = qNext;
        }
        return NEW;
    }

    /** Offset in the store of the rule with the REF-DO of the REF-AR-DO at b[p, next), or -1. */
    private short refDoIsStored(byte[] b, short p, short next) {
        ber.read(b, p, next);
        short ref = ber.valueOffset();
        short refEnd = ber.read(b, ref, next);
        return store.findRefDo(b, ref, (short) (refEnd - ref));
    }

    /**
     * Command-Delete: empty deletes every rule; an AID-REF-DO (4F / C0) the rules for that AID; a REF-DO the rule
     * with that reference; a REF-AR-DO that very rule. Nothing to delete for a selector: 6A88.
     */
    private void delete(byte[] b, short off, short end) {
        if (off == end) {
            if (store.used() != 0) {
                JCSystem.beginTransaction();
                store.clear();
                newRefreshTag();
                JCSystem.commitTransaction();
            }
            return;
        }
        byte tag = b[off];
        short next;
        if (tag == RuleSyntax.TAG_REF_AR_DO) {
            next = syntax.refArDo(b, off, end);
        } else if (tag == RuleSyntax.TAG_REF_DO) {
            next = syntax.refDo(b, off, end);
        } else {
            next = syntax.aidRef(b, off, end);
        }
        if (next != end) {
            Ber.malformed(); // one selector per command
        }
        short len = (short) (end - off);
        if (store.select(b, off, len, false) == 0) {
            ISOException.throwIt(SW_NOT_FOUND);
        }
        JCSystem.beginTransaction();
        store.select(b, off, len, true);
        newRefreshTag();
        JCSystem.commitTransaction();
    }

    /** A fresh random refresh tag, never the one before: the enforcer re-reads the rules only when it changes. */
    private void newRefreshTag() {
        do {
            random.nextBytes(fresh, (short) 0, TAG_SIZE);
        } while (Util.arrayCompare(fresh, (short) 0, refreshTag, (short) 0, TAG_SIZE) == 0);
        Util.arrayCopy(fresh, (short) 0, refreshTag, (short) 0, TAG_SIZE);
    }
}
