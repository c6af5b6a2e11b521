package javacard.framework;

/** Reason codes as in the Java Card 3.0.5 API. */
public class TransactionException extends CardRuntimeException {
    public static final short IN_PROGRESS = 1;
    public static final short NOT_IN_PROGRESS = 2;
    public static final short BUFFER_FULL = 3;
    public static final short INTERNAL_FAILURE = 4;
    public static final short ILLEGAL_USE = 5;

    public TransactionException(short reason) {
        super(reason);
    }

    public static void throwIt(short reason) {
        throw new TransactionException(reason);
    }
}
