package org.globalplatform;

/**
 * An application that takes data from its security domain (GlobalPlatform Card API 1.6): during personalization
 * the domain unwraps each STORE DATA and hands the command (header and data) to processData.
 */
public interface Application extends javacard.framework.Shareable {
    void processData(byte[] baBuffer, short sOffset, short sLength);
}
