package org.simcert.cardsim.ota;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.simcert.cardsim.Hex;

/**
 * The card's OTA side from the simulator configuration (written by harness/sim/launch.ts from the profile's
 * sim.ota section):
 * <pre>
 * simcert.cardsim.ota.keyset.N.domain = isd | security domain AID (hex)
 * simcert.cardsim.ota.keyset.N.kvn = 1..15
 * simcert.cardsim.ota.keyset.N.kic = algorithm:key (3des-2key, 3des-3key, des-cbc, aes-cbc)
 * simcert.cardsim.ota.keyset.N.kid = algorithm:key (3des-2key, 3des-3key, des-cbc, aes-cmac)
 * simcert.cardsim.ota.keyset.N.counter = initial counter (decimal), default 0
 * simcert.cardsim.ota.tar.N.tar = 3 octets hex
 * simcert.cardsim.ota.tar.N.domain = isd | security domain AID (hex)
 * simcert.cardsim.ota.tar.N.msl = minimum security level, one octet hex coded like SPI1
 * </pre>
 */
public final class OtaSettings {
    private static final Pattern KEY = Pattern.compile("simcert\\.cardsim\\.ota\\.(keyset|tar)\\.(\\d+)\\.(\\w+)");

    final List<OtaKeySet> keySets = new ArrayList<>();
    final List<TargetApplication> targets = new ArrayList<>();

    /** Null when the configuration has no OTA section: the card then answers ENVELOPE as before (not supported). */
    public static OtaSettings from(Properties p, byte[] isdAid) {
        TreeMap<Integer, Properties> keySets = new TreeMap<>();
        TreeMap<Integer, Properties> tars = new TreeMap<>();
        for (String name : p.stringPropertyNames()) {
            Matcher m = KEY.matcher(name);
            if (m.matches()) {
                TreeMap<Integer, Properties> into = m.group(1).equals("keyset") ? keySets : tars;
                into.computeIfAbsent(Integer.valueOf(m.group(2)), k -> new Properties()).setProperty(m.group(3), p.getProperty(name).trim());
            }
        }
        if (keySets.isEmpty() && tars.isEmpty()) {
            return null;
        }
        OtaSettings s = new OtaSettings();
        for (java.util.Map.Entry<Integer, Properties> e : keySets.entrySet()) {
            String at = "simcert.cardsim.ota.keyset." + e.getKey() + ".";
            Properties k = e.getValue();
            int kvn = Integer.parseInt(required(k, "kvn", at));
            if (kvn < 1 || kvn > 15) {
                throw new IllegalArgumentException(at + "kvn must be 1 to 15 (TS 102 226 8.2.1.3)");
            }
            String[] kic = algorithmAndKey(required(k, "kic", at), at + "kic", true);
            String[] kid = algorithmAndKey(required(k, "kid", at), at + "kid", false);
            s.keySets.add(new OtaKeySet(domain(required(k, "domain", at), isdAid, at), kvn, kic[0], Hex.decode(kic[1], at + "kic"), kid[0],
                    Hex.decode(kid[1], at + "kid"), Long.parseLong(k.getProperty("counter", "0"))));
        }
        for (java.util.Map.Entry<Integer, Properties> e : tars.entrySet()) {
            String at = "simcert.cardsim.ota.tar." + e.getKey() + ".";
            Properties t = e.getValue();
            byte[] tar = Hex.decode(required(t, "tar", at), at + "tar");
            if (tar.length != 3) {
                throw new IllegalArgumentException(at + "tar must be 3 octets");
            }
            s.targets.add(new TargetApplication(tar, domain(required(t, "domain", at), isdAid, at), Integer.parseInt(t.getProperty("msl", "00"), 16)));
        }
        return s;
    }

    private static String required(Properties p, String key, String at) {
        String v = p.getProperty(key);
        if (v == null) {
            throw new IllegalArgumentException(at + key + " is missing");
        }
        return v;
    }

    private static byte[] domain(String v, byte[] isdAid, String at) {
        return v.equalsIgnoreCase("isd") ? isdAid.clone() : Hex.decode(v, at + "domain");
    }

    private static String[] algorithmAndKey(String v, String at, boolean cipher) {
        int colon = v.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException(at + " must be algorithm:key");
        }
        String alg = v.substring(0, colon);
        String key = v.substring(colon + 1);
        List<String> allowed = cipher ? List.of(OtaAlgorithms.DES, OtaAlgorithms.TDES2, OtaAlgorithms.TDES3, OtaAlgorithms.AES_CBC)
                : List.of(OtaAlgorithms.DES, OtaAlgorithms.TDES2, OtaAlgorithms.TDES3, OtaAlgorithms.AES_CMAC);
        if (!allowed.contains(alg)) {
            throw new IllegalArgumentException(at + ": algorithm " + alg + " is not one of " + allowed);
        }
        int len = key.length() / 2;
        boolean ok = alg.startsWith("aes") ? (len == 16 || len == 24 || len == 32)
                : len == (alg.equals(OtaAlgorithms.DES) ? 8 : alg.equals(OtaAlgorithms.TDES2) ? 16 : 24);
        if (!ok) {
            throw new IllegalArgumentException(at + ": a " + len + "-octet key does not fit " + alg);
        }
        return new String[] {alg, key};
    }
}
