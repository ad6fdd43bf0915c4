/*
 * Decoder entry points: open the file safely, recognise the format from its
 * first bytes, then hand over to the format's half.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec_internal.h"

static const uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

/* Names a few formats people will drop into the folder, so the refusal says
 * "this is a GIF" instead of just "not an image". */
static const char *foreign_format_name(const uint8_t *b, size_t n) {
    if (n >= 6 && (memcmp(b, "GIF87a", 6) == 0 || memcmp(b, "GIF89a", 6) == 0)) return "GIF";
    if (n >= 12 && memcmp(b + 4, "ftyp", 4) == 0) return "ISO media that is not a HEIF/AVIF image (video?)";
    if (n >= 2 && b[0] == 'B' && b[1] == 'M') return "BMP";
    return NULL;
}

/* HEIF brands libheif reads: HEIC (HEVC) and AVIF (AV1) stills and sequences' first image. */
static int is_heif_brand(const uint8_t *b, size_t n) {
    static const char *brands[] = {"heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "avif", "avis"};
    if (n < 12 || memcmp(b + 4, "ftyp", 4) != 0) return 0;
    for (size_t i = 0; i < sizeof brands / sizeof *brands; i++) {
        if (memcmp(b + 8, brands[i], 4) == 0) return 1;
    }
    return 0;
}

/* Accepts only a non-empty regular file on `fd` (which it takes over: closed on failure) and
 * wraps it in a blocking FILE*. Returns NULL with err filled in. */
static FILE *wrap_regular_file(int fd, ic_status *status, ic_error *err) {
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        *status = IC_ERR_SYSTEM;
        ic_error_set(err, e, "cannot stat: %s", strerror(e));
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        *status = IC_ERR_SYSTEM;
        ic_error_set(err, EISDIR, "is a directory, not an image file");
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        *status = IC_ERR_UNSUPPORTED;
        ic_error_set(err, 0, "not a regular file");
        return NULL;
    }
    if (st.st_size == 0) {
        close(fd);
        *status = IC_ERR_EMPTY;
        ic_error_set(err, 0, "file is empty (0 bytes)");
        return NULL;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0 && (flags & O_NONBLOCK)) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    FILE *file = fdopen(fd, "rb");
    if (!file) {
        int e = errno;
        close(fd);
        *status = IC_ERR_SYSTEM;
        ic_error_set(err, e, "cannot open: %s", strerror(e));
        return NULL;
    }
    return file;
}

/* Opens without blocking (a FIFO would otherwise hang the daemon) and only
 * accepts regular files. Returns a FILE* or NULL with err filled in. */
static FILE *open_regular_file(const char *path, ic_status *status, ic_error *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        *status = IC_ERR_SYSTEM;
        ic_error_set(err, e, "cannot open: %s", strerror(e));
        return NULL;
    }
    return wrap_regular_file(fd, status, err);
}

/* A private duplicate of the caller's descriptor, rewound: fclose then closes only the
 * duplicate. The duplicate shares the file offset with the caller's descriptor (dup(2)), so
 * decoding starts from the first byte whatever was read before. */
static FILE *open_descriptor(int fd, ic_status *status, ic_error *err) {
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) {
        int e = errno;
        *status = IC_ERR_SYSTEM;
        ic_error_set(err, e, "cannot duplicate the descriptor: %s", strerror(e));
        return NULL;
    }
    if (lseek(copy, 0, SEEK_SET) != 0) {
        int e = errno;
        close(copy);
        *status = IC_ERR_SYSTEM;
        ic_error_set(err, e, "cannot seek: %s", strerror(e));
        return NULL;
    }
    return wrap_regular_file(copy, status, err);
}

