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

    public static String encode(byte[] b, int off, int len) {
        StringBuilder sb = new StringBuilder(len * 2);
        for (int i = off; i < off + len; i++) {
            sb.append(String.format("%02X", b[i] & 0xFF));
        }
        return sb.toString();
    }
}
