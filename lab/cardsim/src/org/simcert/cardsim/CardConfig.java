package org.simcert.cardsim;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The simulator's configuration: jCardSim's property names (com.licel.jcardsim.*) so one file drives either
 * simulator, plus simcert.cardsim.* keys for what jCardSim cannot vary (protocol, extended length, buffer size,
 * logical channels).
 */
public final class CardConfig {
    public static final String ATR = "com.licel.jcardsim.card.ATR";
    public static final String HOST = "com.licel.jcardsim.vsmartcard.host";
    public static final String PORT = "com.licel.jcardsim.vsmartcard.port";
    public static final String PROTOCOL = "simcert.cardsim.protocol";
    public static final String EXTENDED_LENGTH = "simcert.cardsim.extendedLength";
    public static final String APDU_BUFFER_SIZE = "simcert.cardsim.apduBufferSize";
    public static final String LOGICAL_CHANNELS = "simcert.cardsim.logicalChannels";
    public static final String LOG = "simcert.cardsim.log";
    /** Issuer security domain: SCP03 keys (hex), key version, failed authentications before it blocks, CPLC. */
    public static final String ISD_ENC = "simcert.cardsim.isd.enc";
    public static final String ISD_MAC = "simcert.cardsim.isd.mac";
    public static final String ISD_DEK = "simcert.cardsim.isd.dek";
    public static final String ISD_KVN = "simcert.cardsim.isd.kvn";
    public static final String ISD_AID = "simcert.cardsim.isd.aid";
    /** 02 or 03 (default). */
    public static final String ISD_SCP = "simcert.cardsim.isd.scp";
    /** SCP02 only: a fixed card challenge (6 bytes hex) for replaying recorded sessions. */
    public static final String ISD_SCP02_CARD_CHALLENGE = "simcert.cardsim.isd.scp02CardChallenge";
    /** SCP03 only: true for S16 mode (Amendment D v1.2, i 71): 16-byte challenges, cryptograms and MACs. */
    public static final String ISD_S16 = "simcert.cardsim.isd.s16";
    /** The last sequence counter value used; the next INITIALIZE UPDATE uses this plus one. */
    public static final String ISD_SEQUENCE_COUNTER = "simcert.cardsim.isd.sequenceCounter";
    public static final String ISD_MAX_FAILURES = "simcert.cardsim.isd.maxAuthFailures";
    public static final String ISD_DEFAULT_SELECTED = "simcert.cardsim.isd.defaultSelected";
    /**
     * false: no GlobalPlatform card manager, as in jCardSim, which has none (the ISD's AID selects nothing and
     * applets are created with CREATE APPLET only). Default true.
     */
    public static final String GLOBAL_PLATFORM = "simcert.cardsim.globalPlatform";
    public static final String CPLC = "simcert.cardsim.cplc";
    /** GlobalPlatform's well-known test key, for emulated cards only. */
    public static final String TEST_KEY = "404142434445464748494A4B4C4D4E4F";
    /** The card's ICCID (decimal digits), served from EF ICCID 2FE2 under the MF. */
    public static final String ICCID = "simcert.cardsim.iccid";
    /** Fault injection: the card is pulled out of its reader after this many command APDUs (0: never). */
    public static final String REMOVE_AFTER_APDUS = "simcert.cardsim.removeAfterApdus";
    /**
     * Non-volatile memory free for content, in bytes (0: unlimited): LOAD spends the load file's size, INSTALL the
     * instance's non-volatile quota (C8 in the install parameters, else DEFAULT_INSTANCE_QUOTA); DELETE gives it back.
     */
    public static final String PERSISTENT_MEMORY = "simcert.cardsim.persistentMemory";
    /**
     * Fault injection: a hostile card, from the APDU after hostileAfter on: truncated (one byte, no status word),
     * overlong (300 bytes more than asked), unknown-sw (status word 6F42), loop-61 (61FF for ever), loop-6c (6C10
     * for ever), silence (no answer at all); and in the content, for answers with data and 9000: corrupt-data (the
     * last data byte's low bit flipped: a signature that does not verify) and bad-length (the second data byte, the
     * length octet of a TLV or DER object, set to 85: a length the encodings forbid).
     */
    public static final String HOSTILE = "simcert.cardsim.hostile";
    public static final String HOSTILE_AFTER = "simcert.cardsim.hostileAfter";
    /** Restricts the hostile answers to commands starting with these bytes (hex CLA INS [P1 [P2]], e.g. 802A). */
    public static final String HOSTILE_COMMAND = "simcert.cardsim.hostileCommand";
    public static final java.util.List<String> HOSTILE_MODES = java.util.Arrays.asList(
            "truncated", "overlong", "unknown-sw", "loop-61", "loop-6c", "silence", "corrupt-data", "bad-length");
    /** Fault injection: power is cut at this persistent write (counted from power-up of the first session, from 1). */
    public static final String TEAR_AT_WRITE = "simcert.cardsim.tearAtWrite";
    /** jCardSim's default ATR. */
    public static final String DEFAULT_ATR = "3BFA1800008131FE454A434F5033315632333298";

