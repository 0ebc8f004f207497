/*
 * Device time per kernel, for finding where a decode step's time goes on the GPU
 * (-Dlonghaul.cuda.kernelTimes=true; printed to standard error when the backend closes). Every
 * launch is bracketed by two CUDA events. So that the events time the kernel and not the host's
 * gaps between launches, the first launch after each wait for the device is preceded by a kernel
 * that keeps the device busy for about ten milliseconds (spin_wait): the launches behind it queue
 * up and then run back to back, as they do when the host keeps ahead. Costs a wait per
 * synchronizing call and up to ten milliseconds each; a diagnostic, not a mode to serve in.
 */
package dev.longhaul.engine.cuda;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUstream;

final class KernelTimes implements AutoCloseable {
    /** About ten milliseconds at an H200's two gigahertz: longer than the host takes to queue a decode step. */
    static final long SPIN_CYCLES = 20_000_000L;

    private final List<CUevent> events = new ArrayList<>();
    private final List<String> pending = new ArrayList<>();
    private final Map<String, double[]> totals = new HashMap<>(); // key → {milliseconds, calls}
    private boolean idle = true;

    /** Whether the next launch must be preceded by spin_wait (the device may have drained). */
    boolean idle() {
        return idle;
    }

    /** Records the start event of a launch of `kernel` with grid `g`; the spin, if due, is launched already. */
    void before(String kernel, LaunchGeometry g) {
        idle = false;
        CudaDevice.check(cuEventRecord(event(2 * pending.size()), (CUstream) null), "cuEventRecord");
        pending.add(kernel + " " + g.gridX() + "x" + g.gridY() + "x" + g.blockX() * g.blockY());
    }

    void after() {
        CudaDevice.check(cuEventRecord(event(2 * pending.size() - 1), (CUstream) null), "cuEventRecord");
    }

    /** Waits for the recorded launches and adds their times (called before every wait for the device). */
    void collect() {
        idle = true;
        if (pending.isEmpty()) {
            return;
        }
        CudaDevice.check(cuEventSynchronize(events.get(2 * pending.size() - 1)), "cuEventSynchronize");
        float[] ms = new float[1];
        for (int i = 0; i < pending.size(); i++) {
            CudaDevice.check(cuEventElapsedTime(ms, events.get(2 * i), events.get(2 * i + 1)), "cuEventElapsedTime");
            double[] t = totals.computeIfAbsent(pending.get(i), k -> new double[2]);
            t[0] += ms[0];
            t[1]++;
        }
        pending.clear();
    }

    private CUevent event(int i) {
        while (events.size() <= i) {
            CUevent e = new CUevent();
            CudaDevice.check(cuEventCreate(e, CUevent_flags.CU_EVENT_DEFAULT), "cuEventCreate");
            events.add(e);
        }
        return events.get(i);
    }

    /** One line per kernel and grid, the most total time first. */
    String report() {
        StringBuilder b = new StringBuilder("device time per kernel (kernel gridX x gridY x threads: calls, total ms, mean us)\n");
        double all = totals.values().stream().mapToDouble(t -> t[0]).sum();
        totals.entrySet().stream().sorted((x, y) -> Double.compare(y.getValue()[0], x.getValue()[0])).forEach(e ->
                b.append(String.format(Locale.ROOT, "  %-40s %7d %10.3f %9.2f%n", e.getKey(), (long) e.getValue()[1],
                        e.getValue()[0], e.getValue()[0] * 1000 / e.getValue()[1])));
        b.append(String.format(Locale.ROOT, "  %-40s %7s %10.3f%n", "all", "", all));
        return b.toString();
    }

    @Override
    public void close() {
        for (CUevent e : events) {
            cuEventDestroy(e);
        }
        events.clear();
    }
}
