package javacard.framework;

import org.simcert.cardsim.CardRuntime;

/** Array and short helpers of the Java Card 3.0.5 API. */
public class Util {
    private Util() {
    }

    /** Atomic copy: inside a transaction the destination is journaled like any other persistent write. */
    public static short arrayCopy(byte[] src, short srcOff, byte[] dest, short destOff, short length)
            throws ArrayIndexOutOfBoundsException, NullPointerException, TransactionException {
        checkBounds(src, srcOff, length);
        checkBounds(dest, destOff, length);
        CardRuntime.current().memory().persistentWrite(dest);
        System.arraycopy(src, srcOff, dest, destOff, length);
        return (short) (destOff + length);
    }

    /** Non-atomic copy: the destination keeps what was written even if the transaction is aborted. */
    public static short arrayCopyNonAtomic(byte[] src, short srcOff, byte[] dest, short destOff, short length)
            throws ArrayIndexOutOfBoundsException, NullPointerException {
        checkBounds(src, srcOff, length);
        checkBounds(dest, destOff, length);
        CardRuntime.current().memory().persistentWrite(dest);
        CardRuntime.current().memory().nonAtomicWrite(dest);
        System.arraycopy(src, srcOff, dest, destOff, length);
        return (short) (destOff + length);
    }

    public static short arrayFillNonAtomic(byte[] bArray, short bOff, short bLen, byte bValue)
            throws ArrayIndexOutOfBoundsException, NullPointerException {
        checkBounds(bArray, bOff, bLen);
        CardRuntime.current().memory().persistentWrite(bArray);
        CardRuntime.current().memory().nonAtomicWrite(bArray);
        java.util.Arrays.fill(bArray, bOff, bOff + bLen, bValue);
        return (short) (bOff + bLen);
    }

    public static byte arrayCompare(byte[] src, short srcOff, byte[] dest, short destOff, short length)
            throws ArrayIndexOutOfBoundsException, NullPointerException {
        checkBounds(src, srcOff, length);
        checkBounds(dest, destOff, length);
        for (short i = 0; i < length; i++) {
            int a = src[srcOff + i] & 0xFF;
            int b = dest[destOff + i] & 0xFF;
            if (a != b) {
                return (byte) (a < b ? -1 : 1);
            }
        }
        return 0;
    }

    public static short makeShort(byte b1, byte b2) {
        return (short) (((b1 & 0xFF) << 8) | (b2 & 0xFF));
    }

    public static short getShort(byte[] bArray, short bOff) throws NullPointerException, ArrayIndexOutOfBoundsException {
        return makeShort(bArray[bOff], bArray[bOff + 1]);
    }

    public static short setShort(byte[] bArray, short bOff, short sValue)
            throws TransactionException, NullPointerException, ArrayIndexOutOfBoundsException {
        CardRuntime.current().memory().persistentWrite(bArray);
        bArray[bOff] = (byte) (sValue >> 8);
        bArray[bOff + 1] = (byte) sValue;
        return (short) (bOff + 2);
    }

    private static void checkBounds(byte[] a, short off, short len) {
        if (a == null) {
            throw new NullPointerException();
        }
        if (off < 0 || len < 0 || off + len > a.length) {
            throw new ArrayIndexOutOfBoundsException();
        }
    }
}
