// The oneDNN 2.6 C API (Debian libdnnl-dev, v2 API), plus what Swift cannot import from it:
// function-like and pointer macros become static inline functions here.
#include <oneapi/dnnl/dnnl.h>
#include <dlfcn.h>

static inline int cdnnl_arg_attr_post_op(int index, int arg) {
    return DNNL_ARG_ATTR_MULTIPLE_POST_OP(index) | arg;
}

static inline void *cdnnl_memory_allocate(void) { return DNNL_MEMORY_ALLOCATE; }
static inline void *cdnnl_memory_none(void) { return DNNL_MEMORY_NONE; }

// libdnnl.so.2 is built on OpenMP (libgomp) and fixes a primitive's thread count when the primitive
// is created. libgomp is already loaded as libdnnl's dependency; looking the symbols up at run time
// avoids linking against a libgomp development file that the toolchain may not find.
static inline int cdnnl_set_num_threads(int n) {
    void (*set)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_num_threads");
    if (!set) return 0;
    set(n);
    return 1;
}

static inline int cdnnl_max_threads(void) {
    int (*get)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "omp_get_max_threads");
    return get ? get() : 1;
}
