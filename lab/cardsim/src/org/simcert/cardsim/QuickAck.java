package org.simcert.cardsim;

import java.io.IOException;
import java.net.Socket;
import jdk.net.ExtendedSocketOptions;

/**
 * Acknowledges what the reader sends at once instead of after the kernel's delayed-ACK timer. Debian 12's vpcd
 * driver writes a frame's 2-byte length and its payload in two send() calls with Nagle's algorithm on, so the
 * payload waits for the card's ACK of the length: with delayed ACK that is about 40 ms per APDU through pcscd
 * (../shared/reference/node-stack.md measured p50 44 ms). Linux clears TCP_QUICKACK after use, so it is set again
 * before every read. Where the option does not exist (other systems), nothing changes.
 */
final class QuickAck {
    private QuickAck() {
    }

    static void rearm(Socket s) {
        if (!s.supportedOptions().contains(ExtendedSocketOptions.TCP_QUICKACK)) {
            return;
        }
        try {
            s.setOption(ExtendedSocketOptions.TCP_QUICKACK, Boolean.TRUE);
        } catch (IOException | UnsupportedOperationException e) {
            // Only the latency is lost; the frame is read all the same.
        }
    }
}