static ic_status sniff_format(FILE *file, ic_format *format, ic_error *err) {
    uint8_t head[16];
    size_t n = fread(head, 1, sizeof head, file);
    if (ferror(file)) {
        int e = errno;
        ic_error_set(err, e, "cannot read: %s", strerror(e));
        return IC_ERR_SYSTEM;
    }
    if (fseek(file, 0, SEEK_SET) != 0) {
        int e = errno;
        ic_error_set(err, e, "cannot seek: %s", strerror(e));
        return IC_ERR_SYSTEM;
    }
    if (n >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF) {
        *format = IC_FORMAT_JPEG;
        return IC_OK;
    }
    size_t png_len = n < sizeof png_signature ? n : sizeof png_signature;
    if (png_len > 0 && memcmp(head, png_signature, png_len) == 0) {
        if (png_len == sizeof png_signature) {
            *format = IC_FORMAT_PNG;
            return IC_OK;
        }
        ic_error_set(err, 0, "truncated inside the PNG signature (%zu bytes)", n);
        return IC_ERR_TRUNCATED;
    }
    if (n >= 4 && (memcmp(head, "II*\0", 4) == 0 || memcmp(head, "MM\0*", 4) == 0 ||
                   memcmp(head, "II+\0", 4) == 0 || memcmp(head, "MM\0+", 4) == 0)) {
        *format = IC_FORMAT_TIFF;
        return IC_OK;
    }
    if (n >= 12 && memcmp(head, "RIFF", 4) == 0 && memcmp(head + 8, "WEBP", 4) == 0) {
        *format = IC_FORMAT_WEBP;
        return IC_OK;
    }
    if (is_heif_brand(head, n)) {
        *format = IC_FORMAT_HEIF;
        return IC_OK;
    }
    if (n >= 4 && n < 12 && memcmp(head, "RIFF", 4) == 0) {
        ic_error_set(err, 0, "truncated inside the WebP header (%zu bytes)", n);
        return IC_ERR_TRUNCATED;
    }
    if (n < 4 && n > 0 && (head[0] == 'I' || head[0] == 'M')) {
        ic_error_set(err, 0, "truncated inside the TIFF header (%zu bytes)", n);
        return IC_ERR_TRUNCATED;
    }
    if (n < 3 && n > 0 && head[0] == 0xFF && (n == 1 || head[1] == 0xD8)) {
        ic_error_set(err, 0, "truncated inside the JPEG signature (%zu bytes)", n);
        return IC_ERR_TRUNCATED;
    }
    const char *foreign = foreign_format_name(head, n);
    if (foreign) {
        ic_error_set(err, 0, "unsupported format: content is %s; PNG, JPEG, TIFF, WebP, HEIC and AVIF are read", foreign);
    } else {
        ic_error_set(err, 0, "unsupported format: content is not PNG, JPEG, TIFF, WebP, HEIC or AVIF (unrecognised leading bytes)");
    }
    return IC_ERR_UNSUPPORTED;
}

static ic_status open_file(FILE *file, uint64_t max_pixels, ic_decoder **out, ic_info *info, ic_error *err);

ic_status ic_decoder_open(const char *path, uint64_t max_pixels,
                          ic_decoder **out, ic_info *info, ic_error *err) {
    if (out) *out = NULL;
    if (!path || !out || !info) {
        ic_error_set(err, 0, "internal: ic_decoder_open called with NULL");
        return IC_ERR_USAGE;
    }
    ic_status status = IC_OK;
    FILE *file = open_regular_file(path, &status, err);
    if (!file) return status;
    return open_file(file, max_pixels, out, info, err);
}

ic_status ic_decoder_open_fd(int fd, uint64_t max_pixels,
                             ic_decoder **out, ic_info *info, ic_error *err) {
    if (out) *out = NULL;
    if (fd < 0 || !out || !info) {
        ic_error_set(err, 0, "internal: ic_decoder_open_fd called with a bad descriptor or NULL");
        return IC_ERR_USAGE;
    }
    ic_status status = IC_OK;
    FILE *file = open_descriptor(fd, &status, err);
    if (!file) return status;
    return open_file(file, max_pixels, out, info, err);
}

