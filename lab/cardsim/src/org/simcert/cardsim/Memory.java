package org.simcert.cardsim;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.Supplier;
import javacard.framework.Applet;
import javacard.framework.JCSystem;
import javacard.framework.SystemException;
import javacard.framework.TransactionException;

/**
 * The card's memory model: which arrays are transient (and when they clear), and transactions with real
 * rollback. At beginTransaction the persistent state reachable from the installed applets (their fields, the
 * arrays and API objects they hold, static fields of their classes) is captured; abortTransaction, an applet
 * returning with a transaction open, and a power loss during one all restore it. Exempt, as the Java Card API
 * requires: transient arrays, PIN try counters, and arrays written with the NonAtomic Util methods.
 */
public final class Memory {
    private static final class TransientInfo {
        final byte event;
        /** The applet whose context made the array; null while its install() runs (see adoptFromInstall). */
        Applet owner;

        TransientInfo(byte event, Applet owner) {
            this.event = event;
            this.owner = owner;
        }
    }

    private static final class FieldValue {
        final Object target;
        final Field field;
        final Object value;

        FieldValue(Object target, Field field, Object value) {
            this.target = target;
            this.field = field;
            this.value = value;
        }
    }

    /**
     * A class's fields, made accessible once: beginTransaction visits every card object, and asking reflection for
     * the same classes' fields at each transaction was more than half of its cost (warm, for the reference card's 20
     * arrays and 45 fields: about 200 us before, 85 us after). Classes do not change while the card runs; a
     * ClassValue goes away with its class, so a deleted load file's classes are not kept alive by this.
     */
    private static final class ClassFields {
        /** Whether the class's objects are card state (isCardClass), and its declared fields split by kind. */
        final boolean card;
        final Field[] instance;
        final Field[] statics;

        ClassFields(Class<?> k) {
            card = isCardClass(k);
            List<Field> in = new ArrayList<>();
            List<Field> st = new ArrayList<>();
            if (card) {
                for (Field f : k.getDeclaredFields()) {
                    try {
                        f.setAccessible(true);
                    } catch (RuntimeException ex) {
                        throw new IllegalStateException("cannot capture " + f, ex);
                    }
                    (Modifier.isStatic(f.getModifiers()) ? st : in).add(f);
                }
            }
            instance = in.toArray(new Field[0]);
            statics = st.toArray(new Field[0]);
        }
    }

    private static final ClassValue<ClassFields> FIELDS = new ClassValue<ClassFields>() {
        @Override
        protected ClassFields computeValue(Class<?> k) {
            return new ClassFields(k);
        }
    };

    private final Map<Object, TransientInfo> transients = Collections.synchronizedMap(new WeakHashMap<>());
    private final Set<Object> noTransaction = Collections.newSetFromMap(Collections.synchronizedMap(new WeakHashMap<>()));
    private final Supplier<List<Applet>> roots;
    private final Supplier<Applet> context;

    private boolean inTransaction;
    private Map<Object, Object> arrayCopies;
    private List<FieldValue> fieldValues;
    private Set<Object> nonAtomicWritten;

    /** Fault injection: the persistent write (counted from 1) at which the power is cut; 0 for never. */
    private int tearAtWrite;
    private int writes;

    Memory(Supplier<List<Applet>> roots, Supplier<Applet> context) {
        this.roots = roots;
        this.context = context;
    }

    void tearAtWrite(int n) {
        tearAtWrite = n;
        writes = 0;
    }

    public int persistentWrites() {
        return writes;
    }

    /**
     * Called by the API methods that write persistent memory (Util copies into persistent arrays, key components,
     * PIN updates, commitTransaction) before they write: counts them, and cuts the power at the chosen one.
     * Plain array stores in applet code are not seen; a tear can only fall on these API calls.
     */
    public void persistentWrite(Object target) {
        if (target != null && transients.get(target) != null) {
            return;
        }
        writes++;
        if (tearAtWrite > 0 && writes == tearAtWrite) {
            tearAtWrite = 0;
            throw new TearError(writes);
        }
    }

    public <T> T registerTransient(T array, byte event) {
        if (event != JCSystem.CLEAR_ON_RESET && event != JCSystem.CLEAR_ON_DESELECT) {
            SystemException.throwIt(SystemException.ILLEGAL_VALUE);
        }
        transients.put(array, new TransientInfo(event, context.get()));
        return array;
    }

    /** Gives the arrays made during install() (no applet context yet) to the applet that install registered. */
    void adoptFromInstall(Applet applet) {
        synchronized (transients) {
            for (TransientInfo t : transients.values()) {
                if (t.owner == null) {
                    t.owner = applet;
                }
            }
        }
    }

    public byte transientKind(Object o) {
        TransientInfo t = o == null ? null : transients.get(o);
        return t == null ? JCSystem.NOT_A_TRANSIENT_OBJECT : t.event;
    }

