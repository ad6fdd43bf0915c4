// The HDF5 C API, read-only use: Keras .h5 weight files.
// Debian installs the headers under /usr/include/hdf5/serial; pkg-config (hdf5.pc) supplies the path.
#include <hdf5.h>
