package org.simcert.cardsim.gp;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/** Single and two-key triple DES, the retail MAC and the full 3DES MAC (GPCS B.1.2), for the card's SCP02. */
final class Des {
    private Des() {
    }

    private static byte[] run(String alg, byte[] key, byte[] iv, byte[] data, boolean encrypt) {
        try {
            Cipher c = Cipher.getInstance(alg);
            SecretKeySpec k = new SecretKeySpec(key, alg.startsWith("DESede") ? "DESede" : "DES");
            int mode = encrypt ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE;
            if (iv == null) {
                c.init(mode, k);
            } else {
                c.init(mode, k, new IvParameterSpec(iv));
            }
            return c.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** K1 K2 -> K1 K2 K1, the JDK's 24-byte form of a two-key 3DES key. */
    private static byte[] k3(byte[] key16) {
        byte[] k = new byte[24];
        System.arraycopy(key16, 0, k, 0, 16);
        System.arraycopy(key16, 0, k, 16, 8);
        return k;
    }

    static byte[] tdesCbc(byte[] key16, byte[] iv, byte[] data, boolean encrypt) {
        return run("DESede/CBC/NoPadding", k3(key16), iv, data, encrypt);
    }

    static byte[] desEcb(byte[] key8, byte[] data) {
        return run("DES/ECB/NoPadding", java.util.Arrays.copyOf(key8, 8), null, data, true);
    }

    /** ISO 9797-1 algorithm 3: single DES CBC under K1 for all but the last block, 3DES on the last. */
    static byte[] retailMac(byte[] key16, byte[] padded, byte[] icv) {
        byte[] h = icv;
        if (padded.length > 8) {
            byte[] head = run("DES/CBC/NoPadding", java.util.Arrays.copyOf(key16, 8), icv, java.util.Arrays.copyOf(padded, padded.length - 8), true);
            h = java.util.Arrays.copyOfRange(head, head.length - 8, head.length);
        }
        return tdesCbc(key16, h, java.util.Arrays.copyOfRange(padded, padded.length - 8, padded.length), true);
    }

    static byte[] fullMac(byte[] key16, byte[] padded) {
        byte[] c = tdesCbc(key16, new byte[8], padded, true);
        return java.util.Arrays.copyOfRange(c, c.length - 8, c.length);
    }
}
