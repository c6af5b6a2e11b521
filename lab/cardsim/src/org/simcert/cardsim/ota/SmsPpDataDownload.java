package org.simcert.cardsim.ota;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.TreeMap;

/**
 * The UICC's SMS-PP data download (3GPP TS 31.111 7.1.1): ENVELOPE D1 carrying an SMS-DELIVER (TS 23.040) whose
 * TP-UD holds a command packet behind the Command Packet Identifier (UDH IEI 70, TS 31.115 4.2), possibly split
 * over concatenated SMS (IEI 00 / 08; parts before the last are acknowledged with 9000 and no data). The receiving
 * entity (ETSI TS 102 225 5) then checks the packet in this order: header (06), TAR (09), minimum security level
 * of the TAR (0A), key set named by KIc/KID (05 / 01), deciphering (05), RC/CC (01), counter (02 low, 03 high,
 * 04 blocked), and only then hands the script to the domain's Remote Application Management application.
 *
 * The Proof of Receipt goes back in the ENVELOPE response (SPI2 b6 = 0, "PoR via SMS-DELIVER-REPORT"): response
 * data with 9000 (T=0: 61xx then GET RESPONSE), which the handset copies into the RP-ACK (reference sheet
 * section 3, AOSP UsimDataDownloadHandler). With SPI2 b6 = 1 the ENVELOPE answers 91xx and the PoR comes in the
 * SMS-SUBMIT of a proactive SEND SHORT MESSAGE (TS 31.111 6.4.10), after FETCH.
 */
public final class SmsPpDataDownload {
    /** The answer to one ENVELOPE: response data (possibly empty) and the status word. */
    public static final class Answer {
        public final byte[] data;
        public final short sw;

        Answer(byte[] data, short sw) {
            this.data = data;
            this.sw = sw;
        }
    }

    private final OtaSettings settings;
    private final SecurityDomains domains;
    private final RemoteApplicationManagement ram;
    /** Concatenated SMS parts received so far, by sequence number (one message at a time). */
    private final TreeMap<Integer, byte[]> parts = new TreeMap<>();
    private int partsReference = -1;
    private byte[] originator;
    /** A proactive SEND SHORT MESSAGE waiting for FETCH. */
    private byte[] pendingProactive;

    public SmsPpDataDownload(OtaSettings settings, SecurityDomains domains) {
        this.settings = settings;
        this.domains = domains;
        this.ram = new RemoteApplicationManagement(domains);
    }

    /** FETCH (TS 102 221 10.1.3): the pending proactive command, once. */
    public byte[] fetch() {
        byte[] p = pendingProactive;
        pendingProactive = null;
        return p;
    }

    public Answer envelope(byte[] data) {
        byte[] tpdu = tpdu(data);
        if (tpdu == null) {
            return new Answer(new byte[0], (short) 0x6A80);
        }
        // SMS-DELIVER (TS 23.040 9.2.2.1): first octet, TP-OA, PID, DCS, SCTS (7), UDL, UD.
        if ((tpdu[0] & 0x03) != 0 || (tpdu[0] & 0x40) == 0 || tpdu.length < 2) {
            return new Answer(new byte[0], (short) 0x6A80); // not an SMS-DELIVER with a user data header
        }
        int oaLen = 2 + ((tpdu[1] & 0xFF) + 1) / 2;
        int udlAt = 1 + oaLen + 2 + 7;
        if (udlAt >= tpdu.length || tpdu.length - udlAt - 1 != (tpdu[udlAt] & 0xFF)) {
            return new Answer(new byte[0], (short) 0x6A80);
        }
        originator = Arrays.copyOfRange(tpdu, 1, 1 + oaLen);
        byte[] ud = Arrays.copyOfRange(tpdu, udlAt + 1, tpdu.length);
        int udhl = ud.length == 0 ? -1 : ud[0] & 0xFF;
        if (udhl < 0 || udhl + 1 > ud.length) {
            return new Answer(new byte[0], (short) 0x6A80);
        }
        boolean cpi = false;
        int ref = -1;
        int total = 1;
        int seq = 1;
        for (int p = 1; p + 1 < udhl + 1;) {
            int iei = ud[p] & 0xFF;
            int len = ud[p + 1] & 0xFF;
            if (iei == 0x70) {
                cpi = true;
            } else if (iei == 0x00 && len == 3) {
                ref = ud[p + 2] & 0xFF;
                total = ud[p + 3] & 0xFF;
                seq = ud[p + 4] & 0xFF;
            } else if (iei == 0x08 && len == 4) {
                ref = ((ud[p + 2] & 0xFF) << 8) | (ud[p + 3] & 0xFF);
                total = ud[p + 4] & 0xFF;
                seq = ud[p + 5] & 0xFF;
            }
            p += 2 + len;
        }
        byte[] payload = Arrays.copyOfRange(ud, udhl + 1, ud.length);
        if (total > 1) {
            if (ref != partsReference) {
                parts.clear();
                partsReference = ref;
            }
            if (seq == 1 && !cpi) {
                return new Answer(new byte[0], (short) 0x6A80); // the first part must carry the CPI
            }
            parts.put(seq, payload);
            if (parts.size() < total) {
                return new Answer(new byte[0], (short) 0x9000);
            }
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (byte[] part : parts.values()) {
                all.writeBytes(part);
            }
            parts.clear();
            partsReference = -1;
            payload = all.toByteArray();
        } else if (!cpi) {
            return new Answer(new byte[0], (short) 0x6A80);
        }
        return receive(payload);
    }

