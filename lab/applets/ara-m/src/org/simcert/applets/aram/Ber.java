package org.simcert.applets.aram;

import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.Util;

/**
 * Reads the BER-TLV data objects of the ARA-M (ISO/IEC 7816-4 section 5.2) out of byte arrays, bounds-checked:
 * every byte it reads may come from a STORE DATA command. Tags are one byte, or two when the first has b5-b1 set
 * (FF40, DF20); lengths are definite, at most 2 bytes, and must be in their shortest form, so one rule has one
 * encoding and stored rules can be compared byte for byte.
 */
final class Ber {
    /** [0] tag, [1] value offset, [2] value length of the last TLV read. Transient: every command re-reads. */
    private final short[] last;

    Ber() {
        last = JCSystem.makeTransientShortArray((short) 3, JCSystem.CLEAR_ON_RESET);
    }

    /**
     * Reads the TLV at off, which must end at or before end, and returns the offset after it. A truncated tag,
     * length or value, a three-byte tag, a length field over 2 bytes or not in its shortest form: 6A80.
     */
    short read(byte[] b, short off, short end) {
        if (off >= end) {
            malformed();
        }
        short tag = (short) (b[off++] & 0xFF);
        if ((short) (tag & 0x1F) == 0x1F) {
            if (off >= end || (b[off] & 0x80) != 0) {
                malformed(); // truncated, or a tag of three bytes or more: SEAC defines none
            }
            tag = (short) ((short) (tag << 8) | (short) (b[off++] & 0xFF));
        }
        if (off >= end) {
            malformed();
        }
        short len = (short) (b[off++] & 0xFF);
        if (len == 0x81) {
            if (off >= end) {
                malformed();
            }
            len = (short) (b[off++] & 0xFF);
            if (len < 0x80) {
                malformed();
            }
        } else if (len == 0x82) {
            if ((short) (off + 1) >= end) {
                malformed();
            }
            len = Util.getShort(b, off);
            off += 2;
            if (len < 0x100) {
                malformed(); // also 8000-FFFF, which a short cannot count
            }
        } else if (len >= 0x80) {
            malformed();
        }
        if (len > (short) (end - off)) {
            malformed();
        }
        last[0] = tag;
        last[1] = off;
        last[2] = len;
        return (short) (off + len);
    }

    short tag() {
        return last[0];
    }

    short valueOffset() {
        return last[1];
    }

    short length() {
        return last[2];
    }

    /** Writes a definite length in its shortest form at off; returns the offset after it. */
    static short putLength(byte[] b, short off, short n) {
        if (n < 0x80) {
            b[off++] = (byte) n;
        } else if (n < 0x100) {
            b[off++] = (byte) 0x81;
            b[off++] = (byte) n;
        } else {
            b[off++] = (byte) 0x82;
            off = Util.setShort(b, off, n);
        }
        return off;
    }

    static void malformed() {
        ISOException.throwIt(ISO7816.SW_WRONG_DATA);
    }
}
