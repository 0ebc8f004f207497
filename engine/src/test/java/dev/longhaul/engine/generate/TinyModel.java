/*
 * Test fixture: the shared golden checkpoints (system property longhaul.golden.dir, as the golden
 * suite reads it) loaded on a chosen CPU backend, and seeded random prompts.
 */
package dev.longhaul.engine.generate;

import dev.longhaul.engine.SharedData;
import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.cpu.ScalarBackend;
import dev.longhaul.engine.cpu.VectorBackend;
import dev.longhaul.engine.model.MiniMaxModel;
import dev.longhaul.engine.model.MiniMaxModel.RopeMode;
import java.nio.file.Path;
import java.util.SplittableRandom;

public final class TinyModel {
    private TinyModel() {
    }

    /** The CPU backends every batching test runs on. */
    public enum Kind {
        SCALAR,
        VECTOR_2_THREADS;

        public Backend create() {
            return switch (this) {
                case SCALAR -> new ScalarBackend();
                case VECTOR_2_THREADS -> new VectorBackend(2);
            };
        }
    }

    public static Path dir(String name) {
        return SharedData.golden(name);
    }

    /** minimax-tiny on `backend` (the caller closes both). */
    public static MiniMaxModel load(Backend backend) {
        return MiniMaxModel.load(dir("minimax-tiny"), backend, RopeMode.PARTIAL);
    }

    public static int[] randomIds(SplittableRandom random, int length, int vocab) {
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) {
            ids[i] = random.nextInt(vocab);
        }
        return ids;
    }
}
