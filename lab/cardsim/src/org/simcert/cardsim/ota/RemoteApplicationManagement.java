package org.simcert.cardsim.ota;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Remote Application Management application of a security domain (ETSI TS 102 226): runs the secured data of
 * a command packet as a script of C-APDUs through the domain, in the compact format (5.1: C-APDUs back to back;
 * response = executed count, last SW, last data) or the expanded format (5.2: Command Scripting template AA/AE of
 * C-APDU TLVs 22; response = Response Scripting template AB with the count 80 and an R-APDU TLV 23 per command).
 * Execution stops at the first command that does not end in 9000 or a warning 62xx/63xx (OU; TS 102 226 5.1.2).
 * The response data of a command is returned as the domain produced it: the RAM answers inside the card, so no
 * 61xx / GET RESPONSE round is needed.
 */
final class RemoteApplicationManagement {
    private final SecurityDomains domains;

    RemoteApplicationManagement(SecurityDomains domains) {
        this.domains = domains;
    }

    byte[] run(byte[] sdAid, byte[] script) {
        if (script.length > 0 && ((script[0] & 0xFF) == 0xAA || (script[0] & 0xFF) == 0xAE)) {
            return runExpanded(sdAid, script);
        }
        return runCompact(sdAid, script);
    }

    private byte[] runCompact(byte[] sdAid, byte[] script) {
        int executed = 0;
        byte[] last = {(byte) 0x90, 0x00};
        int p = 0;
        while (p < script.length) {
            int len = apduLength(script, p);
            if (len < 0) {
                last = new byte[] {0x67, 0x00}; // a C-APDU that runs past the script: wrong length
                break;
            }
            last = domains.runRemote(sdAid, Arrays.copyOfRange(script, p, p + len));
            executed++;
            p += len;
            if (!continues(last)) {
                break;
            }
        }
        byte[] out = new byte[last.length + 1];
        out[0] = (byte) executed;
        out[1] = last[last.length - 2];
        out[2] = last[last.length - 1];
        System.arraycopy(last, 0, out, 3, last.length - 2);
        return out;
    }

    /** The length of the short C-APDU at p (cases 1-4, ISO/IEC 7816-3 12.1.3); -1 when it runs past the end. */
    private static int apduLength(byte[] s, int p) {
        int left = s.length - p;
        if (left < 4) {
            return -1;
        }
        if (left == 4 || left == 5) {
            return left; // case 1, or case 2 as the last command
        }
        int lc = s[p + 4] & 0xFF;
        if (lc == 0) {
            return 5; // case 2 (Le 00) followed by another command
        }
        if (5 + lc > left) {
            return -1;
        }
        // Case 3 or case 4: a trailing Le byte cannot be told from the next command's CLA in the compact format;
        // the convention of pySim and the cards it talks to is no Le in scripts, so take case 3.
        return 5 + lc;
    }

    private static boolean continues(byte[] r) {
        int sw1 = r[r.length - 2] & 0xFF;
        return (sw1 == 0x90 && r[r.length - 1] == 0) || sw1 == 0x61 || sw1 == 0x62 || sw1 == 0x63;
    }

    private byte[] runExpanded(byte[] sdAid, byte[] script) {
        List<byte[]> apdus = new ArrayList<>();
        boolean badFormat = false;
        try {
            int p;
            int end;
            if ((script[0] & 0xFF) == 0xAE) {
                if (script.length < 4 || (script[1] & 0xFF) != 0x80 || script[script.length - 1] != 0 || script[script.length - 2] != 0) {
                    throw new IllegalArgumentException();
                }
                p = 2;
                end = script.length - 2;
            } else {
                int[] l = length(script, 1);
                p = l[1];
                end = p + l[0];
                if (end != script.length) {
                    throw new IllegalArgumentException();
                }
            }
            while (p < end) {
                int tag = script[p] & 0xFF;
                int[] l = length(script, p + 1);
                if (l[1] + l[0] > end) {
                    throw new IllegalArgumentException();
                }
                if (tag == 0x22) {
                    apdus.add(Arrays.copyOfRange(script, l[1], l[1] + l[0]));
                }
                p = l[1] + l[0];
            }
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            badFormat = true;
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (badFormat) {
            body.writeBytes(new byte[] {(byte) 0x80, 0x01, 0x00, (byte) 0x90, 0x01, 0x02}); // 90 02: wrong length
        } else {
            ByteArrayOutputStream responses = new ByteArrayOutputStream();
            int executed = 0;
            for (byte[] a : apdus) {
                byte[] r = domains.runRemote(sdAid, a);
                executed++;
                responses.write(0x23);
                responses.writeBytes(encodeLength(r.length));
                responses.writeBytes(r);
                if (!continues(r)) {
                    break;
                }
            }
            body.writeBytes(new byte[] {(byte) 0x80, 0x01, (byte) executed});
            body.writeBytes(responses.toByteArray());
        }
        byte[] b = body.toByteArray();
        return ResponsePacket.concat(new byte[] {(byte) 0xAB}, encodeLength(b.length), b);
    }

    /** {length, offset of the value} of the BER length at p. */
    private static int[] length(byte[] s, int p) {
        int first = s[p] & 0xFF;
        if (first < 0x80) {
            return new int[] {first, p + 1};
        }
        int n = first & 0x7F;
        if (n == 0 || n > 2) {
            throw new IllegalArgumentException();
        }
        int len = 0;
        for (int i = 0; i < n; i++) {
            len = (len << 8) | (s[p + 1 + i] & 0xFF);
        }
        return new int[] {len, p + 1 + n};
    }

    private static byte[] encodeLength(int n) {
        if (n < 0x80) {
            return new byte[] {(byte) n};
        }
        if (n <= 0xFF) {
            return new byte[] {(byte) 0x81, (byte) n};
        }
        return new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
    }
}
