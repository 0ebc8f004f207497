/*
 * One memory budget for every RocksDB store of the pipeline in this process. Kafka Streams' default
 * gives each store instance its own 50 MiB block cache and up to three 16 MiB memtables, so the
 * native memory of an application with eight stores over four partitions can climb towards 2 GiB
 * as the caches fill, long after the JVM's heap has settled (the soak showed the stack's RSS
 * rising while its heap stayed flat). Here all store instances share one LRU cache of the
 * configured size; their memtables are charged to that same cache through one WriteBufferManager,
 * and index and filter blocks live in it too, so the budget bounds the whole of RocksDB's block,
 * index, filter and memtable memory. This follows "Bounding memory usage" in the Kafka Streams
 * memory-management guide.
 *
 * Streams instantiates the setter per store and passes the application's configuration to
 * setConfig; the budget is read from BYTES_CONFIG there. The cache and manager are shared across
 * stores and never closed by a store (a store closing must not free what others still use); one
 * pair exists per distinct budget in a process, for its lifetime.
 */
package dev.longhaul.pipeline.state;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBufferManager;

public final class BoundedStateMemory implements RocksDBConfigSetter {
    /** Streams property carrying the budget in bytes (the application's own, passed through Streams). */
    public static final String BYTES_CONFIG = "longhaul.state.memory.bytes";

    /** Share of the budget memtables may take before RocksDB flushes them. */
    static final double MEMTABLE_SHARE = 0.5;
    /** Share of the cache kept for index and filter blocks, ahead of data blocks. */
    static final double INDEX_FILTER_SHARE = 0.1;
    /** One memtable's size: small, as the pipeline's stores hold small records. */
    static final long MEMTABLE_BYTES = 4L << 20;
    static final int MEMTABLES = 2;
    /** The smallest budget: two memtables' worth. */
    public static final long MIN_BYTES = MEMTABLE_BYTES * MEMTABLES;

    /** The shared cache and write-buffer manager of one budget. */
    record Budget(Cache cache, WriteBufferManager writeBuffers) {
        static Budget of(long bytes) {
            RocksDB.loadLibrary(); // a no-op once Streams has opened a store
            Cache cache = new LRUCache(bytes, -1, false, INDEX_FILTER_SHARE);
            return new Budget(cache, new WriteBufferManager((long) (bytes * MEMTABLE_SHARE), cache));
        }
    }

    private static final Map<Long, Budget> BUDGETS = new ConcurrentHashMap<>();

    /** The budget of this many bytes, made once per process. */
    static Budget budget(long bytes) {
        return BUDGETS.computeIfAbsent(bytes, Budget::of);
    }

    /** The budget named in a Streams configuration; a clear error when it is missing or not positive. */
    static long bytes(Map<String, Object> configs) {
        Object value = configs.get(BYTES_CONFIG);
        if (value == null) {
            throw new IllegalArgumentException(BYTES_CONFIG + " must be set when " + BoundedStateMemory.class.getSimpleName()
                    + " is the RocksDB config setter");
        }
        long bytes;
        try {
            bytes = Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(BYTES_CONFIG + " must be a whole number of bytes, not '" + value + "'", e);
        }
        if (bytes < MIN_BYTES) {
            throw new IllegalArgumentException(BYTES_CONFIG + " must be at least " + MIN_BYTES + " bytes, not " + bytes);
        }
        return bytes;
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        Budget budget = budget(bytes(configs));
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(budget.cache());
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setWriteBufferManager(budget.writeBuffers());
        options.setWriteBufferSize(MEMTABLE_BYTES);
        options.setMaxWriteBufferNumber(MEMTABLES);
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {
        // The cache and the manager are shared by every store of the budget; they live as long as the process.
    }
}
