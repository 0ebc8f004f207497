/*
 * Request validation before anything is written: kinds and tasks as typed on the command line,
 * job ids (given ones checked, generated ones sortable ULIDs), and the refusals with clear errors.
 */
package dev.longhaul.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;

import dev.longhaul.schemas.DocumentKind;
import dev.longhaul.schemas.Task;
import dev.longhaul.schemas.TaskType;
import org.junit.jupiter.api.Test;

class JobSpecTest {
    @Test
    void kindsParseCaseInsensitivelyAndUnknownOnesListTheKnown() {
        assertEquals(DocumentKind.CONTRACT, JobSpec.parseKind("contract"));
        assertEquals(DocumentKind.LOG, JobSpec.parseKind("LOG"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobSpec.parseKind("pdf"));
        assertTrue(e.getMessage().contains("pdf") && e.getMessage().contains("repo"), e.getMessage());
    }

    @Test
    void tasksParseSummarizeAndExtractWithFields() {
        Task summarize = JobSpec.parseTask("summarize");
        assertEquals(TaskType.SUMMARIZE, summarize.getType());
        assertEquals(List.of(), summarize.getFields());
        // a bare extract is refused here: the pipeline would fail the job after its upload
        IllegalArgumentException bare = assertThrows(IllegalArgumentException.class, () -> JobSpec.parseTask("extract"));
        assertTrue(bare.getMessage().contains("extract:FIELD"), bare.getMessage());
        Task fields = JobSpec.parseTask("extract: Parties, Governing Law ,Expiration Date");
        assertEquals(List.of("Parties", "Governing Law", "Expiration Date"), fields.getFields());
        assertNull(fields.getJsonSchema());
    }

    @Test
    void badTasksAreRefused() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> JobSpec.parseTask("translate"));
        assertTrue(unknown.getMessage().contains("translate"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> JobSpec.parseTask("extract:a,,b"));
        assertThrows(IllegalArgumentException.class, () -> JobSpec.parseTask("extract:a,a"));
        assertThrows(IllegalArgumentException.class, () -> JobSpec.parseTask("summarize:x"));
    }

    /** What the pipeline would dead-letter after the upload is refused before it (RequestLimits). */
    @Test
    void thePipelinesBoundsAreCheckedBeforeAnyUpload() {
        Task summarize = JobSpec.parseTask("summarize");
        assertEquals(32, JobSpec.of(DocumentKind.LOG, java.util.Collections.nCopies(32, summarize)).tasks().size());
        assertThrows(IllegalArgumentException.class, () -> JobSpec.of(DocumentKind.LOG, java.util.Collections.nCopies(33, summarize)));
        String fields = String.join(",", java.util.stream.IntStream.range(0, 32).mapToObj(i -> "f" + i).toList());
        assertEquals(32, JobSpec.of(DocumentKind.LOG, List.of(JobSpec.parseTask("extract:" + fields))).tasks().get(0).getFields().size());
        IllegalArgumentException many = assertThrows(IllegalArgumentException.class,
                () -> JobSpec.of(DocumentKind.LOG, List.of(JobSpec.parseTask("extract:" + fields + ",f32"))));
        assertTrue(many.getMessage().contains("32 fields"), many.getMessage());
        JobSpec.of(DocumentKind.LOG, List.of(JobSpec.parseTask("extract:" + "x".repeat(128))));
        assertThrows(IllegalArgumentException.class, () -> JobSpec.of(DocumentKind.LOG, List.of(JobSpec.parseTask("extract:" + "x".repeat(129)))));
        JobSpec spec = JobSpec.of(DocumentKind.LOG, List.of(summarize));
        assertEquals(128, spec.withTenant("t".repeat(128)).tenant().length());
        assertThrows(IllegalArgumentException.class, () -> spec.withTenant("t".repeat(129)));
        // a library caller's task, not parsed from the command line
        Task twice = Task.newBuilder().setType(TaskType.EXTRACT).setFields(List.of("a", "a")).setJsonSchema(null).build();
        assertThrows(IllegalArgumentException.class, () -> JobSpec.of(DocumentKind.LOG, List.of(twice)));
    }

    @Test
    void aJobNeedsTasksAKindAndAUsableId() {
        IllegalArgumentException noTasks = assertThrows(IllegalArgumentException.class, () -> JobSpec.of(DocumentKind.LOG, List.of()));
        assertTrue(noTasks.getMessage().contains("task"), noTasks.getMessage());
        assertThrows(IllegalArgumentException.class, () -> JobSpec.of(null, List.of(JobSpec.parseTask("summarize"))));
        JobSpec spec = JobSpec.of(DocumentKind.LOG, List.of(JobSpec.parseTask("summarize")));
        assertEquals("default", spec.tenant());
        assertEquals("job-42", spec.withJobId("job-42").jobId().orElseThrow());
        assertThrows(IllegalArgumentException.class, () -> spec.withJobId("has space"));
        assertThrows(IllegalArgumentException.class, () -> spec.withJobId("../etc"));
        assertThrows(IllegalArgumentException.class, () -> spec.withTenant(""));
    }

    @Test
    void generatedIdsAreUlidsThatSortByTime() {
        Random seeded = new Random(7);
        String earlier = JobIds.next(1_767_225_600_000L, seeded);
        String later = JobIds.next(1_767_225_600_001L, seeded);
        assertEquals(26, earlier.length());
        assertTrue(earlier.compareTo(later) < 0, earlier + " then " + later);
        assertEquals(earlier, JobIds.requireValid(earlier));
    }

    @Test
    void ulidBitsLandWhereTheSpecSays() {
        Random allOnes = new Random() {
            @Override
            public long nextLong() {
                return -1L;
            }

            @Override
            public int nextInt() {
                return -1;
            }
        };
        assertEquals("7ZZZZZZZZZ" + "Z".repeat(16), JobIds.next((1L << 48) - 1, allOnes));
        Random zeros = new Random() {
            @Override
            public long nextLong() {
                return 0L;
            }

            @Override
            public int nextInt() {
                return 0;
            }
        };
        assertEquals("0000000001" + "0".repeat(16), JobIds.next(1, zeros));
    }
}
