package org.simcert.cardsim.gp;

/** A security domain's static keys (3DES for SCP02, AES-128/192/256 for SCP03) and their key version number. */
final class KeySet {
    final int kvn;
    final byte[] enc;
    final byte[] mac;
    final byte[] dek;

    KeySet(int kvn, byte[] enc, byte[] mac, byte[] dek) {
        for (byte[] k : new byte[][] {enc, mac, dek}) {
            if (k.length != 16 && k.length != 24 && k.length != 32) {
                throw new IllegalArgumentException("a key has 16 bytes (SCP02 3DES or SCP03 AES-128), 24 or 32, not " + k.length);
            }
        }
        this.kvn = kvn;
        this.enc = enc;
        this.mac = mac;
        this.dek = dek;
    }
}
