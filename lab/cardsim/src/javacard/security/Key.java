package javacard.security;

/** A key of the Java Card API. */
public interface Key {
    boolean isInitialized();

    void clearKey();

    byte getType();

    short getSize();
}
