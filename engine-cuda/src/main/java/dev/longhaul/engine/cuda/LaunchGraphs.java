/*
 * Kernel launches replayed as CUDA graphs (the CUDA backend's default; -Dlonghaul.cuda.graphs=false
 * turns them off). A decode step issues some two hundred small launches, each costing the host
 * more than the GPU spends on it; recorded instead of launched, they go to the device as one graph
 * per segment of up to SEGMENT launches, and a segment seen before (the same kernels with the same
 * grids in the same order, as every decode step of the same batch is) replays its instantiated
 * graph, after updating only the nodes whose argument values changed (the per-call tables'
 * addresses in the ArgRing, a position). A segment seen for the first time is launched directly
 * (cuLaunchKernel through java.lang.foreign), and its graph is built only when it comes again: a
 * batch whose shapes change from step to step (prefill chunks, a continuous batch's host-routed
 * experts) pays no graph building for shapes that never recur. Nodes are chained in recording
 * order, so the device runs them exactly as it would have run the launches.
 *
 * CudaDevice flushes the recorded launches before anything that must see their effects or be
 * ordered against them: a copy, a memset, a synchronize, a free. The ArgRing's asynchronous
 * copies need no flush: each writes a region no recorded launch reads (a wrap synchronizes, and
 * so flushes, first), and a recorded launch that reads it is queued after it.
 *
 * Driver entry points are called through java.lang.foreign (JCuda's graph binding marshals as
 * slowly as its launch). Recording and flushing are synchronized: the step's thread records while
 * another (a new sequence's allocation, a fork's copy) may flush.
 */
package dev.longhaul.engine.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

final class LaunchGraphs implements AutoCloseable {
    /** Most launches in one graph: the device starts on a step's first segments while the host records the rest. */
    static final int SEGMENT = 64;
    /** Instantiated graphs kept (least recently used dropped first). */
    static final int CACHED = 256;
    /** Segments seen once and remembered, so that the second sighting builds the graph. */
    static final int SEEN = 4096;
    private static final int ARGS = CudaDevice.MAX_KERNEL_ARGS;
    // CUDA_KERNEL_NODE_PARAMS (v2): func, grid x y z, block x y z, shared bytes, params, extra, kern, ctx
    private static final long P_FUNC = 0;
    private static final long P_GRID = 8;
    private static final long P_BLOCK = 20;
    private static final long P_SHARED = 32;
    private static final long P_PARAMS = 40;
    private static final long P_EXTRA = 48;
    private static final long P_KERN = 56;
    private static final long P_CTX = 64;
    private static final long P_SIZE = 72;

