package org.simcert.cardsim.gp;

/** A security domain's static SCP03 keys (AES-128/192/256) and their key version number. */
final class KeySet {
    final int kvn;
    final byte[] enc;
    final byte[] mac;
    final byte[] dek;

    KeySet(int kvn, byte[] enc, byte[] mac, byte[] dek) {
        for (byte[] k : new byte[][] {enc, mac, dek}) {
            if (k.length != 16 && k.length != 24 && k.length != 32) {
                throw new IllegalArgumentException("an SCP03 key has 16, 24 or 32 bytes, not " + k.length);
            }
        }
        this.kvn = kvn;
        this.enc = enc;
        this.mac = mac;
        this.dek = dek;
    }
}