    private static final Pattern APPLET_AID = Pattern.compile("com\\.licel\\.jcardsim\\.card\\.applet\\.(\\d+)\\.AID");

    public final Properties properties;
    public final byte[] atr;
    public final boolean t0;
    public final boolean extendedLength;
    public final int apduBufferSize;
    public final int logicalChannels;
    public final boolean log;
    public final String iccid;
    public final byte[] isdEnc;
    public final byte[] isdMac;
    public final byte[] isdDek;
    public final int isdKvn;
    public final byte[] isdAid;
    public final int isdScp;
    public final byte[] isdScp02CardChallenge;
    public final boolean isdS16;
    public final int isdSequenceCounter;
    public final int isdMaxFailures;
    public final boolean isdDefaultSelected;
    public final boolean globalPlatform;
    public final byte[] cplc;
    public final int removeAfterApdus;
    public final int persistentMemory;
    public final int tearAtWrite;
    public final String hostile;
    public final int hostileAfter;
    /** Command prefix the hostile answers are limited to; null: every command. */
    public final byte[] hostileCommand;
    /** Upper-case hex AID -> applet class name, in the config's index order. */
    public final Map<String, String> applets;
    /** simcert.cardsim.timing.* (TimingModel): off unless configured; paces this card's operations (CardRuntime.timing). */
    public final TimingModel timingModel;
    /**
     * Where the classes of the applets this configuration names (com.licel.jcardsim.card.applet.N.Class) are
     * found: the process's class path for a process of one card, a loader of the card's own in a process of several
     * (CardHost), so each card has its own applets' static fields, as each card has its own packages.
     */
    public final ClassLoader appletLoader;

    /** A card whose applets' classes are on the process's class path. */
    public CardConfig(Properties p) {
        this(p, CardConfig.class.getClassLoader());
    }

