package org.simcert.cardsim.ota;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * The response packet (Proof of Receipt) of ETSI TS 102 225 5.2 in the SMS dialect of 3GPP TS 31.115: UDH 02 71 00,
 * RPL, RHL, TAR, then CNTR, PCNTR, status, RC/CC and the additional data, ciphered from CNTR on when SPI2 b5 asks.
 * The RC/CC covers the UDH too (TS 31.115). A PoR for a packet whose keys were not established is sent unsecured
 * (RHL 0A, no ciphering, zero counter), as the status 06 PoR of a real card is (reference sheet section 3).
 */
final class ResponsePacket {
    private ResponsePacket() {
    }

    static byte[] unsecured(byte[] tar, byte status) {
        return build(tar, 0, status, new byte[0], null, 0);
    }

    /** @param keys the key set the command verified under; null for an unsecured PoR */
    static byte[] build(byte[] tar, long counter, byte status, byte[] data, OtaKeySet keys, int spi2) {
        int porChecksum = keys == null ? 0 : (spi2 >> 2) & 0x03;
        boolean ciphered = keys != null && (spi2 & 0x10) != 0;
        String csAlgorithm = porChecksum == 2 ? keys.kidAlgorithm : porChecksum == 1 ? OtaAlgorithms.CRC32 : null;
        if (porChecksum == 1 && (keys.kidAlgorithm.equals(OtaAlgorithms.CRC16) || keys.kidAlgorithm.equals(OtaAlgorithms.CRC32))) {
            csAlgorithm = keys.kidAlgorithm;
        }
        int cs = csAlgorithm == null ? 0 : OtaAlgorithms.checksumLength(csAlgorithm);
        int bs = ciphered ? OtaAlgorithms.blockSize(keys.kicAlgorithm) : 1;
        int rest = (7 + cs + data.length) % bs;
        int pcntr = rest == 0 ? 0 : bs - rest;
        int rhl = 10 + cs;
        int rpl = 1 + rhl + data.length + pcntr;
        byte[] head = {0x02, 0x71, 0x00, (byte) (rpl >> 8), (byte) rpl, (byte) rhl, tar[0], tar[1], tar[2]};
        byte[] mid = {(byte) (counter >> 32), (byte) (counter >> 24), (byte) (counter >> 16), (byte) (counter >> 8), (byte) counter,
            (byte) pcntr, status};
        byte[] padded = Arrays.copyOf(data, data.length + pcntr);
        byte[] checksum = new byte[0];
        if (cs > 0) {
            checksum = OtaAlgorithms.checksum(csAlgorithm, keys.kid, concat(head, mid, padded));
        }
        byte[] secured = concat(mid, checksum, padded);
        if (ciphered) {
            secured = OtaAlgorithms.cipher(keys.kicAlgorithm, keys.kic, secured, true);
        }
        return concat(head, secured);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
