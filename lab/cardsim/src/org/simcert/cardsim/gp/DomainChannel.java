package org.simcert.cardsim.gp;

import javacard.framework.APDU;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import org.globalplatform.SecureChannel;

/**
 * What an application sees of its security domain's session while the domain forwards personalization data to
 * it: the security level, and decryption of sensitive data under the DEK. Wrapping and unwrapping are the
 * domain's job here (it unwraps STORE DATA before forwarding), so those calls are refused.
 */
final class DomainChannel implements SecureChannel {
    private final SecureSession session;

    DomainChannel(SecureSession session) {
        this.session = session;
    }

    public short processSecurity(APDU apdu) {
        ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        return 0;
    }

    public short wrap(byte[] baBuffer, short sOffset, short sLength) {
        ISOException.throwIt(ISO7816.SW_CONDITIONS_NOT_SATISFIED);
        return 0;
    }

    public short unwrap(byte[] baBuffer, short sOffset, short sLength) {
        return sLength; // already unwrapped by the domain
    }

    public short decryptData(byte[] baBuffer, short sOffset, short sLength) {
        byte[] in = java.util.Arrays.copyOfRange(baBuffer, sOffset, sOffset + sLength);
        byte[] out = session.decryptSensitive(in);
        if (out == null) {
            ISOException.throwIt(ISO7816.SW_WRONG_LENGTH);
        }
        System.arraycopy(out, 0, baBuffer, sOffset, out.length);
        return (short) out.length;
    }

    public short encryptData(byte[] baBuffer, short sOffset, short sLength) {
        ISOException.throwIt(ISO7816.SW_FUNC_NOT_SUPPORTED);
        return 0;
    }

    public void resetSecurity() {
    }

    public byte getSecurityLevel() {
        return (byte) (AUTHENTICATED | session.level());
    }
}
