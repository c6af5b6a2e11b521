package org.simcert.applets.probe;

import javacard.framework.APDU;
import javacard.framework.Applet;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;
import javacard.framework.JCSystem;
import javacard.framework.OwnerPIN;
import javacard.framework.Util;
import javacard.security.RandomData;

/**
 * Probes the runtime's transaction, transient-memory, PIN and channel behaviour, and the Java Card 3.0.5 API rules
 * the runtime must enforce (APDU state machine, transaction exceptions): see README.md.
 */
public final class RuntimeProbe extends Applet {
    private final byte[] persistent = new byte[4];
    private final byte[] nonAtomic = new byte[4];
    private byte field;
    private final byte[] clearOnReset;
    private final byte[] clearOnDeselect;
    private final OwnerPIN pin;
    private final RandomData random;
    private byte[] nothing;
    private final Outcome outcome;

    private RuntimeProbe() {
        clearOnReset = JCSystem.makeTransientByteArray((short) 4, JCSystem.CLEAR_ON_RESET);
        clearOnDeselect = JCSystem.makeTransientByteArray((short) 4, JCSystem.CLEAR_ON_DESELECT);
        pin = new OwnerPIN((byte) 5, (byte) 8);
        byte[] value = {'1', '2', '3', '4'};
        pin.update(value, (short) 0, (byte) 4);
        random = RandomData.getInstance(RandomData.ALG_SECURE_RANDOM);
        outcome = new Outcome(JCSystem.makeTransientByteArray(Outcome.LENGTH, JCSystem.CLEAR_ON_RESET));
    }

    public static void install(byte[] bArray, short bOffset, byte bLength) {
        new RuntimeProbe().register(bArray, (short) (bOffset + 1), bArray[bOffset]);
    }

    private void write(byte v) {
        persistent[0] = v;
        field = v;
    }

    public void process(APDU apdu) {
        if (selectingApplet()) {
            return;
        }
        byte[] buf = apdu.getBuffer();
        byte p1 = buf[ISO7816.OFFSET_P1];
        switch (buf[ISO7816.OFFSET_INS]) {
            case 0x10:
                JCSystem.beginTransaction();
                write(p1);
                JCSystem.abortTransaction();
                return;
            case 0x12:
                JCSystem.beginTransaction();
                write(p1);
                ISOException.throwIt(ISO7816.SW_WRONG_DATA);
                return;
            case 0x14:
                buf[0] = persistent[0];
                buf[1] = field;
                buf[2] = clearOnReset[0];
                buf[3] = clearOnDeselect[0];
                buf[4] = nonAtomic[0];
                buf[5] = pin.getTriesRemaining();
                apdu.setOutgoingAndSend((short) 0, (short) 6);
                return;
            case 0x16:
                JCSystem.beginTransaction();
                write(p1);
                JCSystem.commitTransaction();
                return;
            case 0x18:
                clearOnReset[0] = p1;
                clearOnDeselect[0] = p1;
                return;
            case 0x1C: {
                byte[] wrong = {'9', '9', '9', '9'};
                JCSystem.beginTransaction();
                pin.check(wrong, (short) 0, (byte) 4);
                JCSystem.abortTransaction();
                return;
            }
            case 0x1E:
                random.nextBytes(buf, (short) 0, (short) 16);
                apdu.setOutgoingAndSend((short) 0, (short) 16);
                return;
            case 0x20:
                buf[0] = APDU.getCLAChannel();
                apdu.setOutgoingAndSend((short) 0, (short) 1);
                return;
            case 0x22:
                buf[0] = p1;
                JCSystem.beginTransaction();
                Util.arrayCopyNonAtomic(buf, (short) 0, nonAtomic, (short) 0, (short) 1);
                JCSystem.abortTransaction();
                return;
            case 0x24:
                JCSystem.beginTransaction();
                write(p1);
                return;
            case 0x26:
                nothing[0] = 1;
                return;
            case 0x40:
                outcome.clear();
                try {
                    ApduRules.run(p1, apdu, outcome);
                } catch (ISOException e) {
                    throw e;
                } catch (RuntimeException e) {
                    outcome.threw(e, apdu);
                }
                return;
            case 0x42:
                Util.arrayCopyNonAtomic(outcome.bytes(), (short) 0, buf, (short) 0, Outcome.LENGTH);
                apdu.setOutgoingAndSend((short) 0, Outcome.LENGTH);
                return;
            case 0x44:
                outcome.clear();
                try {
                    transactionRule(p1, apdu);
                } catch (RuntimeException e) {
                    outcome.threw(e, apdu);
                    if (JCSystem.getTransactionDepth() != 0) {
                        JCSystem.abortTransaction();
                    }
                }
                return;
            default:
                ISOException.throwIt(ISO7816.SW_INS_NOT_SUPPORTED);
        }
    }

    /** The transaction rules of JCSystem (Java Card 3.0.5 API), one case per P1; see README.md. */
    private void transactionRule(byte rule, APDU apdu) {
        switch (rule) {
            case 0x01: // abortTransaction, then read in the same process(): the values from before the transaction
                JCSystem.beginTransaction();
                write((byte) (field + 1));
                JCSystem.abortTransaction();
                outcome.returned(apdu, Util.makeShort(persistent[0], field));
                return;
            case 0x02: // beginTransaction inside a transaction: IN_PROGRESS
                JCSystem.beginTransaction();
                JCSystem.beginTransaction();
                break;
            case 0x03: // commitTransaction with none open: NOT_IN_PROGRESS
                JCSystem.commitTransaction();
                break;
            case 0x04: // abortTransaction with none open: NOT_IN_PROGRESS
                JCSystem.abortTransaction();
                break;
            default:
                ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        outcome.returned(apdu, JCSystem.getTransactionDepth());
    }
}
