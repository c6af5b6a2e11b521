package javacard.framework;

/** Reason codes as in the Java Card 3.0.5 API. */
public class PINException extends CardRuntimeException {
    public static final short ILLEGAL_VALUE = 1;
    public static final short ILLEGAL_STATE = 2;

    public PINException(short reason) {
        super(reason);
    }

    public static void throwIt(short reason) {
        throw new PINException(reason);
    }
}
