package javacard.framework;

/** Root of the runtime exceptions an applet may throw; carries a reason code. */
public class CardRuntimeException extends RuntimeException {
    private short reason;

    public CardRuntimeException(short reason) {
        this.reason = reason;
    }

    public short getReason() {
        return reason;
    }

    public void setReason(short reason) {
        this.reason = reason;
    }

    public static void throwIt(short reason) throws CardRuntimeException {
        throw new CardRuntimeException(reason);
    }
}
