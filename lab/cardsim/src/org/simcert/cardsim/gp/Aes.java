package org.simcert.cardsim.gp;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/** AES-ECB/CBC without padding and AES-CMAC (NIST SP 800-38B), on the JDK's AES, for the card manager's SCP03. */
final class Aes {
    private Aes() {
    }

    static byte[] ecb(byte[] key, byte[] data) {
        try {
            Cipher c = Cipher.getInstance("AES/ECB/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
            return c.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] cbc(byte[] key, byte[] iv, byte[] data, boolean encrypt) {
        try {
            Cipher c = Cipher.getInstance("AES/CBC/NoPadding");
            c.init(encrypt ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
            return c.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Doubling in GF(2^128), the subkey step of CMAC. */
    private static byte[] dbl(byte[] b) {
        byte[] r = new byte[16];
        int carry = 0;
        for (int i = 15; i >= 0; i--) {
            int v = ((b[i] & 0xFF) << 1) | carry;
            r[i] = (byte) v;
            carry = (b[i] & 0x80) != 0 ? 1 : 0;
        }
        if ((b[0] & 0x80) != 0) {
            r[15] ^= (byte) 0x87;
        }
        return r;
    }

    static byte[] cmac(byte[] key, byte[] msg) {
        byte[] k1 = dbl(ecb(key, new byte[16]));
        byte[] k2 = dbl(k1);
        int n = Math.max(1, (msg.length + 15) / 16);
        boolean complete = msg.length > 0 && msg.length % 16 == 0;
        byte[] last = new byte[16];
        int lastOff = (n - 1) * 16;
        if (complete) {
            for (int i = 0; i < 16; i++) {
                last[i] = (byte) (msg[lastOff + i] ^ k1[i]);
            }
        } else {
            int rem = msg.length - lastOff;
            for (int i = 0; i < 16; i++) {
                byte m = i < rem ? msg[lastOff + i] : (i == rem ? (byte) 0x80 : 0);
                last[i] = (byte) (m ^ k2[i]);
            }
        }
        byte[] x = new byte[16];
        for (int b = 0; b < n - 1; b++) {
            for (int i = 0; i < 16; i++) {
                x[i] ^= msg[b * 16 + i];
            }
            x = ecb(key, x);
        }
        for (int i = 0; i < 16; i++) {
            x[i] ^= last[i];
        }
        return ecb(key, x);
    }

    static byte[] pad80(byte[] data, int block) {
        byte[] out = new byte[(data.length / block + 1) * block];
        System.arraycopy(data, 0, out, 0, data.length);
        out[data.length] = (byte) 0x80;
        return out;
    }

    /** Strips ISO 9797-1 method 2 padding; null when there is none. */
    static byte[] unpad80(byte[] data) {
        int i = data.length - 1;
        while (i >= 0 && data[i] == 0) {
            i--;
        }
        if (i < 0 || data[i] != (byte) 0x80) {
            return null;
        }
        return java.util.Arrays.copyOf(data, i);
    }
}
