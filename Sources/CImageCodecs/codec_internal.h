/*
 * Private to CImageCodecs: the handle layouts and the helpers shared by the
 * format halves (PNG, JPEG, TIFF, WebP, HEIF). TIFF, WebP and HEIF keep their
 * state behind a pointer to a struct their own file defines, so only that file
 * includes the library's headers. Swift never sees this file (it is outside include/).
 */
#ifndef IMAGE_CODECS_INTERNAL_H
#define IMAGE_CODECS_INTERNAL_H

#include <setjmp.h>
#include <stdio.h>   /* jpeglib.h needs FILE and size_t declared first */
#include <png.h>
#include <jpeglib.h>

#include "image_codecs.h"

typedef struct ic_blob {
    uint8_t *data;
    size_t length;
} ic_blob;

/* Where a libpng/libjpeg error handler leaves its verdict before it
 * longjmps back to the operation's setjmp. */
typedef struct ic_failure {
    jmp_buf jump;
    ic_status status;     /* IC_OK while healthy; sticky once set */
    int sys_errno;
    int hit_eof;          /* our read callback ran out of bytes */
    ic_status codec_status; /* what a codec's own error means: CORRUPT reading, WRITE writing */
    int in_entropy_data;    /* JPEG: past the header, where stray bytes mean desynchronised data */
    char message[IC_MESSAGE_CAPACITY];
} ic_failure;

struct ic_decoder {
    FILE *file;
    ic_info info;
    uint32_t next_row;
    size_t row_bytes;
    ic_failure fail;
    ic_blob metadata[IC_META_KIND_COUNT];

    /* PNG */
    png_structp png;
    png_infop png_info;
    uint8_t *whole_image;          /* interlaced PNG only */
    uint8_t **row_pointers;        /* interlaced PNG only; kept here so a longjmp cannot leak it */

    /* JPEG */
    int jpeg_created;
    struct jpeg_decompress_struct jpeg;
    struct jpeg_error_mgr jpeg_err;
    struct jpeg_progress_mgr jpeg_progress;  /* counts scans: a hostile progressive file can have thousands */
    uint8_t *jpeg_marker;          /* one APPn payload (≤ 65533 bytes) while it is classified */
    ic_blob icc_chunks[256];       /* APP2 ICC_PROFILE chunks by sequence number (1…255) */
    int icc_chunk_total;           /* the chunk count the first chunk declared */
    ic_blob photoshop_irb;         /* APP13 "Photoshop 3.0" payloads joined, split after the header */
    int jpeg_cmyk;                 /* rows arrive as CMYK and are converted here */
    int jpeg_cmyk_inverted;        /* Adobe's convention: 0 means full ink */
    uint8_t *cmyk_row;
    uint16_t jpeg_quant[2][64];    /* luminance and chrominance tables, natural order, copied after the header */
    int jpeg_quant_present[2];

    struct ic_tiff_reader *tiff;   /* tiff_read.c */
    struct ic_webp_reader *webp;   /* webp_read.c */
    struct ic_heif_reader *heif;   /* heif_read.c */
};

struct ic_encoder {
    FILE *file;
    ic_encode_params params;
    uint32_t next_row;
    int started;
    int finished;
    ic_failure fail;
    ic_blob metadata[IC_META_KIND_COUNT];

    png_structp png;
    png_infop png_info;

    int jpeg_created;
    struct jpeg_compress_struct jpeg;
    struct jpeg_error_mgr jpeg_err;

    struct ic_tiff_writer *tiff;   /* tiff_write.c */
    struct ic_webp_writer *webp;   /* webp_write.c */
};

/* Limits on what a hostile file can make us allocate or loop over, beyond
 * the caller's pixel limit. */
#define IC_MAX_SIDE 65535u               /* pixels per side; a row must stay small even when width*height is allowed */
#define IC_MAX_JPEG_SCANS 500            /* libjpeg-turbo's own TurboJPEG scan limit; real files have ≤ ~20 */
#define IC_MAX_PNG_CHUNK_BYTES 16000000u /* one ancillary chunk after decompression (iCCP, iTXt, zTXt…) */
#define IC_MAX_PNG_ANCILLARY_CHUNKS 1000u
#define IC_MAX_JPEG_IRB_BYTES (16u * 65533u) /* APP13 Photoshop segments kept, joined (a big IRB spans several) */
#define IC_JPEG_OPTIMIZE_MAX_PIXELS 4000000u /* above this, no optimised Huffman tables (whole-image buffer) */
#define IC_MAX_TIFF_ALLOC (256u << 20)   /* libtiff's largest single allocation (a strip or tile, a tag's values) */
#define IC_MAX_TIFF_METADATA (16u << 20) /* one EXIF/XMP/ICC/IPTC value in a TIFF */
#define IC_MAX_TIFF_PAGES 1000u          /* directories walked while counting pages (libtiff also detects loops) */
#define IC_MAX_WEBP_FILE_BYTES (512u << 20) /* a WebP is read whole: libwebp decodes from memory */
#define IC_WEBP_MAX_SIDE 16383u          /* the format's own limit */
#define IC_MAX_HEIF_FILE_BYTES (512u << 20)

/* Records a failure (first one wins) and copies it to the caller. */
/* Refuses a header's size before any row buffer exists: more than IC_MAX_SIDE on a side, or
 * more than max_pixels in all (0: no limit). Returns IC_OK or the failure's status. */
ic_status ic_check_size(ic_failure *fail, uint64_t width, uint64_t height, uint64_t max_pixels);

