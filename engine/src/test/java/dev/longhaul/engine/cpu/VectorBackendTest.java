/* The backend contract on the Vector API backend with two threads. */
package dev.longhaul.engine.cpu;

import dev.longhaul.engine.backend.Backend;

class VectorBackendTest extends BackendContract {
    @Override
    Backend create() {
        return new VectorBackend(2);
    }
}
