package org.simcert.cardsim;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * One card and the readers it goes into: the card is made from its configuration, put into the vpcd reader the
 * configuration names, and served there until the reader closes; a `move` puts it into another reader with its
 * persistent state, a tear leaves it waiting for one. VSmartCard runs one slot per process, CardHost several.
 */
final class CardSlot {
    private final CardConfig config;
    private final CardRuntime card;
    private final VSmartCard.Mover mover;

    /** Checks that the configuration names a reader and applet classes its loader has, then makes the card. */
    CardSlot(CardConfig config) throws ClassNotFoundException {
        for (String cls : config.applets.values()) {
            Class.forName(cls, false, config.appletLoader);
        }
        String host = config.properties.getProperty(CardConfig.HOST);
        String port = config.properties.getProperty(CardConfig.PORT);
        if (host == null || port == null) {
            throw new IllegalArgumentException("the configuration needs " + CardConfig.HOST + " and " + CardConfig.PORT);
        }
        this.config = config;
        this.card = new CardRuntime(config);
        this.mover = new VSmartCard.Mover(new InetSocketAddress(host, Integer.parseInt(port.trim())), card);
    }

    VSmartCard.Mover mover() {
        return mover;
    }

    /** Serves the card until it is gone: its reader closed with no `move` pending, pulled out, or ended. */
    void serve() throws IOException {
        if (!config.timingModel.isOff()) {
            CardLog.line("timing model in force: " + config.timingModel);
        }
        boolean torn = false;
        while (true) {
            // After a tear the card waits to be put into a reader again; otherwise it is gone when its reader is.
            VSmartCard.Insertion target = torn ? mover.awaitTarget() : mover.takeTarget();
            if (target == null) {
                return;
            }
            VSmartCard.Ending end = VSmartCard.run(card, target, config, mover);
            if (end == VSmartCard.Ending.PULLED_OUT) {
                return; // pulled out by fault injection: the card does not come back
            }
            torn = end == VSmartCard.Ending.TORN;
            card.powerUp(); // out of the reader: power is gone
        }
    }
}
