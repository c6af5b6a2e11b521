package org.simcert.cardsim;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javacard.framework.AID;
import javacard.framework.APDU;
import javacard.framework.Applet;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.MultiSelectable;
import javacard.framework.SystemException;
import javacardx.apdu.ExtendedLength;
import org.simcert.cardsim.gp.CardManager;

/**
 * The Java Card runtime environment of one card: installed applet instances, logical channels with their
 * selected applets, command dispatch, and the transmission-protocol shaping of responses (T=0's 61xx / 6Cxx /
 * GET RESPONSE, or T=1). Also takes jCardSim's CREATE APPLET command (80 B8), until a card manager does
 * LOAD/INSTALL.
 */
public final class CardRuntime {
    /** jCardSim's status word for a failed CREATE APPLET (SimulatorSystem.SW_APPLET_CREATION_FAILED). */
    public static final short SW_APPLET_CREATION_FAILED = 0x6444;

    /**
     * The card the Java Card API classes serve on this thread. A card is served by one thread at a time (its
     * reader's), which sets it on every entry; a process that runs several cards (CardHost) serves each on a thread
     * of its own, so each sees only its own runtime.
     */
    private static final ThreadLocal<CardRuntime> CURRENT = new ThreadLocal<>();

    private static final MethodHandle NEW_APDU;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.privateLookupIn(APDU.class, MethodHandles.lookup());
            NEW_APDU = l.findConstructor(APDU.class, MethodType.methodType(void.class, ApduExchange.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final class Installed {
        final AID aid;
        final byte[] aidBytes;
        final Applet applet;

        Installed(byte[] aidBytes, Applet applet) {
            this.aidBytes = aidBytes;
            this.aid = new AID(aidBytes, (short) 0, (byte) aidBytes.length);
            this.applet = applet;
        }
    }

    private final CardConfig config;
    private final Memory memory;
    private final List<Installed> installed = new ArrayList<>();
    /** What the security domains last said about each instance being LOCKED (see lockedBySecurityDomain). */
    private final java.util.Map<Installed, Boolean> lockedBySd = new java.util.IdentityHashMap<>();
    private final Installed[] selected;
    private final boolean[] open;
    private final byte[] buffer;
    private final UiccFiles files;
    private final CardManager cardManager;
    /** Non-volatile memory for load files and instances, shared by every security domain. */
    private final org.simcert.cardsim.gp.ContentMemory contentMemory;
    /** SMS-PP data download (OTA, ETSI TS 102 225/226) when the configuration has an OTA section; else null. */
    private final org.simcert.cardsim.ota.SmsPpDataDownload smsPp;

    private APDU currentApdu;
    private byte currentChannel;
    private Applet context;
    private boolean selecting;
    private byte[] installingAid;
    private Applet registered;
    private byte[] registeredAid;

    private byte[] pendingData;
    private int pendingOffset;
    private short pendingSw;
    /** The logical channel whose command left {@link #pendingData}; GET RESPONSE must come on the same one. */
    private int pendingChannel;

    public CardRuntime(CardConfig config) {
        this.config = config;
        this.memory = new Memory(this::installedApplets, () -> context);
        this.selected = new Installed[config.logicalChannels];
        this.open = new boolean[config.logicalChannels];
        this.buffer = new byte[config.apduBufferSize];
        this.files = new UiccFiles(config.iccid, config.logicalChannels);
        CURRENT.set(this);
        this.contentMemory = new org.simcert.cardsim.gp.ContentMemory(config.persistentMemory);
        this.cardManager = new CardManager(config.isdAid, config.isdScp, config.isdEnc, config.isdMac, config.isdDek, config.isdKvn,
                config.isdSequenceCounter, config.isdScp02CardChallenge, config.cplc, config.isdMaxFailures, this);
        cardManager.skipChecks(org.simcert.cardsim.gp.SkippedChecks.from(config.properties));
        cardManager.useS16(config.isdS16);
        cardManager.useContentSecurity(org.simcert.cardsim.gp.ContentSecurity.from(config.properties));
        if (config.globalPlatform) {
            // Without it (jCardSim mode) the card manager exists only as the runtime's bookkeeping: nothing can
            // select it, so no GlobalPlatform command reaches it.
            installed.add(new Installed(cardManager.aid(), cardManager));
        }
        memory.tearAtWrite(config.tearAtWrite);
        org.simcert.cardsim.ota.OtaSettings ota = config.globalPlatform
                ? org.simcert.cardsim.ota.OtaSettings.from(config.properties, config.isdAid) : null;
        this.smsPp = ota == null ? null : new org.simcert.cardsim.ota.SmsPpDataDownload(ota, new OtaDomains());
        powerUp();
    }

    /** The security domains as the OTA layer reaches them: their Remote Application Management side. */
    private final class OtaDomains implements org.simcert.cardsim.ota.SecurityDomains {
        public boolean exists(byte[] sdAid) {
            return domain(sdAid) != null;
        }

        public byte[] runRemote(byte[] sdAid, byte[] capdu) {
            Installed sd = domain(sdAid);
            CommandApdu c = CommandApdu.parse(capdu);
            if (sd == null || c == null || c.extended) {
                return sw(ISO7816.SW_WRONG_LENGTH);
            }
            CardManager cm = (CardManager) sd.applet;
            cm.beginRemote();
            try {
                Response r = dispatch(sd, c, false);
                return withSw(r.data, r.sw);
            } finally {
                cm.endRemote();
            }
        }

        private Installed domain(byte[] aid) {
            for (Installed i : installed) {
                if (Arrays.equals(i.aidBytes, aid) && i.applet instanceof CardManager) {
                    return i;
                }
            }
            return null;
        }
    }

    /** The runtime the Java Card API classes serve: the card this thread serves. */
    public static CardRuntime current() {
        CardRuntime r = CURRENT.get();
        if (r == null) {
            throw new IllegalStateException("no card runtime: the Java Card API is used outside a card");
        }
        return r;
    }

    /** The card this thread serves, or null outside a card. */
    public static CardRuntime currentOrNull() {
        return CURRENT.get();
    }

    /** The timing model this card was configured with (TimingModel.OFF for none). */
    public TimingModel timing() {
        return config.timingModel;
    }

    /**
     * A configuration value of this card (the capability switches: simcert.cardsim.ec, rsa, ecP256,
     * keyGeneration), or null. Read from the card's own configuration, not the process's system properties, so
     * cards side by side in one process keep their own.
     */
    public String property(String key) {
        return config.properties.getProperty(key);
    }

    /** Whether a capability switch is off for this card ("false" in its configuration; absent means on). */
    public boolean switchedOff(String key) {
        return "false".equals(property(key));
    }

    public Memory memory() {
        return memory;
    }

    /** The issuer security domain's AID. */
    public byte[] isdAid() {
        return cardManager.aid();
    }

    /** Fault injection: cut the power at the n-th persistent write from now (called from the control input). */
    /**
     * Test hook: a SHA-256 digest of the card's persistent state (every security domain's keys, counters and
     * registry, the content memory, the installed instances and everything their applets hold), for showing that a
     * read-only probe left the card as it found it. Only the digest leaves the card: the state holds keys.
     */
    public synchronized String stateImage() {
        try {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
            boolean isdWritten = false;
            for (Installed i : installed) {
                out.write(i.aidBytes);
                if (i.applet instanceof CardManager) {
                    ((CardManager) i.applet).writeState(out);
                    isdWritten |= i.applet == cardManager;
                }
            }
            if (!isdWritten) {
                cardManager.writeState(out); // jCardSim mode: the card manager is bookkeeping only, not installed
            }
            contentMemory.writeState(out);
            memory.persistentImage(out);
            out.flush();
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray());
            return Hex.encode(digest) + " " + bytes.size();
        } catch (java.io.IOException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot write the state image", e);
        }
    }

    public synchronized void armTear(int n) {
        memory.tearAtWrite(n);
    }

    public byte[] atr() {
        return config.atr.clone();
    }

    public byte protocol() {
        return config.t0 ? APDU.PROTOCOL_T0 : APDU.PROTOCOL_T1;
    }

    public APDU currentApdu() {
        if (currentApdu == null) {
            throw new SecurityException("no APDU is being processed");
        }
        return currentApdu;
    }

    public byte currentChannel() {
        return currentChannel;
    }

    public boolean selectingApplet() {
        return selecting;
    }

    /** GET STATUS view of the application instances: SELECTABLE (07), no privileges. */
    public List<CardManager.Entry> applications() {
        List<CardManager.Entry> l = new ArrayList<>();
        for (Installed i : installed) {
            if (i.applet != cardManager) {
                Byte state = contentStates.get(i.applet);
                l.add(new CardManager.Entry(i.aidBytes, state == null ? (byte) 0x07 : state, new byte[3]));
            }
        }
        return l;
    }

    private List<Applet> installedApplets() {
        List<Applet> l = new ArrayList<>();
        for (Installed i : installed) {
            l.add(i.applet);
        }
        return l;
    }

    // ---- power ----

    /**
     * Power-on, warm reset and power loss look the same to the card: an open transaction is rolled back,
     * transient memory clears, every channel but the basic one closes and nothing is selected. Applets get no
     * deselect() call, as power is simply gone.
     */
    public void powerUp() {
        CURRENT.set(this);
        memory.abortIfOpen();
        memory.clearOnReset();
        Arrays.fill(selected, null);
        Arrays.fill(open, false);
        if (files != null) {
            files.reset();
        }
        if (cardManager != null) {
            cardManager.endSession();
            if (config.isdDefaultSelected) {
                selected[0] = installed.get(0);
            }
        }
        open[0] = true;
        pendingData = null;
        context = null;
        currentApdu = null;
    }

    // ---- applet registry (used by Applet.register and JCSystem) ----

    public void register(Applet applet, AID aid) {
        if (installingAid == null || registered != null) {
            SystemException.throwIt(SystemException.ILLEGAL_AID);
        }
        if (aid != null && !aid.equals(installingAid, (short) 0, (byte) installingAid.length)) {
            SystemException.throwIt(SystemException.ILLEGAL_AID);
        }
        registered = applet;
        registeredAid = installingAid;
    }

    public AID contextAid() {
        for (Installed i : installed) {
            if (i.applet == context) {
                return i.aid;
            }
        }
        return null;
    }

    public AID lookupAid(byte[] b, short off, byte len) {
        for (Installed i : installed) {
            if (i.aid.equals(b, off, len)) {
                return i.aid;
            }
        }
        return null;
    }

    public boolean isActive(AID aid) {
        for (Installed s : selected) {
            if (s != null && s.aid.equals(aid)) {
                return true;
            }
        }
        return false;
    }

    // ---- command processing ----

    /** Processes one command APDU and returns the response APDU (data and status word). */
    public byte[] transmit(byte[] command) {
        CURRENT.set(this);
        CommandApdu c = CommandApdu.parse(command);
        if (c == null) {
            return sw(ISO7816.SW_WRONG_LENGTH);
        }
        if (config.t0) {
            if (c.extended) {
                return sw(ISO7816.SW_WRONG_LENGTH);
            }
            // GET RESPONSE (ISO/IEC 7816-4 11.5.3) in the interindustry class of the channel it continues.
            if ((c.cla() & 0x80) == 0 && c.ins() == (byte) 0xC0) {
                return getResponse(c);
            }
            pendingData = null;
        }
        if (c.cla() == (byte) 0xFF) {
            return sw(ISO7816.SW_CLA_NOT_SUPPORTED);
        }
        // The APDU class counts incoming bytes in a short, so Lc tops out at 32767 even with extended length.
        if (c.extended && (!config.extendedLength || c.nc > Short.MAX_VALUE)) {
            return sw(ISO7816.SW_WRONG_LENGTH);
        }
        int channel = channelOf(c.cla());
        if (channel >= open.length || !open[channel]) {
            return sw(ISO7816.SW_LOGICAL_CHANNEL_NOT_SUPPORTED);
        }
        currentChannel = (byte) channel;
        if ((c.cla() & 0x80) == 0 && c.ins() == 0x70) {
            return manageChannel(c, channel);
        }
        if (c.cla() == (byte) 0x80 && c.ins() == (byte) 0xB8) {
            return createApplet(c);
        }
        if (smsPp != null && c.cla() == (byte) 0x80 && channel == 0) {
            // The UICC's toolkit side (ETSI TS 102 221 10.1.1-10.1.3): ENVELOPE, FETCH, TERMINAL RESPONSE.
            if (c.ins() == (byte) 0xC2) {
                org.simcert.cardsim.ota.SmsPpDataDownload.Answer a = smsPp.envelope(c.data());
                return shape(c, new Response(a.data, a.sw));
            }
            if (c.ins() == (byte) 0x12) {
                byte[] proactive = smsPp.fetch();
                return proactive == null ? sw(ISO7816.SW_CONDITIONS_NOT_SATISFIED) : shape(c, new Response(proactive, ISO7816.SW_NO_ERROR));
            }
            if (c.ins() == (byte) 0x14) {
                return sw(ISO7816.SW_NO_ERROR);
            }
        }
        Response r;
        if (c.ins() == ISO7816.INS_SELECT && c.p1() == 0x04 && (c.cla() & 0x80) == 0) {
            r = selectByAid(c, channel);
        } else if (selected[channel] == null) {
            byte[] a = files.present() ? files.process(c, channel) : null;
            r = a == null ? new Response(new byte[0], ISO7816.SW_FILE_NOT_FOUND)
                    : new Response(Arrays.copyOf(a, a.length - 2), (short) (((a[a.length - 2] & 0xFF) << 8) | (a[a.length - 1] & 0xFF)));
        } else {
            r = dispatch(selected[channel], c, false);
        }
        return shape(c, r);
    }

    /** Basic and further interindustry channels (ISO/IEC 7816-4 5.4.1); GP uses the same bits in class 8x. */
    private static int channelOf(byte cla) {
        return (cla & 0x40) == 0 ? cla & 0x03 : 4 + (cla & 0x0F);
    }

    private static final class Response {
        final byte[] data;
        final short sw;

        Response(byte[] data, short sw) {
            this.data = data;
            this.sw = sw;
        }
    }

    private Response selectByAid(CommandApdu c, int channel) {
        byte[] aid = c.data();
        Installed target = null;
        for (Installed i : installed) {
            if (Arrays.equals(i.aidBytes, aid)) {
                target = i;
            }
        }
        if (target == null && aid.length >= 5 && (c.p2() & 0x03) == 0) {
            for (Installed i : installed) {
                if (i.aid.partialEquals(aid, (short) 0, (byte) aid.length)) {
                    target = i;
                    break;
                }
            }
        }
        if (target == null) {
            // No such applet: the applet selected on this channel may know the name (Java Card 3.0.5 RE 4.5.2).
            return selected[channel] != null ? dispatch(selected[channel], c, false)
                    : new Response(new byte[0], ISO7816.SW_FILE_NOT_FOUND);
        }
        for (Installed i : installed) {
            if (i.applet == cardManager && cardManager.cardLifeCycle() != 0x0F && i != target) {
                return new Response(new byte[0], ISO7816.SW_FILE_NOT_FOUND); // a locked card selects only its ISD
            }
        }
        if (lockedBySecurityDomain(target)) {
            return new Response(new byte[0], ISO7816.SW_APPLET_SELECT_FAILED); // LOCKED by a security domain
        }
        Installed previous = selected[channel];
        if (previous != null) {
            selected[channel] = null;
            deselect(previous);
        }
        boolean ok;
        boolean alreadyActive = isSelected(target); // on another channel; this one's entry was cleared above
        context = target.applet;
        try {
            // Java Card RE 4.2: a MultiSelectable applet learns whether it is already active elsewhere.
            ok = target.applet instanceof MultiSelectable ? ((MultiSelectable) target.applet).select(alreadyActive)
                    : target.applet.select();
        } catch (RuntimeException e) {
            ok = false;
        } finally {
            memory.abortIfOpen();
            context = null;
        }
        if (!ok) {
            return new Response(new byte[0], ISO7816.SW_APPLET_SELECT_FAILED);
        }
        selected[channel] = target;
        return dispatch(target, c, true);
    }

    /**
     * Whether a security domain holds the instance LOCKED (GPCS 11.10 SET STATUS). The domains keep their locks by
     * AID and asking them costs a hex string per domain, which was most of a SELECT's time (npm run bench:sim); a
     * lock changes only by a command to a security domain or when instances come and go, and the remembered answers
     * are forgotten at each of those ({@link #forgetLocks}).
     */
    private boolean lockedBySecurityDomain(Installed target) {
        Boolean known = lockedBySd.get(target);
        if (known != null) {
            return known;
        }
        boolean locked = false;
        for (Installed i : installed) {
            if (i.applet instanceof CardManager && ((CardManager) i.applet).isLocked(target.aidBytes)) {
                locked = true;
            }
        }
        lockedBySd.put(target, locked);
        return locked;
    }

    private void forgetLocks() {
        lockedBySd.clear();
    }

    /** Called once the applet's entry on the channel is cleared; it may still be active on other channels. */
    private void deselect(Installed i) {
        boolean stillActive = isSelected(i);
        context = i.applet;
        try {
            if (i.applet instanceof MultiSelectable) {
                ((MultiSelectable) i.applet).deselect(stillActive);
            } else {
                i.applet.deselect();
            }
        } catch (RuntimeException e) {
            // A failing deselect does not keep the applet selected (Java Card RE 4.2).
        } finally {
            memory.abortIfOpen();
            context = null;
        }
        if (!stillActive) {
            memory.clearOnDeselect(i.applet);
        }
    }

    private boolean isSelected(Installed i) {
        for (Installed s : selected) {
            if (s == i) {
                return true;
            }
        }
        return false;
    }

    private Response dispatch(Installed target, CommandApdu c, boolean select) {
        if (c.extended && !(target.applet instanceof ExtendedLength)) {
            return new Response(new byte[0], ISO7816.SW_WRONG_LENGTH);
        }
        ApduExchange ex = new ApduExchange(c, buffer, protocol(), target.applet instanceof ExtendedLength);
        short sw;
        context = target.applet;
        selecting = select;
        try {
            currentApdu = (APDU) NEW_APDU.invoke(ex);
            target.applet.process(currentApdu);
            sw = ISO7816.SW_NO_ERROR;
        } catch (ISOException e) {
            sw = e.getReason();
        } catch (TearError e) {
            // No answer: power is gone. The finally block rolls the open transaction back, as power-up would.
            throw e;
        } catch (Throwable e) {
            // An exception the applet did not handle (Java Card RE: the runtime answers 6F00).
            if (config.log) {
                CardLog.line("uncaught " + e.getClass().getName() + " in " + target.applet.getClass().getName());
            }
            sw = ISO7816.SW_UNKNOWN;
        } finally {
            if (target.applet instanceof CardManager) {
                forgetLocks(); // SET STATUS, DELETE, INSTALL: whatever it did, the domain is asked again
            }
            // An applet that returns with a transaction open gets it aborted (Java Card RE 7.6.2).
            memory.abortIfOpen();
            context = null;
            selecting = false;
            currentApdu = null;
        }
        int sw1 = (sw >> 8) & 0xFF;
        boolean keepData = sw == ISO7816.SW_NO_ERROR || sw1 == 0x62 || sw1 == 0x63;
        return new Response(keepData ? ex.responseData() : new byte[0], sw);
    }

    /**
     * T=1 returns data and status word together. T=0 (ISO/IEC 7816-3 10.3) returns data directly only to a case-2
     * command whose P3 equals the length; a wrong P3 gets 6Cxx (the terminal resends, the command runs again), and
     * any other command with response data gets 61xx and the data through GET RESPONSE.
     */
    private byte[] shape(CommandApdu c, Response r) {
        if (!config.t0 || r.data.length == 0) {
            return withSw(r.data, r.sw);
        }
        boolean case2 = c.nc == 0 && c.ne > 0;
        if (case2) {
            if (c.ne == r.data.length) {
                return withSw(r.data, r.sw);
            }
            if (r.data.length <= 256) {
                return sw((short) (0x6C00 | (r.data.length & 0xFF)));
            }
        }
        pendingData = r.data;
        pendingOffset = 0;
        pendingSw = r.sw;
        pendingChannel = currentChannel;
        return sw((short) (0x6100 | (Math.min(r.data.length, 256) & 0xFF)));
    }

    private byte[] getResponse(CommandApdu c) {
        if (pendingData == null || channelOf(c.cla()) != pendingChannel) {
            pendingData = null;
            return sw(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        }
        int remaining = pendingData.length - pendingOffset;
        int le = c.ne < 0 ? 256 : c.ne;
        if (le > remaining) {
            return sw((short) (0x6C00 | (remaining & 0xFF)));
        }
        byte[] chunk = Arrays.copyOfRange(pendingData, pendingOffset, pendingOffset + le);
        pendingOffset += le;
        remaining -= le;
        if (remaining > 0) {
            return withSw(chunk, (short) (0x6100 | (Math.min(remaining, 256) & 0xFF)));
        }
        short last = pendingSw;
        pendingData = null;
        return withSw(chunk, last);
    }

    // ---- MANAGE CHANNEL (ISO/IEC 7816-4 11.1.2) ----

    private byte[] manageChannel(CommandApdu c, int from) {
        int p1 = c.p1() & 0xFF;
        int p2 = c.p2() & 0xFF;
        if (p1 == 0x00) {
            int n;
            if (p2 == 0) {
                n = -1;
                for (int i = 1; i < open.length; i++) {
                    if (!open[i]) {
                        n = i;
                        break;
                    }
                }
                if (n < 0) {
                    return sw(ISO7816.SW_FUNC_NOT_SUPPORTED);
                }
            } else {
                n = p2;
                if (n >= open.length) {
                    return sw(ISO7816.SW_INCORRECT_P1P2);
                }
                if (open[n]) {
                    return sw(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
                }
            }
            open[n] = true;
            selected[n] = null;
            return p2 == 0 ? withSw(new byte[] {(byte) n}, ISO7816.SW_NO_ERROR) : sw(ISO7816.SW_NO_ERROR);
        }
        if (p1 == 0x80) {
            int n = p2 == 0 ? from : p2;
            if (n == 0 || n >= open.length) {
                return sw(ISO7816.SW_INCORRECT_P1P2);
            }
            if (!open[n]) {
                return sw(ISO7816.SW_LOGICAL_CHANNEL_NOT_SUPPORTED);
            }
            Installed s = selected[n];
            selected[n] = null;
            open[n] = false;
            if (s != null) {
                deselect(s);
            }
            return sw(ISO7816.SW_NO_ERROR);
        }
        return sw(ISO7816.SW_INCORRECT_P1P2);
    }

    // ---- CREATE APPLET (jCardSim: 80 B8 00 00 Lc | aidLen AID [params]) ----

    private byte[] createApplet(CommandApdu c) {
        byte[] data = c.data();
        if (data.length < 6 || (data[0] & 0xFF) < 5 || (data[0] & 0xFF) > 16 || 1 + (data[0] & 0xFF) > data.length) {
            return sw(SW_APPLET_CREATION_FAILED);
        }
        byte[] aid = Arrays.copyOfRange(data, 1, 1 + (data[0] & 0xFF));
        String className = config.applets.get(Hex.encode(aid));
        if (className == null || hasInstance(aid)) {
            return sw(SW_APPLET_CREATION_FAILED);
        }
        Class<?> cls;
        try {
            cls = Class.forName(className, true, config.appletLoader);
        } catch (ClassNotFoundException | LinkageError e) {
            return sw(SW_APPLET_CREATION_FAILED);
        }
        // jCardSim passes the command data with bOffset at the AID length byte and bLength = Lc.
        return instantiate(cls, aid, data, (short) 0, (byte) data.length) ? withSw(aid.clone(), ISO7816.SW_NO_ERROR)
                : sw(SW_APPLET_CREATION_FAILED);
    }

    public boolean hasInstance(byte[] aid) {
        return lookupAid(aid, (short) 0, (byte) aid.length) != null;
    }

    /**
     * Creates an applet instance the way a card does: the class's static install(bArray, bOffset, bLength), which
     * must register under `instanceAid`. True when it did; on failure nothing is left installed.
     */
    public boolean instantiate(Class<?> cls, byte[] instanceAid, byte[] bArray, short bOffset, byte bLength) {
        if (hasInstance(instanceAid)) {
            return false;
        }
        installingAid = instanceAid.clone();
        registered = null;
        try {
            Method install = cls.getMethod("install", byte[].class, short.class, byte.class);
            if (!Modifier.isStatic(install.getModifiers()) || !Applet.class.isAssignableFrom(cls)) {
                return false;
            }
            install.invoke(null, bArray, bOffset, bLength);
            memory.abortIfOpen();
            if (registered == null) {
                return false;
            }
            memory.adoptFromInstall(registered);
            installed.add(new Installed(registeredAid, registered));
            forgetLocks();
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            Throwable cause = e instanceof InvocationTargetException ? e.getCause() : e;
            if (cause instanceof TearError) {
                // The power went during install(): the card answers nothing, as for a tear in any other command.
                throw (TearError) cause;
            }
            memory.abortIfOpen();
            if (config.log) {
                CardLog.line("install of " + cls.getName() + " failed: " + cause);
            }
            return false;
        } finally {
            installingAid = null;
            registered = null;
            registeredAid = null;
        }
    }

    private org.globalplatform.SecureChannel personalizationChannel;
    private final java.util.Map<Applet, Byte> contentStates = new java.util.IdentityHashMap<>();

    public org.globalplatform.SecureChannel personalizationChannel() {
        return personalizationChannel;
    }

    /** GPSystem.setCardContentState for the applet in context. */
    public boolean setContentState(byte state) {
        if (context == null) {
            return false;
        }
        contentStates.put(context, state);
        return true;
    }

    public byte contentState() {
        Byte b = context == null ? null : contentStates.get(context);
        return b == null ? (byte) 0x07 : b;
    }

    public Applet instance(byte[] aid) {
        for (Installed i : installed) {
            if (Arrays.equals(i.aidBytes, aid)) {
                return i.applet;
            }
        }
        return null;
    }

    /**
     * Runs an application's processData in its own context with its security domain's channel, as a domain does
     * for STORE DATA during personalization. The application's ISOException becomes the command's status word.
     */
    public void forwardToApplication(byte[] aid, byte[] command, org.globalplatform.SecureChannel channel) {
        Applet target = instance(aid);
        Applet caller = context;
        context = target;
        personalizationChannel = channel;
        try {
            ((org.globalplatform.Application) target).processData(command, (short) 0, (short) command.length);
        } catch (ISOException e) {
            throw e;
        } catch (RuntimeException e) {
            ISOException.throwIt(ISO7816.SW_UNKNOWN);
        } finally {
            memory.abortIfOpen();
            personalizationChannel = null;
            context = caller;
        }
    }

    /** Registers a security domain created by another one (INSTALL of the SD module). */
    public void addSecurityDomain(byte[] aid, Applet sd) {
        installed.add(new Installed(aid.clone(), sd));
        forgetLocks();
    }

    /** Removes an instance (deselected wherever it is selected); false when there is none with that AID. */
    public boolean removeInstance(byte[] aid) {
        for (int k = 0; k < installed.size(); k++) {
            Installed i = installed.get(k);
            if (Arrays.equals(i.aidBytes, aid) && i.applet != cardManager) {
                for (int ch = 0; ch < selected.length; ch++) {
                    if (selected[ch] == i) {
                        selected[ch] = null;
                        deselect(i);
                    }
                }
                installed.remove(k);
                contentStates.remove(i.applet);
                forgetLocks();
                return true;
            }
        }
        return false;
    }

    private static byte[] sw(short sw) {
        return new byte[] {(byte) (sw >> 8), (byte) sw};
    }

    private static byte[] withSw(byte[] data, short sw) {
        byte[] r = Arrays.copyOf(data, data.length + 2);
        r[data.length] = (byte) (sw >> 8);
        r[data.length + 1] = (byte) sw;
        return r;
    }

    public org.simcert.cardsim.gp.ContentMemory contentMemory() {
        return contentMemory;
    }
}
