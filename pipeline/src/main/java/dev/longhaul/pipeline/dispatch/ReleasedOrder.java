/*
 * The copy the dispatcher keeps of an order it released, for as long as the order is in flight
 * (LaneDispatcher.RELEASED_STORE, beside the in-flight entry), so that the order can be held again
 * when its worker hands it back (a job paused while it ran). The held order is kept as the held
 * store's bytes and decoded only when read: a command for an in-flight job, or a hand-back. Flags
 * say what came for the job while in flight that a hand-back must honour: a CANCEL, and a RESUME
 * not followed by a PAUSE. Stored as the flags (4 bytes), then the held order's bytes.
 */
package dev.longhaul.pipeline.dispatch;

import java.nio.ByteBuffer;
import java.util.Arrays;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

record ReleasedOrder(int flags, byte[] held) {
    /** A CANCEL came for the job while its order was in flight. */
    static final int CANCELLED = 1;
    /** A RESUME came for the job while its order was in flight, and no PAUSE after it. */
    static final int RESUMED = 2;

    ReleasedOrder {
        held = held.clone();
    }

    @Override
    public byte[] held() {
        return held.clone();
    }

    boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** This copy with `flag` set (on) or cleared. */
    ReleasedOrder with(int flag, boolean on) {
        return new ReleasedOrder(on ? flags | flag : flags & ~flag, held);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReleasedOrder r && flags == r.flags && Arrays.equals(held, r.held);
    }

    @Override
    public int hashCode() {
        return 31 * flags + Arrays.hashCode(held);
    }

    @Override
    public String toString() {
        return "ReleasedOrder[flags=" + flags + ", held=" + held.length + " bytes]";
    }

    static final Serde<ReleasedOrder> SERDE = Serdes.serdeFrom(
            (topic, r) -> r == null ? null : ByteBuffer.allocate(Integer.BYTES + r.held.length).putInt(r.flags).put(r.held).array(),
            (topic, bytes) -> bytes == null ? null
                    : new ReleasedOrder(ByteBuffer.wrap(bytes).getInt(), Arrays.copyOfRange(bytes, Integer.BYTES, bytes.length)));
}
