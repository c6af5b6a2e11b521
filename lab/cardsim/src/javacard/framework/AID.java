package javacard.framework;

/** An application identifier: 5 to 16 bytes, RID (5 bytes) then PIX. */
public final class AID {
    private final byte[] bytes;

    public AID(byte[] bArray, short offset, byte length) throws SystemException {
        if (length < 5 || length > 16) {
            SystemException.throwIt(SystemException.ILLEGAL_VALUE);
        }
        bytes = new byte[length];
        Util.arrayCopyNonAtomic(bArray, offset, bytes, (short) 0, length);
    }

    public byte getBytes(byte[] dest, short offset) {
        Util.arrayCopyNonAtomic(bytes, (short) 0, dest, offset, (short) bytes.length);
        return (byte) bytes.length;
    }

    public byte getPartialBytes(short aidOffset, byte[] dest, short oOffset, byte oLength) {
        short n = oLength == 0 ? (short) (bytes.length - aidOffset) : oLength;
        if (aidOffset + n > bytes.length) {
            n = (short) (bytes.length - aidOffset);
        }
        Util.arrayCopyNonAtomic(bytes, aidOffset, dest, oOffset, n);
        return (byte) n;
    }

    public boolean equals(byte[] bArray, short offset, byte length) {
        return length == bytes.length && Util.arrayCompare(bytes, (short) 0, bArray, offset, length) == 0;
    }

    public boolean partialEquals(byte[] bArray, short offset, byte length) {
        return length <= bytes.length && Util.arrayCompare(bytes, (short) 0, bArray, offset, length) == 0;
    }

    public boolean RIDEquals(AID otherAID) {
        return otherAID != null && Util.arrayCompare(bytes, (short) 0, otherAID.bytes, (short) 0, (short) 5) == 0;
    }

    @Override
    public boolean equals(Object anObject) {
        return anObject instanceof AID && java.util.Arrays.equals(bytes, ((AID) anObject).bytes);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(bytes);
    }
}
