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
    void tooManyTasksForOneLaunchAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> LaunchGeometry.ropeAppend(1, 70000));
        assertThrows(IllegalArgumentException.class, () -> LaunchGeometry.lightningDecode(1, 1, 2048));
    }
}
