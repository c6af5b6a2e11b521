package org.simcert.applets.jpki;

import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.Util;

/**
 * Converts the DER ECDSA-Sig-Value the Java Card API produces (SEQUENCE { INTEGER r, INTEGER s }, ANSI X9.62) into
 * the plain r || s format of BSI TR-03111 section 5.2.1, each integer left-padded to the field's length: the form
 * ISO/IEC 7816-8 cards answer COMPUTE DIGITAL SIGNATURE with.
 */
final class PlainSignature {
    private static final byte SEQUENCE = 0x30;
    private static final byte INTEGER = 0x02;

    private PlainSignature() {
    }

    /** Writes r || s (2 * n bytes) at out[0]; returns the length. A malformed DER (never expected) answers 6F00. */
    static short fromDer(byte[] der, short derLen, byte[] out, short n) {
        short off = 0;
        if (derLen < 8 || der[off++] != SEQUENCE) {
            ISOException.throwIt(ISO7816.SW_UNKNOWN);
        }
        short seqLen = (short) (der[off++] & 0xFF);
        if (seqLen == 0x81) {
            seqLen = (short) (der[off++] & 0xFF);
        }
        if ((short) (off + seqLen) != derLen) {
            ISOException.throwIt(ISO7816.SW_UNKNOWN);
        }
        off = copyInteger(der, off, derLen, out, (short) 0, n);
        off = copyInteger(der, off, derLen, out, n, n);
        if (off != derLen) {
            ISOException.throwIt(ISO7816.SW_UNKNOWN);
        }
        return (short) (2 * n);
    }

    /** Copies one INTEGER's value, right-aligned in n bytes at out[outOff]; returns the offset after it. */
    private static short copyInteger(byte[] der, short off, short end, byte[] out, short outOff, short n) {
        if ((short) (off + 2) > end || der[off] != INTEGER) {
            ISOException.throwIt(ISO7816.SW_UNKNOWN);
        }
        short len = (short) (der[(short) (off + 1)] & 0xFF);
        short v = (short) (off + 2);
        if (len == 0 || len > 0x7F || (short) (v + len) > end) {
            ISOException.throwIt(ISO7816.SW_UNKNOWN);
        }
        short next = (short) (v + len);
        // A positive INTEGER carries a leading 00 when its top bit is set: drop it (and any other leading zeros).
        while (len > n && der[v] == 0) {
            v++;
            len--;
        }
        if (len > n) {
            ISOException.throwIt(ISO7816.SW_UNKNOWN);
        }
        Util.arrayFillNonAtomic(out, outOff, (short) (n - len), (byte) 0);
        Util.arrayCopyNonAtomic(der, v, out, (short) (outOff + n - len), len);
        return next;
    }
}
