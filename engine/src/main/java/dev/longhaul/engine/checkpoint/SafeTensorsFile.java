/*
 * Reads one .safetensors file by memory-mapping it: an 8-byte little-endian header length, a JSON
 * header (name -> {dtype, shape, data_offsets}), then raw little-endian data. Every inconsistency
 * (truncation, overlapping or out-of-range offsets, sizes that do not match dtype x shape) is an
 * error naming the file and the tensor. The mapping lives as long as the arena passed in.
 */
package dev.longhaul.engine.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class SafeTensorsFile {
    /** Headers larger than this are refused: real ones are a few MiB at most. */
    private static final long MAX_HEADER_BYTES = 100L << 20;

    private final Path path;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafeTensorsFile(Path path, Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static SafeTensorsFile open(Path path, Arena arena) {
        String file = path.toString();
        if (!Files.isRegularFile(path)) {
            throw new CheckpointException(file, "no such safetensors file");
        }
        MemorySegment all;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            all = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot map: " + e.getMessage(), e);
        }
        long size = all.byteSize();
        if (size < 8) {
            throw new CheckpointException(file, "truncated: " + size + " bytes, shorter than the 8-byte header length");
        }
        long headerLen = all.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES || 8 + headerLen > size) {
            throw new CheckpointException(file, "header length " + headerLen + " does not fit a file of " + size
                    + " bytes (truncated or not a safetensors file)");
        }
        byte[] headerBytes = all.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
        JsonNode header;
        try {
            // a name given twice would otherwise load whichever came last, with nothing to say so
            // and text after the object (a header length that runs into the data) is refused, not ignored
            header = new ObjectMapper().enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                    .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .readTree(new String(headerBytes, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new CheckpointException(file, "header is not valid JSON: " + e.getMessage(), e);
        }
        if (header == null || !header.isObject()) {
            throw new CheckpointException(file, "header is not a JSON object");
        }
        MemorySegment data = all.asSlice(8 + headerLen);
        return parse(path, header, data);
    }

    private record Range(String name, long begin, long end) {
    }

    private static SafeTensorsFile parse(Path path, JsonNode header, MemorySegment data) {
        String file = path.toString();
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Range> ranges = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode node = e.getValue();
            if (name.equals("__metadata__")) {
                node.properties().forEach(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            JsonNode dtypeNode = node.get("dtype");
            JsonNode shapeNode = node.get("shape");
            JsonNode offsets = node.get("data_offsets");
            if (dtypeNode == null || shapeNode == null || !shapeNode.isArray() || offsets == null
                    || !offsets.isArray() || offsets.size() != 2) {
                throw new CheckpointException(file, "tensor '" + name + "' lacks dtype, shape or data_offsets");
            }
            DType dtype = DType.parse(dtypeNode.asText(), name, file);
            long[] shape = new long[shapeNode.size()];
            long count = 1;
            long expected;
            try {
                for (int i = 0; i < shape.length; i++) {
                    JsonNode dim = shapeNode.get(i);
                    long d = dim.isIntegralNumber() && dim.canConvertToLong() ? dim.asLong() : -1;
                    if (d < 0) {
                        throw new CheckpointException(file, "tensor '" + name + "' has a negative or non-integer dimension");
                    }
                    shape[i] = d;
                    count = Math.multiplyExact(count, d);
                }
                expected = Math.multiplyExact(count, dtype.bytes());
            } catch (ArithmeticException overflow) {
                throw new CheckpointException(file, "tensor '" + name + "' has shape " + shapeNode + ", too large to address");
            }
            // integers that fit a long only: asLong() would truncate 2^64 to 0 and take "16" or 16.7 as 16
            long begin = offsets.get(0).isIntegralNumber() && offsets.get(0).canConvertToLong() ? offsets.get(0).asLong() : -1;
            long end = offsets.get(1).isIntegralNumber() && offsets.get(1).canConvertToLong() ? offsets.get(1).asLong() : -1;
            if (begin < 0 || end < begin) {
                throw new CheckpointException(file, "tensor '" + name + "' has invalid data_offsets [" + begin + ", " + end + "]");
            }
            if (end > data.byteSize()) {
                throw new CheckpointException(file, "tensor '" + name + "' ends at byte " + end + " but the data section has "
                        + data.byteSize() + " bytes (file truncated?)");
            }
            if (end - begin != expected) {
                throw new CheckpointException(file, "tensor '" + name + "' spans " + (end - begin) + " bytes but "
                        + dtype + " x " + java.util.Arrays.toString(shape) + " needs " + expected);
            }
            ranges.add(new Range(name, begin, end));
            tensors.put(name, new TensorInfo(name, dtype, shape, data.asSlice(begin, end - begin), file));
        }
        // by start, then end: an empty tensor sharing its start with the next one comes first
        ranges.sort(Comparator.comparingLong(Range::begin).thenComparingLong(Range::end));
        Range reach = null; // the range reaching furthest so far
        for (Range r : ranges) {
            if (reach != null && r.begin() < reach.end()) {
                throw new CheckpointException(file, "tensor '" + r.name() + "' data_offsets [" + r.begin() + ", " + r.end()
                        + "] overlap those of tensor '" + reach.name() + "' [" + reach.begin() + ", " + reach.end() + "]");
            }
            if (reach == null || r.end() > reach.end()) {
                reach = r;
            }
        }
        // As the reference reader requires: the tensors tile the data section from its first byte to
        // its last. A gap or bytes past the last tensor mean a header that does not describe the file
        // (a header length off by some bytes shifts every tensor and leaves exactly such bytes).
        long next = 0;
        for (Range r : ranges) {
            if (r.begin() != next) {
                throw new CheckpointException(file, "tensor '" + r.name() + "' starts at byte " + r.begin() + " of the data section, "
                        + (next == 0 ? "which must start at byte 0" : "but the tensor before it ends at byte " + next)
                        + " (bytes no tensor accounts for)");
            }
            next = r.end();
        }
        if (next != data.byteSize()) {
            throw new CheckpointException(file, "the data section has " + data.byteSize() + " bytes but its tensors account for "
                    + next + " (bytes past the last tensor: a header that does not describe the file)");
        }
        return new SafeTensorsFile(path, Map.copyOf(tensors), Map.copyOf(metadata));
    }

    public Path path() {
        return path;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }
}
