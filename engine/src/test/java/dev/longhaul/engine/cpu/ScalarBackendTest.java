/* The backend contract on the scalar reference backend. */
package dev.longhaul.engine.cpu;

import dev.longhaul.engine.backend.Backend;

class ScalarBackendTest extends BackendContract {
    @Override
    Backend create() {
        return new ScalarBackend();
    }
}
