package org.simcert.cardsim;

import javacard.framework.ISO7816;

/**
 * The sliver of a UICC file system a test rack needs to tell cards apart: the MF (3F00) and EF ICCID (2FE2),
 * served when no applet is selected on the channel. EF ICCID holds the ICCID in BCD with the nibbles of each byte
 * swapped and F padding (ETSI TS 102 221 section 13.2, ITU-T E.118), as clients such as pySim read it.
 */
final class UiccFiles {
    private static final int MF = 0x3F00;
    private static final int EF_ICCID = 0x2FE2;

    private final byte[] iccid;
    private final int[] current;

    UiccFiles(String iccidDigits, int channels) {
        this.iccid = iccidDigits == null ? null : encode(iccidDigits);
        this.current = new int[channels];
    }

    static byte[] encode(String digits) {
        if (!digits.matches("[0-9]{1,20}")) {
            throw new IllegalArgumentException("an ICCID has up to 20 decimal digits, not " + digits);
        }
        StringBuilder s = new StringBuilder(digits);
        while (s.length() < 20) {
            s.append('F');
        }
        byte[] b = new byte[10];
        for (int i = 0; i < 10; i++) {
            int first = Character.digit(s.charAt(2 * i), 16);
            int second = Character.digit(s.charAt(2 * i + 1), 16);
            b[i] = (byte) ((second << 4) | first);
        }
        return b;
    }

    boolean present() {
        return iccid != null;
    }

    void reset() {
        java.util.Arrays.fill(current, 0);
    }

    /** Handles SELECT by file identifier / path and READ BINARY; null when the command is not a file command. */
    byte[] process(CommandApdu c, int channel) {
        if ((c.cla() & 0x80) != 0) {
            return null;
        }
        if (c.ins() == ISO7816.INS_SELECT && (c.p1() == 0x00 || c.p1() == 0x08)) {
            byte[] d = c.data();
            if (d.length < 2 || d.length % 2 != 0) {
                return sw(ISO7816.SW_WRONG_LENGTH);
            }
            int fid = ((d[d.length - 2] & 0xFF) << 8) | (d[d.length - 1] & 0xFF);
            if (fid == MF && d.length == 2) {
                current[channel] = MF;
            } else if (fid == EF_ICCID && d.length == 2) {
                current[channel] = EF_ICCID;
            } else {
                return sw(ISO7816.SW_FILE_NOT_FOUND);
            }
            return sw(ISO7816.SW_NO_ERROR);
        }
        if (c.ins() == (byte) 0xB0 && (c.p1() & 0x80) == 0) {
            if (current[channel] != EF_ICCID) {
                return sw(ISO7816.SW_COMMAND_NOT_ALLOWED);
            }
            int off = ((c.p1() & 0x7F) << 8) | (c.p2() & 0xFF);
            if (off >= iccid.length) {
                return sw(ISO7816.SW_WRONG_P1P2);
            }
            int n = Math.min(c.ne < 0 ? 256 : c.ne, iccid.length - off);
            byte[] r = new byte[n + 2];
            System.arraycopy(iccid, off, r, 0, n);
            r[n] = (byte) 0x90;
            return r;
        }
        return null;
    }

    private static byte[] sw(short sw) {
        return new byte[] {(byte) (sw >> 8), (byte) sw};
    }
}