    private final Driver driver;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment params = arena.allocate(P_SIZE, 8);
    private final MemorySegment values = arena.allocate(8L * ARGS, 8);
    private final MemorySegment pointers = arena.allocate(8L * ARGS, 8);
    private final MemorySegment out = arena.allocate(8, 8);
    private final MemorySegment dependency = arena.allocate(8, 8);
    private final Launch[] pending = new Launch[SEGMENT];
    private int count;
    private final Map<Key, Graph> graphs = new LinkedHashMap<>(64, 0.75f, true);
    private final Map<Key, Boolean> seen = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Boolean> eldest) {
            return size() > SEEN;
        }
    };
    private long direct;
    private long fallbacks;
    private long built;
    private long replayed;
    private long updatedNodes;

    private LaunchGraphs(Driver driver) {
        this.driver = driver;
        for (int i = 0; i < SEGMENT; i++) {
            pending[i] = new Launch();
        }
        for (int i = 0; i < ARGS; i++) {
            pointers.setAtIndex(ValueLayout.JAVA_LONG, i, values.address() + 8L * i);
        }
        params.fill((byte) 0);
    }

    /** Graphs through libcuda's entry points; an IllegalStateException when they cannot be reached. */
    static LaunchGraphs load() {
        LaunchGraphs g = loadIfAvailable();
        if (g == null) {
            throw new IllegalStateException(CudaDevice.UNAVAILABLE + "CUDA graphs were asked for but libcuda's graph "
                    + "entry points cannot be called through java.lang.foreign");
        }
        return g;
    }

    /** The same, or null when the entry points cannot be reached (launches then go one by one). */
    static LaunchGraphs loadIfAvailable() {
        Driver d = Driver.load();
        return d == null ? null : new LaunchGraphs(d);
    }

    /** Records a launch; flushes first when the segment is full. */
    synchronized void record(MemorySegment function, String kernel, LaunchGeometry g, Object[] args) {
        if (args.length > ARGS) {
            throw new IllegalArgumentException(kernel + " takes at most " + ARGS + " arguments here");
        }
        if (count == SEGMENT) {
            flush();
        }
        Launch l = pending[count];
        l.function = function;
        l.kernel = kernel;
        l.geometry = g;
        l.argc = args.length;
        for (int i = 0; i < args.length; i++) {
            l.args[i] = slot(args[i]);
        }
        count++;
    }

    /** The 8-byte slot cuLaunchKernel reads an argument from (little-endian: an int in its low half). */
    static long slot(Object arg) {
        return switch (arg) {
            case Integer v -> v & 0xffffffffL;
            case Float v -> Float.floatToRawIntBits(v) & 0xffffffffL;
            case Long v -> v;
            case Double v -> Double.doubleToRawLongBits(v);
            case DeviceBuffer b -> b.address();
            default -> throw new IllegalArgumentException("kernel argument " + arg);
        };
    }

    /** Sends the recorded launches to the device (as one graph, built or replayed). */
    synchronized void flush() {
        if (count == 0) {
            return;
        }
        int n = count;
        count = 0; // a failure below must not replay these launches at the next flush
        Key key = Key.of(pending, n);
        Graph graph = graphs.get(key);
        if (graph == null && seen.remove(key) == null) {
            seen.put(key, Boolean.TRUE);
            launchDirect(n);
            direct++;
            return;
        }
        try {
            if (graph == null) {
                graph = build(n);
                graphs.put(key, graph);
                built++;
                if (graphs.size() > CACHED) {
                    var eldest = graphs.entrySet().iterator();
                    Graph old = eldest.next().getValue();
                    eldest.remove();
                    old.destroy(driver);
                }
            } else {
                update(graph, n);
                replayed++;
            }
            CudaDevice.check(driver.launch(graph.exec), "cuGraphLaunch");
        } catch (RuntimeException e) {
            // A graph that could not be built, updated or launched (no memory to instantiate it,
            // say): forgotten, and the segment launched one by one instead, so that no launch is
            // lost; a launch that fails that way too throws.
            Graph broken = graphs.remove(key);
            if (broken != null) {
                try {
                    broken.destroy(driver);
                } catch (RuntimeException ignored) {
                    // the launch below reports what matters
                }
            }
            fallbacks++;
            launchDirect(n);
        }
    }

    /** Sets the nodes whose argument values differ from the graph's; the graph's copy follows each success. */
    private void update(Graph graph, int n) {
        for (int i = 0; i < n; i++) {
            Launch l = pending[i];
            if (!Arrays.equals(graph.args[i], 0, l.argc, l.args, 0, l.argc)) {
                fillParams(l);
                CudaDevice.check(driver.setParams(graph.exec, graph.nodes[i], params),
                        "cuGraphExecKernelNodeSetParams of " + l.kernel);
                System.arraycopy(l.args, 0, graph.args[i], 0, l.argc);
                updatedNodes++;
            }
        }
    }

    private void launchDirect(int n) {
        for (int i = 0; i < n; i++) {
            launchDirect(pending[i]);
        }
    }

    private void launchDirect(Launch l) {
        for (int i = 0; i < l.argc; i++) {
            values.setAtIndex(ValueLayout.JAVA_LONG, i, l.args[i]);
        }
        LaunchGeometry g = l.geometry;
        CudaDevice.check(driver.launchKernel(l.function, g.gridX(), g.gridY(), g.blockX(), g.blockY(), pointers),
                "launch of " + l.kernel);
    }

    private Graph build(int n) {
        CudaDevice.check(driver.create(out), "cuGraphCreate");
        MemorySegment g = out.get(ValueLayout.ADDRESS, 0);
        Graph graph = new Graph(g, n);
        try {
            for (int i = 0; i < n; i++) {
                Launch l = pending[i];
                fillParams(l);
                long deps = i == 0 ? 0 : 1;
                if (i > 0) {
                    dependency.set(ValueLayout.ADDRESS, 0, graph.nodes[i - 1]);
                }
                CudaDevice.check(driver.addKernelNode(out, g, deps == 0 ? MemorySegment.NULL : dependency, deps,
                        params), "cuGraphAddKernelNode of " + l.kernel);
                graph.nodes[i] = out.get(ValueLayout.ADDRESS, 0);
                graph.args[i] = Arrays.copyOf(l.args, l.argc);
            }
            CudaDevice.check(driver.instantiate(out, g), "cuGraphInstantiateWithFlags");
            graph.exec = out.get(ValueLayout.ADDRESS, 0);
            return graph;
        } catch (RuntimeException e) {
            graph.destroy(driver);
            throw e;
        }
    }

    private void fillParams(Launch l) {
        params.set(ValueLayout.JAVA_LONG, P_FUNC, l.function.address());
        params.set(ValueLayout.JAVA_INT, P_GRID, l.geometry.gridX());
        params.set(ValueLayout.JAVA_INT, P_GRID + 4, l.geometry.gridY());
        params.set(ValueLayout.JAVA_INT, P_GRID + 8, 1);
        params.set(ValueLayout.JAVA_INT, P_BLOCK, l.geometry.blockX());
        params.set(ValueLayout.JAVA_INT, P_BLOCK + 4, l.geometry.blockY());
        params.set(ValueLayout.JAVA_INT, P_BLOCK + 8, 1);
        params.set(ValueLayout.JAVA_INT, P_SHARED, 0);
        params.set(ValueLayout.JAVA_LONG, P_PARAMS, pointers.address());
        params.set(ValueLayout.JAVA_LONG, P_EXTRA, 0L);
        params.set(ValueLayout.JAVA_LONG, P_KERN, 0L);
        params.set(ValueLayout.JAVA_LONG, P_CTX, 0L);
        for (int i = 0; i < l.argc; i++) {
            values.setAtIndex(ValueLayout.JAVA_LONG, i, l.args[i]);
        }
    }

    /** Segments launched directly, graphs built, graphs replayed, nodes updated on replay. */
    String stats() {
        return "segments launched directly " + direct + ", graphs built " + built + ", replayed " + replayed
                + ", nodes updated " + updatedNodes + ", graphs given up for direct launches " + fallbacks;
    }

    /** Destroys every cached graph; the caller has flushed and synchronized. */
    @Override
    public synchronized void close() {
        try {
            for (Graph g : graphs.values()) {
                g.destroy(driver);
            }
            graphs.clear();
        } finally {
            arena.close();
        }
    }

    private static final class Launch {
        MemorySegment function;
        String kernel;
        LaunchGeometry geometry;
        int argc;
        final long[] args = new long[ARGS];
    }

    /** The kernels, grids and argument counts of a segment: what an instantiated graph can replay. */
    private record Key(long[] shape) {
        static Key of(Launch[] launches, int n) {
            long[] s = new long[4 * n];
            for (int i = 0; i < n; i++) {
                Launch l = launches[i];
                LaunchGeometry g = l.geometry;
                s[4 * i] = l.function.address();
                s[4 * i + 1] = (long) g.gridX() << 32 | g.gridY();
                s[4 * i + 2] = (long) g.blockX() << 32 | g.blockY();
                s[4 * i + 3] = l.argc;
            }
            return new Key(s);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(shape, k.shape);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(shape);
        }
    }

    private static final class Graph {
        final MemorySegment graph;
        final MemorySegment[] nodes;
        final long[][] args;
        MemorySegment exec;

        Graph(MemorySegment graph, int n) {
            this.graph = graph;
            this.nodes = new MemorySegment[n];
            this.args = new long[n][];
        }

        /** An executable graph still running is freed by the driver when it completes. */
        void destroy(Driver d) {
            if (exec != null) {
                d.execDestroy(exec);
                exec = null;
            }
            d.destroy(graph);
        }
    }

    /** libcuda's graph entry points through java.lang.foreign. */
    private record Driver(MethodHandle create, MethodHandle addKernelNode, MethodHandle instantiate,
                          MethodHandle execSetParams, MethodHandle launch, MethodHandle execDestroy,
                          MethodHandle destroy, MethodHandle cuLaunchKernel) {
        static Driver load() {
            try {
                SymbolLookup lib = SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
                Linker linker = Linker.nativeLinker();
                ValueLayout.OfInt i = ValueLayout.JAVA_INT;
                ValueLayout.OfLong l = ValueLayout.JAVA_LONG;
                java.lang.foreign.AddressLayout a = ValueLayout.ADDRESS;
                java.util.function.BiFunction<String, FunctionDescriptor, MethodHandle> h = (name, fd) ->
                        linker.downcallHandle(lib.find(name).orElseThrow(), fd);
                return new Driver(
                        h.apply("cuGraphCreate", FunctionDescriptor.of(i, a, i)),
                        h.apply("cuGraphAddKernelNode_v2", FunctionDescriptor.of(i, a, a, a, l, a)),
                        h.apply("cuGraphInstantiateWithFlags", FunctionDescriptor.of(i, a, a, l)),
                        h.apply("cuGraphExecKernelNodeSetParams_v2", FunctionDescriptor.of(i, a, a, a)),
                        h.apply("cuGraphLaunch", FunctionDescriptor.of(i, a, a)),
                        h.apply("cuGraphExecDestroy", FunctionDescriptor.of(i, a)),
                        h.apply("cuGraphDestroy", FunctionDescriptor.of(i, a)),
                        h.apply("cuLaunchKernel", FunctionDescriptor.of(i, a, i, i, i, i, i, i, i, a, a, a)));
            } catch (RuntimeException | LinkageError e) { // no libcuda, too old a driver, or native access refused
                return null;
            }
        }

        int launchKernel(MemorySegment f, int gx, int gy, int bx, int by, MemorySegment params) {
            try {
                return (int) cuLaunchKernel.invokeExact(f, gx, gy, 1, bx, by, 1, 0, MemorySegment.NULL, params,
                        MemorySegment.NULL);
            } catch (Throwable t) {
                throw failed("cuLaunchKernel", t);
            }
        }

        int create(MemorySegment graphOut) {
            try {
                return (int) create.invokeExact(graphOut, 0);
            } catch (Throwable t) {
                throw failed("cuGraphCreate", t);
            }
        }

        int addKernelNode(MemorySegment nodeOut, MemorySegment graph, MemorySegment deps, long n, MemorySegment p) {
            try {
                return (int) addKernelNode.invokeExact(nodeOut, graph, deps, n, p);
            } catch (Throwable t) {
                throw failed("cuGraphAddKernelNode", t);
            }
        }

        int instantiate(MemorySegment execOut, MemorySegment graph) {
            try {
                return (int) instantiate.invokeExact(execOut, graph, 0L);
            } catch (Throwable t) {
                throw failed("cuGraphInstantiateWithFlags", t);
            }
        }

        int setParams(MemorySegment exec, MemorySegment node, MemorySegment p) {
            try {
                return (int) execSetParams.invokeExact(exec, node, p);
            } catch (Throwable t) {
                throw failed("cuGraphExecKernelNodeSetParams", t);
            }
        }

        int launch(MemorySegment exec) {
            try {
                return (int) launch.invokeExact(exec, MemorySegment.NULL); // the default stream
            } catch (Throwable t) {
                throw failed("cuGraphLaunch", t);
            }
        }

        void execDestroy(MemorySegment exec) {
            try {
                int rc = (int) execDestroy.invokeExact(exec);
            } catch (Throwable t) {
                throw failed("cuGraphExecDestroy", t);
            }
        }

        void destroy(MemorySegment graph) {
            try {
                int rc = (int) destroy.invokeExact(graph);
            } catch (Throwable t) {
                throw failed("cuGraphDestroy", t);
            }
        }

        private static IllegalStateException failed(String what, Throwable t) {
            return new IllegalStateException(what + " could not be called", t);
        }
    }
}
