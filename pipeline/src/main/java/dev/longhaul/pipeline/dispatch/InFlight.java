/*
 * An order the dispatcher released and has not yet seen finish: which lane it loads, by how many
 * tokens, for which tenant (quota), and when it was released (a heartbeat older than that cannot
 * count it yet), and of which submission (a life of the job id; "" when unknown). Removed when a
 * final status of that life arrives. Stored as lane, cost, releasedAt, then the tenant, then NUL
 * and the submission (records written before the submission was kept have neither: "").
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
                return ByteBuffer.allocate(Integer.BYTES + 2 * Long.BYTES + tenant.length + 1 + submission.length)
                        .putInt(f.lane()).putLong(f.cost()).putLong(f.releasedAt()).put(tenant).put((byte) 0).put(submission).array();
            },
            (topic, bytes) -> {
                if (bytes == null) {
                    return null;
                }
                ByteBuffer in = ByteBuffer.wrap(bytes);
                int lane = in.getInt();
                long cost = in.getLong();
                long releasedAt = in.getLong();
                String rest = StandardCharsets.UTF_8.decode(in).toString();
                int nul = rest.indexOf('\0'); // a tenant holds no NUL (a request's tenant is printable text)
                return nul < 0 ? new InFlight(lane, cost, rest, releasedAt)
                        : new InFlight(lane, cost, rest.substring(0, nul), releasedAt, rest.substring(nul + 1));
            });
}
