/*
 * The backend contract (the engine's suite, through its test-jar) on the CUDA backend. It sits in
 * the contract's package because the suite is package-private. Skipped where no device exists.
 */
package dev.longhaul.engine.cpu;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.cuda.CudaBackend;
import dev.longhaul.engine.cuda.CudaDevices;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

@Tag("gpu")
class CudaBackendContractTest extends BackendContract {
    @BeforeAll
    static void device() {
        CudaDevices.assumeDevice();
    }

    @Override
    Backend create() {
        return CudaBackend.open();
    }
}
