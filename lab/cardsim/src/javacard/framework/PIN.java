package javacard.framework;

/** A PIN: a secret with a try limit. */
public interface PIN {
    boolean check(byte[] pin, short offset, byte length) throws ArrayIndexOutOfBoundsException, NullPointerException;

    byte getTriesRemaining();

    boolean isValidated();

    void reset();
}
