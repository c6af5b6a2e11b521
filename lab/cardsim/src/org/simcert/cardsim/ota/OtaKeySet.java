package org.simcert.cardsim.ota;

/**
 * One SCP80 key set of a security domain (ETSI TS 102 225 5.1.2/5.1.3; TS 102 226 8.2.1.3: key set versions 1 to
 * 15): the ciphering key KIc and the checksum key KID, each with its algorithm, and the replay counter that belongs
 * to the key set (3GPP TS 23.048 annex B, "key set version - counter association within a Security Domain").
 */
final class OtaKeySet {
    /** Counter value that means "blocked": no further packet is processed (TS 102 225 5.2.2, status 04). */
    static final long COUNTER_BLOCKED = 0xFFFFFFFFFFL;

    final byte[] domain;
    final int kvn;
    final String kicAlgorithm;
    final byte[] kic;
    final String kidAlgorithm;
    final byte[] kid;
    long counter;

    OtaKeySet(byte[] domain, int kvn, String kicAlgorithm, byte[] kic, String kidAlgorithm, byte[] kid, long counter) {
        this.domain = domain.clone();
        this.kvn = kvn;
        this.kicAlgorithm = kicAlgorithm;
        this.kic = kic.clone();
        this.kidAlgorithm = kidAlgorithm;
        this.kid = kid.clone();
        this.counter = counter;
    }

    /** The KIc octet naming this key set's ciphering key. */
    int kicOctet() {
        return (kvn << 4) | OtaAlgorithms.code(kicAlgorithm);
    }

    /** The KID octet naming this key set's checksum key. */
    int kidOctet() {
        return (kvn << 4) | OtaAlgorithms.code(kidAlgorithm);
    }
}
