package org.simcert.cardsim.gp;

/**
 * The "session" of commands a security domain receives over the air (ETSI TS 102 226 via SCP80): the secured
 * packet that carried them was already deciphered and its checksum and counter verified by the receiving entity
 * (org.simcert.cardsim.ota), so there is nothing left to unwrap or wrap here. Sensitive data (PUT KEY values,
 * encrypted STORE DATA) stays encrypted under the domain's DEK, as over SCP03.
 */
final class RemoteSession implements SecureSession {
    private final byte[] dek;

    RemoteSession(byte[] dek) {
        this.dek = dek.clone();
    }

    public boolean authenticated() {
        return true;
    }

    /** C-MAC and C-DECRYPTION: what a ciphered secured packet with a cryptographic checksum gives. */
    public int level() {
        return Scp03.C_MAC | 0x02;
    }

    public boolean authenticate(byte cla, byte p1, byte[] data) {
        return false;
    }

    public byte[] unwrap(byte cla, byte ins, byte p1, byte p2, byte[] data) {
        return data;
    }

    public byte[] wrapResponse(byte[] data, short sw) {
        return data;
    }

    public byte[] decryptSensitive(byte[] data) {
        if (data.length % 16 != 0) {
            return null;
        }
        return Aes.cbc(dek, new byte[16], data, false);
    }
}
