/*
 * An order the dispatcher released and has not yet seen finish: which lane it loads, by how many
 * tokens, for which tenant (quota), when it was released (a heartbeat older than that cannot count
 * it yet), of which submission (a life of the job id; "" when unknown), and the order itself as
 * held (HeldOrder's serde bytes, kept undecoded: every event scans the in-flight orders, and only a
 * pause, a priority change or a worker's hand-back reads one), so that an order a worker hands
 * back (a job paused while it ran) can be held again; empty for entries written before it was
 * kept. Flags say what came for it while in flight that a hand-back must honour: a CANCEL, and a
 * RESUME not followed by a PAUSE. Removed when a final status of that life arrives, or a hand-back.
 *
 * Stored as Integer.MIN_VALUE, the lane, the flags, cost, releasedAt, the tenant's length and bytes, the
 * submission's length and bytes, then the held order's bytes. Earlier formats are read too: one
 * starting with -(lane + 1) holds cost, releasedAt, the tenant's length and bytes and then the
 * submission's bytes; one starting with the lane itself (>= 0) holds cost, releasedAt and the
 * tenant alone. Instances older than a format cannot read it: upgrade a pipeline's instances
 * together across it (ops/deploy/README.md).
 */
package dev.longhaul.pipeline.dispatch;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

public record InFlight(int lane, long cost, String tenant, long releasedAt, String submissionId, int flags, byte[] held) {
    /** A CANCEL came for the job while its order was in flight. */
    static final int CANCELLED = 1;
    /** A RESUME came for the job while its order was in flight, and no PAUSE after it. */
    static final int RESUMED = 2;
    private static final byte[] NONE = new byte[0];
    /** First int of the current format; a lane is never negative, and -(lane + 1) never this low. */
    private static final int CURRENT = Integer.MIN_VALUE;

    public InFlight {
        held = held == null ? NONE : held;
    }

    public InFlight(int lane, long cost, String tenant, long releasedAt, String submissionId) {
        this(lane, cost, tenant, releasedAt, submissionId, 0, NONE);
    }

    public InFlight(int lane, long cost, String tenant, long releasedAt) {
        this(lane, cost, tenant, releasedAt, "");
    }

    /** Whether the released order was kept (entries written before it was are not). */
    boolean keepsOrder() {
        return held.length > 0;
    }

    InFlight withHeld(byte[] value) {
        return new InFlight(lane, cost, tenant, releasedAt, submissionId, flags, value);
    }

    boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** This entry with `flag` set (on) or cleared. */
    InFlight with(int flag, boolean on) {
        return new InFlight(lane, cost, tenant, releasedAt, submissionId, on ? flags | flag : flags & ~flag, held);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InFlight f && lane == f.lane && cost == f.cost && releasedAt == f.releasedAt && flags == f.flags
                && tenant.equals(f.tenant) && submissionId.equals(f.submissionId) && Arrays.equals(held, f.held);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(lane, cost, tenant, releasedAt, submissionId, flags) * 31 + Arrays.hashCode(held);
    }

    @Override
    public String toString() {
        return "InFlight[lane=" + lane + ", cost=" + cost + ", tenant=" + tenant + ", releasedAt=" + releasedAt
                + ", submissionId=" + submissionId + ", flags=" + flags + ", held=" + held.length + " bytes]";
    }

    static final Serde<InFlight> SERDE = Serdes.serdeFrom(
            (topic, f) -> {
                if (f == null) {
                    return null;
                }
                byte[] tenant = f.tenant().getBytes(StandardCharsets.UTF_8);
                byte[] submission = f.submissionId().getBytes(StandardCharsets.UTF_8);
                return ByteBuffer.allocate(5 * Integer.BYTES + 2 * Long.BYTES + tenant.length + submission.length + f.held.length)
                        .putInt(CURRENT).putInt(f.lane()).putInt(f.flags()).putLong(f.cost()).putLong(f.releasedAt())
                        .putInt(tenant.length).put(tenant).putInt(submission.length).put(submission).put(f.held).array();
            },
            (topic, bytes) -> {
                if (bytes == null) {
                    return null;
                }
                ByteBuffer in = ByteBuffer.wrap(bytes);
                int first = in.getInt();
                if (first == CURRENT) {
                    int lane = in.getInt();
                    int flags = in.getInt();
                    long cost = in.getLong();
                    long releasedAt = in.getLong();
                    String tenant = string(in, in.getInt());
                    String submission = string(in, in.getInt());
                    byte[] held = new byte[in.remaining()];
                    in.get(held);
                    return new InFlight(lane, cost, tenant, releasedAt, submission, flags, held);
                }
                long cost = in.getLong();
                long releasedAt = in.getLong();
                if (first >= 0) { // written before the submission was kept
                    return new InFlight(first, cost, StandardCharsets.UTF_8.decode(in).toString(), releasedAt);
                }
                String tenant = string(in, in.getInt());
                return new InFlight(-first - 1, cost, tenant, releasedAt, StandardCharsets.UTF_8.decode(in).toString());
            });

    private static String string(ByteBuffer in, int length) {
        byte[] b = new byte[length];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
