package org.simcert.cardsim.gp;

import java.util.Arrays;

/**
 * The card side of an SCP02 session (GlobalPlatform Card Specification 2.3.1 Appendix E), i = 15: explicit
 * initiation, C-MAC on the modified APDU with the ICV encrypted, C-DECRYPTION, and at levels 11 and 13 an R-MAC
 * on each answer (E.4.5), chained from the C-MAC of EXTERNAL AUTHENTICATE.
 */
final class Scp02 implements SecureSession {
    static final int R_MAC = 0x10;

    private final byte[] sEnc;
    private final byte[] cMac;
    private final byte[] rMac;
    /** The R-MAC chaining value: the C-MAC of EXTERNAL AUTHENTICATE, then the last R-MAC. */
    private byte[] rmacIcv = new byte[8];
    /** The header and plain data of the last command unwrapped: what the R-MAC of its answer covers. */
    private byte[] lastHeader;
    private byte[] lastPlain;
    private final byte[] sDek;
    private final byte[] host;
    private final byte[] seq;
    private final byte[] card;
    private byte[] lastMac;
    private int level = -1;
    private final SkippedChecks skipped;

    Scp02(KeySet keys, byte[] hostChallenge, byte[] sequenceCounter, byte[] cardChallenge, SkippedChecks skipped) {
        this.skipped = skipped;
        this.host = hostChallenge.clone();
        this.seq = sequenceCounter.clone();
        this.card = cardChallenge.clone();
        this.sEnc = derive(keys.enc, 0x0182);
        this.cMac = derive(keys.mac, 0x0101);
        this.rMac = derive(keys.mac, 0x0102);
        this.sDek = derive(keys.dek, 0x0181);
    }

    private byte[] derive(byte[] key, int constant) {
        byte[] d = new byte[16];
        d[0] = (byte) (constant >> 8);
        d[1] = (byte) constant;
        d[2] = seq[0];
        d[3] = seq[1];
        return Des.tdesCbc(key, new byte[8], d, true);
    }

    byte[] cardCryptogram() {
        return Des.fullMac(sEnc, Aes.pad80(Scp03.concat(host, seq, card), 8));
    }

    private byte[] hostCryptogram() {
        return Des.fullMac(sEnc, Aes.pad80(Scp03.concat(seq, card, host), 8));
    }

    public boolean authenticated() {
        return level >= 0;
    }

    public int level() {
        return level;
    }

    private boolean verifyMac(byte cla, byte ins, byte p1, byte p2, byte[] plain, byte[] mac) {
        byte[] icv = lastMac == null ? new byte[8] : Des.desEcb(cMac, lastMac);
        byte[] input = Scp03.concat(new byte[] {cla, ins, p1, p2, (byte) (plain.length + 8)}, plain);
        byte[] want = Des.retailMac(cMac, Aes.pad80(input, 8), icv);
        if (!Arrays.equals(want, mac) && !skipped.cmac) {
            return false;
        }
        lastMac = want;
        return true;
    }

    public boolean authenticate(byte cla, byte p1, byte[] data) {
        lastMac = null;
        int l = p1 & 0xFF;
        if (!(l == 0x00 || l == 0x01 || l == 0x03 || l == 0x11 || l == 0x13) || data.length != 16) {
            return false;
        }
        byte[] crypto = Arrays.copyOf(data, 8);
        if (!verifyMac(cla, (byte) 0x82, p1, (byte) 0, crypto, Arrays.copyOfRange(data, 8, 16))) {
            return false;
        }
        if (!Arrays.equals(crypto, hostCryptogram()) && !skipped.hostCryptogram) {
            return false;
        }
        rmacIcv = lastMac;
        level = l;
        return true;
    }

    public byte[] unwrap(byte cla, byte ins, byte p1, byte p2, byte[] data) {
        if ((level & 0x01) == 0) {
            return data;
        }
        if ((cla & 0x04) == 0 || data.length < 8) {
            return null;
        }
        byte[] body = Arrays.copyOf(data, data.length - 8);
        byte[] mac = Arrays.copyOfRange(data, data.length - 8, data.length);
        byte[] plain = body;
        if ((level & 0x02) != 0 && body.length > 0) {
            if (body.length % 8 != 0) {
                return null;
            }
            plain = Aes.unpad80(Des.tdesCbc(sEnc, new byte[8], body, false));
            if (plain == null) {
                return null;
            }
        }
        if (!verifyMac(cla, ins, p1, p2, plain, mac)) {
            return null;
        }
        lastHeader = new byte[] {(byte) (cla & 0xF8), ins, p1, p2};
        lastPlain = plain;
        return plain;
    }

    /**
     * R-MAC (E.4.5) for 9000, 62xx and 63xx: retail MAC under the R-MAC key over the plain command (CLA without
     * secure messaging and channel bits, INS P1 P2 Lc data), Li, the response data and the status word.
     */
    public byte[] wrapResponse(byte[] data, short sw) {
        int sw1 = (sw >> 8) & 0xFF;
        if ((level & R_MAC) == 0 || lastHeader == null || !(sw == (short) 0x9000 || sw1 == 0x62 || sw1 == 0x63)) {
            return data;
        }
        byte[] input = Scp03.concat(lastHeader, new byte[] {(byte) lastPlain.length}, lastPlain,
                new byte[] {(byte) data.length}, data, new byte[] {(byte) (sw >> 8), (byte) sw});
        rmacIcv = Des.retailMac(rMac, Aes.pad80(input, 8), rmacIcv);
        return Scp03.concat(data, rmacIcv);
    }

    /** SCP02 sensitive data: 3DES-ECB with the session DEK (GPCS E.4.7). */
    @Override
    public byte[] decryptSensitive(byte[] data) {
        if (data.length % 8 != 0) {
            return null;
        }
        byte[] out = new byte[data.length];
        for (int i = 0; i < data.length; i += 8) {
            byte[] block = Des.tdesCbc(sDek, new byte[8], Arrays.copyOfRange(data, i, i + 8), false);
            System.arraycopy(block, 0, out, i, 8);
        }
        return out;
    }
}
