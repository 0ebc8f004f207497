/*
 * Writes one .safetensors file (the layout SafeTensorsFile reads, header padded with spaces to a
 * multiple of 8 like SafeTensorsWriter) for a list of SynthTensors, generating their values on the
 * fly. Each part of a tensor is cut into fixed blocks of BLOCK values, each block drawn from its own
 * SeededNormal, so the bytes do not depend on thread count or scheduling. Blocks are generated in
 * parallel into a direct buffer of WINDOW bytes and written with a FileChannel: far faster than a
 * per-element callback for the 150M-parameter `s` model. Values are rounded to the dtype on write.
 */
package dev.longhaul.engine.synth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.longhaul.engine.checkpoint.DType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

final class SynthShardWriter {
    /** Values per random block. Part of the file format's reproducibility: never change it. */
    static final int BLOCK = 1 << 16;
    /** Bytes generated in parallel before each write. */
    static final int WINDOW = 16 << 20;

    /** Block `block` of `part` (its `count` values), written at byte `offset` of the window. */
    private record Job(SynthTensor.Part part, long block, int count, int offset) {
    }

    private SynthShardWriter() {
    }

    /** Writes `tensors` to `file`; calls `done` with each tensor's index in the list once written. */
    static void write(Path file, List<SynthTensor> tensors, DType dtype, long seed, IntConsumer done) {
        write(file, tensors, dtype, seed, done, WINDOW);
    }

    /** As above with a window of `windowBytes` (at least one block); the bytes written do not depend on it. */
    static void write(Path file, List<SynthTensor> tensors, DType dtype, long seed, IntConsumer done, int windowBytes) {
        if (windowBytes < BLOCK * dtype.bytes()) {
            throw new IllegalArgumentException("window of " + windowBytes + " bytes is smaller than one block");
        }
        byte[] header = header(tensors, dtype);
        ByteBuffer window = ByteBuffer.allocateDirect(windowBytes).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
            writeFully(ch, len);
            writeFully(ch, ByteBuffer.wrap(header));
            List<Job> jobs = new ArrayList<>();
            List<Integer> finished = new ArrayList<>(); // tensors whose blocks are all queued
            int used = 0;
            for (int t = 0; t < tensors.size(); t++) {
                for (SynthTensor.Part part : tensors.get(t).parts()) {
                    for (long b = 0; b * BLOCK < part.count(); b++) {
                        int count = (int) Math.min(BLOCK, part.count() - b * BLOCK);
                        int bytes = count * dtype.bytes();
                        if (used + bytes > windowBytes) {
                            flush(ch, window, jobs, used, dtype, seed);
                            used = 0;
                            report(finished, done);
                        }
                        jobs.add(new Job(part, b, count, used));
                        used += bytes;
                    }
                }
                finished.add(t);
            }
            flush(ch, window, jobs, used, dtype, seed);
            report(finished, done);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void report(List<Integer> finished, IntConsumer done) {
        if (done != null) {
            finished.forEach(done::accept);
        }
        finished.clear();
    }

    private static void flush(FileChannel ch, ByteBuffer window, List<Job> jobs, int used, DType dtype, long seed)
            throws IOException {
        if (jobs.isEmpty()) {
            return;
        }
        window.clear();
        IntStream.range(0, jobs.size()).parallel().forEach(j -> fill(window, jobs.get(j), dtype, seed));
        jobs.clear();
        writeFully(ch, window.limit(used));
    }

    private static void fill(ByteBuffer window, Job job, DType dtype, long seed) {
        SynthTensor.Part part = job.part();
        SeededNormal random = new SeededNormal(SeededNormal.blockSeed(seed, part.key(), job.block()));
        int at = job.offset();
        for (int i = 0; i < job.count(); i++) {
            float v = (float) (part.mean() + part.std() * random.next());
            switch (dtype) {
                case F32 -> window.putFloat(at, v);
                case BF16 -> window.putShort(at, DType.floatToBf16(v));
                case F16 -> window.putShort(at, Float.floatToFloat16(v));
            }
            at += dtype.bytes();
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /** The JSON header, padded with spaces to a multiple of 8 bytes. */
    static byte[] header(List<SynthTensor> tensors, DType dtype) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (SynthTensor t : tensors) {
            ObjectNode node = root.putObject(t.name());
            node.put("dtype", dtype.name());
            ArrayNode shape = node.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            long bytes = t.bytes(dtype);
            node.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] text;
        try {
            text = json.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int padded = (text.length + 7) / 8 * 8;
        byte[] out = new byte[padded];
        System.arraycopy(text, 0, out, 0, text.length);
        for (int i = text.length; i < padded; i++) {
            out[i] = ' ';
        }
        return out;
    }
}
