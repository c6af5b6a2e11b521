package org.simcert.cardsim.ota;

/** A secured packet the receiving entity refuses, with the PoR status that says why (TS 102 225 5.2.2). */
final class SecurityException80 extends Exception {
    private static final long serialVersionUID = 1L;
    final byte status;

    SecurityException80(byte status, String why) {
        super(why);
        this.status = status;
    }
}
