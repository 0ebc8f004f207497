/*
 * SinkRunner across a rebalance on a real broker: offsets whose commit failed because this member
 * left the group (a write that outlasted max.poll.interval.ms) are not committed again once it gets
 * the partitions back, where they would move the group back over what another member committed; the
 * sink holds what it wrote of that batch until the runner has caught up again.
 */
package dev.longhaul.sinks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import dev.longhaul.embedded.EmbeddedKafka;
import dev.longhaul.schemas.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class SinkRunnerRebalanceTest {

    /** A sink whose first write waits until the test lets it go; the rest return at once. Records holds and confirmations. */
    private static final class HeldFirstWrite implements ResultSink {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        private boolean first = true;

        @Override
        public void holdUntilConfirmed() {
            events.add("hold");
        }

        @Override
        public void confirmed() {
            events.add("confirmed");
        }

        @Override
        public int write(List<SinkResult> batch) throws Exception {
            if (first) {
                first = false;
                entered.countDown();
                assertTrue(release.await(90, TimeUnit.SECONDS), "the test never let the first write go");
            }
            return batch.size();
        }

        @Override
        public void close() {
        }
    }

    @Test
    void offsetsOfACommitThatFailedAreNotCommittedOverAnotherMembersAfterTheRebalance() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
             Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", kafka.bootstrapServers()))) {
            Topics topics = TestResults.topics(kafka, "stale.");
            TestResults.produce(kafka, topics, IntStream.range(0, 5).boxed().toList(), true);
            String group = "stale-offsets-sink";
            SinkConfig config = SinkConfig.defaults(kafka.bootstrapServers(), group).withNamespace(topics.namespace())
                    .withBatch(500, Duration.ofMillis(200))
                    .withClientOverrides(Map.of("max.poll.interval.ms", "1500"));
            HeldFirstWrite sink = new HeldFirstWrite();
            SinkRunner runner = new SinkRunner(config, topics, sink);
            CompletableFuture<Void> run = TestResults.start(runner);
            try {
                // given a first write that outlasts max.poll.interval.ms, so that the member leaves the group
                assertTrue(sink.entered.await(90, TimeUnit.SECONDS), "the first batch never reached the sink");
                TestResults.await(() -> state(admin, group) == GroupState.EMPTY, "the member left the group");
                // and meanwhile another member (here the admin client) consumed further and committed
                TestResults.produce(kafka, topics, IntStream.range(5, 10).boxed().toList(), true);
                Map<TopicPartition, OffsetAndMetadata> ends = ends(admin, topics);
                admin.alterConsumerGroupOffsets(group, ends).all().get();
                // when the write returns (its commit fails) and the member joins again, getting every partition back
                sink.release.countDown();
                TestResults.await(() -> state(admin, group) == GroupState.STABLE, "the member joined again");
                Thread.sleep(2_000); // some polls after the rejoin, where a stale offset would be committed
                // then the group's offsets are where the other member left them
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get();
                Map<TopicPartition, Long> at = new HashMap<>();
                committed.forEach((tp, o) -> at.put(tp, o.offset()));
                Map<TopicPartition, Long> expected = new HashMap<>();
                ends.forEach((tp, o) -> expected.put(tp, o.offset()));
                assertEquals(expected, at);
                // and the sink was told to hold what held the batch whose commit failed, then, caught up
                // again, that it is confirmed
                int hold = sink.events.indexOf("hold");
                assertTrue(hold >= 0, "never held: " + sink.events);
                TestResults.await(() -> sink.events.lastIndexOf("confirmed") > hold, "confirmed after the hold: " + sink.events);
            } finally {
                sink.release.countDown();
                runner.close();
                run.handle((v, e) -> null).get(60, TimeUnit.SECONDS);
            }
        }
    }

    private static GroupState state(Admin admin, String group) {
        try {
            return admin.describeConsumerGroups(List.of(group)).all().get().get(group).groupState();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<TopicPartition, OffsetAndMetadata> ends(Admin admin, Topics topics) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        for (String topic : List.of(topics.summaries.name(), topics.extractions.name())) {
            for (int p = 0; p < 2; p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
        }
        Map<TopicPartition, OffsetAndMetadata> ends = new HashMap<>();
        admin.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp, new OffsetAndMetadata(info.offset())));
        return ends;
    }
}
