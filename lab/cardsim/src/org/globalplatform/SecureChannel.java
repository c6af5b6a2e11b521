package org.globalplatform;

import javacard.framework.APDU;
import javacard.framework.ISOException;

/** The secure channel of an application's security domain, as the GlobalPlatform Card API offers it. */
public interface SecureChannel extends javacard.framework.Shareable {
    byte NO_SECURITY_LEVEL = 0x00;
    byte AUTHENTICATED = (byte) 0x80;
    byte C_MAC = 0x01;
    byte C_DECRYPTION = 0x02;
    byte R_MAC = 0x10;
    byte R_ENCRYPTION = 0x20;

    short processSecurity(APDU apdu) throws ISOException;

    short wrap(byte[] baBuffer, short sOffset, short sLength) throws ISOException;

    short unwrap(byte[] baBuffer, short sOffset, short sLength) throws ISOException;

    /** Decrypts sensitive data in place with the domain's data encryption key; returns the length. */
    short decryptData(byte[] baBuffer, short sOffset, short sLength) throws ISOException;

    short encryptData(byte[] baBuffer, short sOffset, short sLength) throws ISOException;

    void resetSecurity();

    byte getSecurityLevel();
}
