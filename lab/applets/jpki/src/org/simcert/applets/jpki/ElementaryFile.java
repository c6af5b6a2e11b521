package org.simcert.applets.jpki;

/** A transparent (binary) EF of the JPKI AP; its content is written once, at personalization. */
final class ElementaryFile {
    final short fid;
    private byte[] content;

    ElementaryFile(short fid) {
        this.fid = fid;
    }

    /** Allocates the content; the personalization DGI then fills it. */
    byte[] allocate(short size) {
        content = new byte[size];
        return content;
    }

    boolean isPresent() {
        return content != null;
    }

    short size() {
        return content == null ? 0 : (short) content.length;
    }

    byte[] content() {
        return content;
    }
}
