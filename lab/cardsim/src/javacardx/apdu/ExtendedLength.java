package javacardx.apdu;

/** Marks an applet that accepts extended-length APDUs (ISO/IEC 7816-4), as in the Java Card 3.0.5 API. */
public interface ExtendedLength {
}
