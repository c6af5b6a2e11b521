package javacard.framework;

/** Root of the checked exceptions of the Java Card API; carries a reason code. */
public class CardException extends Exception {
    private short reason;

    public CardException(short reason) {
        this.reason = reason;
    }

    public short getReason() {
        return reason;
    }

    public void setReason(short reason) {
        this.reason = reason;
    }

    public static void throwIt(short reason) throws CardException {
        throw new CardException(reason);
    }
}
