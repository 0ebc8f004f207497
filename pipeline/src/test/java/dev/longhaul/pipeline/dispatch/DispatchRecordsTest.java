/*
 * The dispatcher's own records across a version change: an in-flight entry and a Finished event
 * carry the submission (job and submission ids may hold ':'), and those written before they did
 * still read, as submission "". The scheduling commands (priority, pause, resume) round-trip too.
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
    void copiesOfReleasedOrdersRoundTripWithTheirFlags() {
        for (ReleasedOrder r : new ReleasedOrder[] {new ReleasedOrder(0, new byte[] {1, 2, 3}),
                new ReleasedOrder(ReleasedOrder.CANCELLED | ReleasedOrder.RESUMED, new byte[] {0, -1}), new ReleasedOrder(2, new byte[0])}) {
            ReleasedOrder read = ReleasedOrder.SERDE.deserializer().deserialize("t", ReleasedOrder.SERDE.serializer().serialize("t", r));
            assertEquals(r, read);
            assertEquals(r.has(ReleasedOrder.CANCELLED), read.has(ReleasedOrder.CANCELLED));
        }
        ReleasedOrder flagged = new ReleasedOrder(0, new byte[] {9}).with(ReleasedOrder.RESUMED, true);
        assertEquals(true, flagged.has(ReleasedOrder.RESUMED));
        assertEquals(false, flagged.with(ReleasedOrder.RESUMED, false).has(ReleasedOrder.RESUMED));
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

    @Test
    void schedulingEventsRoundTrip() {
        var serde = DispatchEvent.serde(new Topics("x.", new InMemorySchemaRegistry()));
        for (DispatchEvent e : new DispatchEvent[] {
                new DispatchEvent.PriorityChanged("job:1", -7), new DispatchEvent.PriorityChanged("j", Integer.MAX_VALUE),
                new DispatchEvent.PauseChanged("job:2", true), new DispatchEvent.PauseChanged("job:2", false),
                new DispatchEvent.CancelRequested("job:3"), new DispatchEvent.HandedBack("job:4", "sub:1:x", 1_764_557_700_123L),
                new DispatchEvent.HandedBack("job:5", "", 0), new DispatchEvent.HandedBack("job:6", "s", 7, true)}) {
            assertEquals(e, serde.deserializer().deserialize("t", serde.serializer().serialize("t", e)));
        }
    }

    @Test
    void heldOrdersKeepTheirPauseAndPriorityAndOldOnesReadAsNotPaused() {
        Topics topics = new Topics("x.", new InMemorySchemaRegistry());
        var serde = HeldOrder.serde(topics);
        HeldOrder plain = new HeldOrder(ReleaseOrderTest.order("job:1", 2), 0);
        for (HeldOrder h : new HeldOrder[] {plain, plain.withPaused(true), plain.withPaused(true).withPriority(-3),
                new HeldOrder(plain.order(), Long.MAX_VALUE, true)}) {
            HeldOrder back = serde.deserializer().deserialize("t", serde.serializer().serialize("t", h));
            assertEquals(h, back);
            assertEquals(h.paused(), back.waiting().paused());
        }
        assertEquals(-3, plain.withPriority(-3).waiting().priority());
        // the encoding before pauses: the arrival as it is, then the order
        byte[] order = topics.work.values().serializer().serialize(topics.work.name(), plain.order());
        byte[] old = ByteBuffer.allocate(8 + order.length).putLong(41).put(order).array();
        assertEquals(new HeldOrder(plain.order(), 41, false), serde.deserializer().deserialize("t", old));
    }
}
