#include <zlib.h>

// inflateInit2 is a macro; Swift sees this function instead. Raw DEFLATE (no zlib
// header), as zip members store it.
static inline int cdsa_inflate_init_raw(z_stream *stream) { return inflateInit2(stream, -15); }
