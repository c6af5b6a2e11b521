package org.simcert.cardsim;

/** Hex text for configuration, scripts and logs. */
public final class Hex {
    private Hex() {
    }

    public static byte[] decode(String s, String what) {
        String h = s.replaceAll("\\s+", "");
        if (h.length() % 2 != 0 || !h.matches("[0-9A-Fa-f]*")) {
            throw new IllegalArgumentException(what + ": not hex: " + s);
        }
        byte[] b = new byte[h.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    public static String encode(byte[] b) {
        return encode(b, 0, b.length);
    }

    private static final char[] DIGITS = "0123456789ABCDEF".toCharArray();

    // Called on every SELECT (the lock check names instances by AID): a table, not String.format per byte.
    public static String encode(byte[] b, int off, int len) {
        char[] out = new char[len * 2];
        for (int i = 0; i < len; i++) {
            int v = b[off + i] & 0xFF;
            out[2 * i] = DIGITS[v >>> 4];
            out[2 * i + 1] = DIGITS[v & 0x0F];
        }
        return new String(out);
    }
}
