package org.simcert.cardsim.gp;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.simcert.cardsim.CardRuntime;
import javacard.framework.APDU;
import javacard.framework.Applet;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;

/**
 * The issuer security domain (GlobalPlatform Card Specification 2.3.1, chapter 9 and section 11): SCP03 secure
 * channel with the domain's keys, GET DATA (CPLC 9F7F, key information 00E0), GET STATUS of the domain and the
 * applications and load files, the failed-authentication counter that blocks the domain, and card content
 * management inside a secure channel: INSTALL [for load] + LOAD of a load file (a JAR, see LoadFile), INSTALL [for
 * install and make selectable], DELETE of instances and load files.
 */
public final class CardManager extends Applet {
    /** The GlobalPlatform ISD AID (GPCS 2.3.1 table H-1); eUICCs use their ISD-R's instead. */
    public static final byte[] ISD_AID = {(byte) 0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00, 0x00};
    /** The security domain package and module every GP card carries (GPCS 2.3.1 table H-1; GPPro --domain). */
    static final String SD_PACKAGE = "A0000001515350";
    static final String SD_MODULE = "A000000151535041";
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
    private KeySet keys;
    private final byte[] kdd;
    private final byte[] cplc;
    private final int maxFailures;
    private final CardRuntime runtime;
    private final Map<String, LoadFile> loadFiles = new LinkedHashMap<>();
    /** The supplementary security domains this domain created (hex AID), whose load files its GET STATUS also lists. */
    private final Map<String, CardManager> children = new LinkedHashMap<>();
    /** Privileges given at INSTALL, by instance AID (hex). */
    private final Map<String, byte[]> privileges = new HashMap<>();
    /** The card's life cycle (GPCS 5.1): 0F SECURED, 7F CARD_LOCKED, FF TERMINATED; kept by the ISD. */
    private byte cardLifeCycle = 0x0F;
    /** Applications this domain has LOCKED with SET STATUS (hex AIDs). */
    private final java.util.Set<String> locked = new java.util.HashSet<>();
    /** Load file AID (hex) of each instance installed from one. */
    private final Map<String, String> instanceOf = new HashMap<>();
    /** The application INSTALL [for personalization] named: STORE DATA goes to it until the session ends. */
    private byte[] personalizationTarget;
    /** The LOAD in progress: after INSTALL [for load], until the last block. */
    private byte[] loadingAid;
    private ByteArrayOutputStream loadData;
    private int nextBlock;
    private int sequenceCounter;
    private int failures;
    private boolean blocked;
    private SecureSession session;
    private final int scp;
    private final byte[] fixedCardChallenge;
    private final java.security.SecureRandom random = new java.security.SecureRandom();
    /** Checks this domain deliberately skips (fault injection for testing the harness's tests); none by default. */
    private SkippedChecks skipped = SkippedChecks.NONE;
    /** SCP03 in S16 mode (i b1) rather than S8. */
    private boolean s16;
    /** This domain's own privileges (GPCS 11.1.2): the ISD's 9EFE80, an SSD's those its INSTALL gave it. */
    private byte[] ownPrivileges = {(byte) 0x9E, (byte) 0xFE, (byte) 0x80};
    /** DAP, token and receipt keys of the card (GPCS appendix C), shared by the ISD and the SSDs it creates. */
    private ContentSecurity security = ContentSecurity.NONE;
    /** The Load File Data Block Hash of the INSTALL [for load] in progress (GPCS C.2); null when none was sent. */
    private byte[] loadHash;
    /** The Issuer Identification Number (GET DATA 42) of this card's domains: ITU-T E.118 89 (telecom), 81 (Japan). */
    static final byte[] IIN = {(byte) 0x89, (byte) 0x81, 0x00, 0x00};
    /**
     * While a command arrives through this domain's Remote Application Management application (OTA, ETSI TS 102
     * 226): the secured packet has already been authenticated by SCP80, so the command counts as secured; the
     * reader-side session and its personalization target are set aside meanwhile, and the OTA side keeps its own.
     */
    private boolean remote;
    private SecureSession readerSession;
    private byte[] readerPersonalizationTarget;
    private byte[] remotePersonalizationTarget;

    /**
     * @param scp 2 or 3
     * @param fixedCardChallenge SCP02 only, for replaying recorded sessions; null for random challenges
     */
    public CardManager(byte[] aid, int scp, byte[] enc, byte[] mac, byte[] dek, int kvn, int sequenceCounter, byte[] fixedCardChallenge,
            byte[] cplc, int maxFailures, CardRuntime runtime) {
        this.aid = aid.clone();
        if (scp != 2 && scp != 3) {
            throw new IllegalArgumentException("the card manager speaks SCP02 or SCP03, not " + scp);
        }
        this.scp = scp;
        this.fixedCardChallenge = fixedCardChallenge == null ? null : fixedCardChallenge.clone();
        this.keys = new KeySet(kvn, enc, mac, dek);
        this.sequenceCounter = sequenceCounter;
        this.cplc = cplc.clone();
        // Key diversification data: a 10-byte value the card reports; ours is taken from the CPLC IC serial.
        this.kdd = new byte[10];
        System.arraycopy(cplc, 12, kdd, 6, 4);
        this.maxFailures = maxFailures;
        this.runtime = runtime;
    }

