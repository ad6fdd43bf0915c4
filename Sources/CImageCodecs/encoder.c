/*
 * Encoder entry points: validate what the caller asks for, create the output
 * file exclusively, and drive the PNG, JPEG, TIFF or WebP half. Encoding starts lazily on
 * the first row so metadata can be attached after opening.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec_internal.h"

static ic_status validate(const ic_encode_params *p, ic_error *err) {
    if (p->width == 0 || p->height == 0) {
        ic_error_set(err, 0, "cannot write an image of %u x %u pixels", (unsigned)p->width, (unsigned)p->height);
        return IC_ERR_USAGE;
    }
    if (p->channels < 1 || p->channels > 4) {
        ic_error_set(err, 0, "cannot write %d channels (1 to 4 are possible)", p->channels);
        return IC_ERR_USAGE;
    }
    if (p->bit_depth != 8 && p->bit_depth != 16) {
        ic_error_set(err, 0, "cannot write %d-bit samples (8 or 16 are possible)", p->bit_depth);
        return IC_ERR_USAGE;
    }
    if (p->format == IC_FORMAT_PNG) {
        if (p->width > 0x7fffffffU || p->height > 0x7fffffffU) {
            ic_error_set(err, 0, "PNG cannot hold %u x %u pixels", (unsigned)p->width, (unsigned)p->height);
            return IC_ERR_UNSUPPORTED;
        }
        return IC_OK;
    }
    if (p->format == IC_FORMAT_TIFF) return IC_OK;  /* 1–4 channels, 8 or 16 bits: all of it */
    if (p->format == IC_FORMAT_WEBP) {
        if (p->bit_depth != 8) {
            ic_error_set(err, 0, "WebP stores 8-bit samples only; this image is %d-bit", p->bit_depth);
            return IC_ERR_UNSUPPORTED;
        }
        if (p->width > IC_WEBP_MAX_SIDE || p->height > IC_WEBP_MAX_SIDE) {
            ic_error_set(err, 0, "WebP cannot hold %u x %u pixels (at most %u per side)",
                         (unsigned)p->width, (unsigned)p->height, IC_WEBP_MAX_SIDE);
            return IC_ERR_UNSUPPORTED;
        }
        if (!p->lossless && (p->quality < 1 || p->quality > 100)) {
            ic_error_set(err, 0, "WebP quality %d is outside 1...100", p->quality);
            return IC_ERR_USAGE;
        }
        return IC_OK;
    }
    if (p->format != IC_FORMAT_JPEG) {
        ic_error_set(err, 0, "unknown output format %d", p->format);
        return IC_ERR_USAGE;
    }
    /* Refusing rather than dropping alpha: what transparent pixels should
     * become (black? white? the hidden colour?) is the caller's decision. */
    if (p->channels == 2 || p->channels == 4) {
        ic_error_set(err, 0, "JPEG cannot store an alpha channel; remove or flatten it first, or write PNG");
        return IC_ERR_UNSUPPORTED;
    }
    if (p->bit_depth != 8) {
        ic_error_set(err, 0, "JPEG stores 8-bit samples only; this image is %d-bit", p->bit_depth);
        return IC_ERR_UNSUPPORTED;
    }
    if (p->width > JPEG_MAX_DIMENSION || p->height > JPEG_MAX_DIMENSION) {
        ic_error_set(err, 0, "JPEG cannot hold %u x %u pixels (at most %d per side)",
                     (unsigned)p->width, (unsigned)p->height, (int)JPEG_MAX_DIMENSION);
        return IC_ERR_UNSUPPORTED;
    }
    if (p->quality < 1 || p->quality > 100) {
        ic_error_set(err, 0, "JPEG quality %d is outside 1...100", p->quality);
        return IC_ERR_USAGE;
    }
    return IC_OK;
}

static ic_status start_on(int fd, const ic_encode_params *params, ic_encoder **out, ic_error *err);

ic_status ic_encoder_open(const char *path, const ic_encode_params *params,
                          ic_encoder **out, ic_error *err) {
    if (out) *out = NULL;
    if (!path || !params || !out) {
        ic_error_set(err, 0, "internal: ic_encoder_open called with NULL");
        return IC_ERR_USAGE;
    }
    ic_status status = validate(params, err);
    if (status != IC_OK) return status;

    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        int e = errno;
        ic_error_set(err, e, "cannot create file: %s", strerror(e));
        return IC_ERR_WRITE;
    }
    return start_on(fd, params, out, err);
}

ic_status ic_encoder_open_fd(int fd, const ic_encode_params *params,
                             ic_encoder **out, ic_error *err) {
    if (out) *out = NULL;
    if (fd < 0 || !params || !out) {
        ic_error_set(err, 0, "internal: ic_encoder_open_fd called with a bad descriptor or NULL");
        return IC_ERR_USAGE;
    }
    ic_status status = validate(params, err);
    if (status != IC_OK) return status;
    /* Our own duplicate, so that finishing (fclose) leaves the caller's descriptor open. */
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) {
        int e = errno;
        ic_error_set(err, e, "cannot duplicate the descriptor: %s", strerror(e));
        return IC_ERR_WRITE;
    }
    return start_on(copy, params, out, err);
}

/* Takes over `fd`: it ends up in the encoder or closed. */
static ic_status start_on(int fd, const ic_encode_params *params, ic_encoder **out, ic_error *err) {
    FILE *file = fdopen(fd, "wb");
    ic_encoder *enc = file ? calloc(1, sizeof *enc) : NULL;
    if (!enc) {
        int e = errno;
        if (file) fclose(file); else close(fd);
        ic_error_set(err, e, "cannot set up the encoder: %s", strerror(e));
        return IC_ERR_OUT_OF_MEMORY;
    }
    enc->file = file;
    enc->params = *params;
    enc->fail.codec_status = IC_ERR_WRITE;
    *out = enc;
    return IC_OK;
}

