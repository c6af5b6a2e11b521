package org.simcert.cardsim.ota;

/**
 * Response status codes of the Proof of Receipt (ETSI TS 102 225 table 5.5; 0B from 3GPP TS 31.115). Names as
 * pycrate TS102225.py and gsm0348 give them.
 */
public final class PorStatus {
    public static final byte POR_OK = 0x00;
    public static final byte RC_CC_DS_FAILED = 0x01;
    public static final byte CNTR_LOW = 0x02;
    public static final byte CNTR_HIGH = 0x03;
    public static final byte CNTR_BLOCKED = 0x04;
    public static final byte CIPHERING_ERROR = 0x05;
    public static final byte UNIDENTIFIED_SECURITY_ERROR = 0x06;
    public static final byte INSUFFICIENT_MEMORY = 0x07;
    public static final byte TAR_UNKNOWN = 0x09;
    public static final byte INSUFFICIENT_SECURITY_LEVEL = 0x0A;
    public static final byte DATA_SENT_BY_SMS_SUBMIT = 0x0B;

    private PorStatus() {
    }
}
