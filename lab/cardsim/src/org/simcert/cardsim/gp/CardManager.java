package org.simcert.cardsim.gp;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import javacard.framework.APDU;
import javacard.framework.Applet;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;

/**
 * The issuer security domain (GlobalPlatform Card Specification 2.3.1, chapter 9 and section 11): SCP03 secure
 * channel with the domain's keys, GET DATA (CPLC 9F7F, key information 00E0), GET STATUS of the domain and the
 * applications, and the failed-authentication counter that blocks the domain. Content management (INSTALL, LOAD,
 * DELETE) is not here yet: applets are still created with jCardSim's CREATE APPLET.
 */
public final class CardManager extends Applet {
    /** The GlobalPlatform ISD AID (GPCS 2.3.1 table H-1); eUICCs use their ISD-R's instead. */
    public static final byte[] ISD_AID = {(byte) 0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00, 0x00};
    /** SCP03 i parameter: pseudo-random card challenge, R-MAC and R-ENC supported (Amendment D table 5-1). */
    static final int SCP03_I = 0x70;
    /** "Authentication method blocked" for INITIALIZE UPDATE once the domain is locked (ISO/IEC 7816-4). */
    static final short SW_AUTH_BLOCKED = 0x6983;

    /** What GET STATUS needs to know about an application instance. */
    public static final class Entry {
        final byte[] aid;
        final byte lifeCycle;
        final byte[] privileges;

        public Entry(byte[] aid, byte lifeCycle, byte[] privileges) {
            this.aid = aid.clone();
            this.lifeCycle = lifeCycle;
            this.privileges = privileges.clone();
        }
    }

    private final byte[] aid;
    private final KeySet keys;
    private final byte[] kdd;
    private final byte[] cplc;
    private final int maxFailures;
    private final Supplier<List<Entry>> applications;
    private int sequenceCounter;
    private int failures;
    private boolean blocked;
    private Scp03 session;

    public CardManager(byte[] aid, byte[] enc, byte[] mac, byte[] dek, int kvn, int sequenceCounter, byte[] cplc, int maxFailures,
            Supplier<List<Entry>> applications) {
        this.aid = aid.clone();
        this.keys = new KeySet(kvn, enc, mac, dek);
        this.sequenceCounter = sequenceCounter;
        this.cplc = cplc.clone();
        // Key diversification data: a 10-byte value the card reports; ours is taken from the CPLC IC serial.
        this.kdd = new byte[10];
        System.arraycopy(cplc, 12, kdd, 6, 4);
        this.maxFailures = maxFailures;
        this.applications = applications;
    }

    public byte[] aid() {
        return aid.clone();
    }

    /** Power loss, SELECT and channel close end a session (Amendment D 5.6). */
    public void endSession() {
        session = null;
    }

    @Override
    public boolean select() {
        session = null;
        return true;
    }

    @Override
    public void deselect() {
        session = null;
    }

    @Override
    public void process(APDU apdu) {
        if (selectingApplet()) {
            return;
        }
        byte[] buf = apdu.getBuffer();
        byte cla = buf[ISO7816.OFFSET_CLA];
        byte ins = buf[ISO7816.OFFSET_INS];
        byte p1 = buf[ISO7816.OFFSET_P1];
        byte p2 = buf[ISO7816.OFFSET_P2];
        byte[] data = receive(apdu);
        if (ins == 0x50 && (cla & 0xFC) == 0x80) {
            send(apdu, initializeUpdate(p1, data), false);
            return;
        }
        if (ins == (byte) 0x82 && (cla & 0xFC) == 0x84) {
            externalAuthenticate(cla, p1, data);
            return;
        }
        boolean secured = session != null && session.authenticated();
        if ((cla & 0x04) != 0) {
            if (!secured) {
                ISOException.throwIt(ISO7816.SW_SECURITY_STATUS_NOT_SATISFIED);
            }
            data = session.unwrap(cla, ins, p1, p2, data);
            if (data == null) {
                // A MAC or decryption error aborts the session (Amendment D 5.6).
                session = null;
                ISOException.throwIt(ISO7816.SW_SECURITY_STATUS_NOT_SATISFIED);
            }
        } else if (secured && (session.level() & Scp03.C_MAC) != 0) {
            // A command below the session's security level ends the session.
            session = null;
            ISOException.throwIt(ISO7816.SW_SECURITY_STATUS_NOT_SATISFIED);
        }
        switch (ins) {
            case (byte) 0xCA:
                send(apdu, getData(p1, p2), secured);
                return;
            case (byte) 0xF2:
                if (!secured) {
                    ISOException.throwIt(ISO7816.SW_SECURITY_STATUS_NOT_SATISFIED);
                }
                send(apdu, getStatus(p1, p2, data), true);
                return;
            default:
                ISOException.throwIt(ISO7816.SW_INS_NOT_SUPPORTED);
        }
    }

