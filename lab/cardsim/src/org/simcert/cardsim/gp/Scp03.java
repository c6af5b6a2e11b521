package org.simcert.cardsim.gp;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * The card side of an SCP03 session (GlobalPlatform Card Specification 2.3 Amendment D v1.1.1 in S8 mode, or
 * v1.2's S16 mode with 16-byte challenges, cryptograms and MACs): session
 * keys and cryptograms from the static keys and the challenges, then verification of each command's C-MAC,
 * C-DECRYPTION of its data, and R-MAC / R-ENCRYPTION of the response, as the security level asks.
 */
final class Scp03 implements SecureSession {
    static final int C_MAC = 0x01;
    static final int C_DEC = 0x02;
    static final int R_MAC = 0x10;
    static final int R_ENC = 0x20;

    private final byte[] sEnc;
    private final byte[] dek;
    private final byte[] sMac;
    private final byte[] sRmac;
    private final byte[] host;
    private final byte[] card;
    private byte[] chain = new byte[16];
    private long counter;
    private int level = -1;
    private final SkippedChecks skipped;
    /** Length of cryptograms, C-MACs and R-MACs: 8 bytes in S8 mode, 16 in S16. */
    private final int macLength;

    Scp03(KeySet keys, byte[] hostChallenge, byte[] cardChallenge, SkippedChecks skipped, boolean s16) {
        this.skipped = skipped;
        this.macLength = s16 ? 16 : 8;
        this.host = hostChallenge.clone();
        this.card = cardChallenge.clone();
        byte[] ctx = concat(host, card);
        sEnc = kdf(keys.enc, 0x04, ctx, keys.enc.length * 8);
        sMac = kdf(keys.mac, 0x06, ctx, keys.mac.length * 8);
        sRmac = kdf(keys.mac, 0x07, ctx, keys.mac.length * 8);
        dek = keys.dek.clone();
    }

    /** NIST SP 800-108 counter-mode KDF with AES-CMAC, laid out as Amendment D 4.1.5. */
    static byte[] kdf(byte[] key, int constant, byte[] context, int lBits) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 1; i <= (lBits + 127) / 128; i++) {
            byte[] label = new byte[16];
            label[11] = (byte) constant;
            label[12] = 0;
            label[13] = (byte) (lBits >> 8);
            label[14] = (byte) lBits;
            label[15] = (byte) i;
            out.writeBytes(Aes.cmac(key, concat(label, context)));
        }
        return Arrays.copyOf(out.toByteArray(), lBits / 8);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    byte[] cardCryptogram() {
        return kdf(sMac, 0x00, concat(host, card), macLength * 8);
    }

    byte[] hostCryptogram() {
        return kdf(sMac, 0x01, concat(host, card), macLength * 8);
    }

    public boolean authenticated() {
        return level >= 0;
    }

    public int level() {
        return level;
    }

    /** Checks a command's C-MAC over the chaining value and the header as sent; the chain moves on success. */
    boolean verifyMac(byte cla, byte ins, byte p1, byte p2, byte[] dataWithMac) {
        if (dataWithMac.length < macLength) {
            return false;
        }
        byte[] data = Arrays.copyOf(dataWithMac, dataWithMac.length - macLength);
        byte[] mac = Arrays.copyOfRange(dataWithMac, dataWithMac.length - macLength, dataWithMac.length);
        int lc = dataWithMac.length;
        byte[] lcField = lc > 255 ? new byte[] {0, (byte) (lc >> 8), (byte) lc} : new byte[] {(byte) lc};
        byte[] full = Aes.cmac(sMac, concat(chain, new byte[] {cla, ins, p1, p2}, lcField, data));
        if (!Arrays.equals(Arrays.copyOf(full, macLength), mac) && !skipped.cmac) {
            return false;
        }
        chain = full;
        return true;
    }

    /** EXTERNAL AUTHENTICATE: the MAC with a zero chain, the host cryptogram, and the level asked for. */
    public boolean authenticate(byte cla, byte p1, byte[] data) {
        chain = new byte[16];
        counter = 0;
        int l = p1 & 0xFF;
        boolean validLevel = l == 0x00 || l == 0x01 || l == 0x03 || l == 0x11 || l == 0x13 || l == 0x33;
        if (!validLevel || data.length != 2 * macLength || !verifyMac(cla, (byte) 0x82, p1, (byte) 0, data)) {
            return false;
        }
        if (!Arrays.equals(Arrays.copyOf(data, macLength), hostCryptogram()) && !skipped.hostCryptogram) {
            return false;
        }
        level = l;
        return true;
    }

    /** Unwraps a command's data: MAC checked, then decrypted (the counter moves for every command). Null on error. */
    public byte[] unwrap(byte cla, byte ins, byte p1, byte p2, byte[] data) {
        if ((level & C_MAC) == 0) {
            return data;
        }
        if ((cla & 0x04) == 0 || !verifyMac(cla, ins, p1, p2, data)) {
            return null;
        }
        byte[] plain = Arrays.copyOf(data, data.length - macLength);
        if ((level & C_DEC) != 0) {
            counter++;
            if (plain.length > 0) {
                if (plain.length % 16 != 0) {
                    return null;
                }
                byte[] p = Aes.unpad80(Aes.cbc(sEnc, Aes.ecb(sEnc, counterBlock(0)), plain, false));
                if (p == null) {
                    return null;
                }
                plain = p;
            }
        }
        return plain;
    }

    /** Wraps response data: R-ENC then R-MAC, for 9000, 62xx and 63xx (Amendment D 6.2.5, 6.2.7). */
    public byte[] wrapResponse(byte[] data, short sw) {
        int sw1 = (sw >> 8) & 0xFF;
        if ((level & R_MAC) == 0 || !(sw == (short) 0x9000 || sw1 == 0x62 || sw1 == 0x63)) {
            return data;
        }
        byte[] body = data;
        if ((level & R_ENC) != 0 && data.length > 0) {
            body = Aes.cbc(sEnc, Aes.ecb(sEnc, counterBlock(0x80)), Aes.pad80(data, 16), true);
        }
        byte[] rmac = Aes.cmac(sRmac, concat(chain, body, new byte[] {(byte) (sw >> 8), (byte) sw}));
        return concat(body, Arrays.copyOf(rmac, macLength));
    }

    private byte[] counterBlock(int first) {
        byte[] b = new byte[16];
        long c = counter;
        for (int i = 15; i >= 8; i--) {
            b[i] = (byte) c;
            c >>>= 8;
        }
        b[0] |= (byte) first;
        return b;
    }

    @Override
    public byte[] decryptSensitive(byte[] data) {
        if (data.length % 16 != 0) {
            return null;
        }
        return Aes.cbc(dek, new byte[16], data, false);
    }
}
