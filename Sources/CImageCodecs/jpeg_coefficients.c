/*
 * A JPEG's quantized DCT coefficients and tables, for deblocking within the bounds the file
 * itself sets (Imaging's JPEGDeblocker). One whole operation with its own setjmp, like the
 * decoder's: libjpeg's errors land here, never under a Swift frame.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec_internal.h"

typedef struct coefficient_read {
    struct jpeg_decompress_struct jpeg;
    struct jpeg_error_mgr err;
    ic_failure fail;
    int created;
    FILE *file;
} coefficient_read;

void ic_jpeg_coefficients_free(ic_jpeg_coefficients *c) {
    if (!c) return;
    for (int i = 0; i < IC_JPEG_MAX_COMPONENTS; i++) {
        free(c->component[i].coefficients);
        c->component[i].coefficients = NULL;
    }
}

static void finish(coefficient_read *r) {
    if (r->created) jpeg_destroy_decompress(&r->jpeg);
    r->created = 0;
    if (r->file) fclose(r->file);
    r->file = NULL;
}

/* The body under the setjmp: every libjpeg call of the operation. `out` is filled as it goes
 * and freed by the caller on failure. */
static ic_status read_coefficients(coefficient_read *r, uint64_t max_pixels, ic_jpeg_coefficients *out) {
    ic_failure *fail = &r->fail;
    struct jpeg_decompress_struct *j = &r->jpeg;
    jpeg_read_header(j, TRUE);
    if (ic_check_size(fail, j->image_width, j->image_height, max_pixels) != IC_OK) return fail->status;
    if (j->data_precision != 8) {
        ic_fail(fail, IC_ERR_UNSUPPORTED, 0, "%d-bit JPEG samples (deblocking reads 8-bit JPEGs)", j->data_precision);
        return fail->status;
    }
    switch (j->jpeg_color_space) {
    case JCS_GRAYSCALE: out->ycbcr = 0; break;
    case JCS_YCbCr: out->ycbcr = 1; break;
    case JCS_RGB: out->ycbcr = 0; break;
    default:
        ic_fail(fail, IC_ERR_UNSUPPORTED, 0,
                "a JPEG of %d components that are not gray, YCbCr or RGB (CMYK?) is not deblocked",
                j->num_components);
        return fail->status;
    }
    if (j->num_components != 1 && j->num_components != 3) {
        ic_fail(fail, IC_ERR_UNSUPPORTED, 0, "a JPEG of %d components is not deblocked", j->num_components);
        return fail->status;
    }
    fail->in_entropy_data = 1;  /* read_header stops at the first scan */
    jvirt_barray_ptr *arrays = jpeg_read_coefficients(j);
    out->width = j->image_width;
    out->height = j->image_height;
    out->components = j->num_components;
    out->max_h_samp = j->max_h_samp_factor;
    out->max_v_samp = j->max_v_samp_factor;
    for (int ci = 0; ci < j->num_components; ci++) {
        jpeg_component_info *comp = &j->comp_info[ci];
        ic_jpeg_component *dst = &out->component[ci];
        /* The table latched for this component's data (a progressive file may redefine a slot
         * between scans; what quantized these coefficients is this one). */
        const JQUANT_TBL *table = comp->quant_table ? comp->quant_table : j->quant_tbl_ptrs[comp->quant_tbl_no];
        if (!table) {
            ic_fail(fail, IC_ERR_CORRUPT, 0, "component %d has no quantization table", ci);
            return fail->status;
        }
        for (int k = 0; k < DCTSIZE2; k++) dst->quant[k] = table->quantval[k];
        dst->h_samp = comp->h_samp_factor;
        dst->v_samp = comp->v_samp_factor;
        dst->width = comp->downsampled_width;
        dst->height = comp->downsampled_height;
        dst->blocks_wide = comp->width_in_blocks;
        dst->blocks_high = comp->height_in_blocks;
        size_t count = (size_t)dst->blocks_wide * dst->blocks_high * DCTSIZE2;
        dst->coefficients = malloc(count * sizeof(int16_t));
        if (!dst->coefficients) {
            ic_fail(fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory for %zu coefficients", count);
            return fail->status;
        }
        for (JDIMENSION row = 0; row < dst->blocks_high; row++) {
            JBLOCKARRAY blocks = (*j->mem->access_virt_barray)((j_common_ptr)j, arrays[ci], row, 1, FALSE);
            /* JBLOCK holds the coefficients in natural (row-major) order, as the tables. */
            memcpy(dst->coefficients + (size_t)row * dst->blocks_wide * DCTSIZE2, blocks[0],
                   (size_t)dst->blocks_wide * DCTSIZE2 * sizeof(int16_t));
        }
    }
    jpeg_finish_decompress(j);
    return IC_OK;
}

/* The whole operation under its setjmp, from r->file or, when `data` is given, from those
 * bytes; releases `r` and, on failure, what `out` holds. */
static ic_status read_whole(coefficient_read *r, const uint8_t *data, size_t length, uint64_t max_pixels,
                            ic_jpeg_coefficients *out, ic_error *err) {
    ic_status status;
    r->fail.codec_status = IC_ERR_CORRUPT;
    ic_jpeg_install_error_handlers(&r->err);
    r->jpeg.err = &r->err;
    r->jpeg.client_data = &r->fail;
    if (setjmp(r->fail.jump)) {
        status = r->fail.status;
    } else {
        r->created = 1;
        jpeg_create_decompress(&r->jpeg);
        if (data) jpeg_mem_src(&r->jpeg, data, (unsigned long)length);
        else jpeg_stdio_src(&r->jpeg, r->file);
        status = read_coefficients(r, max_pixels, out);
    }
    if (status != IC_OK) {
        ic_report(&r->fail, err);
        ic_jpeg_coefficients_free(out);
    }
    finish(r);
    free(r);
    return status;
}

/* Why anything else is refused, said the same for a file and for bytes. */
static const char not_jpeg[] = "not a JPEG: only a JPEG's own quantization tables can guide deblocking";

/* A JPEG starts with SOI (FF D8) and the next marker's FF. */
static int is_jpeg(const uint8_t *magic, size_t length) {
    return length >= 3 && magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF;
}

ic_status ic_jpeg_read_coefficients_fd(int fd, uint64_t max_pixels, ic_jpeg_coefficients *out, ic_error *err) {
    memset(out, 0, sizeof *out);
    coefficient_read *r = calloc(1, sizeof *r);
    if (!r) {
        ic_error_set(err, ENOMEM, "out of memory");
        return IC_ERR_OUT_OF_MEMORY;
    }
    int own = dup(fd);
    if (own < 0 || lseek(own, 0, SEEK_SET) < 0 || !(r->file = fdopen(own, "rb"))) {
        int e = errno;
        if (own >= 0) close(own);
        free(r);
        ic_error_set(err, e, "cannot read: %s", strerror(e));
        return IC_ERR_SYSTEM;
    }
    uint8_t magic[3] = {0};
    size_t got = fread(magic, 1, sizeof magic, r->file);
    if (got == 0) {
        finish(r);
        free(r);
        ic_error_set(err, 0, "is empty");
        return IC_ERR_EMPTY;
    }
    if (!is_jpeg(magic, got)) {
        finish(r);
        free(r);
        ic_error_set(err, 0, "%s", not_jpeg);
        return IC_ERR_UNSUPPORTED;
    }
    rewind(r->file);
    return read_whole(r, NULL, 0, max_pixels, out, err);
}

ic_status ic_jpeg_read_coefficients_memory(const uint8_t *data, size_t length, uint64_t max_pixels,
                                           ic_jpeg_coefficients *out, ic_error *err) {
    memset(out, 0, sizeof *out);
    if (!data || length == 0) {
        ic_error_set(err, 0, "is empty");
        return IC_ERR_EMPTY;
    }
    if (!is_jpeg(data, length)) {
        ic_error_set(err, 0, "%s", not_jpeg);
        return IC_ERR_UNSUPPORTED;
    }
    coefficient_read *r = calloc(1, sizeof *r);
    if (!r) {
        ic_error_set(err, ENOMEM, "out of memory");
        return IC_ERR_OUT_OF_MEMORY;
    }
    return read_whole(r, data, length, max_pixels, out, err);
}
