package org.simcert.applets.aram;

/**
 * Checks that the rule data objects of a command are well formed before anything is stored or looked up, so the
 * rule store only ever holds rules it can parse again (GlobalPlatform Secure Element Access Control, with
 * Android's PKG-REF-DO and PERM-AR-DO extensions). Anything else is 6A80.
 *
 * REF-AR-DO E2 = REF-DO E1 followed by AR-DO E3.
 * REF-DO E1 holds, once each and in any order: an AID-REF-DO (4F with 0 or 5-16 bytes: an AID or all SE
 * applications; or C0 with 0 bytes: the default-selected application), a DeviceAppID-REF-DO C1 (0 bytes: all
 * device applications, or a 20-byte SHA-1 / 32-byte SHA-256 hash) and a PKG-REF-DO CA (1-127 bytes, only next to a
 * C1, as Android requires).
 * AR-DO E3 holds, once each: APDU-AR-DO D0 (00 never, 01 always, or n x 8 bytes of header and mask filters),
 * NFC-AR-DO D1 (00 / 01), PERM-AR-DO DB (8 bytes).
 */
final class RuleSyntax {
    static final byte TAG_AID = 0x4F;
    static final byte TAG_DEFAULT_SELECTED = (byte) 0xC0;
    static final byte TAG_DEVICE_APP_ID = (byte) 0xC1;
    static final byte TAG_PACKAGE = (byte) 0xCA;
    static final byte TAG_APDU_RULE = (byte) 0xD0;
    static final byte TAG_NFC_RULE = (byte) 0xD1;
    static final byte TAG_PERMISSIONS = (byte) 0xDB;
    static final byte TAG_REF_DO = (byte) 0xE1;
    static final byte TAG_REF_AR_DO = (byte) 0xE2;
    static final byte TAG_AR_DO = (byte) 0xE3;

    private static final byte SEEN_AID = 0x01;
    private static final byte SEEN_HASH = 0x02;
    private static final byte SEEN_PACKAGE = 0x04;
    private static final byte SEEN_APDU = 0x08;
    private static final byte SEEN_NFC = 0x10;
    private static final byte SEEN_PERM = 0x20;

    private final Ber ber;

    RuleSyntax(Ber ber) {
        this.ber = ber;
    }

    /** Checks the REF-AR-DO at off (ending by end); returns the offset after it. */
    short refArDo(byte[] b, short off, short end) {
        short next = ber.read(b, off, end);
        if (ber.tag() != (short) (TAG_REF_AR_DO & 0xFF)) {
            Ber.malformed();
        }
        short v = ber.valueOffset();
        short vEnd = (short) (v + ber.length());
        short p = refDo(b, v, vEnd);
        if (arDo(b, p, vEnd) != vEnd) {
            Ber.malformed(); // anything after the AR-DO
        }
        return next;
    }

    /** Checks the REF-DO at off; returns the offset after it. */
    short refDo(byte[] b, short off, short end) {
        short next = ber.read(b, off, end);
        if (ber.tag() != (short) (TAG_REF_DO & 0xFF) || ber.length() == 0) {
            Ber.malformed();
        }
        short p = ber.valueOffset();
        short vEnd = next;
        byte seen = 0;
        while (p < vEnd) {
            short q = ber.read(b, p, vEnd);
            short tag = ber.tag();
            short len = ber.length();
            byte bit;
            if (tag == TAG_AID || tag == (short) (TAG_DEFAULT_SELECTED & 0xFF)) {
                aidRefLength(tag, len);
                bit = SEEN_AID;
            } else if (tag == (short) (TAG_DEVICE_APP_ID & 0xFF)) {
                if (len != 0 && len != 20 && len != 32) {
                    Ber.malformed();
                }
                bit = SEEN_HASH;
            } else if (tag == (short) (TAG_PACKAGE & 0xFF)) {
                if (len == 0 || len > 127) {
                    Ber.malformed();
                }
                bit = SEEN_PACKAGE;
            } else {
                Ber.malformed();
                return next;
            }
            if ((seen & bit) != 0) {
                Ber.malformed();
            }
            seen |= bit;
            p = q;
        }
        if ((seen & SEEN_PACKAGE) != 0 && (seen & SEEN_HASH) == 0) {
            Ber.malformed();
        }
        return next;
    }

    /** Checks an AID-REF-DO (4F or C0) standing alone, as a Command-Delete selector; returns the offset after it. */
    short aidRef(byte[] b, short off, short end) {
        short next = ber.read(b, off, end);
        short tag = ber.tag();
        if (tag != TAG_AID && tag != (short) (TAG_DEFAULT_SELECTED & 0xFF)) {
            Ber.malformed();
        }
        aidRefLength(tag, ber.length());
        return next;
    }

    private static void aidRefLength(short tag, short len) {
        if (tag == TAG_AID ? (len != 0 && (len < 5 || len > 16)) : len != 0) {
            Ber.malformed();
        }
    }

    /** Checks the AR-DO at off; returns the offset after it. */
    short arDo(byte[] b, short off, short end) {
        short next = ber.read(b, off, end);
        if (ber.tag() != (short) (TAG_AR_DO & 0xFF) || ber.length() == 0) {
            Ber.malformed();
        }
        short p = ber.valueOffset();
        byte seen = 0;
        while (p < next) {
            short q = ber.read(b, p, next);
            short tag = ber.tag();
            short len = ber.length();
            short v = ber.valueOffset();
            byte bit;
            if (tag == (short) (TAG_APDU_RULE & 0xFF)) {
                // One byte: the generic rule; otherwise whole 8-byte filters (header, mask).
                if (len == 1 ? (b[v] != 0 && b[v] != 1) : (len == 0 || (short) (len & 7) != 0)) {
                    Ber.malformed();
                }
                bit = SEEN_APDU;
            } else if (tag == (short) (TAG_NFC_RULE & 0xFF)) {
                if (len != 1 || (b[v] != 0 && b[v] != 1)) {
                    Ber.malformed();
                }
                bit = SEEN_NFC;
            } else if (tag == (short) (TAG_PERMISSIONS & 0xFF)) {
                if (len != 8) {
                    Ber.malformed();
                }
                bit = SEEN_PERM;
            } else {
                Ber.malformed();
                return next;
            }
            if ((seen & bit) != 0) {
                Ber.malformed();
            }
            seen |= bit;
            p = q;
        }
        return next;
    }
}
