package org.simcert.applets.capability;

import javacard.framework.APDU;
import javacard.framework.Applet;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.Util;
import javacard.security.CryptoException;
import javacard.security.KeyBuilder;
import javacard.security.KeyPair;
import javacard.security.MessageDigest;
import javacard.security.Signature;

/**
 * The probe applet of `simcert probe --deep`: asks the Java Card API what this platform supports for JPKI and
 * answers in one APDU. Loaded through GlobalPlatform, asked once, deleted. INS 10 (CLA 80) answers:
 * JCSystem.getVersion (2 bytes), a support bit mask (2 bytes, see the BIT_ constants), then getAvailableMemory for
 * persistent, CLEAR_ON_RESET and CLEAR_ON_DESELECT memory (2 bytes each; the API caps them at 32767).
 * Each capability is tried the way an applet would use it; NO_SUCH_ALGORITHM or any other refusal clears its bit.
 */
public final class CapabilityProbe extends Applet {
    static final byte INS_REPORT = (byte) 0x10;

    static final short BIT_RSA_2048 = 0x0001;
    static final short BIT_RSA_2048_KEYGEN = 0x0002;
    static final short BIT_EC_P256_KEYGEN = 0x0004;
    static final short BIT_EC_P384_KEYGEN = 0x0008;
    static final short BIT_ECDSA_SHA256 = 0x0010;
    static final short BIT_ECDSA_SHA384 = 0x0020;
    static final short BIT_SHA384 = 0x0040;
    static final short BIT_RSA_SHA256_PKCS1 = 0x0080;

    private CapabilityProbe() {
    }

    public static void install(byte[] bArray, short bOffset, byte bLength) {
        new CapabilityProbe().register(bArray, (short) (bOffset + 1), bArray[bOffset]);
    }

    public void process(APDU apdu) {
        if (selectingApplet()) {
            return;
        }
        byte[] buf = apdu.getBuffer();
        if (buf[ISO7816.OFFSET_CLA] != (byte) 0x80 || buf[ISO7816.OFFSET_INS] != INS_REPORT) {
            ISOException.throwIt(ISO7816.SW_INS_NOT_SUPPORTED);
        }
        short bits = 0;
        if (rsaKey()) {
            bits |= BIT_RSA_2048;
        }
        if (keyPair(KeyPair.ALG_RSA_CRT, KeyBuilder.LENGTH_RSA_2048)) {
            bits |= BIT_RSA_2048_KEYGEN;
        }
        if (keyPair(KeyPair.ALG_EC_FP, KeyBuilder.LENGTH_EC_FP_256)) {
            bits |= BIT_EC_P256_KEYGEN;
        }
        if (keyPair(KeyPair.ALG_EC_FP, KeyBuilder.LENGTH_EC_FP_384)) {
            bits |= BIT_EC_P384_KEYGEN;
        }
        if (signature(Signature.ALG_ECDSA_SHA_256)) {
            bits |= BIT_ECDSA_SHA256;
        }
        if (signature(Signature.ALG_ECDSA_SHA_384)) {
            bits |= BIT_ECDSA_SHA384;
        }
        if (signature(Signature.ALG_RSA_SHA_256_PKCS1)) {
            bits |= BIT_RSA_SHA256_PKCS1;
        }
        if (digest(MessageDigest.ALG_SHA_384)) {
            bits |= BIT_SHA384;
        }
        short off = 0;
        off = Util.setShort(buf, off, JCSystem.getVersion());
        off = Util.setShort(buf, off, bits);
        off = Util.setShort(buf, off, JCSystem.getAvailableMemory(JCSystem.MEMORY_TYPE_PERSISTENT));
        off = Util.setShort(buf, off, JCSystem.getAvailableMemory(JCSystem.MEMORY_TYPE_TRANSIENT_RESET));
        off = Util.setShort(buf, off, JCSystem.getAvailableMemory(JCSystem.MEMORY_TYPE_TRANSIENT_DESELECT));
        apdu.setOutgoingAndSend((short) 0, off);
    }

    private static boolean rsaKey() {
        try {
            KeyBuilder.buildKey(KeyBuilder.TYPE_RSA_CRT_PRIVATE, KeyBuilder.LENGTH_RSA_2048, false);
            return true;
        } catch (CryptoException e) {
            return false;
        }
    }

    private static boolean keyPair(byte algorithm, short length) {
        try {
            new KeyPair(algorithm, length).genKeyPair();
            return true;
        } catch (CryptoException e) {
            return false;
        }
    }

    private static boolean signature(byte algorithm) {
        try {
            Signature.getInstance(algorithm, false);
            return true;
        } catch (CryptoException e) {
            return false;
        }
    }

    private static boolean digest(byte algorithm) {
        try {
            MessageDigest.getInstance(algorithm, false);
            return true;
        } catch (CryptoException e) {
            return false;
        }
    }
}
