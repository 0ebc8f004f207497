/*
 * The planner's state for one job id (value of store PLAN_STORE): how the job id was settled, if it
 * was (planned with a digest, failed, or cancelled), and the submissions still being assembled,
 * each tracked by its submissionId. Chunk bytes are never kept: a submission holds its count, byte
 * total, running SHA-256 state and each chunk's (partition, offset); and the request's original
 * bytes, which a dead letter must carry. Mutable, owned by one processor call at a time; SERDE
 * writes it as a small versioned binary record for the changelog.
 */
package dev.longhaul.pipeline.plan;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.longhaul.pipeline.DeadLetters.Source;
import dev.longhaul.schemas.ChunkPosition;
import dev.longhaul.schemas.wire.DeadLetterReason;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

final class JobPlan {
    enum Settlement { NONE, PLANNED, FAILED, CANCELLED }

    /** Submissions remembered as finished, so their late records are ignored; older ones are forgotten. */
    static final int CLOSED_KEPT = 16;
    /** Submissions of one job id assembled at once; a record opening another is dead-lettered (JobPlanner). */
    static final int MAX_PENDING = 8;
    /** Longest submission id kept (ingest's are 26-character ULIDs); a longer one is refused. */
    static final int MAX_SUBMISSION_ID_CHARS = 128;
    /**
     * Request bytes kept for the submissions being assembled, all together: with the chunk
     * positions and the rest, a plan stays well under the 1 MiB a changelog record may hold.
     */
    static final int MAX_PENDING_REQUEST_BYTES = 384 * 1024;
    /**
     * 2 added savedAt; version 1 records read with savedAt = UNKNOWN. 3 added the priority and
     * pause a control record set before planning; versions 1 and 2 read with neither.
     */
    private static final byte VERSION = 3;
    /** savedAt of a plan written before it was recorded: the sweeper stamps it on first sight. */
    static final long UNKNOWN = -1;

    Settlement settlement = Settlement.NONE;
    /** SHA-256 of the planned document, when PLANNED. */
    String plannedDigest = "";
    /** Tenant of the latest request seen for this job id ("" before any). */
    String tenant = "";
    /** Wall-clock time of the last change (JobPlanner.save), from which retention counts. */
    long savedAt = UNKNOWN;
    /** A SET_PRIORITY that came while the job was being assembled: the order is planned with it; null for none. */
    Integer priority;
    /** A PAUSE (not yet resumed) that came while the job was being assembled: the order is held paused. */
    boolean paused;
    final List<String> closed = new ArrayList<>();
    final Map<String, Submission> pending = new LinkedHashMap<>();

    /** One submission (one ingest transaction) of the job id being assembled. */
    static final class Submission {
        final String id;
        final long firstSeenAt;
        byte[] request;
        Source requestAt;
        Source firstChunkAt;
        int nextIndex;
        boolean sawLast;
        long bytes;
        byte[] digestState = RunningDigest.empty();
        final List<ChunkPosition> positions = new ArrayList<>();
        /** Set when the chunks can no longer make a valid document; later chunks are only counted. */
        DeadLetterReason broken;
        String brokenDetail = "";

        Submission(String id, long firstSeenAt) {
            this.id = id;
            this.firstSeenAt = firstSeenAt;
        }
    }

    /** Closes every submission still being assembled. */
    void closeAll() {
        List.copyOf(pending.keySet()).forEach(this::close);
    }

    void close(String submissionId) {
        pending.remove(submissionId);
        closed.remove(submissionId);
        closed.add(submissionId);
        while (closed.size() > CLOSED_KEPT) {
            closed.removeFirst();
        }
    }

    /** Earliest first record of a submission still being assembled; Long.MAX_VALUE if none. */
    long oldestPending() {
        long oldest = Long.MAX_VALUE;
        for (Submission s : pending.values()) {
            oldest = Math.min(oldest, s.firstSeenAt);
        }
        return oldest;
    }

    /** Bytes of the requests held by the submissions being assembled. */
    long pendingRequestBytes() {
        long total = 0;
        for (Submission s : pending.values()) {
            total += s.request == null ? 0 : s.request.length;
        }
        return total;
    }

    boolean isEmpty() {
        return settlement == Settlement.NONE && pending.isEmpty() && closed.isEmpty();
    }

