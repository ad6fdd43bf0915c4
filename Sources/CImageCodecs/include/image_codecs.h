/*
 * image_codecs.h — the only door between Swift and libpng, libjpeg, libtiff,
 * libwebp (with its mux/demux) and libheif.
 *
 * libpng and libjpeg report errors by longjmp (libjpeg would otherwise call
 * exit()), and a longjmp across Swift frames is undefined behaviour; libtiff
 * would print to stderr through process-global handlers. So every
 * function here is a whole operation that does its own setjmp, never calls
 * back into Swift, and reports failure as an ic_status plus a one-line
 * message in a caller-owned ic_error. Nothing is ever printed and nothing
 * calls exit().
 *
 * The API streams rows so that huge images can be processed band by band:
 * opening a decoder reads only the header (no pixel buffer is allocated), and
 * rows are then pulled a few at a time; the encoder is fed rows the same way.
 *
 * A handle that has reported an error is dead: later calls on it return the
 * same error. Handles are not thread-safe; use each from one thread at a time.
 */
#ifndef IMAGE_CODECS_H
#define IMAGE_CODECS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ic_status {
    IC_OK = 0,
    /* An operating-system call failed; ic_error.sys_errno says which errno. */
    IC_ERR_SYSTEM = 1,
    /* The file has zero bytes. */
    IC_ERR_EMPTY = 2,
    /* Not an image we read, or a variant we do not handle (CMYK TIFF, animated WebP…). */
    IC_ERR_UNSUPPORTED = 3,
    /* The codec rejected the data (bad CRC, bad Huffman code, bad header…). */
    IC_ERR_CORRUPT = 4,
    /* The data ends before the image does. */
    IC_ERR_TRUNCATED = 5,
    /* width × height exceeds the caller's limit. Checked before allocating. */
    IC_ERR_TOO_LARGE = 6,
    /* Writing the output failed (I/O error, disk full, codec refused). */
    IC_ERR_WRITE = 7,
    IC_ERR_OUT_OF_MEMORY = 8,
    /* The caller broke the protocol (too many rows, bad parameters…). */
    IC_ERR_USAGE = 9
} ic_status;

typedef enum ic_format {
    IC_FORMAT_UNKNOWN = 0,
    IC_FORMAT_PNG = 1,
    IC_FORMAT_JPEG = 2,
    IC_FORMAT_TIFF = 3,
    IC_FORMAT_WEBP = 4,
    /* HEIC and AVIF (ISO media, through libheif): read only. */
    IC_FORMAT_HEIF = 5
} ic_format;

/* Metadata blobs carried as raw bytes, without container framing:
 * EXIF is the TIFF structure (starting "II*\0" or "MM\0*"), i.e. without
 * JPEG's "Exif\0\0" prefix; XMP is the XML packet; ICC is the whole profile
 * (JPEG's numbered APP2 chunks reassembled, PNG's iCCP decompressed).
 * IPTC is the IPTC-IIM datasets, as Photoshop resource 0x0404 of JPEG's APP13
 * holds them. PHOTOSHOP is the rest of that APP13's image resource block
 * (every 8BIM resource but 0x0404, each with its header), carried to JPEG
 * outputs and written before the IPTC resource. PNG has a home for neither. */
typedef enum ic_meta_kind {
    IC_META_EXIF = 0,
    IC_META_XMP = 1,
    IC_META_ICC = 2,
    /* IPTC-IIM datasets, as TIFF tag 33723 holds them. */
    IC_META_IPTC = 3,
    /* JPEG APP13's other Photoshop resources (all but IPTC 0x0404), carried JPEG to JPEG. */
    IC_META_PHOTOSHOP = 4
} ic_meta_kind;
#define IC_META_KIND_COUNT 5

#define IC_MESSAGE_CAPACITY 256

typedef struct ic_error {
    int sys_errno;                      /* set with IC_ERR_SYSTEM / IC_ERR_WRITE when an OS call failed, else 0 */
    char message[IC_MESSAGE_CAPACITY];  /* one line, NUL-terminated, never names the path (the caller knows it) */
} ic_error;

/* What the decoder will deliver, i.e. after its transformations:
 * PNG palette → RGB (RGBA if tRNS), gray < 8 bit → 8 bit, tRNS → alpha,
 * 16-bit kept (host byte order); JPEG gray → 1 channel, anything else → RGB. */
typedef struct ic_info {
    uint32_t width;
    uint32_t height;
    int channels;    /* 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA */
    int bit_depth;   /* 8 or 16; rows hold uint8_t or uint16_t samples */
    int format;      /* ic_format */
    int interlaced;  /* PNG Adam7 or progressive JPEG */
    int lossless;    /* the pixels are exactly what was stored: PNG, TIFF (not JPEG-compressed), lossless WebP */
} ic_info;

typedef struct ic_decoder ic_decoder;
typedef struct ic_encoder ic_encoder;

