/*
 * scatterAddRows adds rows in order of i, and several i may hit the same destination row (a token
 * routed to k experts). The plan groups the i by destination, keeping increasing i inside each
 * group, so that one GPU block per destination row adds its sources in the interface's order while
 * different destinations run in parallel: targets[u] is a destination row and
 * order[start[u] .. start[u+1]) the source indices i that add into it.
 */
package dev.longhaul.engine.cuda;

import java.util.LinkedHashMap;
import java.util.Map;

record ScatterPlan(int[] targets, int[] start, int[] order) {
    static ScatterPlan of(int[] rowIndex, int count) {
        Map<Integer, Integer> sizes = new LinkedHashMap<>(); // destination → number of sources, first-seen order
        for (int i = 0; i < count; i++) {
            sizes.merge(rowIndex[i], 1, Integer::sum);
        }
        int[] targets = new int[sizes.size()];
        int[] start = new int[sizes.size() + 1];
        Map<Integer, Integer> group = new LinkedHashMap<>();
        int u = 0;
        for (Map.Entry<Integer, Integer> e : sizes.entrySet()) {
            targets[u] = e.getKey();
            start[u + 1] = start[u] + e.getValue();
            group.put(e.getKey(), u);
            u++;
        }
        int[] fill = start.clone();
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[fill[group.get(rowIndex[i])]++] = i;
        }
        return new ScatterPlan(targets, start, order);
    }
}