    static final Serde<JobPlan> SERDE = Serdes.serdeFrom(
            (topic, plan) -> plan == null ? null : write(plan),
            (topic, bytes) -> bytes == null ? null : read(bytes));

    private static byte[] write(JobPlan plan) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            // a plan with nothing of version 3 in it is written as version 2, which the version before
            // reads too: instances of both can share the store during an upgrade (or a rollback)
            // until someone sends a priority change or a pause during an upload
            boolean scheduled = plan.priority != null || plan.paused;
            out.writeByte(scheduled ? VERSION : 2);
            out.writeByte(plan.settlement.ordinal());
            out.writeUTF(plan.plannedDigest);
            out.writeUTF(plan.tenant);
            out.writeLong(plan.savedAt);
            if (scheduled) {
                out.writeBoolean(plan.priority != null);
                out.writeInt(plan.priority == null ? 0 : plan.priority);
                out.writeBoolean(plan.paused);
            }
            out.writeInt(plan.closed.size());
            for (String id : plan.closed) {
                out.writeUTF(id);
            }
            out.writeInt(plan.pending.size());
            for (Submission s : plan.pending.values()) {
                writeSubmission(out, s);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void writeSubmission(DataOutputStream out, Submission s) throws IOException {
        out.writeUTF(s.id);
        out.writeLong(s.firstSeenAt);
        writeBytes(out, s.request);
        writeSource(out, s.requestAt);
        writeSource(out, s.firstChunkAt);
        out.writeInt(s.nextIndex);
        out.writeBoolean(s.sawLast);
        out.writeLong(s.bytes);
        writeBytes(out, s.digestState);
        out.writeInt(s.positions.size());
        for (ChunkPosition p : s.positions) {
            out.writeInt(p.getPartition());
            out.writeLong(p.getOffset());
        }
        out.writeUTF(s.broken == null ? "" : s.broken.name());
        out.writeUTF(s.brokenDetail);
    }

    private static JobPlan read(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte version = in.readByte();
            if (version < 1 || version > VERSION) {
                throw new IllegalStateException("unknown JobPlan encoding version " + version);
            }
            JobPlan plan = new JobPlan();
            plan.settlement = Settlement.values()[in.readByte()];
            plan.plannedDigest = in.readUTF();
            plan.tenant = in.readUTF();
            plan.savedAt = version == 1 ? UNKNOWN : in.readLong();
            if (version >= 3) {
                boolean hasPriority = in.readBoolean();
                int priority = in.readInt();
                plan.priority = hasPriority ? priority : null;
                plan.paused = in.readBoolean();
            }
            for (int i = in.readInt(); i > 0; i--) {
                plan.closed.add(in.readUTF());
            }
            for (int i = in.readInt(); i > 0; i--) {
                Submission s = readSubmission(in);
                plan.pending.put(s.id, s);
            }
            return plan;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Submission readSubmission(DataInputStream in) throws IOException {
        Submission s = new Submission(in.readUTF(), in.readLong());
        s.request = readBytes(in);
        s.requestAt = readSource(in);
        s.firstChunkAt = readSource(in);
        s.nextIndex = in.readInt();
        s.sawLast = in.readBoolean();
        s.bytes = in.readLong();
        s.digestState = readBytes(in);
        for (int i = in.readInt(); i > 0; i--) {
            s.positions.add(new ChunkPosition(in.readInt(), in.readLong()));
        }
        String broken = in.readUTF();
        s.broken = broken.isEmpty() ? null : DeadLetterReason.valueOf(broken);
        s.brokenDetail = in.readUTF();
        return s;
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b == null ? -1 : b.length);
        if (b != null) {
            out.write(b);
        }
    }

    private static byte[] readBytes(DataInputStream in) throws IOException {
        int n = in.readInt();
        return n < 0 ? null : in.readNBytes(n);
    }

    private static void writeSource(DataOutputStream out, Source s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s.topic());
            out.writeInt(s.partition());
            out.writeLong(s.offset());
        }
    }

    private static Source readSource(DataInputStream in) throws IOException {
        return in.readBoolean() ? new Source(in.readUTF(), in.readInt(), in.readLong()) : null;
    }
}
