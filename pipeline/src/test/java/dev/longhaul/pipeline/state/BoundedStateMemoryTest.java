package dev.longhaul.pipeline.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import dev.longhaul.pipeline.PipelineConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BoundedStateMemoryTest {
    @Test
    void thePipelineBoundsItsStoresByDefaultAndZeroLeavesRocksDbDefaults() {
        Properties bounded = PipelineConfig.DEFAULTS.streamsProperties("broker:9092", Path.of("state"));
        assertEquals(BoundedStateMemory.class, bounded.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG));
        assertEquals(Long.toString(64L << 20), bounded.get(BoundedStateMemory.BYTES_CONFIG));

        PipelineConfig unbounded = PipelineConfig.DEFAULTS.withKafka(PipelineConfig.DEFAULTS.kafka().withStateMemoryBytes(0));
        Properties plain = unbounded.streamsProperties("broker:9092", Path.of("state"));
        assertTrue(!plain.containsKey(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG));
        assertThrows(IllegalArgumentException.class, () -> PipelineConfig.DEFAULTS.kafka().withStateMemoryBytes(1024));
    }

    @Test
    void aMissingOrBadBudgetIsAClearError() {
        var missing = assertThrows(IllegalArgumentException.class, () -> BoundedStateMemory.bytes(Map.of()));
        assertTrue(missing.getMessage().contains(BoundedStateMemory.BYTES_CONFIG), missing.getMessage());
        var words = assertThrows(IllegalArgumentException.class, () -> BoundedStateMemory.bytes(Map.of(BoundedStateMemory.BYTES_CONFIG, "lots")));
        assertTrue(words.getMessage().contains("'lots'"), words.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BoundedStateMemory.bytes(Map.of(BoundedStateMemory.BYTES_CONFIG, "100")));
        assertEquals(32L << 20, BoundedStateMemory.bytes(Map.of(BoundedStateMemory.BYTES_CONFIG, " 33554432 ")));
    }

    /**
     * Real RocksDB stores (the test driver opens them as Streams would) charge their memtables to
     * the one shared cache before anything is flushed, and its use stays within the budget however
     * much is written (60 MB into three stores against 24 MiB).
     */
    @Test
    void storesChargeTheSharedCacheAndStayWithinIt(@TempDir Path state) {
        long budget = 24L << 20;
        StreamsBuilder builder = new StreamsBuilder();
        for (String topic : new String[] {"a", "b", "c"}) {
            builder.table(topic, Consumed.with(Serdes.String(), Serdes.String()), Materialized.as(topic + "-store"));
        }
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "bounded-state-memory-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedStateMemory.class);
        props.put(BoundedStateMemory.BYTES_CONFIG, Long.toString(budget));
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0); // every put goes to RocksDB
        BoundedStateMemory.Budget shared = BoundedStateMemory.budget(budget);
        long before = shared.cache().getUsage();
        long most = 0;
        long beforeAnyFlush = 0;
        String value = "x".repeat(1000);
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props)) {
            var inputs = new org.apache.kafka.streams.TestInputTopic<?, ?>[3];
            int i = 0;
            for (String topic : new String[] {"a", "b", "c"}) {
                inputs[i++] = driver.createInputTopic(topic, new StringSerializer(), new StringSerializer());
            }
            for (int n = 0; n < 60_000; n++) {
                @SuppressWarnings("unchecked")
                var input = (org.apache.kafka.streams.TestInputTopic<String, String>) inputs[n % 3]; // key-59999 lands in c
                input.pipeInput("key-" + n, value + n);
                if (n == 3000) { // 1 MB a store so far, under one 4 MiB memtable: nothing flushed or read yet
                    beforeAnyFlush = shared.cache().getUsage();
                }
                if (n % 5000 == 0) {
                    most = Math.max(most, shared.cache().getUsage());
                }
            }
            most = Math.max(most, shared.cache().getUsage());
            assertEquals(value + 59_999, driver.getKeyValueStore("c-store").get("key-59999"), "the last value is stored");
        }
        assertTrue(beforeAnyFlush > before + (1L << 20),
                "the stores' memtables are charged to the shared cache: " + before + " -> " + beforeAnyFlush);
        assertTrue(most <= budget + (budget >> 3), "cache use " + most + " stays within the budget " + budget);
        assertSame(shared, BoundedStateMemory.budget(budget));
    }
}
