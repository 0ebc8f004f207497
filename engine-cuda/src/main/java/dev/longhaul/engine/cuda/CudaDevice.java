/*
 * The driver-API side of the CUDA backend: initialises the driver, retains device 0's primary
 * context, loads the kernel fatbin from the classpath, and owns every allocation so that close()
 * frees what the backend's handles still hold. Startup failures (no driver library, cuInit error,
 * no device, kernels the driver cannot load) are IllegalStateExceptions whose message starts with
 * UNAVAILABLE and names the cause; there is no fallback to another backend.
 */
package dev.longhaul.engine.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoD;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;

final class CudaDevice implements AutoCloseable {
    static final String UNAVAILABLE = "CUDA backend unavailable: ";
    static final String KERNELS = "/dev/longhaul/engine/cuda/longhaul_kernels.fatbin";
    private static final Cleaner CLEANER = Cleaner.create();
    private static String driverFailure; // guarded by CudaDevice.class

    private final CUdevice device;
    private final CUcontext context;
    private final CUmodule module;
    private final String description;
    private final Map<String, Function> functions = new ConcurrentHashMap<>();
    private final Set<DeviceBuffer> live = ConcurrentHashMap.newKeySet();
    // Buffers whose handle became unreachable (Cleaner thread); freed by the next allocation on a
    // thread that has the context current.
    private final Queue<DeviceBuffer> unreachable = new ConcurrentLinkedQueue<>();
    /** The free lists of buffer pools (pool()), drained when the device runs out of memory. */
    private final List<Queue<DeviceBuffer>> pools = new java.util.concurrent.CopyOnWriteArrayList<>();
    private boolean closed;
    // cuLaunchKernel's argument values (8 bytes each) and the pointers to them, reused by every launch
    private final Arena launchArena = Arena.ofShared();
    private final MemorySegment argValues = launchArena.allocate(8L * MAX_KERNEL_ARGS, 8);
    private final MemorySegment argPointers = launchArena.allocate(8L * MAX_KERNEL_ARGS, 8);
    /** Launches recorded and sent as CUDA graphs, else null. */
    private final LaunchGraphs graphs;
    /** Device time per kernel (-Dlonghaul.cuda.kernelTimes=true, without graphs), else null. */
    private final KernelTimes times;

    private CudaDevice(CUdevice device, CUcontext context, CUmodule module, String description, Boolean graphs) {
        boolean timed = Boolean.getBoolean("longhaul.cuda.kernelTimes"); // times launches one by one
        this.graphs = graphs == null ? (timed ? null : LaunchGraphs.loadIfAvailable())
                : graphs ? LaunchGraphs.load() : null;
        this.times = this.graphs == null && timed ? new KernelTimes() : null;
        this.device = device;
        this.context = context;
        this.module = module;
        this.description = description;
        for (int i = 0; i < MAX_KERNEL_ARGS; i++) {
            argPointers.setAtIndex(ValueLayout.JAVA_LONG, i, argValues.address() + 8L * i);
        }
    }

    static final int MAX_KERNEL_ARGS = 32;

    /**
     * cuLaunchKernel called through java.lang.foreign when -Dlonghaul.cuda.launch=ffm asks for it
     * (and libcuda has it), else null: kernels go through JCuda's binding. That binding marshals
     * each kernel argument through several JNI calls, about 10 µs per launch on an H200 host
     * (`bench engine --profile`), which leaves a 1.6B model's decode step waiting on the host.
     * Opt-in because it has not run on a GPU yet: bench/gpu/device.sh times it against JCuda's.
     */
    private static final MethodHandle LAUNCH = launchHandle();

