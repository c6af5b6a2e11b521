package org.simcert.applets.jpki;

/**
 * A transparent (binary) EF of the JPKI AP; its content is written once, at personalization (or, for EFs 0021 and
 * 0022, by on-card key generation). The EF counts as present only once its whole content has arrived, so a STORE DATA
 * stream cut in the middle of a certificate never leaves half a certificate readable.
 */
final class ElementaryFile {
    final short fid;
    private byte[] content;
    /** Bytes of content that are valid; 0 until complete() (the EF then does not exist: SELECT answers 6A82). */
    private short size;

    ElementaryFile(short fid) {
        this.fid = fid;
    }

    /**
     * Makes room for `newSize` bytes and hides the old content until complete(). A big enough array is reused:
     * a card has no garbage collector to take back a discarded one.
     */
    byte[] prepare(short newSize) {
        size = 0;
        if (content == null || (short) content.length < newSize) {
            content = new byte[newSize];
        }
        return content;
    }

    void complete(short newSize) {
        size = newSize;
    }

    boolean isPresent() {
        return size != 0;
    }

    short size() {
        return size;
    }

    byte[] content() {
        return content;
    }
}
