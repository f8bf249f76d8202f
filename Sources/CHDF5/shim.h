#include <hdf5.h>

// HDF5's predefined ids (H5T_NATIVE_FLOAT, H5P_FILE_ACCESS, ...) are macros over mutable
// globals that also call H5open(); Swift cannot import them (and Swift 6 rejects the
// globals as unsafe shared state). These accessors expand the macros on the C side.

static inline hid_t cdsa_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t cdsa_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t cdsa_h5t_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t cdsa_h5t_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t cdsa_h5t_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t cdsa_h5t_c_s1(void) { return H5T_C_S1; }
static inline size_t cdsa_h5t_variable(void) { return H5T_VARIABLE; }

static inline hid_t cdsa_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t cdsa_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t cdsa_h5p_group_create(void) { return H5P_GROUP_CREATE; }
static inline hid_t cdsa_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t cdsa_h5p_link_create(void) { return H5P_LINK_CREATE; }
static inline hid_t cdsa_h5s_all(void) { return H5S_ALL; }

static inline unsigned cdsa_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned cdsa_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned cdsa_h5f_acc_excl(void) { return H5F_ACC_EXCL; }

/// Turns off HDF5's printing of error stacks to stderr. In a thread-safe build the
/// setting is per thread, so every entry point calls this before touching a file.
static inline void cdsa_h5_silence_errors(void) {
    H5open();
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}
