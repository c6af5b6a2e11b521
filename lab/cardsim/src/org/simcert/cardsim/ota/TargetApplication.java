package org.simcert.cardsim.ota;

/**
 * A Toolkit Application Reference the card answers to (ETSI TS 101 220 annex D; TS 102 226 8.2.1.3.2.1): its
 * three octets, the security domain whose Remote Application Management application it reaches, and the minimum
 * security level (MSL) a packet must meet, coded like SPI1.
 */
final class TargetApplication {
    final byte[] tar;
    final byte[] domain;
    final int minimumSecurityLevel;

    TargetApplication(byte[] tar, byte[] domain, int minimumSecurityLevel) {
        this.tar = tar.clone();
        this.domain = domain.clone();
        this.minimumSecurityLevel = minimumSecurityLevel;
    }

    /**
     * Whether SPI1 meets the MSL: a checksum at least as strong (none < RC < CC < DS), ciphering if the MSL has it,
     * and a counter mode at least as strict (none < available < higher < one higher).
     */
    boolean admits(int spi1) {
        int msl = minimumSecurityLevel;
        return (spi1 & 0x03) >= (msl & 0x03) && ((msl & 0x04) == 0 || (spi1 & 0x04) != 0)
                && ((spi1 >> 3) & 0x03) >= ((msl >> 3) & 0x03);
    }
}