    private Answer receive(byte[] packet) {
        CommandPacket cmd;
        try {
            cmd = CommandPacket.readHeader(packet);
        } catch (SecurityException80 e) {
            byte[] tar = packet.length >= 10 ? Arrays.copyOfRange(packet, 7, 10) : new byte[3];
            return reply(ResponsePacket.unsecured(tar, e.status), 0x01, false);
        }
        TargetApplication target = null;
        for (TargetApplication t : settings.targets) {
            if (Arrays.equals(t.tar, cmd.tar) && domains.exists(t.domain)) {
                target = t;
            }
        }
        if (target == null) {
            return reply(ResponsePacket.unsecured(cmd.tar, PorStatus.TAR_UNKNOWN), cmd.spi2, true);
        }
        if (!target.admits(cmd.spi1)) {
            return reply(ResponsePacket.unsecured(cmd.tar, PorStatus.INSUFFICIENT_SECURITY_LEVEL), cmd.spi2, true);
        }
        OtaKeySet keys = keySet(target.domain, cmd);
        if (keys == null) {
            byte status = cmd.ciphered() ? PorStatus.CIPHERING_ERROR : PorStatus.RC_CC_DS_FAILED;
            return reply(ResponsePacket.unsecured(cmd.tar, status), cmd.spi2, true);
        }
        try {
            cmd.open(keys);
        } catch (SecurityException80 e) {
            return reply(ResponsePacket.unsecured(cmd.tar, e.status), cmd.spi2, true);
        }
        byte counterStatus = checkCounter(keys, cmd);
        if (counterStatus != PorStatus.POR_OK) {
            return reply(ResponsePacket.build(cmd.tar, cmd.counter, counterStatus, new byte[0], keys, cmd.spi2), cmd.spi2, true);
        }
        byte[] results = ram.run(target.domain, cmd.data);
        if ((cmd.spi2 & 0x03) != 0x01) {
            return new Answer(new byte[0], (short) 0x9000); // PoR not asked for, or only on error
        }
        return reply(ResponsePacket.build(cmd.tar, cmd.counter, PorStatus.POR_OK, results, keys, cmd.spi2), cmd.spi2, false);
    }

    /** The key set of the TAR's domain the packet names: by KIc when ciphered, else by KID (key index b8-b5). */
    private OtaKeySet keySet(byte[] domain, CommandPacket cmd) {
        int kvn = (cmd.ciphered() ? cmd.kic : cmd.kid) >> 4;
        if (!cmd.ciphered() && cmd.checksumKind() == 0) {
            kvn = cmd.kid >> 4; // nothing to check: the key set only says where the counter lives
        }
        for (OtaKeySet k : settings.keySets) {
            if (Arrays.equals(k.domain, domain) && k.kvn == kvn) {
                return k;
            }
        }
        return null;
    }