    /**
     * Marks an array that beginTransaction does not capture, e.g. a PIN try counter: PIN presentation must
     * never be undone. Writes to it that should take part in a transaction go through {@link #journal} first.
     */
    public void excludeFromTransactions(Object array) {
        noTransaction.add(array);
    }

    /**
     * Records the current contents of an array excluded from transactions before an administrative write to it
     * (OwnerPIN.update, resetAndUnblock), so that an abort or power loss undoes that write.
     */
    public void journal(byte[] array) {
        if (inTransaction && !arrayCopies.containsKey(array)) {
            arrayCopies.put(array, array.clone());
        }
    }

    /**
     * A write that takes no part in the transaction (PIN presentation): made to the array and to its journaled
     * copy, if any, so that a rollback keeps it.
     */
    public void writeOutsideTransaction(byte[] array, int index, byte value) {
        array[index] = value;
        if (inTransaction) {
            byte[] copy = (byte[]) arrayCopies.get(array);
            if (copy != null) {
                copy[index] = value;
            }
        }
    }

    public void nonAtomicWrite(Object array) {
        if (inTransaction && transients.get(array) == null) {
            nonAtomicWritten.add(array);
        }
    }

    /**
     * Power-on or reset: every transient array goes back to its default value. JCSystem.CLEAR_ON_RESET: "cleared
     * to the default value on card reset (or power on) event"; CLEAR_ON_DESELECT: "on applet deselection event or
     * in CLEAR_ON_RESET cases". A card moved to another reader loses power, so it passes here too.
     */
    void clearOnReset() {
        synchronized (transients) {
            for (Object a : transients.keySet()) {
                clear(a);
            }
        }
    }

    /**
     * The applet's CLEAR_ON_DESELECT arrays ("cleared to the default value on applet deselection event"), when it
     * is no longer selected on any channel.
     */
    void clearOnDeselect(Applet owner) {
        synchronized (transients) {
            for (Map.Entry<Object, TransientInfo> e : transients.entrySet()) {
                if (e.getValue().event == JCSystem.CLEAR_ON_DESELECT && e.getValue().owner == owner) {
                    clear(e.getKey());
                }
            }
        }
    }

    private static void clear(Object a) {
        if (a instanceof byte[]) {
            java.util.Arrays.fill((byte[]) a, (byte) 0);
        } else if (a instanceof short[]) {
            java.util.Arrays.fill((short[]) a, (short) 0);
        } else if (a instanceof boolean[]) {
            java.util.Arrays.fill((boolean[]) a, false);
        } else if (a instanceof Object[]) {
            java.util.Arrays.fill((Object[]) a, null);
        }
    }

    public byte transactionDepth() {
        return (byte) (inTransaction ? 1 : 0);
    }

