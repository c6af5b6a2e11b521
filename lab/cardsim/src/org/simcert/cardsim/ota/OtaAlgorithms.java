package org.simcert.cardsim.ota;

import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The algorithms the KIc and KID octets name (ETSI TS 102 225 5.1.2, 5.1.3): DES/3DES/AES in CBC mode with a zero
 * IV for ciphering; the DES/3DES CBC-MAC (input zero-padded to 8 only when not aligned, last block) and AES-CMAC
 * (leftmost 8 octets) for the cryptographic checksum; CRC16 (X.25) and CRC32 for the redundancy check.
 */
final class OtaAlgorithms {
    static final String DES = "des-cbc";
    static final String TDES2 = "3des-2key";
    static final String TDES3 = "3des-3key";
    static final String AES_CBC = "aes-cbc";
    static final String AES_CMAC = "aes-cmac";
    static final String CRC16 = "crc16";
    static final String CRC32 = "crc32";

    private OtaAlgorithms() {
    }

    /** Low nibble of a KIc/KID octet for a (3)DES or AES key (TS 102 225 5.1.2, 5.1.3). */
    static int code(String algorithm) {
        switch (algorithm) {
            case DES: return 0x01;
            case TDES2: return 0x05;
            case TDES3: return 0x09;
            case AES_CBC: case AES_CMAC: return 0x02;
            default: throw new IllegalArgumentException("no KIc/KID coding for " + algorithm);
        }
    }

    static int blockSize(String algorithm) {
        return algorithm.equals(AES_CBC) ? 16 : 8;
    }

    static int checksumLength(String algorithm) {
        return algorithm.equals(CRC16) ? 2 : algorithm.equals(CRC32) ? 4 : 8;
    }

    static byte[] cipher(String algorithm, byte[] key, byte[] data, boolean encrypt) {
        try {
            Cipher c;
            SecretKeySpec k;
            if (algorithm.equals(AES_CBC)) {
                c = Cipher.getInstance("AES/CBC/NoPadding");
                k = new SecretKeySpec(key, "AES");
                c.init(encrypt ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE, k, new IvParameterSpec(new byte[16]));
            } else {
                c = Cipher.getInstance("DESede/CBC/NoPadding");
                k = new SecretKeySpec(desEde(key), "DESede");
                c.init(encrypt ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE, k, new IvParameterSpec(new byte[8]));
            }
            return c.doFinal(data);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks " + algorithm, e);
        }
    }

    /** 24-byte DESede key: K1K2K1 for two keys, K1K1K1 for single DES (the same function). */
    private static byte[] desEde(byte[] key) {
        if (key.length == 24) {
            return key;
        }
        byte[] k = new byte[24];
        if (key.length == 16) {
            System.arraycopy(key, 0, k, 0, 16);
            System.arraycopy(key, 0, k, 16, 8);
        } else {
            for (int i = 0; i < 3; i++) {
                System.arraycopy(key, 0, k, 8 * i, 8);
            }
        }
        return k;
    }

    static byte[] checksum(String algorithm, byte[] key, byte[] input) {
        switch (algorithm) {
            case CRC16: {
                int crc = 0xFFFF;
                for (byte b : input) {
                    crc ^= b & 0xFF;
                    for (int i = 0; i < 8; i++) {
                        crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
                    }
                }
                crc ^= 0xFFFF;
                return new byte[] {(byte) (crc >> 8), (byte) crc};
            }
            case CRC32: {
                java.util.zip.CRC32 c = new java.util.zip.CRC32();
                c.update(input);
                long v = c.getValue();
                return new byte[] {(byte) (v >> 24), (byte) (v >> 16), (byte) (v >> 8), (byte) v};
            }
            case AES_CMAC:
                return Arrays.copyOf(aesCmac(key, input), 8);
            default: {
                int rest = input.length % 8;
                byte[] padded = rest == 0 ? input : Arrays.copyOf(input, input.length + 8 - rest);
                byte[] chain = cipher(algorithm, key, padded, true); // DES, 2-key or 3-key: by the key's length
                return Arrays.copyOfRange(chain, chain.length - 8, chain.length);
            }
        }
    }

    /** AES-CMAC (NIST SP 800-38B). */
    private static byte[] aesCmac(byte[] key, byte[] msg) {
        try {
            Cipher ecb = Cipher.getInstance("AES/ECB/NoPadding");
            ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
            byte[] k1 = dbl(ecb.doFinal(new byte[16]));
            byte[] k2 = dbl(k1);
            int n = Math.max(1, (msg.length + 15) / 16);
            boolean complete = msg.length > 0 && msg.length % 16 == 0;
            byte[] last = new byte[16];
            int off = (n - 1) * 16;
            if (complete) {
                System.arraycopy(msg, off, last, 0, 16);
                xor(last, k1);
            } else {
                int r = msg.length - off;
                System.arraycopy(msg, off, last, 0, r);
                last[r] = (byte) 0x80;
                xor(last, k2);
            }
            byte[] x = new byte[16];
            for (int i = 0; i < n - 1; i++) {
                for (int j = 0; j < 16; j++) {
                    x[j] ^= msg[16 * i + j];
                }
                x = ecb.doFinal(x);
            }
            xor(x, last);
            return ecb.doFinal(x);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks AES", e);
        }
    }

    private static byte[] dbl(byte[] b) {
        byte[] out = new byte[16];
        int carry = 0;
        for (int i = 15; i >= 0; i--) {
            int v = ((b[i] & 0xFF) << 1) | carry;
            out[i] = (byte) v;
            carry = (v >> 8) & 1;
        }
        if ((b[0] & 0x80) != 0) {
            out[15] ^= (byte) 0x87;
        }
        return out;
    }

    private static void xor(byte[] a, byte[] b) {
        for (int i = 0; i < a.length; i++) {
            a[i] ^= b[i];
        }
    }
}
