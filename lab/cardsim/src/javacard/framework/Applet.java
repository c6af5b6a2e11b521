package javacard.framework;

import org.simcert.cardsim.CardRuntime;

/** Base class of every applet, as in the Java Card 3.0.5 API. */
public abstract class Applet {
    protected Applet() {
    }

    public static void install(byte[] bArray, short bOffset, byte bLength) throws ISOException {
        ISOException.throwIt(ISO7816.SW_FUNC_NOT_SUPPORTED);
    }

    public abstract void process(APDU apdu) throws ISOException;

    public boolean select() {
        return true;
    }

    public void deselect() {
    }

    public Shareable getShareableInterfaceObject(AID clientAID, byte parameter) {
        return null;
    }

    /** Registers under the AID the installer chose (the one in the CREATE APPLET / INSTALL command). */
    protected final void register() throws SystemException {
        CardRuntime.current().register(this, null);
    }

    protected final void register(byte[] bArray, short bOffset, byte bLength) throws SystemException {
        CardRuntime.current().register(this, new AID(bArray, bOffset, bLength));
    }

    protected final boolean selectingApplet() {
        return CardRuntime.current().selectingApplet();
    }
}