    /** JCSystem.beginTransaction: "TransactionException.IN_PROGRESS if a transaction is already in progress". */
    public void beginTransaction() {
        if (inTransaction) {
            TransactionException.throwIt(TransactionException.IN_PROGRESS);
        }
        arrayCopies = new IdentityHashMap<>();
        fieldValues = new ArrayList<>();
        nonAtomicWritten = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<Class<?>> classes = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<Object> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Applet a : roots.get()) {
            capture(a, visited, classes);
        }
        // Static fields are persistent too, and so is what they reference; capturing that may reach more classes.
        Set<Class<?>> done = Collections.newSetFromMap(new IdentityHashMap<>());
        while (done.size() < classes.size()) {
            for (Class<?> c : new ArrayList<>(classes)) {
                if (done.add(c)) {
                    captureStatics(c, visited, classes);
                }
            }
        }
        inTransaction = true;
    }

    /** JCSystem.commitTransaction: "TransactionException.NOT_IN_PROGRESS if a transaction is not in progress". */
    public void commitTransaction() {
        if (!inTransaction) {
            TransactionException.throwIt(TransactionException.NOT_IN_PROGRESS);
        }
        persistentWrite(null); // a tear here leaves the transaction uncommitted: it is rolled back
        end();
    }

    /**
     * JCSystem.abortTransaction: "Aborts the atomic transaction. The contents of the commit buffer is discarded",
     * at once, so the applet reads the old values right after in the same process(); "NOT_IN_PROGRESS if a
     * transaction is not in progress".
     */
    public void abortTransaction() {
        if (!inTransaction) {
            TransactionException.throwIt(TransactionException.NOT_IN_PROGRESS);
        }
        rollBack();
    }

    /** Rolls back a transaction left open (applet returned, or power was lost); true if there was one. */
    boolean abortIfOpen() {
        if (!inTransaction) {
            return false;
        }
        rollBack();
        return true;
    }

    private void rollBack() {
        for (Map.Entry<Object, Object> e : arrayCopies.entrySet()) {
            Object array = e.getKey();
            if (!nonAtomicWritten.contains(array)) {
                System.arraycopy(e.getValue(), 0, array, 0, Array.getLength(array));
            }
        }
        for (FieldValue f : fieldValues) {
            try {
                f.field.set(f.target, f.value);
            } catch (IllegalAccessException ex) {
                throw new IllegalStateException("cannot restore " + f.field, ex);
            }
        }
        end();
    }

    private void end() {
        inTransaction = false;
        arrayCopies = null;
        fieldValues = null;
        nonAtomicWritten = null;
    }

    /** Classes whose objects are card state: applets and the Java Card API objects, not the JDK's. */
    private static boolean isCardClass(Class<?> c) {
        String n = c.getName();
        return !(n.startsWith("java.") || n.startsWith("javax.") || n.startsWith("jdk.") || n.startsWith("sun.")
                || n.startsWith("org.simcert.cardsim."));
    }

    private void capture(Object o, Set<Object> visited, Set<Class<?>> classes) {
        if (o == null || visited.contains(o)) {
            return;
        }
        visited.add(o);
        Class<?> c = o.getClass();
        if (c.isArray()) {
            int n = Array.getLength(o);
            if (transients.get(o) == null && !noTransaction.contains(o)) {
                Object copy = Array.newInstance(c.getComponentType(), n);
                System.arraycopy(o, 0, copy, 0, n);
                arrayCopies.put(o, copy);
            }
            if (!c.getComponentType().isPrimitive()) {
                for (int i = 0; i < n; i++) {
                    capture(Array.get(o, i), visited, classes);
                }
            }
            return;
        }
        for (Class<?> k = c; k != null && FIELDS.get(k).card; k = k.getSuperclass()) {
            classes.add(k);
            for (Field f : FIELDS.get(k).instance) {
                Object v = read(f, o);
                if (!Modifier.isFinal(f.getModifiers())) {
                    fieldValues.add(new FieldValue(o, f, v));
                }
                if (!f.getType().isPrimitive()) {
                    capture(v, visited, classes);
                }
            }
        }
    }

    private void captureStatics(Class<?> k, Set<Object> visited, Set<Class<?>> classes) {
        for (Field f : FIELDS.get(k).statics) {
            int m = f.getModifiers();
            Object v = read(f, null);
            if (!Modifier.isFinal(m)) {
                fieldValues.add(new FieldValue(null, f, v));
            }
            if (!f.getType().isPrimitive()) {
                capture(v, visited, classes);
            }
        }
    }

    /**
     * Test hook (StateImage): writes the persistent state reachable from the installed applets, in a stable order,
     * for comparing the card before and after a read-only probe. Transient arrays contribute their kind and length
     * only (their contents are not persistent); nothing is changed.
     */
    void persistentImage(java.io.DataOutputStream out) throws java.io.IOException {
        Map<Object, Integer> seen = new IdentityHashMap<>();
        Set<Class<?>> classes = new java.util.LinkedHashSet<>();
        for (Applet a : roots.get()) {
            image(a, seen, classes, out);
        }
        Set<Class<?>> done = new java.util.HashSet<>();
        while (done.size() < classes.size()) {
            for (Class<?> c : new ArrayList<>(classes)) {
                if (done.add(c)) {
                    out.writeUTF("static " + c.getName());
                    for (Field f : FIELDS.get(c).statics) {
                        imageValue(f.getType(), read(f, null), seen, classes, out);
                    }
                }
            }
        }
    }

    private void image(Object o, Map<Object, Integer> seen, Set<Class<?>> classes, java.io.DataOutputStream out) throws java.io.IOException {
        if (o == null) {
            out.writeByte(0);
            return;
        }
        Integer ref = seen.get(o);
        if (ref != null) {
            out.writeByte(1);
            out.writeInt(ref);
            return;
        }
        seen.put(o, seen.size());
        Class<?> c = o.getClass();
        out.writeByte(2);
        out.writeUTF(c.getName());
        if (c.isArray()) {
            int n = Array.getLength(o);
            out.writeInt(n);
            TransientInfo t = transients.get(o);
            if (t != null) {
                out.writeByte(t.event);
                return;
            }
            for (int i = 0; i < n; i++) {
                imageValue(c.getComponentType(), Array.get(o, i), seen, classes, out);
            }
            return;
        }
        for (Class<?> k = c; k != null && FIELDS.get(k).card; k = k.getSuperclass()) {
            classes.add(k);
            for (Field f : FIELDS.get(k).instance) {
                imageValue(f.getType(), read(f, o), seen, classes, out);
            }
        }
    }

    private void imageValue(Class<?> type, Object v, Map<Object, Integer> seen, Set<Class<?>> classes, java.io.DataOutputStream out)
            throws java.io.IOException {
        if (type.isPrimitive()) {
            out.writeUTF(String.valueOf(v));
        } else if (v != null && !FIELDS.get(v.getClass()).card && !v.getClass().isArray()) {
            out.writeUTF(v.getClass().getName() + "=" + v); // a JDK value held by an API object (e.g. a BigInteger)
        } else {
            image(v, seen, classes, out);
        }
    }

    private static Object read(Field f, Object o) {
        try {
            return f.get(o);
        } catch (ReflectiveOperationException | RuntimeException ex) {
            throw new IllegalStateException("cannot capture " + f, ex);
        }
    }
}
