package org.globalplatform;

import org.simcert.cardsim.CardRuntime;

/** The parts of the GlobalPlatform Card API's GPSystem this simulator offers. */
public class GPSystem {
    public static final byte APPLICATION_INSTALLED = 0x03;
    public static final byte APPLICATION_SELECTABLE = 0x07;
    public static final byte SECURITY_DOMAIN_PERSONALIZED = 0x0F;
    public static final byte APPLICATION_LOCKED = (byte) 0x80;

    private GPSystem() {
    }

    /** The secure channel of the calling application's security domain, or null outside one. */
    public static SecureChannel getSecureChannel() {
        return CardRuntime.current().personalizationChannel();
    }

    /**
     * Sets an application-specific life cycle state of the calling application (GPCS 5.3.1: b1-b3 set, b4-b7 free);
     * GET STATUS then reports it.
     */
    public static boolean setCardContentState(byte bState) {
        if ((bState & 0x07) != 0x07 || (bState & 0x80) != 0) {
            return false;
        }
        return CardRuntime.current().setContentState(bState);
    }

    public static byte getCardContentState() {
        return CardRuntime.current().contentState();
    }
}
