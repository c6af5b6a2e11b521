package javacard.framework;

import org.simcert.cardsim.CardRuntime;

/** Transient memory, transactions and applet context of the Java Card 3.0.5 API, served by the card runtime. */
public final class JCSystem {
    public static final byte NOT_A_TRANSIENT_OBJECT = 0;
    public static final byte CLEAR_ON_RESET = 1;
    public static final byte CLEAR_ON_DESELECT = 2;
    public static final byte MEMORY_TYPE_PERSISTENT = 0;
    public static final byte MEMORY_TYPE_TRANSIENT_RESET = 1;
    public static final byte MEMORY_TYPE_TRANSIENT_DESELECT = 2;

    private JCSystem() {
    }

    public static byte isTransient(Object theObj) {
        return CardRuntime.current().memory().transientKind(theObj);
    }

    public static boolean[] makeTransientBooleanArray(short length, byte event) throws SystemException {
        return CardRuntime.current().memory().registerTransient(new boolean[checkLength(length)], event);
    }

    public static byte[] makeTransientByteArray(short length, byte event) throws SystemException {
        return CardRuntime.current().memory().registerTransient(new byte[checkLength(length)], event);
    }

    public static short[] makeTransientShortArray(short length, byte event) throws SystemException {
        return CardRuntime.current().memory().registerTransient(new short[checkLength(length)], event);
    }

    public static Object[] makeTransientObjectArray(short length, byte event) throws SystemException {
        return CardRuntime.current().memory().registerTransient(new Object[checkLength(length)], event);
    }

    private static short checkLength(short length) {
        if (length < 0) {
            SystemException.throwIt(SystemException.ILLEGAL_VALUE);
        }
        return length;
    }

    public static AID getAID() {
        return CardRuntime.current().contextAid();
    }

    public static AID lookupAID(byte[] buffer, short offset, byte length) {
        return CardRuntime.current().lookupAid(buffer, offset, length);
    }

    public static AID getPreviousContextAID() {
        return null;
    }

    public static void beginTransaction() throws TransactionException {
        CardRuntime.current().memory().beginTransaction();
    }

    public static void abortTransaction() throws TransactionException {
        CardRuntime.current().memory().abortTransaction();
    }

    public static void commitTransaction() throws TransactionException {
        CardRuntime.current().memory().commitTransaction();
    }

    public static byte getTransactionDepth() {
        return CardRuntime.current().memory().transactionDepth();
    }

    public static short getUnusedCommitCapacity() {
        return Short.MAX_VALUE;
    }

    public static short getMaxCommitCapacity() {
        return Short.MAX_VALUE;
    }

    /** Memory is not metered: Short.MAX_VALUE, which the API returns when more than that is available. */
    public static short getAvailableMemory(byte memoryType) throws SystemException {
        if (memoryType != MEMORY_TYPE_PERSISTENT && memoryType != MEMORY_TYPE_TRANSIENT_RESET
                && memoryType != MEMORY_TYPE_TRANSIENT_DESELECT) {
            SystemException.throwIt(SystemException.ILLEGAL_VALUE);
        }
        return Short.MAX_VALUE;
    }

    public static short getVersion() {
        return 0x0305;
    }

    public static byte getAssignedChannel() {
        return CardRuntime.current().currentChannel();
    }

    public static boolean isAppletActive(AID theApplet) {
        return CardRuntime.current().isActive(theApplet);
    }

    public static boolean isObjectDeletionSupported() {
        return false;
    }

    public static void requestObjectDeletion() throws SystemException {
        SystemException.throwIt(SystemException.ILLEGAL_USE);
    }

    public static Shareable getAppletShareableInterfaceObject(AID serverAID, byte parameter) {
        return null;
    }
}
