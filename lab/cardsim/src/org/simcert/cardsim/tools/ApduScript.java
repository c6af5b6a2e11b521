package org.simcert.cardsim.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.simcert.cardsim.CardConfig;
import org.simcert.cardsim.CardRuntime;
import org.simcert.cardsim.Hex;

/**
 * Runs a script of command APDUs against an in-process card, for developing applets without a reader or socket.
 * Script lines: hex APDUs (spaces allowed), `reset` for a power cycle, `# comments`; an APDU line may end with
 * `=> SW` (4 hex digits), which makes the script stop with exit status 1 when the card answers otherwise.
 * Usage: java -cp ... org.simcert.cardsim.tools.ApduScript card.cfg script.txt
 */
public final class ApduScript {
    private ApduScript() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: java org.simcert.cardsim.tools.ApduScript <config.properties> <script>");
            System.exit(2);
        }
        CardRuntime card = new CardRuntime(CardConfig.load(args[0]));
        int lineNo = 0;
        for (String raw : Files.readAllLines(Paths.get(args[1]))) {
            lineNo++;
            String line = raw.replaceAll("#.*", "").trim();
            if (line.isEmpty()) {
                continue;
            }
            if (line.equalsIgnoreCase("reset")) {
                card.powerUp();
                System.out.println("-- reset");
                continue;
            }
            String expect = null;
            int arrow = line.indexOf("=>");
            if (arrow >= 0) {
                expect = line.substring(arrow + 2).trim().toUpperCase();
                line = line.substring(0, arrow).trim();
            }
            byte[] r = card.transmit(Hex.decode(line, "line " + lineNo));
            String sw = Hex.encode(r, r.length - 2, 2);
            System.out.println("> " + line.replaceAll("\\s+", "").toUpperCase());
            System.out.println("< " + Hex.encode(r, 0, r.length - 2) + " " + sw);
            if (expect != null && !expect.equals(sw)) {
                System.err.println("line " + lineNo + ": expected " + expect + ", card answered " + sw);
                System.exit(1);
            }
        }
    }
}
