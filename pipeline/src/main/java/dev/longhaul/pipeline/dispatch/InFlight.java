/*
 * An order the dispatcher released and has not yet seen finish: which lane it loads, by how many
 * tokens, for which tenant (quota), when it was released (a heartbeat older than that cannot count
 * it yet), and of which submission (a life of the job id; "" when unknown). Removed when a final
 * status of that life arrives. Stored as -(lane + 1), cost, releasedAt, the tenant's length and
 * bytes, then the submission's bytes (a tenant may hold any character); a record written before the
 * submission was kept starts with the lane itself (>= 0) and holds the tenant alone, read with
 * submission "". Instances older than this format cannot read it: upgrade a pipeline's instances
 * together across it.
 */
package dev.longhaul.pipeline.dispatch;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

public record InFlight(int lane, long cost, String tenant, long releasedAt, String submissionId) {

    public InFlight(int lane, long cost, String tenant, long releasedAt) {
        this(lane, cost, tenant, releasedAt, "");
    }

    static final Serde<InFlight> SERDE = Serdes.serdeFrom(
            (topic, f) -> {
                if (f == null) {
                    return null;
                }
                byte[] tenant = f.tenant().getBytes(StandardCharsets.UTF_8);
                byte[] submission = f.submissionId().getBytes(StandardCharsets.UTF_8);
                return ByteBuffer.allocate(2 * Integer.BYTES + 2 * Long.BYTES + tenant.length + submission.length)
                        .putInt(-(f.lane() + 1)).putLong(f.cost()).putLong(f.releasedAt())
                        .putInt(tenant.length).put(tenant).put(submission).array();
            },
            (topic, bytes) -> {
                if (bytes == null) {
                    return null;
                }
                ByteBuffer in = ByteBuffer.wrap(bytes);
                int lane = in.getInt();
                long cost = in.getLong();
                long releasedAt = in.getLong();
                if (lane >= 0) { // written before the submission was kept
                    return new InFlight(lane, cost, StandardCharsets.UTF_8.decode(in).toString(), releasedAt);
                }
                byte[] tenant = new byte[in.getInt()];
                in.get(tenant);
                return new InFlight(-lane - 1, cost, new String(tenant, StandardCharsets.UTF_8), releasedAt,
                        StandardCharsets.UTF_8.decode(in).toString());
            });
}
