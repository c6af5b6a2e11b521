package org.simcert.cardsim;

/**
 * Power is cut in the middle of a command (fault injection, simcert.cardsim.tearAtWrite). An Error, not an
 * exception, so that no applet code can catch it: on a card nothing runs after the power is gone.
 */
public final class TearError extends Error {
    TearError(int write) {
        super("power cut at persistent write " + write);
    }
}
