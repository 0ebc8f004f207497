/*
 * An activation or state buffer owned by a backend: `rows` x `cols` float32 values, row-major.
 * Operations take the number of rows in use; `rows()` is the capacity.
 */
package dev.longhaul.engine.backend;

public interface Tensor {
    int rows();

    int cols();
}