    public byte[] aid() {
        return aid.clone();
    }

    /** SCP03 S16 mode (Amendment D v1.2): i 71, 16-byte host and card challenges, cryptograms and MACs. */
    public void useS16(boolean on) {
        if (on && scp != 3) {
            throw new IllegalArgumentException("S16 mode is SCP03's; this card manager speaks SCP0" + scp);
        }
        this.s16 = on;
    }

    /** Puts the card's secure content management keys (GPCS appendix C.1) into this domain. */
    public void useContentSecurity(ContentSecurity s) {
        this.security = s;
    }

    /** Table 11-7: privilege byte 1 b7 (with b8, C0), DAP Verification. */
    private boolean dapVerification() {
        return (ownPrivileges[0] & 0xC0) == 0xC0;
    }

    /** Table 11-7: privilege byte 1 b6 (with b8, A0), Delegated Management; Authorized Management (byte 2 b7) overrides it. */
    private boolean delegatedManagement() {
        return (ownPrivileges[0] & 0xA0) == 0xA0 && !(ownPrivileges.length == 3 && (ownPrivileges[1] & 0x40) != 0);
    }

    /**
     * Security Domain unique data of the confirmations (GPCS 11.1.6): the Security Domain Provider Identification
     * Number (42) followed by the Security Domain Image Number (45), which is the CIN; ours is the KDD.
     */
    private byte[] sdUniqueData() {
        return Scp03.concat(IIN, kdd);
    }

    /** Makes this a deliberately broken card manager that skips the given checks, from the next session on. */
    public void skipChecks(SkippedChecks checks) {
        this.skipped = checks;
    }

    /** Enters remote mode: the next commands come from the OTA RAM application, secured by SCP80. */
    public void beginRemote() {
        readerSession = session;
        readerPersonalizationTarget = personalizationTarget;
        session = new RemoteSession(keys.dek);
        personalizationTarget = remotePersonalizationTarget;
        remote = true;
    }

    public void endRemote() {
        remotePersonalizationTarget = personalizationTarget;
        session = readerSession;
        personalizationTarget = readerPersonalizationTarget;
        readerSession = null;
        readerPersonalizationTarget = null;
        remote = false;
    }

    /** Power loss, SELECT and channel close end a session (Amendment D 5.6). */
    public void endSession() {
        session = null;
        personalizationTarget = null;
    }

    @Override
    public boolean select() {
        endSession();
        return true;
    }