ic_status ic_encoder_set_metadata(ic_encoder *enc, ic_meta_kind kind,
                                  const uint8_t *data, size_t length, ic_error *err) {
    if (!enc || (int)kind < 0 || (int)kind >= IC_META_KIND_COUNT) {
        ic_error_set(err, 0, "internal: bad ic_encoder_set_metadata call");
        return IC_ERR_USAGE;
    }
    if (enc->fail.status != IC_OK) return ic_report(&enc->fail, err);
    if (enc->started) {
        ic_error_set(err, 0, "metadata must be set before the first row is written");
        return IC_ERR_USAGE;
    }
    if (!ic_blob_set(&enc->metadata[kind], data, length)) {
        ic_error_set(err, ENOMEM, "out of memory");
        return IC_ERR_OUT_OF_MEMORY;
    }
    return IC_OK;
}

static ic_status start(ic_encoder *enc) {
    if (enc->started) return IC_OK;
    enc->started = 1;
    switch (enc->params.format) {
    case IC_FORMAT_PNG: return ic_png_encoder_start(enc);
    case IC_FORMAT_TIFF: return ic_tiff_encoder_start(enc);
    case IC_FORMAT_WEBP: return ic_webp_encoder_start(enc);
    default: return ic_jpeg_encoder_start(enc);
    }
}

ic_status ic_encoder_write_rows(ic_encoder *enc, uint32_t count, const void *rows, ic_error *err) {
    if (!enc || (!rows && count > 0)) {
        ic_error_set(err, 0, "internal: ic_encoder_write_rows called with NULL");
        return IC_ERR_USAGE;
    }
    if (enc->fail.status != IC_OK) return ic_report(&enc->fail, err);
    if (enc->finished) {
        ic_error_set(err, 0, "rows written after finish");
        return IC_ERR_USAGE;
    }
    if ((uint64_t)enc->next_row + count > enc->params.height) {
        ic_error_set(err, 0, "%u more rows would exceed the image height of %u (%u written)",
                     (unsigned)count, (unsigned)enc->params.height, (unsigned)enc->next_row);
        return IC_ERR_USAGE;
    }
    if (start(enc) != IC_OK) return ic_report(&enc->fail, err);
    if (count == 0) return IC_OK;
    ic_status status;
    switch (enc->params.format) {
    case IC_FORMAT_PNG: status = ic_png_encoder_write(enc, count, rows); break;
    case IC_FORMAT_TIFF: status = ic_tiff_encoder_write(enc, count, rows); break;
    case IC_FORMAT_WEBP: status = ic_webp_encoder_write(enc, count, rows); break;
    default: status = ic_jpeg_encoder_write(enc, count, rows); break;
    }
    if (status != IC_OK) return ic_report(&enc->fail, err);
    enc->next_row += count;
    return IC_OK;
}

ic_status ic_encoder_finish(ic_encoder *enc, ic_error *err) {
    if (!enc) {
        ic_error_set(err, 0, "internal: ic_encoder_finish called with NULL");
        return IC_ERR_USAGE;
    }
    if (enc->fail.status != IC_OK) return ic_report(&enc->fail, err);
    if (enc->finished) return IC_OK;
    if (enc->next_row != enc->params.height) {
        ic_error_set(err, 0, "only %u of %u rows were written",
                     (unsigned)enc->next_row, (unsigned)enc->params.height);
        return IC_ERR_USAGE;
    }
    if (start(enc) != IC_OK) return ic_report(&enc->fail, err);
    ic_status status;
    switch (enc->params.format) {
    case IC_FORMAT_PNG: status = ic_png_encoder_finish(enc); break;
    case IC_FORMAT_TIFF: status = ic_tiff_encoder_finish(enc); break;
    case IC_FORMAT_WEBP: status = ic_webp_encoder_finish(enc); break;
    default: status = ic_jpeg_encoder_finish(enc); break;
    }
    if (status != IC_OK) return ic_report(&enc->fail, err);

    /* Durability before the caller renames the file into place. */
    FILE *file = enc->file;
    enc->file = NULL;
    if (fflush(file) != 0 || fsync(fileno(file)) != 0) {
        int e = errno;
        fclose(file);
        ic_fail(&enc->fail, IC_ERR_WRITE, e, "cannot flush the file to disk: %s", strerror(e));
        return ic_report(&enc->fail, err);
    }
    if (fclose(file) != 0) {
        int e = errno;
        ic_fail(&enc->fail, IC_ERR_WRITE, e, "cannot close the file: %s", strerror(e));
        return ic_report(&enc->fail, err);
    }
    enc->finished = 1;
    return IC_OK;
}

void ic_encoder_close(ic_encoder *enc) {
    if (!enc) return;
    switch (enc->params.format) {
    case IC_FORMAT_PNG: ic_png_encoder_destroy(enc); break;
    case IC_FORMAT_TIFF: ic_tiff_encoder_destroy(enc); break;
    case IC_FORMAT_WEBP: ic_webp_encoder_destroy(enc); break;
    default: ic_jpeg_encoder_destroy(enc); break;
    }
    for (int i = 0; i < IC_META_KIND_COUNT; i++) ic_blob_free(&enc->metadata[i]);
    if (enc->file) fclose(enc->file);
    free(enc);
}
