package javacard.framework;

/** ISO/IEC 7816-4 constants as named in the Java Card 3.0.5 classic API. */
public interface ISO7816 {
    byte OFFSET_CLA = 0;
    byte OFFSET_INS = 1;
    byte OFFSET_P1 = 2;
    byte OFFSET_P2 = 3;
    byte OFFSET_LC = 4;
    byte OFFSET_CDATA = 5;
    byte OFFSET_EXT_CDATA = 7;

    byte CLA_ISO7816 = 0x00;
    byte INS_SELECT = (byte) 0xA4;
    byte INS_EXTERNAL_AUTHENTICATE = (byte) 0x82;

    short SW_NO_ERROR = (short) 0x9000;
    short SW_BYTES_REMAINING_00 = 0x6100;
    short SW_WARNING_STATE_UNCHANGED = 0x6200;
    short SW_WRONG_LENGTH = 0x6700;
    short SW_LOGICAL_CHANNEL_NOT_SUPPORTED = 0x6881;
    short SW_SECURE_MESSAGING_NOT_SUPPORTED = 0x6882;
    short SW_LAST_COMMAND_EXPECTED = 0x6883;
    short SW_COMMAND_CHAINING_NOT_SUPPORTED = 0x6884;
    short SW_SECURITY_STATUS_NOT_SATISFIED = 0x6982;
    short SW_FILE_INVALID = 0x6983;
    short SW_DATA_INVALID = 0x6984;
    short SW_CONDITIONS_NOT_SATISFIED = 0x6985;
    short SW_COMMAND_NOT_ALLOWED = 0x6986;
    short SW_APPLET_SELECT_FAILED = 0x6999;
    short SW_WRONG_DATA = 0x6A80;
    short SW_FUNC_NOT_SUPPORTED = 0x6A81;
    short SW_FILE_NOT_FOUND = 0x6A82;
    short SW_RECORD_NOT_FOUND = 0x6A83;
    short SW_FILE_FULL = 0x6A84;
    short SW_INCORRECT_P1P2 = 0x6A86;
    short SW_WRONG_P1P2 = 0x6B00;
    short SW_CORRECT_LENGTH_00 = 0x6C00;
    short SW_INS_NOT_SUPPORTED = 0x6D00;
    short SW_CLA_NOT_SUPPORTED = 0x6E00;
    short SW_UNKNOWN = 0x6F00;
}
