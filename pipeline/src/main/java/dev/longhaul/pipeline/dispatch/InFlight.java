/*
 * An order the dispatcher released and has not yet seen finish: which lane it loads, by how many
 * tokens, for which tenant (quota), and when it was released (a heartbeat older than that cannot
 * count it yet). Removed when a final status of the job arrives.
 */
package dev.longhaul.pipeline.dispatch;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

public record InFlight(int lane, long cost, String tenant, long releasedAt) {

    static final Serde<InFlight> SERDE = Serdes.serdeFrom(
            (topic, f) -> {
                if (f == null) {
                    return null;
                }
                byte[] tenant = f.tenant().getBytes(StandardCharsets.UTF_8);
                return ByteBuffer.allocate(Integer.BYTES + 2 * Long.BYTES + tenant.length)
                        .putInt(f.lane()).putLong(f.cost()).putLong(f.releasedAt()).put(tenant).array();
            },
            (topic, bytes) -> {
                if (bytes == null) {
                    return null;
                }
                ByteBuffer in = ByteBuffer.wrap(bytes);
                int lane = in.getInt();
                long cost = in.getLong();
                long releasedAt = in.getLong();
                return new InFlight(lane, cost, StandardCharsets.UTF_8.decode(in).toString(), releasedAt);
            });
}
