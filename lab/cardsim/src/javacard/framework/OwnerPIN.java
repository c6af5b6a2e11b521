package javacard.framework;

import org.simcert.cardsim.CardRuntime;
import org.simcert.cardsim.Memory;

/**
 * A PIN owned by its applet. As the API requires, the try counter is decremented in persistent memory before the
 * comparison, and PIN presentation (check) takes no part in transactions, so neither an abort nor a power loss
 * gives a try back. Administrative updates (update, resetAndUnblock) do take part in an open transaction. The
 * validated flag is a CLEAR_ON_RESET transient.
 */
public class OwnerPIN implements PIN {
    private final byte tryLimit;
    private final byte maxPINSize;
    private final byte[] pinValue;
    private byte pinLength;
    /** [0] tries remaining. */
    private final byte[] tries;
    private final boolean[] validated;

    public OwnerPIN(byte tryLimit, byte maxPINSize) throws PINException {
        if (tryLimit < 1 || maxPINSize < 1) {
            PINException.throwIt(PINException.ILLEGAL_VALUE);
        }
        this.tryLimit = tryLimit;
        this.maxPINSize = maxPINSize;
        this.pinValue = new byte[maxPINSize];
        this.tries = new byte[] {tryLimit};
        CardRuntime.current().memory().excludeFromTransactions(tries);
        this.validated = JCSystem.makeTransientBooleanArray((short) 1, JCSystem.CLEAR_ON_RESET);
    }

    protected boolean getValidatedFlag() {
        return validated[0];
    }

    protected void setValidatedFlag(boolean value) {
        validated[0] = value;
    }

    @Override
    public byte getTriesRemaining() {
        return tries[0];
    }

    @Override
    public boolean check(byte[] pin, short offset, byte length) throws ArrayIndexOutOfBoundsException, NullPointerException {
        setValidatedFlag(false);
        if (tries[0] == 0) {
            return false;
        }
        Memory memory = CardRuntime.current().memory();
        memory.persistentWrite(tries);
        memory.writeOutsideTransaction(tries, 0, (byte) (tries[0] - 1));
        if (length != pinLength || Util.arrayCompare(pin, offset, pinValue, (short) 0, length) != 0) {
            return false;
        }
        memory.writeOutsideTransaction(tries, 0, tryLimit);
        setValidatedFlag(true);
        return true;
    }

    @Override
    public boolean isValidated() {
        return getValidatedFlag();
    }

    @Override
    public void reset() {
        if (isValidated()) {
            resetAndUnblock();
        }
    }

    public void update(byte[] pin, short offset, byte length) throws PINException {
        if (length > maxPINSize || length < 0) {
            PINException.throwIt(PINException.ILLEGAL_VALUE);
        }
        Util.arrayCopy(pin, offset, pinValue, (short) 0, length);
        pinLength = length;
        resetTries();
        setValidatedFlag(false);
    }

    public void resetAndUnblock() {
        resetTries();
        setValidatedFlag(false);
    }

    /** An administrative write of the try counter: journaled, so an aborted transaction undoes it. */
    private void resetTries() {
        Memory memory = CardRuntime.current().memory();
        memory.journal(tries);
        memory.persistentWrite(tries);
        tries[0] = tryLimit;
    }
}
