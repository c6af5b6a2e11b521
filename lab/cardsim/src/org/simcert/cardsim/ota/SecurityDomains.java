package org.simcert.cardsim.ota;

/** What the OTA layer needs of the card: whether a security domain exists, and running a command through it. */
public interface SecurityDomains {
    boolean exists(byte[] sdAid);

    /** Runs one C-APDU in the domain as its Remote Application Management application would; data || SW1 SW2. */
    byte[] runRemote(byte[] sdAid, byte[] capdu);
}
