// The HDF5 C API, entered from Swift: Keras .h5 weight files (read by ModelFormats; written only by its tests' fixtures).
// Debian installs the headers under /usr/include/hdf5/serial; pkg-config (hdf5.pc) supplies the path.
#include <hdf5.h>

// Many HDF5 constants are macros that expand to a call of H5open() plus a global
// (e.g. H5T_NATIVE_FLOAT is `(H5OPEN H5T_NATIVE_FLOAT_g)`); Swift cannot import
// such macros, so they are re-exported here as functions.
static inline hid_t enhance_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t enhance_h5t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t enhance_h5t_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t enhance_h5t_std_i32le(void) { return H5T_STD_I32LE; }
static inline hid_t enhance_h5t_c_s1(void) { return H5T_C_S1; }
static inline unsigned enhance_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned enhance_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline hid_t enhance_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t enhance_h5s_all(void) { return H5S_ALL; }
static inline hid_t enhance_h5e_default(void) { return H5E_DEFAULT; }
static inline size_t enhance_h5t_variable(void) { return H5T_VARIABLE; }
