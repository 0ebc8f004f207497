/*
 * The dispatcher's own records across a version change: an in-flight entry and a Finished event
 * carry the submission (job and submission ids may hold ':'), and those written before they did
 * still read, as submission "".
 */
package dev.longhaul.pipeline.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.wire.InMemorySchemaRegistry;
import org.junit.jupiter.api.Test;

class DispatchRecordsTest {
    @Test
    void inFlightEntriesRoundTripAndOldOnesReadWithNoSubmission() {
        for (InFlight f : new InFlight[] {new InFlight(3, 1234, "tenant-a", 99, "sub:1"), new InFlight(0, 1, "", 2, ""),
                new InFlight(7, 5, "acme\u0000x", 9, "s\u0000b")}) { // a tenant may hold any character, NUL too
            assertEquals(f, InFlight.SERDE.deserializer().deserialize("t", InFlight.SERDE.serializer().serialize("t", f)));
        }
        byte[] tenant = "tenant-a".getBytes(StandardCharsets.UTF_8);
        byte[] old = ByteBuffer.allocate(4 + 16 + tenant.length).putInt(3).putLong(1234).putLong(99).put(tenant).array();
        assertEquals(new InFlight(3, 1234, "tenant-a", 99, ""), InFlight.SERDE.deserializer().deserialize("t", old));
    }

    @Test
    void finishedEventsRoundTripWithColonsInTheIdsAndOldOnesRead() {
        var serde = DispatchEvent.serde(new Topics("x.", new InMemorySchemaRegistry()));
        for (DispatchEvent e : new DispatchEvent[] {
                new DispatchEvent.Finished("job:1", JobState.SUCCEEDED, "sub:a:b"),
                new DispatchEvent.Finished("job:2", JobState.FAILED, ""),
                new DispatchEvent.Finished("plain", JobState.CANCELLED, "0f3c")}) {
            assertEquals(e, serde.deserializer().deserialize("t", serde.serializer().serialize("t", e)));
        }
        byte[] old = "EXPIRED:job:3".getBytes(StandardCharsets.UTF_8);
        byte[] tagged = new byte[old.length + 1];
        tagged[0] = 3;
        System.arraycopy(old, 0, tagged, 1, old.length);
        assertEquals(new DispatchEvent.Finished("job:3", JobState.EXPIRED, ""), serde.deserializer().deserialize("t", tagged));
    }
}
