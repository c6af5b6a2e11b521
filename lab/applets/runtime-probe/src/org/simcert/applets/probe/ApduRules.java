package org.simcert.applets.probe;

import javacard.framework.APDU;
import javacard.framework.ISO7816;
import javacard.framework.ISOException;

/**
 * One case per rule of the APDU state machine of the Java Card 3.0.5 API (javacard.framework.APDU): each case
 * makes the calls that lead up to the rule and then the call the rule is about; the probe records what that call
 * did (its exception and reason, or the value it returned) and the APDU state after it. See README.md for the
 * table of cases and what the specification requires of each.
 */
final class ApduRules {
    private static final byte[] LONG_DATA = {1, 2, 3, 4};

    private ApduRules() {
    }

    static void run(byte rule, APDU apdu, Outcome out) {
        byte[] buf = apdu.getBuffer();
        short value = 0;
        switch (rule) {
            case 0x01: // getIncomingLength before setIncomingAndReceive: ILLEGAL_USE
                value = apdu.getIncomingLength();
                break;
            case 0x02: // getOffsetCdata before setIncomingAndReceive: ILLEGAL_USE
                value = apdu.getOffsetCdata();
                break;
            case 0x03: // getIncomingLength after setIncomingAndReceive: Lc
                apdu.setIncomingAndReceive();
                value = apdu.getIncomingLength();
                break;
            case 0x04: // getOffsetCdata after setIncomingAndReceive: 5 for a short APDU
                apdu.setIncomingAndReceive();
                value = apdu.getOffsetCdata();
                break;
            case 0x05: // setIncomingAndReceive twice: ILLEGAL_USE
                apdu.setIncomingAndReceive();
                apdu.setIncomingAndReceive();
                break;
            case 0x06: // setIncomingAndReceive after setOutgoing: ILLEGAL_USE
                apdu.setOutgoing();
                apdu.setIncomingAndReceive();
                break;
            case 0x07: // getIncomingLength after setOutgoing: ILLEGAL_USE
                apdu.setIncomingAndReceive();
                apdu.setOutgoing();
                value = apdu.getIncomingLength();
                break;
            case 0x08: // receiveBytes before setIncomingAndReceive: ILLEGAL_USE
                value = apdu.receiveBytes(ISO7816.OFFSET_CDATA);
                break;
            case 0x09: // receiveBytes after setOutgoing: ILLEGAL_USE
                apdu.setIncomingAndReceive();
                apdu.setOutgoing();
                value = apdu.receiveBytes(ISO7816.OFFSET_CDATA);
                break;
            case 0x0A: // receiveBytes at a negative offset: BUFFER_BOUNDS
                apdu.setIncomingAndReceive();
                value = apdu.receiveBytes((short) -1);
                break;
            case 0x0B: // setOutgoing twice: ILLEGAL_USE
                apdu.setOutgoing();
                apdu.setOutgoing();
                break;
            case 0x0C: // setOutgoingNoChaining after setOutgoing: ILLEGAL_USE
                apdu.setOutgoing();
                apdu.setOutgoingNoChaining();
                break;
            case 0x0D: // setOutgoingLength before setOutgoing: ILLEGAL_USE
                apdu.setOutgoingLength((short) 1);
                break;
            case 0x0E: // setOutgoingLength twice: ILLEGAL_USE
                apdu.setOutgoing();
                apdu.setOutgoingLength((short) 2);
                apdu.setOutgoingLength((short) 2);
                break;
            case 0x0F: // setOutgoingLength(257) without ExtendedLength: BAD_LENGTH
                apdu.setOutgoing();
                apdu.setOutgoingLength((short) 257);
                break;
            case 0x10: // setOutgoingLength(-1): BAD_LENGTH
                apdu.setOutgoing();
                apdu.setOutgoingLength((short) -1);
                break;
            case 0x11: // no chaining, 253 bytes: BAD_LENGTH in T=1 (over IFSD - 2), allowed in T=0 (up to 256)
                apdu.setOutgoingNoChaining();
                apdu.setOutgoingLength((short) 253);
                value = APDU.getOutBlockSize();
                break;
            case 0x12: // sendBytes before setOutgoingLength: ILLEGAL_USE
                apdu.setOutgoing();
                apdu.sendBytes((short) 0, (short) 1);
                break;
            case 0x13: // sendBytes beyond the promised length: ILLEGAL_USE
                apdu.setOutgoing();
                apdu.setOutgoingLength((short) 2);
                apdu.sendBytes((short) 0, (short) 3);
                break;
            case 0x14: // sendBytes past the end of the APDU buffer: BUFFER_BOUNDS
                apdu.setOutgoing();
                apdu.setOutgoingLength((short) 2);
                apdu.sendBytes((short) (buf.length - 1), (short) 2);
                break;
            case 0x15: // sendBytesLong past the end of its array: the array access fails (no BUFFER_BOUNDS listed)
                apdu.setOutgoing();
                apdu.setOutgoingLength((short) 2);
                apdu.sendBytesLong(LONG_DATA, (short) 3, (short) 2);
                break;
            case 0x16: // sendBytes after setOutgoingAndSend: ILLEGAL_USE
                apdu.setOutgoingAndSend((short) 0, (short) 1);
                apdu.sendBytes((short) 0, (short) 0);
                break;
            case 0x17: // setOutgoingAndSend after setOutgoing: ILLEGAL_USE
                apdu.setOutgoing();
                apdu.setOutgoingAndSend((short) 0, (short) 1);
                break;
            case 0x18: // setOutgoing's Ne: Le in T=1; 256 for a case 4 command in T=0
                apdu.setIncomingAndReceive();
                value = apdu.setOutgoing();
                break;
            case 0x19: // two of four promised bytes sent, then return: the runtime completes the response
                apdu.setOutgoing();
                apdu.setOutgoingLength((short) 4);
                buf[0] = (byte) 0xAA;
                buf[1] = (byte) 0xBB;
                apdu.sendBytes((short) 0, (short) 2);
                break;
            case 0x1A: // getProtocol
                value = APDU.getProtocol();
                break;
            case 0x1B: // getCurrentState through a whole exchange: answered as five state bytes
                stateWalk(apdu);
                break;
            default:
                ISOException.throwIt(ISO7816.SW_INCORRECT_P1P2);
        }
        out.returned(apdu, value);
    }

    /** States after: nothing, setIncomingAndReceive, setOutgoing, setOutgoingLength, sendBytes of all of it. */
    private static void stateWalk(APDU apdu) {
        byte[] buf = apdu.getBuffer();
        byte s0 = apdu.getCurrentState();
        apdu.setIncomingAndReceive();
        byte s1 = apdu.getCurrentState();
        apdu.setOutgoing();
        byte s2 = apdu.getCurrentState();
        apdu.setOutgoingLength((short) 5);
        byte s3 = apdu.getCurrentState();
        buf[0] = s0;
        buf[1] = s1;
        buf[2] = s2;
        buf[3] = s3;
        buf[4] = APDU.STATE_FULL_OUTGOING;
        apdu.sendBytes((short) 0, (short) 5);
        if (apdu.getCurrentState() != APDU.STATE_FULL_OUTGOING) {
            ISOException.throwIt(ISO7816.SW_UNKNOWN); // the fifth byte claimed FULL_OUTGOING
        }
    }
}
