/* A weight matrix resident in a backend: `rows` outputs by `cols` inputs, PyTorch's [out, in] layout. */
package dev.longhaul.engine.backend;

public interface Weight {
    int rows();

    int cols();

    /** Bytes this weight occupies where the backend keeps it (what a matvec has to stream). */
    long bytes();
}
