/* Launch shapes cover every output exactly as the kernels index it, and reject impossible grids. */
package dev.longhaul.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LaunchGeometryTest {
    @Test
    void matmulTilesCoverAllFeaturesAndTokens() {
        for (int rows : new int[] {1, 31, 32, 33, 4096}) {
            for (int features : new int[] {1, 15, 16, 17, 200064}) {
                LaunchGeometry g = LaunchGeometry.matmulBf16(rows, features);
                assertTrue(g.gridX() * 16L >= features && (g.gridX() - 1) * 16L < features);
                assertTrue(g.gridY() * 32L >= rows && (g.gridY() - 1) * 32L < rows);
                LaunchGeometry f = LaunchGeometry.matmulF32(rows, features);
                assertEquals(256, f.blockX() * f.blockY());
                assertTrue(f.gridY() * 16L >= rows);
            }
        }
    }

    @Test
    void lightningChunksFitTheDecayTableAndTheKernel() {
        assertEquals(16, LaunchGeometry.lightningChunk(16), "the contract's block of 16");
        assertEquals(64, LaunchGeometry.lightningChunk(256), "MiniMax's block of 256 runs in chunks of 64");
        assertEquals(4 * 4, LaunchGeometry.lightningPrefill(4, 3, 128).gridX(), "4 heads x 4 value slices");
        assertEquals(3, LaunchGeometry.lightningPrefill(3, 1, 16).gridX(), "a head narrower than a slice");
        assertEquals(16 * 4, LaunchGeometry.lightningDecode(16, 2, 128).gridX(), "16 heads x 4 value slices");
        assertEquals(64, LaunchGeometry.lightningDecode(1, 1, 2048).gridX(), "any head width: 64 slices");
    }

    @Test
    void attentionAndFlatGrids() {
        LaunchGeometry a = LaunchGeometry.attend(5, 6, 2);
        assertEquals(8, a.gridX(), "30 (row, head) warps in blocks of 4");
        assertEquals(2, a.gridY());
        assertEquals(1, LaunchGeometry.flat(1).gridX());
        assertEquals(LaunchGeometry.MAX_FLAT_BLOCKS, LaunchGeometry.flat(1L << 40).gridX());
        assertEquals(3, DeviceKvCache.pagesFor(513));
        assertEquals(2, DeviceKvCache.pagesFor(512));
    }

    @Test
    void decodeAttentionChunksStayWithinThePartialsBuffer() {
        assertEquals(64, LaunchGeometry.attentionChunk(0));
        assertEquals(1, LaunchGeometry.attentionChunks(0));
        assertEquals(2, LaunchGeometry.attentionChunks(64), "positions 0..64 are 65 tokens");
        assertEquals(256, LaunchGeometry.attentionChunks(16383));
        assertEquals(128, LaunchGeometry.attentionChunk(16384), "doubled past 256 chunks");
        for (int p : new int[] {1, 16383, 16384, 32767, 100_000, 262_143, 1 << 20, Integer.MAX_VALUE / 4}) {
            int c = LaunchGeometry.attentionChunk(p);
            assertTrue(LaunchGeometry.attentionChunks(p) <= LaunchGeometry.ATTENTION_MAX_CHUNKS, "position " + p);
            assertEquals(0, c % 32, "a whole number of 32-token tiles");
        }
        assertEquals(4 * 5, LaunchGeometry.attendSplit(4, 5, 2).gridX(), "4 kv heads x 5 chunks");
    }

    @Test
    void tooManyTasksForOneLaunchAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> LaunchGeometry.ropeAppend(1, 70000));
        assertThrows(IllegalArgumentException.class, () -> LaunchGeometry.lightningDecode(1, 70000, 128));
    }
}