    private static MethodHandle launchHandle() {
        if (!"ffm".equals(System.getProperty("longhaul.cuda.launch"))) {
            return null;
        }
        try {
            MemorySegment fn = SymbolLookup.libraryLookup("libcuda.so.1", Arena.global()).find("cuLaunchKernel")
                    .orElse(null);
            if (fn == null) {
                return null;
            }
            ValueLayout.OfInt i = ValueLayout.JAVA_INT;
            return Linker.nativeLinker().downcallHandle(fn, FunctionDescriptor.of(i, ValueLayout.ADDRESS, i, i, i, i, i,
                    i, i, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        } catch (RuntimeException | LinkageError e) { // no libcuda, or native access refused
            return null;
        }
    }

    /** How kernels are launched: "graphs" (LaunchGraphs), "ffm" (java.lang.foreign) or "jcuda". */
    String launchPath() {
        return graphs != null ? "graphs" : LAUNCH != null ? "ffm" : "jcuda";
    }

    /**
     * Sends launches recorded for a graph to the device; every operation that must be ordered
     * after them (copies, memsets, waits, frees) calls it first.
     */
    void flush() {
        if (graphs != null) {
            graphs.flush();
        }
        if (times != null) {
            times.collect();
        }
    }

    /**
     * Device 0 with the kernels loaded, or an IllegalStateException saying why not, always starting
     * with UNAVAILABLE: a device that exists but cannot be opened (compute mode PROHIBITED, another
     * process holding it exclusively, no memory for a context) is unavailable too, so callers (the
     * CLI, the tests' skip) read one message shape. The context is released on every failure after
     * it was retained.
     */
    static CudaDevice open(Boolean graphs) {
        initDriver();
        try {
            int[] count = new int[1];
            check(cuDeviceGetCount(count), "cuDeviceGetCount");
            if (count[0] == 0) {
                throw new IllegalStateException(UNAVAILABLE + "the NVIDIA driver reports no CUDA device");
            }
            CUdevice dev = new CUdevice();
            check(cuDeviceGet(dev, 0), "cuDeviceGet");
            String description = describe(dev);
            CUcontext ctx = new CUcontext();
            check(cuDevicePrimaryCtxRetain(ctx, dev), "cuDevicePrimaryCtxRetain");
            try {
                check(cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
                CUmodule module = new CUmodule();
                int rc = cuModuleLoadData(module, kernelImage());
                if (rc != CUresult.CUDA_SUCCESS) {
                    throw new IllegalStateException(UNAVAILABLE + "the driver cannot load the kernels (sm_90 SASS, compute_90 PTX "
                            + "from CUDA 13) on " + description + ": " + CUresult.stringFor(rc)
                            + "; a Hopper GPU or newer and a driver for CUDA 13 or later are needed");
                }
                return new CudaDevice(dev, ctx, module, description, graphs);
            } catch (RuntimeException e) {
                cuDevicePrimaryCtxRelease(dev);
                throw e;
            }
        } catch (IllegalStateException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(UNAVAILABLE)) {
                throw e;
            }
            throw new IllegalStateException(UNAVAILABLE + e.getMessage(), e);
        }
    }

    /** Loads the JCuda driver binding (which needs libcuda) and runs cuInit. */
    private static void initDriver() {
        int rc;
        try {
            rc = cuInit(0);
        } catch (LinkageError e) {
            // The first failure says why (libcuda missing); later ones only say the class failed to
            // initialise, so the first reason is kept.
            synchronized (CudaDevice.class) {
                if (driverFailure == null) {
                    driverFailure = reason(e);
                }
            }
            throw new IllegalStateException(UNAVAILABLE + "the NVIDIA driver library (libcuda.so.1) could not be loaded ("
                    + driverFailure + "); install the NVIDIA driver or choose --backend cpu", e);
        }
        if (rc != CUresult.CUDA_SUCCESS) {
            throw new IllegalStateException(UNAVAILABLE + "cuInit failed with " + CUresult.stringFor(rc) + " (" + rc
                    + "); is an NVIDIA GPU present and its driver loaded?");
        }
    }

    /** The line of JCuda's nested message that names libcuda, else the innermost message. */
    private static String reason(Throwable e) {
        String msg = String.valueOf(e.getMessage());
        int at = msg.indexOf("libcuda");
        if (at >= 0) {
            int start = msg.lastIndexOf(':', at) + 1;
            return firstLine(msg.substring(start).trim());
        }
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return firstLine(String.valueOf(root.getMessage()));
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static String describe(CUdevice dev) {
        byte[] name = new byte[256];
        check(cuDeviceGetName(name, name.length, dev), "cuDeviceGetName");
        int len = 0;
        while (len < name.length && name[len] != 0) {
            len++;
        }
        int[] major = new int[1];
        int[] minor = new int[1];
        int[] driver = new int[1];
        check(cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev), "attr");
        check(cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev), "attr");
        check(cuDriverGetVersion(driver), "cuDriverGetVersion");
        return new String(name, 0, len, java.nio.charset.StandardCharsets.UTF_8) + " (compute capability " + major[0]
                + "." + minor[0] + ", driver API " + driver[0] / 1000 + "." + driver[0] % 1000 / 10 + ")";
    }

    private static byte[] kernelImage() {
        try (InputStream in = CudaDevice.class.getResourceAsStream(KERNELS)) {
            if (in == null) {
                throw new IllegalStateException(UNAVAILABLE + "the kernel image " + KERNELS + " is not on the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(UNAVAILABLE + "cannot read " + KERNELS, e);
        }
    }

    static void check(int rc, String what) {
        if (rc != CUresult.CUDA_SUCCESS) {
            throw new IllegalStateException(what + " failed: " + CUresult.stringFor(rc) + " (" + rc + ")");
        }
    }

    String description() {
        return description;
    }

    /** Makes this device's context current on the calling thread (every backend entry point does). */
    void enter() {
        if (closed) {
            throw new IllegalStateException("the CUDA backend is closed");
        }
        check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    /** Frees `buffer` once `owner` is unreachable (Tensors and KV pages have no close of their own). */
    void freeWhenUnreachable(Object owner, DeviceBuffer buffer) {
        Queue<DeviceBuffer> queue = unreachable;
        CLEANER.register(owner, () -> queue.add(buffer));
    }

    /**
     * A new buffer. Memory of unreachable owners is freed first; when the device is out of memory
     * anyway, a garbage collection is asked for and the allocation tried again (twice): device
     * memory pressure starts no collection by itself, and finished sequences' states and KV pages
     * can sit unreachable in the old generation for a long time.
     */
    DeviceBuffer allocate(long bytes) {
        freeUnreachable();
        DeviceBuffer.Handle h = new DeviceBuffer.Handle();
        int rc = cuMemAlloc(h, Math.max(bytes, 4));
        for (int attempt = 0; rc == CUresult.CUDA_ERROR_OUT_OF_MEMORY && attempt < 2; attempt++) {
            System.gc();
            try {
                Thread.sleep(50L << attempt); // the Cleaner's thread queues what the collection found
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            // what the collection found: owners' buffers, and pooled KV pages (which the pools would
            // otherwise keep for reuse while this allocation fails)
            if (!(freeUnreachable() | releasePools())) {
                continue;
            }
            rc = cuMemAlloc(h, Math.max(bytes, 4));
        }
        if (rc != CUresult.CUDA_SUCCESS) {
            throw new IllegalStateException("cuMemAlloc of " + bytes + " bytes on " + description + " failed: "
                    + CUresult.stringFor(rc));
        }
        DeviceBuffer b = new DeviceBuffer(h, h.address(), bytes);
        live.add(b);
        return b;
    }

    /**
     * A pool's list of free buffers (KvPages): kept for reuse, but given back to the driver when an
     * allocation runs out of device memory (allocate).
     */
    void pool(Queue<DeviceBuffer> free) {
        pools.add(free);
    }

    /** Frees the buffers whose owners became unreachable; whether there were any. */
    private boolean freeUnreachable() {
        return freeAll(unreachable);
    }

    /** Frees every pooled free buffer; whether there were any. */
    private boolean releasePools() {
        boolean any = false;
        for (Queue<DeviceBuffer> pool : pools) {
            any |= freeAll(pool);
        }
        return any;
    }

    private boolean freeAll(Queue<DeviceBuffer> queue) {
        List<DeviceBuffer> dead = new ArrayList<>();
        for (DeviceBuffer b; (b = queue.poll()) != null; ) {
            dead.add(b);
        }
        if (dead.isEmpty()) {
            return false;
        }
        // kernels queued before their owner became unreachable may still read them
        flush();
        check(cuCtxSynchronize(), "cuCtxSynchronize");
        dead.forEach(this::freeNow);
        return true;
    }

    /**
     * Frees `b` after every kernel queued so far has finished: cuMemFree is not documented to wait
     * for them (it "may" synchronize), and a kernel launched earlier may still read the buffer.
     */
    void free(DeviceBuffer b) {
        if (live.contains(b)) {
            flush();
            check(cuCtxSynchronize(), "cuCtxSynchronize");
            freeNow(b);
        }
    }

    private void freeNow(DeviceBuffer b) {
        if (live.remove(b)) {
            check(cuMemFree(b.pointer()), "cuMemFree");
        }
    }

    /** Waits for every copy and kernel queued so far. */
    void synchronize() {
        flush();
        check(cuCtxSynchronize(), "cuCtxSynchronize");
    }

    /** Sets `count` 32-bit words at `dst` to `value` (ordered after every launch before it). */
    void memsetD32(DeviceBuffer dst, int value, long count) {
        flush();
        check(jcuda.driver.JCudaDriver.cuMemsetD32(dst.pointer(), value, count), "cuMemsetD32");
    }

    void upload(DeviceBuffer dst, long offset, Pointer src, long bytes) {
        if (bytes > 0) {
            flush();
            check(cuMemcpyHtoD(dst.at(offset), src, bytes), "cuMemcpyHtoD");
        }
    }

    void download(DeviceBuffer src, long offset, Pointer dst, long bytes) {
        if (bytes > 0) {
            flush();
            check(cuMemcpyDtoH(dst, src.at(offset), bytes), "cuMemcpyDtoH");
        }
    }

    void copy(DeviceBuffer src, long srcOffset, DeviceBuffer dst, long dstOffset, long bytes) {
        if (bytes > 0) {
            flush();
            check(cuMemcpyDtoD(dst.at(dstOffset), src.at(srcOffset), bytes), "cuMemcpyDtoD");
        }
    }

    /**
     * Launches `kernel` on the default stream. Arguments: Integer → int, Float → float, Long → a
     * 64-bit value or device address, DeviceBuffer → its address, Double → double.
     */
    void launch(String kernel, LaunchGeometry g, Object... args) {
        if (graphs != null) {
            graphs.record(function(kernel).segment(), kernel, g, args);
            return;
        }
        if (times != null) {
            if (times.idle()) {
                launchNow("spin_wait", new LaunchGeometry(1, 1, 32, 1), KernelTimes.SPIN_CYCLES);
            }
            times.before(kernel, g);
            launchNow(kernel, g, args);
            times.after();
            return;
        }
        launchNow(kernel, g, args);
    }

    private void launchNow(String kernel, LaunchGeometry g, Object... args) {
        if (LAUNCH != null) {
            launchForeign(function(kernel), kernel, g, args);
            return;
        }
        Pointer[] params = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            params[i] = switch (args[i]) {
                case Integer v -> Pointer.to(new int[] {v});
                case Float v -> Pointer.to(new float[] {v});
                case Long v -> Pointer.to(new long[] {v});
                case Double v -> Pointer.to(new double[] {v});
                case DeviceBuffer b -> Pointer.to(new long[] {b.address()});
                default -> throw new IllegalArgumentException("kernel argument " + args[i]);
            };
        }
        check(cuLaunchKernel(function(kernel), g.gridX(), g.gridY(), 1, g.blockX(), g.blockY(), 1, 0, null,
                Pointer.to(params), null), "launch of " + kernel);
    }

    /**
     * The same launch with the argument values written into argValues (one 8-byte slot each; the
     * driver copies them at the call, so the next launch may overwrite them). Like the rest of the
     * backend, one thread at a time.
     */
    private void launchForeign(Function f, String kernel, LaunchGeometry g, Object[] args) {
        if (args.length > MAX_KERNEL_ARGS) {
            throw new IllegalArgumentException(kernel + " takes at most " + MAX_KERNEL_ARGS + " arguments here");
        }
        for (int i = 0; i < args.length; i++) {
            argValues.setAtIndex(ValueLayout.JAVA_LONG, i, LaunchGraphs.slot(args[i]));
        }
        int rc;
        try {
            rc = (int) LAUNCH.invokeExact(f.segment(), g.gridX(), g.gridY(), 1, g.blockX(), g.blockY(), 1, 0,
                    MemorySegment.NULL, argPointers, MemorySegment.NULL);
        } catch (Throwable t) {
            throw new IllegalStateException("launch of " + kernel + " failed", t);
        }
        check(rc, "launch of " + kernel);
    }

    private Function function(String name) {
        return functions.computeIfAbsent(name, n -> {
            Function f = new Function();
            check(cuModuleGetFunction(f, module, n), "cuModuleGetFunction " + n);
            return f;
        });
    }

    /** A kernel's JCuda handle, with its native address for the foreign launch. */
    static final class Function extends CUfunction {
        private MemorySegment segment;

        MemorySegment segment() {
            if (segment == null) {
                segment = MemorySegment.ofAddress(getNativePointer());
            }
            return segment;
        }
    }

    /**
     * Frees everything and releases the primary context, also after a kernel fault (a sticky error
     * fails every later call; the context must still be released, or a later open() retains the
     * broken one). The synchronize's error, if any, is thrown after the release.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        int rc = CUresult.CUDA_SUCCESS;
        try {
            check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
            try {
                flush();
            } catch (RuntimeException e) {
                // a launch that cannot be sent is lost with the backend; the release below still runs
            }
            rc = cuCtxSynchronize();
            try {
                if (times != null) {
                    System.err.print(times.report());
                    times.close();
                }
                if (graphs != null) {
                    if (Boolean.getBoolean("longhaul.cuda.graphs.verbose")) {
                        System.err.println("cuda graphs: " + graphs.stats());
                    }
                    graphs.close();
                }
            } catch (RuntimeException e) {
                // events and graphs of a broken context: the buffers and the module below still go
            }
            for (DeviceBuffer b : List.copyOf(live)) {
                cuMemFree(b.pointer());
            }
            live.clear();
            cuModuleUnload(module);
        } finally {
            cuDevicePrimaryCtxRelease(device);
            launchArena.close();
        }
        check(rc, "cuCtxSynchronize (at close)");
    }
}