    @Override
    public void deselect() {
        endSession();
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
        if (ins == ISO7816.INS_SELECT) {
            // A name no application has reached the selected ISD: not found, and the session ends (Amendment D 5.6).
            session = null;
            ISOException.throwIt(ISO7816.SW_FILE_NOT_FOUND);
        }
        if (cardLifeCycle == (byte) 0xFF && ins != (byte) 0xCA) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED); // TERMINATED: nothing but GET DATA
        }
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
        } else if (secured && !remote && (session.level() & Scp03.C_MAC) != 0) {
            // A command below the session's security level ends the session.
            session = null;
            ISOException.throwIt(ISO7816.SW_SECURITY_STATUS_NOT_SATISFIED);
        }
        switch (ins) {
            case (byte) 0xCA:
                send(apdu, getData(p1, p2), secured);
                return;
            case (byte) 0xF2:
                requireSecured(secured);
                send(apdu, getStatus(p1, p2, data), true);
                return;
            case (byte) 0xE6:
                requireSecured(secured);
                send(apdu, install(p1, p2, data), true);
                return;
            case (byte) 0xE8:
                requireSecured(secured);
                send(apdu, load(p1, p2, data), true);
                return;
            case (byte) 0xE4:
                requireSecured(secured);
                send(apdu, delete(p1, p2, data), true);
                return;
            case (byte) 0xE2:
                requireSecured(secured);
                storeData(apdu, data);
                return;
            case (byte) 0xF0:
                requireSecured(secured);
                send(apdu, setStatus(p1, p2, data), true);
                return;
            case (byte) 0xD8:
                requireSecured(secured);
                send(apdu, putKey(p1, p2, data), true);
                return;
            default:
                ISOException.throwIt(ISO7816.SW_INS_NOT_SUPPORTED);
        }
    }

    private static void requireSecured(boolean secured) {
        if (!secured) {
            ISOException.throwIt(ISO7816.SW_SECURITY_STATUS_NOT_SATISFIED);
        }
    }

    /**
     * STORE DATA after INSTALL [for personalization]: the command, unwrapped, goes to the application's
     * processData with this session as its secure channel (GPCS 11.11, GP Card API Application).
     */
    private void storeData(APDU apdu, byte[] data) {
        if (personalizationTarget == null) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        byte[] buf = apdu.getBuffer();
        byte[] command = Scp03.concat(new byte[] {(byte) 0x80, buf[ISO7816.OFFSET_INS], buf[ISO7816.OFFSET_P1], buf[ISO7816.OFFSET_P2],
                (byte) data.length}, data);
        runtime.forwardToApplication(personalizationTarget, command, new DomainChannel(session));
        send(apdu, new byte[0], true);
    }

    /**
     * Reads the length-value fields of INSTALL / DELETE data; throws 6A80 when they overrun. Lengths are BER
     * (GPCS 11.1.5): parameters and tokens may be 81 xx or 82 xx xx long.
     */
    private static byte[][] lvs(byte[] data, int count) {
        return lvs(data, count, null);
    }

    /** As lvs(data, count), also giving in `ends` where each field ends in `data`. */
    private static byte[][] lvs(byte[] data, int count, int[] ends) {
        byte[][] out = new byte[count][];
        int p = 0;
        for (int i = 0; i < count; i++) {
            if (p >= data.length) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            int len = data[p++] & 0xFF;
            if (len == 0x81 || len == 0x82) {
                int n = len & 0x03;
                len = 0;
                for (int k = 0; k < n; k++) {
                    if (p >= data.length) {
                        ISOException.throwIt(ISO7816.SW_WRONG_DATA);
                    }
                    len = (len << 8) | (data[p++] & 0xFF);
                }
            } else if (len > 0x80) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            if (p + len > data.length) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            out[i] = Arrays.copyOfRange(data, p, p + len);
            p += len;
            if (ends != null) {
                ends[i] = p;
            }
        }
        return out;
    }

    /**
     * Checks the token that ends an INSTALL or DELETE sent to a domain with Delegated Management (GPCS C.4): the
     * token verification key's signature of P1 P2, the length of the data before the token (1 byte, or 00 xx xx
     * over 255: C.4) and that data. A missing or wrong token is 6A80, as for any incorrect data field.
     */
    private void requireToken(byte p1, byte p2, byte[] data, int tokenStart, byte[] token) {
        byte[] lc = tokenStart > 255 ? new byte[] {0x00, (byte) (tokenStart >> 8), (byte) tokenStart} : new byte[] {(byte) tokenStart};
        byte[] signed = Scp03.concat(new byte[] {p1, p2}, lc, Arrays.copyOf(data, tokenStart));
        if (!security.verifyToken(signed, token)) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
    }

    /** GPCS 11.5.3.1 / 11.6.3.1: length of the confirmation, then the confirmation (11.1.6); 00 without a receipt key. */
    private byte[] confirmationResponse(byte[] context) {
        byte[] c = security.confirmation(sdUniqueData(), context);
        if (c == null) {
            return new byte[] {0x00};
        }
        return Scp03.concat(c.length > 127 ? new byte[] {(byte) 0x81, (byte) c.length} : new byte[] {(byte) c.length}, c);
    }

    private static byte[] lv(byte[] b) {
        return Scp03.concat(new byte[] {(byte) b.length}, b);
    }

    /** INSTALL (GPCS 11.5): P1 02 for load, 0C / 04 / 08 for install and make selectable. */
    private byte[] install(byte p1, byte p2, byte[] data) {
        int kind = p1 & 0x7E;
        if (kind == 0x02) {
            int[] ends = new int[5];
            byte[][] f = lvs(data, 5, ends); // load file AID, SD AID, hash, load parameters, token
            if (f[0].length < 5 || f[0].length > 16) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            if (loadFiles.containsKey(LoadFile.hex(f[0]))) {
                ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
            }
            if (f[1].length != 0 && !Arrays.equals(f[1], aid)) {
                ISOException.throwIt((short) 0x6A88); // no such security domain
            }
            int hashLength = f[2].length;
            if (hashLength != 0 && hashLength != 20 && hashLength != 32 && hashLength != 48 && hashLength != 64) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA); // not a SHA-1/256/384/512 digest (C.2)
            }
            if ((dapVerification() || delegatedManagement()) && hashLength == 0) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA); // C.2: a DAP or a Load Token needs the LFDBH
            }
            if (delegatedManagement()) {
                requireToken(p1, p2, data, ends[3], f[4]); // the Load Token, table C-4
            }
            loadHash = hashLength == 0 ? null : f[2];
            loadingAid = f[0];
            loadData = new ByteArrayOutputStream();
            nextBlock = 0;
            return new byte[] {0x00};
        }
        if (kind == 0x20) {
            byte[][] f = lvs(data, 6); // empty, empty, application AID, empty, empty, token
            if (!runtime.hasInstance(f[2]) || !(runtime.instance(f[2]) instanceof org.globalplatform.Application)) {
                ISOException.throwIt((short) 0x6A88);
            }
            personalizationTarget = f[2];
            return new byte[] {0x00};
        }
        if ((kind & 0x04) != 0) {
            int[] ends = new int[6];
            byte[][] f = lvs(data, 6, ends); // load file AID, module AID, instance AID, privileges, install parameters, token
            if (delegatedManagement()) {
                requireToken(p1, p2, data, ends[4], f[5]); // the Install Token, table C-5
            }
            if (LoadFile.hex(f[0]).equals(SD_PACKAGE) && LoadFile.hex(f[1]).equals(SD_MODULE)) {
                return installSecurityDomain(f[2], f[3]);
            }
            LoadFile lf = loadFiles.get(LoadFile.hex(f[0]));
            if (lf == null || !lf.modules.containsKey(LoadFile.hex(f[1]))) {
                ISOException.throwIt((short) 0x6A88);
            }
            byte[] instance = f[2].length == 0 ? f[1] : f[2];
            if (runtime.hasInstance(instance)) {
                ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
            }
            byte[] appData = applicationData(f[4]);
            String instanceKey = LoadFile.hex(instance);
            if (!runtime.contentMemory().reserve(instanceKey, nonVolatileQuota(f[4]))) {
                ISOException.throwIt(SW_NOT_ENOUGH_MEMORY);
            }
            // install() parameters as a card builds them: LV(instance AID) LV(privileges) LV(application data).
            byte[] bArray = Scp03.concat(new byte[] {(byte) instance.length}, instance, new byte[] {(byte) f[3].length}, f[3],
                    new byte[] {(byte) appData.length}, appData);
            Class<?> cls;
            try {
                cls = lf.moduleClass(f[1]);
            } catch (ClassNotFoundException | LinkageError e) {
                runtime.contentMemory().release(instanceKey);
                ISOException.throwIt((short) 0x6A88);
                return null;
            }
            if (!runtime.instantiate(cls, instance, bArray, (short) 0, (byte) bArray.length)) {
                runtime.contentMemory().release(instanceKey);
                ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
            }
            privileges.put(LoadFile.hex(instance), f[3].length == 0 ? new byte[3] : f[3].clone());
            instanceOf.put(LoadFile.hex(instance), LoadFile.hex(f[0]));
            if (delegatedManagement()) {
                return confirmationResponse(Scp03.concat(lv(f[0]), lv(instance))); // Install Receipt, table C-12
            }
            return new byte[] {0x00};
        }
        ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        return null;
    }

    /**
     * A supplementary security domain for a service provider. It starts with this domain's keys, which its owner
     * then replaces with PUT KEY, and manages the content loaded through it.
     */
    private byte[] installSecurityDomain(byte[] instance, byte[] priv) {
        if (instance.length < 5 || runtime.hasInstance(instance)) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        if (priv.length == 0 || (priv[0] & 0x80) == 0) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA); // a security domain needs the Security Domain privilege
        }
        CardManager ssd = new CardManager(instance, scp, keys.enc, keys.mac, keys.dek, keys.kvn, 0, null, cplc, maxFailures, runtime);
        ssd.ownPrivileges = priv.length == 3 ? priv.clone() : new byte[] {priv[0], 0, 0};
        ssd.security = security;
        runtime.addSecurityDomain(instance, ssd);
        children.put(LoadFile.hex(instance), ssd);
        privileges.put(LoadFile.hex(instance), priv.clone());
        return new byte[] {0x00};
    }

    /**
     * SET STATUS of an application (P1 40, GPCS 11.10): P2 with b8 set locks it, b8 clear unlocks it. The card's
     * own life cycle (P1 80) is not changed by this simulator: terminating a card is not something to simulate lightly.
     */
    private byte[] setStatus(byte p1, byte p2, byte[] target) {
        if (p1 == (byte) 0x80) {
            return setCardLifeCycle(p2);
        }
        if (p1 != 0x40) {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        if (!runtime.hasInstance(target) || Arrays.equals(target, aid)) {
            ISOException.throwIt((short) 0x6A88);
        }
        if ((p2 & 0x80) != 0) {
            locked.add(LoadFile.hex(target));
        } else {
            locked.remove(LoadFile.hex(target));
        }
        return new byte[0];
    }

    /**
     * The card's life cycle, by the ISD only: SECURED (0F) <-> CARD_LOCKED (7F), and TERMINATED (FF), from which
     * nothing returns (GPCS 5.1.1). A locked card selects only its ISD; a terminated one answers only GET DATA.
     */
    private byte[] setCardLifeCycle(byte p2) {
        if (!Arrays.equals(runtime.isdAid(), aid)) {
            ISOException.throwIt(ISO7816.SW_SECURITY_STATUS_NOT_SATISFIED); // only the ISD manages the card
        }
        boolean ok = (cardLifeCycle == 0x0F && (p2 == 0x7F || p2 == (byte) 0xFF))
                || (cardLifeCycle == 0x7F && (p2 == 0x0F || p2 == (byte) 0xFF));
        if (!ok) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        cardLifeCycle = p2;
        return new byte[0];
    }

    /**
     * Test hook (StateImage): the domain's persistent state (keys, counters, life cycles, registry, locks), in a
     * stable order. Written into a digest by the caller, never printed: the keys are in it.
     */
    public void writeState(java.io.DataOutputStream out) throws java.io.IOException {
        out.write(aid);
        out.writeInt(keys.kvn);
        out.write(keys.enc);
        out.write(keys.mac);
        out.write(keys.dek);
        out.writeInt(sequenceCounter);
        out.writeInt(failures);
        out.writeBoolean(blocked);
        out.writeByte(cardLifeCycle);
        for (String a : new java.util.TreeSet<>(locked)) {
            out.writeUTF("locked " + a);
        }
        for (String a : loadFiles.keySet()) {
            out.writeUTF("load file " + a);
        }
        for (Map.Entry<String, byte[]> e : new java.util.TreeMap<>(privileges).entrySet()) {
            out.writeUTF("privileges " + e.getKey() + " " + LoadFile.hex(e.getValue()));
        }
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(instanceOf).entrySet()) {
            out.writeUTF("instance " + e.getKey() + " of " + e.getValue());
        }
    }

    public byte cardLifeCycle() {
        return cardLifeCycle;
    }

    /** Whether SELECT of this application must be refused (LOCKED, GPCS 5.3.1.4). */
    public boolean isLocked(byte[] app) {
        return locked.contains(LoadFile.hex(app));
    }

    /** PUT KEY of an AES key set (Amendment D 7.2): P2 81, keys DEK-encrypted, each with its KCV (AES over 01 x 16). */
    private byte[] putKey(byte p1, byte p2, byte[] data) {
        if (scp != 3 || p2 != (byte) 0x81) {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        if ((p1 & 0xFF) != 0 && (p1 & 0xFF) != keys.kvn) {
            ISOException.throwIt((short) 0x6A88);
        }
        if (data.length < 1) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        int newKvn = data[0] & 0xFF;
        byte[][] k = new byte[3][];
        ByteArrayOutputStream kcvs = new ByteArrayOutputStream();
        int p = 1;
        for (int i = 0; i < 3; i++) {
            if (p + 3 > data.length || data[p] != (byte) 0x88) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            int blockLen = data[p + 1] & 0xFF;
            int keyLen = data[p + 2] & 0xFF;
            int encLen = blockLen - 1;
            // AES-128, -192 or -256; a 24-byte key arrives padded to whole AES blocks, pad bytes dropped (table 7-10).
            boolean aesLength = keyLen == 16 || keyLen == 24 || keyLen == 32;
            if (p + 2 + blockLen + 4 > data.length || !aesLength || encLen != (keyLen + 15) / 16 * 16) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            byte[] enc = Arrays.copyOfRange(data, p + 3, p + 3 + encLen);
            byte[] key = Arrays.copyOf(Aes.cbc(keys.dek, new byte[16], enc, false), keyLen);
            int q = p + 3 + encLen;
            if (data[q] != 0x03) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            byte[] kcv = Arrays.copyOfRange(data, q + 1, q + 4);
            byte[] ones = new byte[16];
            Arrays.fill(ones, (byte) 1);
            if (!Arrays.equals(Arrays.copyOf(Aes.ecb(key, ones), 3), kcv)) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA); // the key did not decrypt to what its KCV says
            }
            k[i] = key;
            kcvs.writeBytes(kcv);
            p = q + 4;
        }
        keys = new KeySet(newKvn, k[0], k[1], k[2]);
        sequenceCounter = 0; // a new key set starts its counter afresh (Amendment D 6.2.2.1)
        return Scp03.concat(new byte[] {(byte) newKvn}, kcvs.toByteArray());
    }

    /** The value of the C9 (application specific parameters) TLV of the install parameters, or nothing. */
    /** GPCS 2.3.1 section 11.1.2 / table 11-49: 6A84, not enough memory space. */
    private static final short SW_NOT_ENOUGH_MEMORY = 0x6A84;

    /**
     * The non-volatile quota an INSTALL asks for: C8 (2 or 4 bytes) inside the system parameters EF of the install
     * parameters (GPCS 2.3.1 table 11-49), or the default footprint when there is none.
     */
    private static int nonVolatileQuota(byte[] params) {
        int p = 0;
        while (p + 2 <= params.length) {
            int tag = params[p] & 0xFF;
            int len = params[p + 1] & 0xFF;
            int v = p + 2;
            if (v + len > params.length) {
                break;
            }
            if (tag == 0xEF) {
                for (int q = v; q + 2 <= v + len;) {
                    int t = params[q] & 0xFF;
                    int l = params[q + 1] & 0xFF;
                    if (t == 0xC8 && (l == 2 || l == 4) && q + 2 + l <= v + len) {
                        int n = 0;
                        for (int i = 0; i < l; i++) {
                            n = (n << 8) | (params[q + 2 + i] & 0xFF);
                        }
                        return n;
                    }
                    q += 2 + l;
                }
            }
            p = v + len;
        }
        return ContentMemory.DEFAULT_INSTANCE_QUOTA;
    }

    private static byte[] applicationData(byte[] params) {
        if (params.length >= 2 && params[0] == (byte) 0xC9 && 2 + (params[1] & 0xFF) <= params.length) {
            return Arrays.copyOfRange(params, 2, 2 + (params[1] & 0xFF));
        }
        return new byte[0];
    }

    /**
     * LOAD (GPCS 11.6): numbered blocks of the Load File (table 11-58: DAP blocks E2, then C4 || Load File Data
     * Block), checked and parsed when the last one arrives. Answers 00, or on a domain with Delegated Management
     * the load confirmation (11.6.3.1).
     */
    private byte[] load(byte p1, byte p2, byte[] data) {
        if (loadingAid == null) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        if ((p2 & 0xFF) != nextBlock) {
            loadingAid = null;
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        nextBlock++;
        loadData.writeBytes(data);
        if ((p1 & 0x80) == 0) {
            return new byte[0];
        }
        byte[] all = loadData.toByteArray();
        byte[] target = loadingAid;
        loadingAid = null;
        Map<String, byte[]> daps = new HashMap<>();
        int c4 = dapBlocks(all, daps);
        byte[] lfdb = c4Value(Arrays.copyOfRange(all, c4, all.length));
        checkLoadFileDataBlock(lfdb, daps);
        StringBuilder why = new StringBuilder();
        LoadFile lf = LoadFile.parse(lfdb, target, why);
        if (lf == null) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        if (!runtime.contentMemory().reserve(LoadFile.hex(target), lfdb.length)) {
            ISOException.throwIt(SW_NOT_ENOUGH_MEMORY);
        }
        loadFiles.put(LoadFile.hex(target), lf);
        if (delegatedManagement()) {
            return confirmationResponse(Scp03.concat(lv(target), lv(aid))); // Load Receipt, table C-11
        }
        return new byte[0];
    }

    /**
     * Reads the DAP blocks at the start of the Load File (table 11-58: E2 { 4F SD AID, C3 signature }) into
     * `daps` (SD AID hex -> signature) and returns where the Load File Data Block (C4) starts.
     */
    private static int dapBlocks(byte[] all, Map<String, byte[]> daps) {
        int p = 0;
        while (p < all.length && all[p] == (byte) 0xE2) {
            int[] hdr = berLength(all, p + 1);
            int end = hdr[0] + hdr[1];
            if (end > all.length) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
            byte[] sd = null;
            byte[] sig = null;
            for (int q = hdr[0]; q < end;) {
                int tag = all[q] & 0xFF;
                int[] l = berLength(all, q + 1);
                if (l[0] + l[1] > end) {
                    ISOException.throwIt(ISO7816.SW_WRONG_DATA);
                }
                byte[] v = Arrays.copyOfRange(all, l[0], l[0] + l[1]);
                if (tag == 0x4F) {
                    sd = v;
                } else if (tag == 0xC3) {
                    sig = v;
                }
                q = l[0] + l[1];
            }
            if (sd == null || sig == null) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA); // a DAP block holds both (table 11-58)
            }
            daps.put(LoadFile.hex(sd), sig);
            p = end;
        }
        return p;
    }

    /** A BER length at `p`: {offset of the value, length}; 6A80 when it is not one. */
    private static int[] berLength(byte[] b, int p) {
        if (p >= b.length) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        int len = b[p] & 0xFF;
        if (len < 0x80) {
            return new int[] {p + 1, len};
        }
        int n = len & 0x7F;
        if (n == 0 || n > 3 || p + n >= b.length) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        int v = 0;
        for (int i = 1; i <= n; i++) {
            v = (v << 8) | (b[p + i] & 0xFF);
        }
        return new int[] {p + 1 + n, v};
    }

    /**
     * The checks before a Load File becomes an Executable Load File: the Load File Data Block must hash to the
     * LFDBH of INSTALL [for load] (C.2, "the OPEN shall verify the integrity"), and a domain with the DAP
     * Verification privilege needs a DAP block for itself whose signature of the LFDBH its DAP key verifies (C.3,
     * 11.6.2.3). Any failure is 6A80 and nothing is loaded.
     */
    private void checkLoadFileDataBlock(byte[] lfdb, Map<String, byte[]> daps) {
        byte[] hash = loadHash;
        loadHash = null;
        if (hash != null) {
            String alg = hash.length == 20 ? "SHA-1" : hash.length == 32 ? "SHA-256" : hash.length == 48 ? "SHA-384" : "SHA-512";
            try {
                if (!java.security.MessageDigest.isEqual(java.security.MessageDigest.getInstance(alg).digest(lfdb), hash)) {
                    ISOException.throwIt(ISO7816.SW_WRONG_DATA);
                }
            } catch (java.security.NoSuchAlgorithmException e) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
        }
        if (dapVerification() && !security.skipDapCheck) {
            byte[] sig = daps.get(LoadFile.hex(aid));
            java.security.PublicKey key = security.dapKey(aid);
            // C.1.2: DAP verification fails when the domain has no DAP key.
            if (sig == null || hash == null || key == null || !GpSignature.verify(key, hash, sig)) {
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
            }
        }
    }

    private static byte[] c4Value(byte[] all) {
        if (all.length < 2 || all[0] != (byte) 0xC4) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        int p = 1;
        int len = all[p] & 0xFF;
        p++;
        if (len > 0x80) {
            int n = len & 0x7F;
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (all[p++] & 0xFF);
            }
        }
        if (p + len != all.length) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        return Arrays.copyOfRange(all, p, p + len);
    }

    /**
     * DELETE (GPCS 11.2): an instance, or a load file (with its instances when P2 b8 says "related objects"). A
     * domain with Delegated Management needs the Delete Token (C.4.6, table C-9), sent as 9E after the AID.
     */
    private byte[] delete(byte p1, byte p2, byte[] data) {
        if (data.length < 2 || data[0] != 0x4F || 2 + (data[1] & 0xFF) > data.length) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        byte[] target = Arrays.copyOfRange(data, 2, 2 + (data[1] & 0xFF));
        if (delegatedManagement()) {
            int p = 2 + (data[1] & 0xFF);
            if (p < data.length && data[p] == (byte) 0xB6) {
                int[] l = berLength(data, p + 1);
                p = l[0] + l[1];
            }
            if (p >= data.length || data[p] != (byte) 0x9E) {
                if (!security.skipTokenCheck) {
                    ISOException.throwIt(ISO7816.SW_WRONG_DATA); // no Delete Token
                }
            } else {
                int[] l = berLength(data, p + 1);
                if (l[0] + l[1] != data.length) {
                    ISOException.throwIt(ISO7816.SW_WRONG_DATA);
                }
                requireToken(p1, p2, data, p, Arrays.copyOfRange(data, l[0], l[0] + l[1]));
            }
        }
        String key = LoadFile.hex(target);
        if (Arrays.equals(target, aid)) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED); // the ISD cannot be deleted
        }
        if (runtime.hasInstance(target)) {
            children.remove(key);
            runtime.removeInstance(target);
            privileges.remove(key);
            instanceOf.remove(key);
            runtime.contentMemory().release(key);
            return new byte[] {0x00};
        }
        if (loadFiles.containsKey(key)) {
            java.util.List<String> related = new java.util.ArrayList<>();
            for (Map.Entry<String, String> e : instanceOf.entrySet()) {
                if (e.getValue().equals(key)) {
                    related.add(e.getKey());
                }
            }
            if (!related.isEmpty() && (p2 & 0x80) == 0) {
                ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
            }
            for (String i : related) {
                runtime.removeInstance(hexToBytes(i));
                privileges.remove(i);
                instanceOf.remove(i);
                runtime.contentMemory().release(i);
            }
            loadFiles.remove(key);
            runtime.contentMemory().release(key);
            return new byte[] {0x00};
        }
        ISOException.throwIt((short) 0x6A88);
        return null;
    }

    private static byte[] hexToBytes(String h) {
        byte[] b = new byte[h.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    private static byte[] receive(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        short got = apdu.setIncomingAndReceive(); // first: getIncomingLength is ILLEGAL_USE until it is called
        short lc = apdu.getIncomingLength();
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
        if (host.length != (s16 ? 16 : 8)) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH); // what a host that sends the other mode's challenge sees
        }
        if (scp == 2) {
            // SCP02 (GPCS E.5.1): the counter moves when a session's first C-MAC verifies, not here.
            byte[] seq2 = {(byte) (sequenceCounter >> 8), (byte) sequenceCounter};
            byte[] challenge = fixedCardChallenge != null ? fixedCardChallenge.clone() : new byte[6];
            if (fixedCardChallenge == null) {
                random.nextBytes(challenge);
            }
            Scp02 s2 = new Scp02(keys, host, seq2, challenge, skipped);
            session = s2;
            return Scp03.concat(kdd, new byte[] {(byte) keys.kvn, 0x02}, seq2, challenge, s2.cardCryptogram());
        }
        if (sequenceCounter == 0xFFFFFF) {
            ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        sequenceCounter++;
        byte[] seq = {(byte) (sequenceCounter >> 16), (byte) (sequenceCounter >> 8), (byte) sequenceCounter};
        // Pseudo-random card challenge (i b5, Amendment D 6.2.2.1): KDF(Key-ENC, 02, counter || AID), so that the
        // host can tell a fresh answer from this domain; a broken domain (fault injection) sends a random one.
        byte[] cardChallenge = Scp03.kdf(keys.enc, 0x02, Scp03.concat(seq, aid), s16 ? 128 : 64);
        if (skipped.cardChallengeDerivation) {
            random.nextBytes(cardChallenge);
        }
        Scp03 s3 = new Scp03(keys, host, cardChallenge, skipped, s16);
        session = s3;
        return Scp03.concat(kdd, new byte[] {(byte) keys.kvn, 0x03, (byte) scp03I()}, cardChallenge, s3.cardCryptogram(), seq);
    }

    /** The i parameter this domain announces: 70, with b1 (S16) set in S16 mode (Amendment D v1.2 table 5-1). */
    private int scp03I() {
        return s16 ? SCP03_I | 0x01 : SCP03_I;
    }

    private void externalAuthenticate(byte cla, byte p1, byte[] data) {
        SecureSession s = session;
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
        if (scp == 2) {
            sequenceCounter = (sequenceCounter + 1) & 0xFFFF;
        }
    }

    private byte[] getData(byte p1, byte p2) {
        int tag = ((p1 & 0xFF) << 8) | (p2 & 0xFF);
        switch (tag) {
            case 0x9F7F:
                return Scp03.concat(new byte[] {(byte) 0x9F, 0x7F, (byte) cplc.length}, cplc);
            case 0x0066:
                return cardRecognitionData();
            case 0x0042: // Issuer Identification Number (GPCS 7.4.1.1, 11.3)
                return Scp03.concat(new byte[] {0x42, (byte) IIN.length}, IIN);
            case 0x0045: // Card Image Number (GPCS 7.4.1.2, 11.3)
                return Scp03.concat(new byte[] {0x45, (byte) kdd.length}, kdd);
            case 0xFF21:
                return extendedCardResources();
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

    /**
     * Extended card resources information (ETSI TS 102 226 8.2.1.7.2, tag FF21): 81 the number of installed
     * applications, 82 the free non-volatile memory. Only a card whose memory is bounded (persistentMemory) states
     * it; an unbounded simulator answers 6A88 (referenced data not found), as a card without the object does.
     */
    private byte[] extendedCardResources() {
        long free = runtime.contentMemory().free();
        if (free == Long.MAX_VALUE) {
            ISOException.throwIt((short) 0x6A88);
        }
        int apps = runtime.applications().size();
        byte[] body = {(byte) 0x81, 0x01, (byte) Math.min(apps, 255), (byte) 0x82, 0x04,
            (byte) (free >> 24), (byte) (free >> 16), (byte) (free >> 8), (byte) free};
        return Scp03.concat(new byte[] {(byte) 0xFF, 0x21, (byte) body.length}, body);
    }

    /**
     * Card recognition data (GPCS 2.3.1 H.2): the GlobalPlatform RID OID, card management type and version (2.3.1),
     * card identification scheme, and the secure channel protocol with its i parameter.
     */
    private byte[] cardRecognitionData() {
        byte[] gp = {0x06, 0x07, 0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xFC, 0x6B, 0x01};
        byte[] version = {0x60, 0x0C, 0x06, 0x0A, 0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xFC, 0x6B, 0x02, 0x02, 0x03, 0x01};
        byte[] scheme = {0x63, 0x09, 0x06, 0x07, 0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xFC, 0x6B, 0x03};
        byte[] protocol = {0x64, 0x0B, 0x06, 0x09, 0x2A, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xFC, 0x6B, 0x04, (byte) scp,
            (byte) (scp == 3 ? scp03I() : 0x15)};
        byte[] body = Scp03.concat(gp, version, scheme, protocol);
        byte[] t73 = Scp03.concat(new byte[] {0x73, (byte) body.length}, body);
        return Scp03.concat(new byte[] {0x66, (byte) t73.length}, t73);
    }

    /** GET STATUS in the tagged (E3) format, P2 = 02 (GPCS 11.4.3); P1 80 = the ISD, 40 = applications. */
    private byte[] getStatus(byte p1, byte p2, byte[] filter) {
        // P2 b2: the tagged E3 format (02) or the legacy one (00): length, AID, life cycle, privileges byte.
        if ((p2 & 0xFC) != 0) {
            ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        boolean legacy = (p2 & 0x02) == 0;
        if (filter.length < 2 || filter[0] != 0x4F) {
            ISOException.throwIt(ISO7816.SW_WRONG_DATA);
        }
        byte[] prefix = Arrays.copyOfRange(filter, 2, 2 + (filter[1] & 0xFF));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if ((p1 & 0xFF) == 0x80) {
            entry(out, new Entry(aid, cardLifeCycle, new byte[] {(byte) 0x9E, (byte) 0xFE, (byte) 0x80}), legacy);
        } else if ((p1 & 0xFF) == 0x40) {
            for (Entry e : runtime.applications()) {
                if (e.aid.length >= prefix.length && Arrays.equals(Arrays.copyOf(e.aid, prefix.length), prefix)) {
                    byte[] priv = privileges.get(LoadFile.hex(e.aid));
                    byte life = locked.contains(LoadFile.hex(e.aid)) ? (byte) (e.lifeCycle | 0x80) : e.lifeCycle;
                    entry(out, new Entry(e.aid, life, priv == null ? e.privileges : priv), legacy);
                }
            }
        } else if ((p1 & 0xFF) == 0x20) {
            for (LoadFile lf : allLoadFiles()) {
                if (lf.aid.length >= prefix.length && Arrays.equals(Arrays.copyOf(lf.aid, prefix.length), prefix)) {
                    entry(out, new Entry(lf.aid, (byte) 0x01, new byte[0]), legacy); // LOADED
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

    /**
     * The Executable Load Files this domain sees in GET STATUS: its own and those of the domains it created, as
     * the ISD sees every load file on the card (GPCS 11.4.1).
     */
    private List<LoadFile> allLoadFiles() {
        List<LoadFile> all = new java.util.ArrayList<>(loadFiles.values());
        for (CardManager c : children.values()) {
            all.addAll(c.allLoadFiles());
        }
        return all;
    }

    private static void entry(ByteArrayOutputStream out, Entry e, boolean legacy) {
        if (legacy) {
            out.writeBytes(new byte[] {(byte) e.aid.length});
            out.writeBytes(e.aid);
            out.writeBytes(new byte[] {e.lifeCycle, e.privileges.length > 0 ? e.privileges[0] : 0});
            return;
        }
        byte[] body = Scp03.concat(new byte[] {0x4F, (byte) e.aid.length}, e.aid, new byte[] {(byte) 0x9F, 0x70, 0x01, e.lifeCycle},
                new byte[] {(byte) 0xC5, (byte) e.privileges.length}, e.privileges);
        out.writeBytes(new byte[] {(byte) 0xE3, (byte) body.length});
        out.writeBytes(body);
    }
}
