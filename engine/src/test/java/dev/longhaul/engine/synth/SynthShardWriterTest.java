/*
 * The synth's safetensors writer: the bytes do not depend on the window size (so on how the work is
 * cut up for threads), the file reads back through SafeTensorsFile with the planned names, shapes
 * and values, and every tensor is reported once, in order.
 */
package dev.longhaul.engine.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.longhaul.engine.checkpoint.DType;
import dev.longhaul.engine.checkpoint.SafeTensorsFile;
import dev.longhaul.engine.checkpoint.TensorInfo;
import dev.longhaul.engine.model.LayerKind;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SynthShardWriterTest {
    @TempDir
    Path tmp;

    @Test
    void bytesDoNotDependOnTheWindowSize() throws Exception {
        for (DType dtype : List.of(DType.F32, DType.BF16)) {
            // given the xs plan written with the default window and with a window of one block
            SynthSize xs = SynthSize.named("xs");
            List<SynthTensor> plan = SynthPlan.tensors(xs, xs.layerKinds(false), MoeLayout.FUSED);
            Path big = tmp.resolve("big-" + dtype);
            Path small = tmp.resolve("small-" + dtype);
            SynthShardWriter.write(big, plan, dtype, 3, null);
            List<Integer> reported = new ArrayList<>();
            SynthShardWriter.write(small, plan, dtype, 3, reported::add, SynthShardWriter.BLOCK * dtype.bytes());

            // then the files are identical and every tensor was reported once, in order
            assertEquals(-1L, Files.mismatch(big, small), dtype + " files differ");
            assertEquals(IntStream.range(0, plan.size()).boxed().toList(), reported);
        }
    }

    @Test
    void fileReadsBackWithThePlannedNamesShapesAndValues() {
        // given a two-tensor plan: a norm vector and a matrix larger than one block
        SynthTensor norm = SynthTensor.single("n.weight", -1, 1, 0.02, 64);
        SynthTensor big = SynthTensor.single("w.weight", 0, 0, 0.5, 300, 400);
        Path file = tmp.resolve("two.safetensors");
        SynthShardWriter.write(file, List.of(norm, big), DType.F32, 9, null);

        // when it is read through the engine's reader
        try (Arena arena = Arena.ofConfined()) {
            SafeTensorsFile st = SafeTensorsFile.open(file, arena);
            TensorInfo w = st.tensors().get("w.weight");

            // then shapes match and the values are mean + std * the keyed normal stream, block by block
            assertArrayEquals(new long[] {64}, st.tensors().get("n.weight").shape());
            assertArrayEquals(new long[] {300, 400}, w.shape());
            var f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            for (long index : new long[] {0, 1, SynthShardWriter.BLOCK - 1, SynthShardWriter.BLOCK, 300 * 400 - 1}) {
                long block = index / SynthShardWriter.BLOCK;
                SeededNormal r = new SeededNormal(SeededNormal.blockSeed(9, "w.weight", block));
                double v = 0;
                for (long i = block * SynthShardWriter.BLOCK; i <= index; i++) {
                    v = r.next();
                }
                assertEquals((float) (0.5 * v), w.data().getAtIndex(f32, index), 0f, "value " + index);
            }
            assertEquals("pt", st.metadata().get("format"));
        }
    }

    @Test
    void planHoldsTheParameterCountTheSizeReports() {
        for (String name : SynthSize.NAMES) {
            for (boolean linearOnly : new boolean[] {false, true}) {
                // given a size, when its plan is built, then its values add up to parameters()
                SynthSize size = SynthSize.named(name);
                List<LayerKind> kinds = size.layerKinds(linearOnly);
                long planned = SynthPlan.tensors(size, kinds, MoeLayout.PER_EXPERT).stream().mapToLong(SynthTensor::count).sum();
                assertEquals(size.parameters(linearOnly), planned, name + " linearOnly=" + linearOnly);
            }
        }
    }
}
