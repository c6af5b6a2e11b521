package org.simcert.cardsim.gp;

import java.security.PublicKey;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.simcert.cardsim.Hex;

/**
 * The keys and counter of secure content management on this card (GPCS 2.3.1 appendix C.1): the DAP verification
 * key each supplementary security domain with the DAP Verification privilege gets when it is created (C.1.2; the
 * carrier would put it with PUT KEY, here it comes from the simulator's configuration), and the issuer security
 * domain's token verification key (C.1.1.1), receipt generation key (C.1.1.2, AES: receipts by CMAC, B.2.2) and
 * confirmation counter (C.5). Absent keys make the operations that need them fail, as C.1 asks.
 */
public final class ContentSecurity {
    /** Configuration key prefix: simcert.cardsim.dap.&lt;SD AID hex&gt; = the DAP public key (X.509 SPKI DER, hex). */
    public static final String DAP_KEY_PREFIX = "simcert.cardsim.dap.";
    /** The ISD's token verification public key (X.509 SPKI DER, hex). */
    public static final String TOKEN_KEY = "simcert.cardsim.isd.tokenKey";
    /** The ISD's receipt generation key: AES-128/192/256, hex. */
    public static final String RECEIPT_KEY = "simcert.cardsim.isd.receiptKey";

    /**
     * Fault injection, as SkippedChecks for the secure channel: a broken card whose DAP domains take any DAP block
     * (or none), or whose delegated management takes any token (or none). Only for showing that a test catches it.
     */
    public static final String SKIP_DAP_CHECK = "simcert.cardsim.skipDapCheck";
    public static final String SKIP_TOKEN_CHECK = "simcert.cardsim.skipTokenCheck";

    public static final ContentSecurity NONE = new ContentSecurity(new HashMap<>(), null, null);

    private final Map<String, PublicKey> dapKeys;
    private final PublicKey tokenKey;
    private final byte[] receiptKey;
    /** 16 bits, starts at zero, never wraps (C.5). */
    private int confirmationCounter;
    boolean skipDapCheck;
    boolean skipTokenCheck;

    ContentSecurity(Map<String, PublicKey> dapKeys, PublicKey tokenKey, byte[] receiptKey) {
        this.dapKeys = dapKeys;
        this.tokenKey = tokenKey;
        this.receiptKey = receiptKey;
    }

    public static ContentSecurity from(Properties p) {
        Map<String, PublicKey> dap = new HashMap<>();
        for (String k : p.stringPropertyNames()) {
            if (k.startsWith(DAP_KEY_PREFIX)) {
                String aid = k.substring(DAP_KEY_PREFIX.length()).toUpperCase();
                dap.put(aid, GpSignature.publicKey(Hex.decode(p.getProperty(k).trim(), k)));
            }
        }
        String t = p.getProperty(TOKEN_KEY);
        String r = p.getProperty(RECEIPT_KEY);
        byte[] receipt = r == null ? null : Hex.decode(r.trim(), RECEIPT_KEY);
        if (receipt != null && receipt.length != 16 && receipt.length != 24 && receipt.length != 32) {
            throw new IllegalArgumentException(RECEIPT_KEY + " must be an AES key of 16, 24 or 32 bytes");
        }
        ContentSecurity c = new ContentSecurity(dap, t == null ? null : GpSignature.publicKey(Hex.decode(t.trim(), TOKEN_KEY)), receipt);
        c.skipDapCheck = Boolean.parseBoolean(p.getProperty(SKIP_DAP_CHECK, "false").trim());
        c.skipTokenCheck = Boolean.parseBoolean(p.getProperty(SKIP_TOKEN_CHECK, "false").trim());
        return c;
    }

    /** The DAP verification key of the security domain `sdAid`; null when it has none. */
    PublicKey dapKey(byte[] sdAid) {
        return dapKeys.get(LoadFile.hex(sdAid));
    }

    /** Token verification (C.4): false when the card has no token key. */
    boolean verifyToken(byte[] signedData, byte[] token) {
        return skipTokenCheck || tokenKey != null && GpSignature.verify(tokenKey, signedData, token);
    }

    /**
     * The confirmation of a delegated operation (GPCS 11.1.6, tables 11-13 and 11-14): length of the receipt, the
     * receipt (C.5: AES-CMAC with the receipt key over confirmation data || `context`), then the confirmation
     * data: 02, the confirmation counter (2 bytes), length and SD unique data. The counter starts at zero and is
     * incremented following each receipt generation, never wrapping to zero (C.5). Null when the card has no
     * receipt key.
     */
    byte[] confirmation(byte[] sdUniqueData, byte[] context) {
        if (receiptKey == null) {
            return null;
        }
        byte[] data = Scp03.concat(new byte[] {0x02, (byte) (confirmationCounter >> 8), (byte) confirmationCounter, (byte) sdUniqueData.length},
                sdUniqueData);
        byte[] receipt = Aes.cmac(receiptKey, Scp03.concat(data, context));
        if (confirmationCounter < 0xFFFF) {
            confirmationCounter++;
        }
        return Scp03.concat(new byte[] {(byte) receipt.length}, receipt, data);
    }
}
