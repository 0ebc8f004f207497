/*
 * What the single dispatcher learns, in the order it must apply it: an order planned (held paused
 * or not), a cancel, a priority change, a pause or a resume for a planned job, a worker's heartbeat,
 * a job finished (a final status), a paused job's order handed back by its worker. These cross the dispatch
 * repartition topics, so they have a serde: one tag byte, then the record in the Confluent wire
 * format of the topic it belongs to (registered under that topic's subject), or text in UTF-8.
 */
package dev.longhaul.pipeline.dispatch;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.Topics;
import dev.longhaul.schemas.WorkOrder;
import dev.longhaul.schemas.WorkerHeartbeat;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

public sealed interface DispatchEvent {

    /**
     * A planned order, not yet on a lane (its lane field is meaningless until dispatched); paused
     * when a PAUSE arrived while it was being uploaded (it is held until a RESUME).
     */
    record Planned(WorkOrder order, boolean paused) implements DispatchEvent {
        public Planned(WorkOrder order) {
            this(order, false);
        }
    }

    /** A CANCEL for a job the planner already handed over. */
    record CancelRequested(String jobId) implements DispatchEvent {}

    /** A SET_PRIORITY for a job the planner already handed over: applies while its order is held. */
    record PriorityChanged(String jobId, int priority) implements DispatchEvent {}

    /** A PAUSE (paused) or RESUME for a job the planner already handed over: applies while its order is held. */
    record PauseChanged(String jobId, boolean paused) implements DispatchEvent {}

    record Heartbeat(WorkerHeartbeat heartbeat) implements DispatchEvent {}

    /**
     * A final status of a job's life (submissionId; "" when the status names none): that life's
     * cost no longer loads its lane. A final status of an earlier life frees nothing of a later one.
     */
    record Finished(String jobId, JobState state, String submissionId) implements DispatchEvent {
        public Finished(String jobId, JobState state) {
            this(jobId, state, "");
        }
    }

    /**
     * A worker stopped a paused job (or did not start it) and gave its order back, committing
     * QUEUED JobStates.handedBack(release) with the order's offset: of that life (submissionId, ""
     * when unnamed) and that release (WorkOrder.releasedAt in epoch ms; 0 for an order that names none).
     */
    record HandedBack(String jobId, String submissionId, long release, boolean started) implements DispatchEvent {
        /** A hand-back of an order whose run had not started. */
        HandedBack(String jobId, String submissionId, long release) {
            this(jobId, submissionId, release, false);
        }
    }

    /** The serde of the dispatch repartition topics. */
    static Serde<DispatchEvent> serde(Topics topics) {
        var orders = topics.work.values();
        var heartbeats = topics.workers.values();
        String orderSubject = topics.work.name();
        String heartbeatSubject = topics.workers.name();
        return Serdes.serdeFrom(
                (topic, event) -> switch (event) {
                    case null -> null;
                    case Planned p -> tagged(p.paused() ? 5 : 0, orders.serializer().serialize(orderSubject, p.order()));
                    case CancelRequested c -> tagged(1, c.jobId().getBytes(StandardCharsets.UTF_8));
                    case PriorityChanged c -> {
                        byte[] id = utf8(c.jobId());
                        yield tagged(6, ByteBuffer.allocate(Integer.BYTES + id.length).putInt(c.priority()).put(id).array());
                    }
                    case PauseChanged c -> tagged(c.paused() ? 7 : 8, utf8(c.jobId()));
                    case Heartbeat h -> tagged(2, heartbeats.serializer().serialize(heartbeatSubject, h.heartbeat()));
                    // the release (8 bytes), then "N:" + N chars of submission + jobId, as tag 4; tag 10
                    // for a run that had started (9 is read as one that had not: events of earlier versions)
                    case HandedBack b -> {
                        byte[] ids = utf8(b.submissionId().length() + ":" + b.submissionId() + b.jobId());
                        yield tagged(b.started() ? 10 : 9, ByteBuffer.allocate(Long.BYTES + ids.length).putLong(b.release()).put(ids).array());
                    }
                    case Finished f -> f.submissionId().isEmpty()
                            ? tagged(3, (f.state().name() + ":" + f.jobId()).getBytes(StandardCharsets.UTF_8))
                            // "STATE:N:" + N chars of submission + jobId: job and submission ids may hold ':'
                            : tagged(4, (f.state().name() + ":" + f.submissionId().length() + ":" + f.submissionId() + f.jobId())
                                    .getBytes(StandardCharsets.UTF_8));
                },
                (topic, bytes) -> {
                    if (bytes == null) {
                        return null;
                    }
                    byte[] body = Arrays.copyOfRange(bytes, 1, bytes.length);
                    int tag = bytes[0];
                    return switch (tag) {
                        case 0, 5 -> new Planned(orders.deserializer().deserialize(orderSubject, body), tag == 5);
                        case 6 -> new PriorityChanged(new String(body, Integer.BYTES, body.length - Integer.BYTES, StandardCharsets.UTF_8),
                                ByteBuffer.wrap(body).getInt());
                        case 7, 8 -> new PauseChanged(new String(body, StandardCharsets.UTF_8), tag == 7);
                        case 1 -> new CancelRequested(new String(body, StandardCharsets.UTF_8));
                        case 9, 10 -> {
                            String text = new String(body, Long.BYTES, body.length - Long.BYTES, StandardCharsets.UTF_8);
                            int colon = text.indexOf(':');
                            int to = colon + 1 + Integer.parseInt(text.substring(0, colon));
                            yield new HandedBack(text.substring(to), text.substring(colon + 1, to), ByteBuffer.wrap(body).getLong(), tag == 10);
                        }
                        case 2 -> new Heartbeat(heartbeats.deserializer().deserialize(heartbeatSubject, body));
                        case 3 -> {
                            // "STATE:jobId": state names hold no ':', so the first one separates.
                            String text = new String(body, StandardCharsets.UTF_8);
                            int colon = text.indexOf(':');
                            yield new Finished(text.substring(colon + 1), JobState.valueOf(text.substring(0, colon)));
                        }
                        case 4 -> {
                            String text = new String(body, StandardCharsets.UTF_8);
                            int first = text.indexOf(':');
                            int second = text.indexOf(':', first + 1);
                            int from = second + 1;
                            int to = from + Integer.parseInt(text.substring(first + 1, second));
                            yield new Finished(text.substring(to), JobState.valueOf(text.substring(0, first)), text.substring(from, to));
                        }
                        default -> throw new SerializationException("unknown dispatch event tag " + tag);
                    };
                });
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] tagged(int tag, byte[] body) {
        byte[] out = new byte[body.length + 1];
        out[0] = (byte) tag;
        System.arraycopy(body, 0, out, 1, body.length);
        return out;
    }
}