/* Takes over `file`: it ends up in the decoder or closed. */
static ic_status open_file(FILE *file, uint64_t max_pixels, ic_decoder **out, ic_info *info, ic_error *err) {
    ic_status status = IC_OK;
    ic_format format = IC_FORMAT_UNKNOWN;
    status = sniff_format(file, &format, err);
    if (status != IC_OK) {
        fclose(file);
        return status;
    }

    ic_decoder *dec = calloc(1, sizeof *dec);
    if (!dec) {
        fclose(file);
        ic_error_set(err, ENOMEM, "out of memory");
        return IC_ERR_OUT_OF_MEMORY;
    }
    dec->file = file;
    dec->info.format = format;
    dec->info.lossless = format == IC_FORMAT_PNG;  /* the TIFF, WebP and HEIF halves decide for themselves */

    switch (format) {
    case IC_FORMAT_PNG: status = ic_png_open(dec, max_pixels); break;
    case IC_FORMAT_JPEG: status = ic_jpeg_open(dec, max_pixels); break;
    case IC_FORMAT_TIFF: status = ic_tiff_open(dec, max_pixels); break;
    case IC_FORMAT_WEBP: status = ic_webp_open(dec, max_pixels); break;
    default: status = ic_heif_open(dec, max_pixels); break;
    }
    if (status == IC_OK && dec->fail.status != IC_OK) status = dec->fail.status;
    if (status != IC_OK) {
        ic_report(&dec->fail, err);
        ic_decoder_close(dec);
        return status;
    }
    *info = dec->info;
    *out = dec;
    return IC_OK;
}

ic_status ic_decoder_read_rows(ic_decoder *dec, uint32_t count, void *rows,
                               uint32_t *rows_read, ic_error *err) {
    if (rows_read) *rows_read = 0;
    if (!dec || !rows_read || (!rows && count > 0)) {
        ic_error_set(err, 0, "internal: ic_decoder_read_rows called with NULL");
        return IC_ERR_USAGE;
    }
    if (dec->fail.status != IC_OK) return ic_report(&dec->fail, err);
    uint32_t remaining = dec->info.height - dec->next_row;
    if (count > remaining) count = remaining;
    if (count == 0) return IC_OK;

    ic_status status;
    switch (dec->info.format) {
    case IC_FORMAT_PNG: status = ic_png_read_rows(dec, count, rows, rows_read); break;
    case IC_FORMAT_JPEG: status = ic_jpeg_read_rows(dec, count, rows, rows_read); break;
    case IC_FORMAT_TIFF: status = ic_tiff_read_rows(dec, count, rows, rows_read); break;
    case IC_FORMAT_WEBP: status = ic_webp_read_rows(dec, count, rows, rows_read); break;
    default: status = ic_heif_read_rows(dec, count, rows, rows_read); break;
    }
    if (status != IC_OK || dec->fail.status != IC_OK) return ic_report(&dec->fail, err);
    return IC_OK;
}

const uint8_t *ic_decoder_metadata(const ic_decoder *dec, ic_meta_kind kind, size_t *length) {
    if (length) *length = 0;
    if (!dec || (int)kind < 0 || (int)kind >= IC_META_KIND_COUNT) return NULL;
    const ic_blob *blob = &dec->metadata[kind];
    if (!blob->data) return NULL;
    if (length) *length = blob->length;
    return blob->data;
}

void ic_decoder_close(ic_decoder *dec) {
    if (!dec) return;
    switch (dec->info.format) {
    case IC_FORMAT_PNG: ic_png_destroy(dec); break;
    case IC_FORMAT_JPEG: ic_jpeg_destroy(dec); break;
    case IC_FORMAT_TIFF: ic_tiff_destroy(dec); break;
    case IC_FORMAT_WEBP: ic_webp_destroy(dec); break;
    case IC_FORMAT_HEIF: ic_heif_destroy(dec); break;
    default: break;
    }
    for (int i = 0; i < IC_META_KIND_COUNT; i++) ic_blob_free(&dec->metadata[i]);
    if (dec->file) fclose(dec->file);
    free(dec);
}
