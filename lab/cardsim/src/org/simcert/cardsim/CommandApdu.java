package org.simcert.cardsim;

/**
 * A command APDU as ISO/IEC 7816-4 section 5.1 defines its cases: short (Lc, Le in one byte) or extended (a 00
 * byte then two-byte Lc/Le). Parsing fails for lengths that fit no case, which the card answers with 6700.
 */
public final class CommandApdu {
    public final byte[] raw;
    public final boolean extended;
    /** Nc: number of data bytes. */
    public final int nc;
    /** Offset of the data in {@link #raw}. */
    public final int dataOffset;
    /** Ne: bytes expected, -1 when the command has no Le field. 256 / 65536 for a 00 / 0000 Le. */
    public final int ne;

    private CommandApdu(byte[] raw, boolean extended, int nc, int dataOffset, int ne) {
        this.raw = raw;
        this.extended = extended;
        this.nc = nc;
        this.dataOffset = dataOffset;
        this.ne = ne;
    }

    /** Returns null when the bytes are no well-formed command APDU. */
    public static CommandApdu parse(byte[] b) {
        int len = b.length;
        if (len < 4) {
            return null;
        }
        if (len == 4) {
            return new CommandApdu(b, false, 0, 4, -1);
        }
        int p3 = b[4] & 0xFF;
        if (len == 5) {
            return new CommandApdu(b, false, 0, 5, p3 == 0 ? 256 : p3);
        }
        if (p3 != 0) {
            if (len == 5 + p3) {
                return new CommandApdu(b, false, p3, 5, -1);
            }
            if (len == 6 + p3) {
                int le = b[len - 1] & 0xFF;
                return new CommandApdu(b, false, p3, 5, le == 0 ? 256 : le);
            }
            return null;
        }
        if (len == 7) {
            int le = ((b[5] & 0xFF) << 8) | (b[6] & 0xFF);
            return new CommandApdu(b, true, 0, 7, le == 0 ? 65536 : le);
        }
        int lc = ((b[5] & 0xFF) << 8) | (b[6] & 0xFF);
        if (lc == 0) {
            return null;
        }
        if (len == 7 + lc) {
            return new CommandApdu(b, true, lc, 7, -1);
        }
        if (len == 9 + lc) {
            int le = ((b[len - 2] & 0xFF) << 8) | (b[len - 1] & 0xFF);
            return new CommandApdu(b, true, lc, 7, le == 0 ? 65536 : le);
        }
        return null;
    }

    public byte cla() {
        return raw[0];
    }

    public byte ins() {
        return raw[1];
    }

    public byte p1() {
        return raw[2];
    }

    public byte p2() {
        return raw[3];
    }

    public byte[] data() {
        byte[] d = new byte[nc];
        System.arraycopy(raw, dataOffset, d, 0, nc);
        return d;
    }
}
