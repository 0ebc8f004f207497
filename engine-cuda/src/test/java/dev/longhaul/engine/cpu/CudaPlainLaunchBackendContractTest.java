package dev.longhaul.engine.cpu;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.cuda.CudaBackend;
import dev.longhaul.engine.cuda.CudaDevices;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * The backend contract with every kernel launched one by one (CUDA graphs off): the path
 * -Dlonghaul.cuda.graphs=false selects, and the one a driver without graph entry points gets.
 * CudaBackendContractTest covers the default, graphs.
 */
@Tag("gpu")
class CudaPlainLaunchBackendContractTest extends BackendContract {
    @BeforeAll
    static void device() {
        CudaDevices.assumeDevice();
    }

    @Override
    Backend create() {
        return CudaBackend.open(false);
    }
}
