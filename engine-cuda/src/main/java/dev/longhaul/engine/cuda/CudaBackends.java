/* ServiceLoader entry for the CUDA backend, "cuda": device 0; `threads` is ignored (the GPU computes). */
package dev.longhaul.engine.cuda;

import dev.longhaul.engine.backend.Backend;
import dev.longhaul.engine.backend.BackendProvider;

public final class CudaBackends implements BackendProvider {
    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public Backend create(int threads) {
        return CudaBackend.open();
    }
}
