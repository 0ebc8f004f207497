/*
 * The job commands against a real broker and registry (no pipeline). `longhaul
 * cancel|pause|resume|priority`: a job already final is told so and nothing is written; an id with
 * no status is written to, with a warning of what that means; a job still going is written to
 * without one. `longhaul submit` of several paths, one failing while it is uploaded: the error says
 * the jobs before it are submitted.
 */
package dev.longhaul.ops.cli;

import static dev.longhaul.ops.cli.CommandLines.execute;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.longhaul.ops.cli.CommandLines.Run;
import dev.longhaul.ops.stack.DevStack;
import dev.longhaul.pipeline.PipelineConfig;
import dev.longhaul.pipeline.TopicsAdmin;
import dev.longhaul.schemas.Control;
import dev.longhaul.schemas.ControlAction;
import dev.longhaul.schemas.JobState;
import dev.longhaul.schemas.JobStatus;
import dev.longhaul.schemas.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class JobCommandsOnABrokerTest {
    private static DevStack stack;
    private static Topics topics;

    @BeforeAll
    static void start() throws Exception {
        PipelineConfig d = PipelineConfig.DEFAULTS;
        stack = DevStack.start(new DevStack.Options(null, 0, 0, d.withKafka(new PipelineConfig.Kafka(d.kafka().applicationId(),
                "ctl.", 1, d.kafka().commitInterval())), false));
        topics = stack.topics();
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", stack.bootstrapServers()))) {
            TopicsAdmin.ensure(admin, topics, new TopicsAdmin.Layout(1, 2, (short) 1));
        }
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()),
                topics.status.keys().serializer(), topics.status.values().serializer())) {
            producer.send(new ProducerRecord<>(topics.status.name(), "done-1", status("done-1", JobState.RUNNING))).get();
            producer.send(new ProducerRecord<>(topics.status.name(), "done-1", status("done-1", JobState.SUCCEEDED))).get();
            producer.send(new ProducerRecord<>(topics.status.name(), "queued-1", status("queued-1", JobState.QUEUED))).get();
        }
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aFinalJobIsToldSoAndNothingIsWritten() {
        for (String[] command : List.of(new String[] {"cancel", "done-1"}, new String[] {"pause", "done-1"},
                new String[] {"priority", "done-1", "3"})) {
            Run run = run(command);
            assertEquals(1, run.status(), run.toString());
            assertEquals("", run.out());
            assertTrue(run.err().startsWith("done-1: already SUCCEEDED ("), run.err());
            assertTrue(run.err().contains("not sent, it would change nothing"), run.err());
        }
        assertEquals(List.of(), controlsOf("done-1"));
    }

    @Test
    void anIdWithNoStatusIsWrittenToWithAWarning() {
        Run cancel = run("cancel", "no-such-job");
        assertEquals(0, cancel.status(), cancel.toString());
        assertEquals("no-such-job: cancel requested", cancel.out().strip());
        assertEquals("no-such-job: no job of this id is known yet (no status): the id stays cancelled, so a submission"
                + " of it arriving later does not run", cancel.err().strip());

        Run resume = run("resume", "no-such-job-2");
        assertEquals(0, resume.status(), resume.toString());
        assertTrue(resume.err().contains("it changes nothing unless an upload of no-such-job-2 is under way"), resume.err());
        assertEquals(List.of(ControlAction.CANCEL), controlsOf("no-such-job"));
        assertEquals(List.of(ControlAction.RESUME), controlsOf("no-such-job-2"));
    }

    @Test
    void aJobStillGoingIsWrittenToWithoutAWarning() {
        Run pause = run("pause", "queued-1");
        assertEquals(0, pause.status(), pause.toString());
        assertEquals("queued-1: pause requested", pause.out().strip());
        assertEquals("", pause.err());
        assertEquals(List.of(ControlAction.PAUSE), controlsOf("queued-1"));
    }

    @Test
    void aSubmitFailingPartWaySaysWhichJobsAreSubmitted(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path good = java.nio.file.Files.writeString(dir.resolve("a.log"), "one line\n");
        // gzip whose head is fine and whose end is not: only the upload reads that far
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (var out = new java.util.zip.GZIPOutputStream(gz)) {
            for (int i = 0; i < 20_000; i++) {
                out.write(("line " + i + " of a log\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
        }
        gz.write("trailing garbage\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        java.nio.file.Path bad = java.nio.file.Files.write(dir.resolve("b.log.gz"), gz.toByteArray());

        Run submit = run("submit", good.toString(), bad.toString(), "--kind", "log");
        assertEquals(2, submit.status(), submit.toString());
        String submitted = submit.out().strip();
        assertTrue(submitted.matches("[0-9A-Z]{26}"), "one job id printed: " + submit.out());
        assertTrue(submit.err().contains("the 1 job(s) printed above are submitted"), submit.err());
        assertTrue(submit.err().contains("not valid gzip"), submit.err());
    }

    private static Run run(String... command) {
        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(List.of("--bootstrap-servers", stack.bootstrapServers(), "--registry-url", stack.registryUrl().toString(),
                "--namespace", topics.namespace()));
        return execute(args.toArray(String[]::new));
    }

    private static JobStatus status(String jobId, JobState state) {
        return JobStatus.newBuilder().setJobId(jobId).setTenant("default").setState(state)
                .setProgress(state == JobState.SUCCEEDED ? 1 : 0).setTokensProcessed(0).setReason(null)
                .setUpdatedAt(Instant.now()).build();
    }

    /** The actions the control topic holds for jobId, read_committed from the beginning. */
    private static List<ControlAction> controlsOf(String jobId) {
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (var consumer = new KafkaConsumer<>(props, topics.control.keys().deserializer(), topics.control.values().deserializer())) {
            var partitions = consumer.partitionsFor(topics.control.name()).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<org.apache.kafka.common.TopicPartition, Long> ends = consumer.endOffsets(partitions);
            List<ControlAction> actions = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)) && System.nanoTime() < deadline) {
                for (var r : consumer.poll(Duration.ofMillis(200))) {
                    Control c = r.value();
                    if (jobId.equals(r.key())) {
                        actions.add(c.getAction());
                    }
                }
            }
            return actions;
        }
    }
}