/* ---- Decoding ---------------------------------------------------------- */

/* Opens `path`, recognises the format by its magic bytes (never by the
 * extension), and reads the header and metadata. Refuses with
 * IC_ERR_TOO_LARGE when width*height > max_pixels (0 = no limit) before any
 * pixel memory is allocated. On success *out is a handle to free with
 * ic_decoder_close; on failure *out is NULL.
 *
 * Memory: a non-interlaced PNG or baseline JPEG needs one row at a time.
 * An interlaced PNG is decoded whole on the first ic_decoder_read_rows call
 * (Adam7 spreads every row over seven passes), and libjpeg buffers a
 * progressive JPEG's coefficients for the whole image during open; both are
 * bounded by max_pixels (a 12 MP photo: at most 96 MB). Beyond the pixels,
 * what a hostile file can cost is capped too: sides of at most 65535 pixels,
 * at most 500 progressive scans, metadata of at most ~17 MB (one EXIF, one
 * XMP, one copy of each ICC chunk) for JPEG and 16 MB per chunk for PNG. */
ic_status ic_decoder_open(const char *path, uint64_t max_pixels,
                          ic_decoder **out, ic_info *info, ic_error *err);

/* Like ic_decoder_open, on a descriptor the caller has already opened (for
 * instance without following symlinks, and checked by fstat): what is decoded
 * is that file, whatever its name points at by now. The decoder reads through
 * its own dup() of `fd`, so ic_decoder_close never closes the caller's
 * descriptor; a dup shares the file offset, which this rewinds to 0 first and
 * then moves while decoding (read the same descriptor with pread meanwhile).
 * A non-blocking descriptor is made blocking. */
ic_status ic_decoder_open_fd(int fd, uint64_t max_pixels,
                             ic_decoder **out, ic_info *info, ic_error *err);

/* Decodes the next `count` rows (or fewer at the end) into `rows`, which must
 * hold count * width * channels samples of bit_depth bits, tightly packed.
 * *rows_read receives how many rows were written. Reading past the last row
 * is not an error: *rows_read is 0. After the last row the rest of the file
 * is checked too, so a file cut off after its pixels still fails. */
ic_status ic_decoder_read_rows(ic_decoder *dec, uint32_t count, void *rows,
                               uint32_t *rows_read, ic_error *err);

/* The metadata blob of `kind` found in the header, or NULL. The bytes belong
 * to the decoder and live until ic_decoder_close. Of the PNG chunks placed
 * after the image data only an XMP iTXt is seen (found by walking the chunk
 * list at open); an eXIf or iCCP there is not (the spec puts them first). */
const uint8_t *ic_decoder_metadata(const ic_decoder *dec, ic_meta_kind kind,
                                   size_t *length);

/* A JPEG's quantization table for `component` (0: luminance, 1: chrominance, i.e. the
 * table the file assigns to its first or second component), 64 values in natural (row-major)
 * order, as the header stored them. Returns 1 and fills `table`, or 0 when the file is not a
 * JPEG or has no such component. Pure reading of what ic_decoder_open saved: never fails. */
int ic_decoder_jpeg_quant_table(const ic_decoder *dec, int component, uint16_t table[64]);

void ic_decoder_close(ic_decoder *dec);

/* ---- JPEG coefficients (deblocking) ------------------------------------- */

#define IC_JPEG_MAX_COMPONENTS 3

/* One component's quantized DCT coefficients: blocks_high rows of blocks_wide blocks, each
 * 64 values in natural (row-major) order, as is `quant`. The blocks cover width × height
 * samples (the component's own resolution, i.e. after chroma subsampling), padded to whole
 * blocks. */
typedef struct ic_jpeg_component {
    uint32_t width, height;
    uint32_t blocks_wide, blocks_high;
    int h_samp, v_samp;
    uint16_t quant[64];
    int16_t *coefficients;
} ic_jpeg_component;

typedef struct ic_jpeg_coefficients {
    uint32_t width, height;
    int components;              /* 1 (gray) or 3 */
    int ycbcr;                   /* 3 components of YCbCr (else RGB, or gray) */
    int max_h_samp, max_v_samp;  /* a component covers max/own samples per stored sample */
    ic_jpeg_component component[IC_JPEG_MAX_COMPONENTS];
} ic_jpeg_coefficients;

/* Reads the JPEG on `fd` (through its own dup, from the first byte, as ic_decoder_open_fd)
 * down to its quantized coefficients: gray, YCbCr or RGB, baseline or progressive, 8-bit.
 * Anything else, and a file that is not a JPEG, is IC_ERR_UNSUPPORTED with the reason; a
 * damaged one IC_ERR_CORRUPT or IC_ERR_TRUNCATED, as the decoder says it. On success free
 * the arrays with ic_jpeg_coefficients_free; on failure nothing is left to free. */
