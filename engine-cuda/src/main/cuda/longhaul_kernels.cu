// The one translation unit of Longhaul's CUDA kernels, compiled by build.sh into a fatbin (sm_90
// SASS + compute_90 PTX) that CudaBackend loads with cuModuleLoadData.
#include "elementwise.cuh"
#include "matmul.cuh"
#include "lightning.cuh"
#include "attention.cuh"
