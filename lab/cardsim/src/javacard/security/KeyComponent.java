package javacard.security;

import java.math.BigInteger;

/**
 * One big-integer component of a key, kept as a persistent byte array (so transactions journal it like any
 * applet data) and stored without leading zeros, as cards report components.
 */
final class KeyComponent {
    private byte[] value;

    void set(byte[] buffer, short offset, short length, short maxBytes) {
        if (buffer == null || offset < 0 || length < 0 || offset + length > buffer.length) {
            CryptoException.throwIt(CryptoException.ILLEGAL_VALUE);
        }
        int start = offset;
        int end = offset + length;
        while (start < end - 1 && buffer[start] == 0) {
            start++;
        }
        if (end - start > maxBytes || end - start == 0) {
            CryptoException.throwIt(CryptoException.ILLEGAL_VALUE);
        }
        byte[] v = new byte[end - start];
        System.arraycopy(buffer, start, v, 0, v.length);
        org.simcert.cardsim.CardRuntime.current().memory().persistentWrite(null);
        value = v;
    }

    /** Keeps the bytes as given, leading zeros included: EC components have fixed lengths (points, scalars). */
    void setExact(byte[] buffer, short offset, short length, short maxBytes) {
        if (buffer == null || offset < 0 || length <= 0 || length > maxBytes || offset + length > buffer.length) {
            CryptoException.throwIt(CryptoException.ILLEGAL_VALUE);
        }
        byte[] v = new byte[length];
        System.arraycopy(buffer, offset, v, 0, length);
        org.simcert.cardsim.CardRuntime.current().memory().persistentWrite(null);
        value = v;
    }

    byte[] bytes() {
        if (value == null) {
            CryptoException.throwIt(CryptoException.UNINITIALIZED_KEY);
        }
        return value.clone();
    }

    void setBig(BigInteger n) {
        byte[] b = n.toByteArray();
        set(b, (short) 0, (short) b.length, (short) b.length);
    }

    short get(byte[] buffer, short offset) {
        if (value == null) {
            CryptoException.throwIt(CryptoException.UNINITIALIZED_KEY);
        }
        System.arraycopy(value, 0, buffer, offset, value.length);
        return (short) value.length;
    }

    boolean isSet() {
        return value != null;
    }

    BigInteger big() {
        if (value == null) {
            CryptoException.throwIt(CryptoException.UNINITIALIZED_KEY);
        }
        return new BigInteger(1, value);
    }

    void clear() {
        if (value != null) {
            java.util.Arrays.fill(value, (byte) 0);
        }
        value = null;
    }
}