ic_status ic_jpeg_read_coefficients_fd(int fd, uint64_t max_pixels, ic_jpeg_coefficients *out, ic_error *err);
/* The same for a whole JPEG held in `length` bytes at `data` (e.g. one ic_jpeg_encode_memory
 * made), which must stay valid for the call. */
ic_status ic_jpeg_read_coefficients_memory(const uint8_t *data, size_t length, uint64_t max_pixels,
                                           ic_jpeg_coefficients *out, ic_error *err);
void ic_jpeg_coefficients_free(ic_jpeg_coefficients *coefficients);

/* ---- Encoding ---------------------------------------------------------- */

typedef struct ic_encode_params {
    uint32_t width;
    uint32_t height;
    int channels;   /* 1–4; JPEG takes only 1 or 3 (alpha is refused, not dropped) */
    int bit_depth;  /* 8 or 16; JPEG takes only 8 */
    int format;     /* IC_FORMAT_PNG, IC_FORMAT_JPEG, IC_FORMAT_TIFF or IC_FORMAT_WEBP */
    int quality;    /* JPEG and lossy WebP 1–100; ignored otherwise. Above 4 MP, JPEG uses standard
                       Huffman tables: optimised ones would make libjpeg hold the whole image. */
    int lossless;   /* WebP: lossless (VP8L) instead of lossy at `quality`. Ignored otherwise. */
} ic_encode_params;

/* Per format: TIFF takes 8 or 16 bits and 1–4 channels, written as Deflate-compressed
 * strips (lossless, with the horizontal predictor), row by row, alpha as unassociated;
 * EXIF's IFD0 descriptive tags, EXIF and GPS IFDs, XMP, ICC and IPTC are stored. WebP
 * takes 8 bits, at most 16383 pixels per side, and gray becomes RGB; libwebp encodes a
 * whole picture, so rows are gathered into one ARGB buffer (4 bytes per pixel) and
 * encoded at ic_encoder_finish; ICC, EXIF and XMP become ICCP, EXIF and XMP chunks. */

/* Creates `path` exclusively (O_EXCL: it must not exist, so a temp name can
 * never clobber someone's file) and prepares an encoder. Nothing is encoded
 * until the first row or ic_encoder_finish, so metadata may be added first. */
ic_status ic_encoder_open(const char *path, const ic_encode_params *params,
                          ic_encoder **out, ic_error *err);

/* Like ic_encoder_open, into a file the caller has created (with its own name,
 * mode and lock) and keeps open: the encoder writes through its own dup() of
 * `fd`, at the descriptor's current offset, and ic_encoder_finish fsyncs and
 * closes only the duplicate. */
ic_status ic_encoder_open_fd(int fd, const ic_encode_params *params,
                             ic_encoder **out, ic_error *err);

/* Attaches a metadata blob (copied). Only before the first row. */
ic_status ic_encoder_set_metadata(ic_encoder *enc, ic_meta_kind kind,
                                  const uint8_t *data, size_t length,
                                  ic_error *err);

/* Encodes `count` rows laid out as in ic_decoder_read_rows. */
ic_status ic_encoder_write_rows(ic_encoder *enc, uint32_t count,
                                const void *rows, ic_error *err);

/* Completes the file once every row is written, flushes it and fsyncs it,
 * then closes it. Renaming it into place is the caller's business. */
ic_status ic_encoder_finish(ic_encoder *enc, ic_error *err);

/* Frees the handle (closing the file if finish was not reached). It does not
 * delete the file: the caller owns the path and removes it on failure. */
void ic_encoder_close(ic_encoder *enc);

/* ---- Whole JPEGs in memory ---------------------------------------------- */

/* Compresses `height` rows of `width` × `channels` (1 or 3) 8-bit samples, tightly packed, with
 * libjpeg's defaults at `quality` (1–100; 4:2:0 chroma, no metadata). On success *out is a
 * buffer of *out_length bytes for the caller to release with ic_free_buffer. For the training
 * pipeline's JPEG degradation: nothing touches the disk. */
ic_status ic_jpeg_encode_memory(const uint8_t *pixels, uint32_t width, uint32_t height, int channels,
                                int quality, uint8_t **out, size_t *out_length, ic_error *err);

/* Decodes a whole JPEG held in memory to 8-bit gray or RGB rows (info says which), refusing
 * more than max_pixels (0: no limit) before allocating. *pixels is for ic_free_buffer.
 * `quant` receives the luminance then the chrominance table, 64 values each in natural order
 * (zeros where the file has no such component). Meant for JPEGs this process made: no metadata is kept. */
ic_status ic_jpeg_decode_memory(const uint8_t *data, size_t length, uint64_t max_pixels,
                                uint8_t **pixels, ic_info *info, uint16_t quant[128], ic_error *err);

/* Releases a buffer one of the functions above returned. */
void ic_free_buffer(void *buffer);

#ifdef __cplusplus
}
#endif

#endif
