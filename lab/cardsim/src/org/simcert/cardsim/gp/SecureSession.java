package org.simcert.cardsim.gp;

/** The card side of one secure channel session, SCP02 or SCP03. */
interface SecureSession {
    boolean authenticated();

    int level();

    /** EXTERNAL AUTHENTICATE: verifies its C-MAC and the host cryptogram, and fixes the security level. */
    boolean authenticate(byte cla, byte p1, byte[] data);

    /** A command's data after MAC verification and decryption; null when either fails. */
    byte[] unwrap(byte cla, byte ins, byte p1, byte p2, byte[] data);

    /** Response data as the level asks (R-MAC, R-ENC); unchanged where the protocol has none. */
    byte[] wrapResponse(byte[] data, short sw);

    /** Decrypts sensitive data sent under the data encryption key (SCP03: static DEK, AES-CBC, IV zero). */
    byte[] decryptSensitive(byte[] data);
}
