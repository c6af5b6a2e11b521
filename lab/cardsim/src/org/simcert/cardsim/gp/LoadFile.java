package org.simcert.cardsim.gp;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;

/**
 * An executable load file as this simulator takes it: the Load File Data Block of LOAD is a JAR of the applet
 * package's classes whose manifest names the package AID and each applet's AID and class
 * (Java-Card-Package-AID, Java-Card-Applet-N-AID, Java-Card-Applet-N-Class). Its classes are defined by a class
 * loader of its own, so an applet exists on the card only once it has been loaded.
 */
final class LoadFile {
    final byte[] aid;
    /** Module (applet) AID in hex -> class name. */
    final Map<String, String> modules = new LinkedHashMap<>();
    private final ClassLoader loader;

    private LoadFile(byte[] aid, Map<String, byte[]> classes, ClassLoader parent) {
        this.aid = aid.clone();
        this.loader = new ClassLoader(parent) {
            @Override
            protected Class<?> findClass(String name) throws ClassNotFoundException {
                byte[] b = classes.get(name);
                if (b == null) {
                    throw new ClassNotFoundException(name);
                }
                return defineClass(name, b, 0, b.length);
            }
        };
    }

    /** Parses the JAR; null with a reason in `why` when it is not a load file for `expectedAid`. */
    static LoadFile parse(byte[] jar, byte[] expectedAid, StringBuilder why) {
        try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
            Manifest m = in.getManifest();
            if (m == null) {
                why.append("no manifest");
                return null;
            }
            Attributes a = m.getMainAttributes();
            String pkg = a.getValue("Java-Card-Package-AID");
            if (pkg == null || !pkg.equalsIgnoreCase(hex(expectedAid))) {
                why.append("package AID ").append(pkg).append(" is not the load file AID ").append(hex(expectedAid));
                return null;
            }
            Map<String, byte[]> classes = new HashMap<>();
            JarEntry e;
            while ((e = in.getNextJarEntry()) != null) {
                if (e.getName().endsWith(".class")) {
                    ByteArrayOutputStream b = new ByteArrayOutputStream();
                    in.transferTo(b);
                    classes.put(e.getName().substring(0, e.getName().length() - 6).replace('/', '.'), b.toByteArray());
                }
            }
            LoadFile lf = new LoadFile(expectedAid, classes, LoadFile.class.getClassLoader());
            for (int n = 1; a.getValue("Java-Card-Applet-" + n + "-AID") != null; n++) {
                String cls = a.getValue("Java-Card-Applet-" + n + "-Class");
                if (cls == null || !classes.containsKey(cls)) {
                    why.append("applet ").append(n).append(" names class ").append(cls).append(", which the JAR does not hold");
                    return null;
                }
                lf.modules.put(a.getValue("Java-Card-Applet-" + n + "-AID").toUpperCase(), cls);
            }
            return lf;
        } catch (IOException | RuntimeException ex) {
            why.append("not a JAR: ").append(ex.getMessage());
            return null;
        }
    }

    Class<?> moduleClass(byte[] moduleAid) throws ClassNotFoundException {
        String cls = modules.get(hex(moduleAid));
        if (cls == null) {
            throw new ClassNotFoundException("no module " + hex(moduleAid));
        }
        return Class.forName(cls, true, loader);
    }

    static String hex(byte[] b) {
        return org.simcert.cardsim.Hex.encode(b);
    }
}
