package javacard.framework;

/** Ends command processing with the status word given as reason. */
public class ISOException extends CardRuntimeException {
    public ISOException(short sw) {
        super(sw);
    }

    public static void throwIt(short sw) {
        throw new ISOException(sw);
    }
}
