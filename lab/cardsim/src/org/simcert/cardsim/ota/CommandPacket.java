package org.simcert.cardsim.ota;

import java.util.Arrays;

/**
 * A command packet as the receiving entity checks it (ETSI TS 102 225 5.1 in the SMS dialect of 3GPP TS 31.115):
 * CPL, CHL, SPI, KIc, KID, TAR in clear; CNTR, PCNTR, RC/CC and the secured data ciphered when SPI1 b3 says so.
 * The header is read first (status 06 when it is not interpretable); opening it with a key set then deciphers
 * (05), verifies the RC/CC over CPL..PCNTR plus the padded data (01) and strips the padding.
 */
final class CommandPacket {
    /** SPI1 b5b4 counter modes (TS 102 225 5.1.1). */
    static final int COUNTER_NONE = 0;
    static final int COUNTER_AVAILABLE = 1;
    static final int COUNTER_HIGHER = 2;
    static final int COUNTER_ONE_HIGHER = 3;

    final byte[] packet;
    final int chl;
    final int spi1;
    final int spi2;
    final int kic;
    final int kid;
    final byte[] tar;
    /** Set by open(). */
    long counter;
    byte[] data;

    private CommandPacket(byte[] packet) throws SecurityException80 {
        this.packet = packet;
        if (packet.length < 16) {
            throw new SecurityException80(PorStatus.UNIDENTIFIED_SECURITY_ERROR, "packet shorter than its header");
        }
        int cpl = ((packet[0] & 0xFF) << 8) | (packet[1] & 0xFF);
        if (cpl + 2 != packet.length) {
            throw new SecurityException80(PorStatus.UNIDENTIFIED_SECURITY_ERROR, "CPL does not match the packet");
        }
        chl = packet[2] & 0xFF;
        spi1 = packet[3] & 0xFF;
        spi2 = packet[4] & 0xFF;
        kic = packet[5] & 0xFF;
        kid = packet[6] & 0xFF;
        tar = Arrays.copyOfRange(packet, 7, 10);
        if ((spi1 & 0xE0) != 0 || (spi2 & 0xC0) != 0 || (spi2 & 0x03) == 0x03 || chl < 13 || 3 + chl > packet.length
                || ((spi1 & 0x03) == 0 && chl != 13) || (spi1 & 0x03) == 0x03) {
            // Reserved bits, a DS (not supported here) or a header length that fits no checksum.
            throw new SecurityException80(PorStatus.UNIDENTIFIED_SECURITY_ERROR, "header not interpretable");
        }
    }

    static CommandPacket readHeader(byte[] packet) throws SecurityException80 {
        return new CommandPacket(packet);
    }

    boolean ciphered() {
        return (spi1 & 0x04) != 0;
    }

    int checksumKind() {
        return spi1 & 0x03;
    }

    int counterMode() {
        return (spi1 >> 3) & 0x03;
    }

    /** Deciphers and verifies with the key set; afterwards counter and data are set. */
    void open(OtaKeySet keys) throws SecurityException80 {
        byte[] body = Arrays.copyOfRange(packet, 10, packet.length);
        if (ciphered()) {
            if ((kic & 0x0F) != OtaAlgorithms.code(keys.kicAlgorithm) || body.length % OtaAlgorithms.blockSize(keys.kicAlgorithm) != 0) {
                throw new SecurityException80(PorStatus.CIPHERING_ERROR, "KIc algorithm or ciphered length does not fit the key set");
            }
            body = OtaAlgorithms.cipher(keys.kicAlgorithm, keys.kic, body, false);
        }
        int cs = chl - 13;
        if (body.length < 6 + cs) {
            throw new SecurityException80(PorStatus.UNIDENTIFIED_SECURITY_ERROR, "packet shorter than CNTR, PCNTR and checksum");
        }
        int pcntr = body[5] & 0xFF;
        int dataEnd = body.length - pcntr;
        if (dataEnd < 6 + cs) {
            throw new SecurityException80(PorStatus.UNIDENTIFIED_SECURITY_ERROR, "PCNTR exceeds the data");
        }
        if (cs > 0) {
            String algorithm = checksumKind() == 1 ? ((kid & 0x0F) == 0x05 ? OtaAlgorithms.CRC32 : OtaAlgorithms.CRC16) : keys.kidAlgorithm;
            if (checksumKind() == 2 && (kid & 0x0F) != OtaAlgorithms.code(keys.kidAlgorithm)) {
                throw new SecurityException80(PorStatus.RC_CC_DS_FAILED, "KID algorithm does not fit the key set");
            }
            if (OtaAlgorithms.checksumLength(algorithm) != cs) {
                throw new SecurityException80(PorStatus.UNIDENTIFIED_SECURITY_ERROR, "CHL does not fit the KID's checksum");
            }
            byte[] input = new byte[10 + 6 + body.length - 6 - cs];
            System.arraycopy(packet, 0, input, 0, 10);
            System.arraycopy(body, 0, input, 10, 6);
            System.arraycopy(body, 6 + cs, input, 16, body.length - 6 - cs);
            byte[] expected = OtaAlgorithms.checksum(algorithm, keys.kid, input);
            if (!java.security.MessageDigest.isEqual(expected, Arrays.copyOfRange(body, 6, 6 + cs))) {
                throw new SecurityException80(PorStatus.RC_CC_DS_FAILED, "RC/CC does not verify");
            }
        }
        long c = 0;
        for (int i = 0; i < 5; i++) {
            c = (c << 8) | (body[i] & 0xFF);
        }
        counter = c;
        data = Arrays.copyOfRange(body, 6 + cs, dataEnd);
    }
}