void ic_fail(ic_failure *fail, ic_status status, int sys_errno,
             const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Copies a recorded failure out to the caller's ic_error. */
ic_status ic_report(const ic_failure *fail, ic_error *err);
void ic_error_set(ic_error *err, int sys_errno, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Copies with a trailing NUL beyond `length`, because libpng measures
 * iTXt text with strlen. Returns 0 when out of memory. */
int ic_blob_set(ic_blob *blob, const uint8_t *data, size_t length);
void ic_blob_free(ic_blob *blob);
int ic_host_is_little_endian(void);

/* Reads the decoder's whole file (at most `limit` bytes, else IC_ERR_TOO_LARGE) into a new
 * buffer for the caller to free: for libraries that decode from memory (libwebp, libheif). */
ic_status ic_read_whole_file(ic_decoder *dec, size_t limit, const char *format_name, uint8_t **data, size_t *size);

/* Sets IFD0's Orientation of an EXIF block to 1 (top-left) in place, when present: for a
 * container (HEIF) whose decoder has already applied its own rotation. */
void ic_exif_reset_orientation(uint8_t *block, size_t length);

/* Points libjpeg's error manager at handlers that record into the
 * ic_failure found in client_data and longjmp to it; nothing is printed. */
void ic_jpeg_install_error_handlers(struct jpeg_error_mgr *mgr);

/* Format halves. Each does its own setjmp. */
ic_status ic_png_open(ic_decoder *dec, uint64_t max_pixels);
ic_status ic_png_read_rows(ic_decoder *dec, uint32_t count, uint8_t *rows, uint32_t *rows_read);
void ic_png_destroy(ic_decoder *dec);

ic_status ic_jpeg_open(ic_decoder *dec, uint64_t max_pixels);
ic_status ic_jpeg_read_rows(ic_decoder *dec, uint32_t count, uint8_t *rows, uint32_t *rows_read);
void ic_jpeg_destroy(ic_decoder *dec);

ic_status ic_png_encoder_start(ic_encoder *enc);
ic_status ic_png_encoder_write(ic_encoder *enc, uint32_t count, const uint8_t *rows);
ic_status ic_png_encoder_finish(ic_encoder *enc);
void ic_png_encoder_destroy(ic_encoder *enc);

ic_status ic_jpeg_encoder_start(ic_encoder *enc);
ic_status ic_jpeg_encoder_write(ic_encoder *enc, uint32_t count, const uint8_t *rows);
ic_status ic_jpeg_encoder_finish(ic_encoder *enc);
void ic_jpeg_encoder_destroy(ic_encoder *enc);

/* TIFF, WebP and HEIF halves: no longjmp, their libraries return errors. */
ic_status ic_tiff_open(ic_decoder *dec, uint64_t max_pixels);
ic_status ic_tiff_read_rows(ic_decoder *dec, uint32_t count, uint8_t *rows, uint32_t *rows_read);
void ic_tiff_destroy(ic_decoder *dec);
ic_status ic_tiff_encoder_start(ic_encoder *enc);
ic_status ic_tiff_encoder_write(ic_encoder *enc, uint32_t count, const uint8_t *rows);
ic_status ic_tiff_encoder_finish(ic_encoder *enc);
void ic_tiff_encoder_destroy(ic_encoder *enc);

ic_status ic_webp_open(ic_decoder *dec, uint64_t max_pixels);
ic_status ic_webp_read_rows(ic_decoder *dec, uint32_t count, uint8_t *rows, uint32_t *rows_read);
void ic_webp_destroy(ic_decoder *dec);
ic_status ic_webp_encoder_start(ic_encoder *enc);
ic_status ic_webp_encoder_write(ic_encoder *enc, uint32_t count, const uint8_t *rows);
ic_status ic_webp_encoder_finish(ic_encoder *enc);
void ic_webp_encoder_destroy(ic_encoder *enc);

ic_status ic_heif_open(ic_decoder *dec, uint64_t max_pixels);
ic_status ic_heif_read_rows(ic_decoder *dec, uint32_t count, uint8_t *rows, uint32_t *rows_read);
void ic_heif_destroy(ic_decoder *dec);

/* EXIF between TIFF files and the EXIF block (tiff_exif.c). `ic_tiff_exif_extract` builds a
 * self-contained block (same byte order as the file) from a classic TIFF's IFD0: its
 * descriptive tags (Make, Model, DateTime, Orientation, Artist, Copyright…) and its EXIF
 * (with Interop) and GPS IFDs, values relocated; it also returns the raw bytes of tag 33723
 * (IPTC) whatever type it was stored as. Either may come back empty. */
ic_status ic_tiff_exif_extract(int fd, uint64_t file_size, ic_blob *exif, ic_blob *iptc, ic_failure *fail);

/* A TIFF structure's 16- and 32-bit values in its byte order (big: "MM"). */
uint16_t ic_get16(const uint8_t *p, int big);
uint32_t ic_get32(const uint8_t *p, int big);

/* One IFD0 tag of an EXIF block that a TIFF writer sets itself (see tiff_write.c). */
typedef struct ic_exif_entry {
    uint16_t tag;
    uint16_t type;
    uint32_t count;
    const uint8_t *value;   /* count * size(type) bytes in the block's byte order */
} ic_exif_entry;

/* Reads an EXIF block's byte order and IFD0's descriptive entries (up to `capacity`), and
 * serialises its EXIF and GPS IFDs for appending at file offset `base` of a TIFF in the same
 * byte order: *sub receives the bytes, *exif_at and *gps_at their file offsets (0: absent).
 * Returns 0 when the block is not a usable TIFF structure (then nothing is carried). */
int ic_exif_parse_block(const uint8_t *block, size_t length, int *big_endian,
                        ic_exif_entry *entries, size_t capacity, size_t *entry_count);
int ic_exif_serialise_subifds(const uint8_t *block, size_t length, uint64_t base,
                              ic_blob *sub, uint64_t *exif_at, uint64_t *gps_at);

#endif
