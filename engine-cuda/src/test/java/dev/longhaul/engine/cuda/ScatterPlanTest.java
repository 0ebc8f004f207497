/* The scatter-add plan groups sources by destination and keeps the interface's order inside a group. */
package dev.longhaul.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

class ScatterPlanTest {
    @Test
    void sourcesAreGroupedByDestinationInIncreasingOrder() {
        // given rows routed to two experts each, so destinations repeat
        int[] rowIndex = {3, 0, 3, 1, 0, 3, 9};
        // when
        ScatterPlan plan = ScatterPlan.of(rowIndex, 6); // the 7th entry is beyond count
        // then
        assertArrayEquals(new int[] {3, 0, 1}, plan.targets());
        assertArrayEquals(new int[] {0, 3, 5, 6}, plan.start());
        assertArrayEquals(new int[] {0, 2, 5, 1, 4, 3}, plan.order());
    }

    @Test
    void anEmptyScatterHasNoGroups() {
        ScatterPlan plan = ScatterPlan.of(new int[] {4}, 0);
        assertArrayEquals(new int[0], plan.targets());
        assertArrayEquals(new int[] {0}, plan.start());
    }
}