    public CardConfig(Properties p, ClassLoader appletLoader) {
        this.properties = p;
        this.appletLoader = appletLoader;
        this.atr = Hex.decode(p.getProperty(ATR, DEFAULT_ATR), ATR);
        String protocol = p.getProperty(PROTOCOL, "T=1");
        if (!protocol.equals("T=0") && !protocol.equals("T=1")) {
            throw new IllegalArgumentException(PROTOCOL + " must be T=0 or T=1, not " + protocol);
        }
        this.t0 = protocol.equals("T=0");
        this.extendedLength = !t0 && Boolean.parseBoolean(p.getProperty(EXTENDED_LENGTH, "false"));
        this.apduBufferSize = intProperty(p, APDU_BUFFER_SIZE, extendedLength ? 2048 : 261, 261, 32767 + 9);
        this.logicalChannels = intProperty(p, LOGICAL_CHANNELS, 4, 1, 20);
        this.log = Boolean.parseBoolean(p.getProperty(LOG, "false"));
        this.iccid = p.getProperty(ICCID);
        this.isdEnc = Hex.decode(p.getProperty(ISD_ENC, TEST_KEY), ISD_ENC);
        this.isdMac = Hex.decode(p.getProperty(ISD_MAC, TEST_KEY), ISD_MAC);
        this.isdDek = Hex.decode(p.getProperty(ISD_DEK, TEST_KEY), ISD_DEK);
        this.isdKvn = Integer.parseInt(p.getProperty(ISD_KVN, "30").trim(), 16);
        this.isdAid = Hex.decode(p.getProperty(ISD_AID, "A000000151000000"), ISD_AID);
        this.isdScp = Integer.parseInt(p.getProperty(ISD_SCP, "03").trim());
        String ch = p.getProperty(ISD_SCP02_CARD_CHALLENGE);
        this.isdScp02CardChallenge = ch == null ? null : Hex.decode(ch, ISD_SCP02_CARD_CHALLENGE);
        this.isdS16 = Boolean.parseBoolean(p.getProperty(ISD_S16, "false"));
        this.isdSequenceCounter = intProperty(p, ISD_SEQUENCE_COUNTER, 0, 0, 0xFFFFFE);
        this.isdMaxFailures = intProperty(p, ISD_MAX_FAILURES, 10, 1, 255);
        this.isdDefaultSelected = Boolean.parseBoolean(p.getProperty(ISD_DEFAULT_SELECTED, "false"));
        this.globalPlatform = Boolean.parseBoolean(p.getProperty(GLOBAL_PLATFORM, "true"));
        if (!globalPlatform && isdDefaultSelected) {
            throw new IllegalArgumentException(ISD_DEFAULT_SELECTED + " needs a card manager (" + GLOBAL_PLATFORM + "=true)");
        }
        // CPLC (GPCS table H-5, 42 bytes); the default has only an IC serial number (bytes 12-15).
        this.cplc = Hex.decode(p.getProperty(CPLC, "000000000000000000000000000000010000000000000000000000000000000000000000000000000000"), CPLC);
        if (cplc.length != 42) {
            throw new IllegalArgumentException(CPLC + " must be 42 bytes");
        }
        this.removeAfterApdus = intProperty(p, REMOVE_AFTER_APDUS, 0, 0, Integer.MAX_VALUE);
        this.persistentMemory = intProperty(p, PERSISTENT_MEMORY, 0, 0, Integer.MAX_VALUE);
        this.tearAtWrite = intProperty(p, TEAR_AT_WRITE, 0, 0, Integer.MAX_VALUE);
        this.hostile = p.getProperty(HOSTILE);
        if (hostile != null && !HOSTILE_MODES.contains(hostile)) {
            throw new IllegalArgumentException(HOSTILE + " must be one of " + String.join(", ", HOSTILE_MODES) + ", not " + hostile);
        }
        this.hostileAfter = intProperty(p, HOSTILE_AFTER, 0, 0, Integer.MAX_VALUE);
        String cmd = p.getProperty(HOSTILE_COMMAND);
        if (cmd != null && !cmd.matches("([0-9A-Fa-f]{2}){1,4}")) {
            throw new IllegalArgumentException(HOSTILE_COMMAND + " must be 1 to 4 bytes of hex (CLA INS P1 P2), not " + cmd);
        }
        this.hostileCommand = cmd == null ? null : Hex.decode(cmd, HOSTILE_COMMAND);
        this.timingModel = TimingModel.parse(p);
        TreeMap<Integer, String[]> byIndex = new TreeMap<>();
        for (String key : p.stringPropertyNames()) {
            Matcher m = APPLET_AID.matcher(key);
            if (m.matches()) {
                String cls = p.getProperty("com.licel.jcardsim.card.applet." + m.group(1) + ".Class");
                if (cls == null) {
                    throw new IllegalArgumentException(key + " has no matching .Class property");
                }
                byte[] aid = Hex.decode(p.getProperty(key), key);
                if (aid.length < 5 || aid.length > 16) {
                    throw new IllegalArgumentException(key + ": an AID has 5 to 16 bytes");
                }
                byIndex.put(Integer.valueOf(m.group(1)), new String[] {Hex.encode(aid), cls.trim()});
            }
        }
        this.applets = new java.util.LinkedHashMap<>();
        for (String[] a : byIndex.values()) {
            applets.put(a[0], a[1]);
        }
    }

    public static CardConfig load(String file) throws IOException {
        return load(file, CardConfig.class.getClassLoader());
    }

    /** The configuration in `file`, its applets' classes from `appletLoader`. */
    public static CardConfig load(String file, ClassLoader appletLoader) throws IOException {
        Properties p = new Properties();
        try (InputStream in = new FileInputStream(file)) {
            p.load(in);
        }
        return new CardConfig(p, appletLoader);
    }

    private static int intProperty(Properties p, String key, int dflt, int min, int max) {
        String v = p.getProperty(key);
        if (v == null) {
            return dflt;
        }
        int n;
        try {
            n = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a number, not " + v);
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(key + " must be between " + min + " and " + max);
        }
        return n;
    }
}