    /**
     * Counter rules (TS 102 225 5.1.1 SPI1 b5b4; checked after the RC/CC, the new value stored before the script
     * runs, as onomondo-uicc does): 10 higher than stored, 11 exactly one higher, 01 present without check, 00 none.
     */
    private static byte checkCounter(OtaKeySet keys, CommandPacket cmd) {
        int mode = cmd.counterMode();
        if (mode == CommandPacket.COUNTER_NONE || mode == CommandPacket.COUNTER_AVAILABLE) {
            return PorStatus.POR_OK;
        }
        if (keys.counter == OtaKeySet.COUNTER_BLOCKED) {
            return PorStatus.CNTR_BLOCKED;
        }
        if (cmd.counter <= keys.counter) {
            return PorStatus.CNTR_LOW;
        }
        if (mode == CommandPacket.COUNTER_ONE_HIGHER && cmd.counter != keys.counter + 1) {
            return PorStatus.CNTR_HIGH;
        }
        keys.counter = cmd.counter;
        return PorStatus.POR_OK;
    }

    /**
     * The PoR on its way back: none when SPI2 asks for none (or only on error and this is no error); in the
     * ENVELOPE response (b6 = 0), or as SEND SHORT MESSAGE with 91xx (b6 = 1), the ENVELOPE then answering with a
     * short PoR saying so (status 0B) as the onomondo-uicc and asterix traces show.
     */
    private Answer reply(byte[] por, int spi2, boolean error) {
        int request = spi2 & 0x03;
        if (request == 0 || (request == 2 && !error)) {
            return new Answer(new byte[0], (short) 0x9000);
        }
        if ((spi2 & 0x20) == 0) {
            return new Answer(por, (short) 0x9000);
        }
        pendingProactive = sendShortMessage(por);
        byte[] tar = Arrays.copyOfRange(por, 6, 9);
        return new Answer(ResponsePacket.unsecured(tar, PorStatus.DATA_SENT_BY_SMS_SUBMIT), (short) (0x9100 | pendingProactive.length));
    }

    /** D0: command details SEND SHORT MESSAGE (01 13 00), device identities UICC -> network, SMS TPDU (SMS-SUBMIT). */
    private byte[] sendShortMessage(byte[] por) {
        byte[] da = originator == null ? new byte[] {0x00, (byte) 0x81} : originator;
        byte[] submit = ResponsePacket.concat(new byte[] {0x41, 0x00}, da, new byte[] {0x7F, (byte) 0xF6, (byte) por.length}, por);
        byte[] body = ResponsePacket.concat(new byte[] {(byte) 0x81, 0x03, 0x01, 0x13, 0x00, (byte) 0x82, 0x02, (byte) 0x81, (byte) 0x83,
            (byte) 0x8B}, submit.length > 127 ? new byte[] {(byte) 0x81, (byte) submit.length} : new byte[] {(byte) submit.length}, submit);
        return ResponsePacket.concat(new byte[] {(byte) 0xD0}, body.length > 127 ? new byte[] {(byte) 0x81, (byte) body.length}
                : new byte[] {(byte) body.length}, body);
    }

    /** The TPDU of an SMS-PP download ENVELOPE (D1 ... 8B/0B TPDU), or null. */
    private static byte[] tpdu(byte[] data) {
        if (data.length < 2 || (data[0] & 0xFF) != 0xD1) {
            return null;
        }
        int[] l = length(data, 1);
        if (l == null || l[1] + l[0] != data.length) {
            return null;
        }
        for (int p = l[1]; p < data.length;) {
            int tag = data[p] & 0x7F;
            int[] tl = length(data, p + 1);
            if (tl == null || tl[1] + tl[0] > data.length) {
                return null;
            }
            if (tag == 0x0B) {
                return Arrays.copyOfRange(data, tl[1], tl[1] + tl[0]);
            }
            p = tl[1] + tl[0];
        }
        return null;
    }

    private static int[] length(byte[] s, int p) {
        if (p >= s.length) {
            return null;
        }
        int first = s[p] & 0xFF;
        if (first < 0x80) {
            return new int[] {first, p + 1};
        }
        if (first == 0x81 && p + 1 < s.length) {
            return new int[] {s[p + 1] & 0xFF, p + 2};
        }
        return null;
    }
}
