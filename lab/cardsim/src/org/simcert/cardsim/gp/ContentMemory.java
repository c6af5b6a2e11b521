package org.simcert.cardsim.gp;

import java.util.HashMap;
import java.util.Map;

/**
 * The card's non-volatile memory for content, shared by every security domain: a load file takes its size, an
 * instance its non-volatile quota (GPCS 2.3.1 table 11-49, tag C8 in the install parameters) or a default when none
 * is given. A request that does not fit is refused, as a card answers 6A84 (not enough memory space). Capacity 0
 * means unlimited, which is the default: only profiles of small cards set it.
 */
public final class ContentMemory {
    /** What an instance takes when the INSTALL gives no C8 quota (the reference JPKI applet needs about this much). */
    public static final int DEFAULT_INSTANCE_QUOTA = 8192;

    private final long capacity;
    private final Map<String, Integer> used = new HashMap<>();

    public ContentMemory(long capacity) {
        this.capacity = capacity;
    }

    /** Reserves bytes for an owner (a load file or instance AID); false when they do not fit. */
    public boolean reserve(String owner, int bytes) {
        if (capacity > 0 && bytes > free()) {
            return false;
        }
        used.merge(owner, bytes, Integer::sum);
        return true;
    }

    public void release(String owner) {
        used.remove(owner);
    }

    /** Bytes still free; Long.MAX_VALUE when unlimited. */
    public long free() {
        if (capacity == 0) {
            return Long.MAX_VALUE;
        }
        long sum = 0;
        for (int v : used.values()) {
            sum += v;
        }
        return capacity - sum;
    }

    /** Test hook (StateImage): the capacity and what each owner holds, in AID order. */
    public void writeState(java.io.DataOutputStream out) throws java.io.IOException {
        out.writeLong(capacity);
        for (Map.Entry<String, Integer> e : new java.util.TreeMap<>(used).entrySet()) {
            out.writeUTF(e.getKey());
            out.writeInt(e.getValue());
        }
    }
}