    private static byte[] receive(APDU apdu) {
        short lc = apdu.getIncomingLength();
        byte[] buf = apdu.getBuffer();
        short got = apdu.setIncomingAndReceive();
        byte[] data = new byte[lc];
        System.arraycopy(buf, apdu.getOffsetCdata(), data, 0, got);
        int have = got;
        while (have < lc) {
            short n = apdu.receiveBytes(apdu.getOffsetCdata());
            System.arraycopy(buf, apdu.getOffsetCdata(), data, have, n);
            have += n;
        }
        return data;
    }

    private void send(APDU apdu, byte[] data, boolean wrap) {
        byte[] out = wrap && session != null ? session.wrapResponse(data, ISO7816.SW_NO_ERROR) : data;
        apdu.setOutgoing();
        apdu.setOutgoingLength((short) out.length);
        apdu.sendBytesLong(out, (short) 0, (short) out.length);
    }

    private byte[] initializeUpdate(byte p1, byte[] host) {
        session = null;
        if (blocked) {
            ISOException.throwIt(SW_AUTH_BLOCKED);
        }
        if (p1 != 0 && (p1 & 0xFF) != keys.kvn) {
            ISOException.throwIt((short) 0x6A88); // referenced data (key set) not found
        }
        if (host.length != 8) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        if (sequenceCounter == 0xFFFFFF) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        sequenceCounter++;
        byte[] seq = {(byte) (sequenceCounter >> 16), (byte) (sequenceCounter >> 8), (byte) sequenceCounter};
        byte[] cardChallenge = Scp03.kdf(keys.enc, 0x02, Scp03.concat(seq, aid), 64);
        session = new Scp03(keys, host, cardChallenge);
        return Scp03.concat(kdd, new byte[] {(byte) keys.kvn, 0x03, (byte) SCP03_I}, cardChallenge, session.cardCryptogram(), seq);
    }

    private void externalAuthenticate(byte cla, byte p1, byte[] data) {
        Scp03 s = session;
        if (s == null || s.authenticated()) {
            session = null;
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        if (!s.authenticate(cla, p1, data)) {
            session = null;
            failures++;
            if (failures >= maxFailures) {
                blocked = true;
            }
            ISOException.throwIt((short) 0x6300); // authentication of host cryptogram failed (GPCS 11.8.3)
        }
        failures = 0;
    }

    private byte[] getData(byte p1, byte p2) {
        int tag = ((p1 & 0xFF) << 8) | (p2 & 0xFF);
        switch (tag) {
            case 0x9F7F:
                return Scp03.concat(new byte[] {(byte) 0x9F, 0x7F, (byte) cplc.length}, cplc);
            case 0x00E0: {
                // Key information template: one entry per key, C0 04 key-id KVN type(88 = AES) length.
                ByteArrayOutputStream t = new ByteArrayOutputStream();
                for (int id = 1; id <= 3; id++) {
                    t.writeBytes(new byte[] {(byte) 0xC0, 0x04, (byte) id, (byte) keys.kvn, (byte) 0x88, (byte) keys.enc.length});
                }
                byte[] body = t.toByteArray();
                return Scp03.concat(new byte[] {(byte) 0xE0, (byte) body.length}, body);
            }
            default:
                ISOException.throwIt(ISO7816.SW_FILE_NOT_FOUND);
                return null;
        }
    }

    /** GET STATUS in the tagged (E3) format, P2 = 02 (GPCS 11.4.3); P1 80 = the ISD, 40 = applications. */
    private byte[] getStatus(byte p1, byte p2, byte[] filter) {
        if ((p2 & 0xFE) != 0x02) {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        if (filter.length < 2 || filter[0] != 0x4F) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        byte[] prefix = Arrays.copyOfRange(filter, 2, 2 + (filter[1] & 0xFF));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if ((p1 & 0xFF) == 0x80) {
            entry(out, new Entry(aid, (byte) 0x0F, new byte[] {(byte) 0x9E, (byte) 0xFE, (byte) 0x80}));
        } else if ((p1 & 0xFF) == 0x40) {
            for (Entry e : applications.get()) {
                if (e.aid.length >= prefix.length && Arrays.equals(Arrays.copyOf(e.aid, prefix.length), prefix)) {
                    entry(out, e);
                }
            }
        } else {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        if (out.size() == 0) {
            ISOException.throwIt((short) 0x6A88);
        }
        return out.toByteArray();
    }

    private static void entry(ByteArrayOutputStream out, Entry e) {
        byte[] body = Scp03.concat(new byte[] {0x4F, (byte) e.aid.length}, e.aid, new byte[] {(byte) 0x9F, 0x70, 0x01, e.lifeCycle},
                new byte[] {(byte) 0xC5, (byte) e.privileges.length}, e.privileges);
        out.writeBytes(new byte[] {(byte) 0xE3, (byte) body.length});
        out.writeBytes(body);
    }
}
