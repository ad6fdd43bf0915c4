/*
 * Whole-image JPEG encoding and decoding in memory, for the training
 * pipeline's JPEG degradation: a crop is compressed at a random quality and
 * decoded again, thousands of times a run, without touching the disk.
 *
 * Each public function is one whole operation: an outer function owns the
 * state that must survive a longjmp (buffers to free, the libjpeg struct) in
 * its own frame, and an inner function does the setjmp and every libjpeg
 * call, so no local modified between setjmp and longjmp is read afterwards.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "codec_internal.h"

typedef struct memory_encode {
    ic_failure fail;
    struct jpeg_compress_struct jpeg;
    struct jpeg_error_mgr err;
    int created;
    unsigned char *buffer;   /* jpeg_mem_dest's, grown by libjpeg; ours to free */
    unsigned long size;
} memory_encode;

static ic_status encode_inside(memory_encode *m, const uint8_t *pixels, uint32_t width, uint32_t height,
                               int channels, int quality) {
    ic_jpeg_install_error_handlers(&m->err);
    m->jpeg.err = &m->err;
    m->jpeg.client_data = &m->fail;
    m->fail.codec_status = IC_ERR_WRITE;
    if (setjmp(m->fail.jump)) return m->fail.status;
    jpeg_create_compress(&m->jpeg);
    m->created = 1;
    jpeg_mem_dest(&m->jpeg, &m->buffer, &m->size);
    m->jpeg.image_width = width;
    m->jpeg.image_height = height;
    m->jpeg.input_components = channels;
    m->jpeg.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    /* libjpeg's defaults (4:2:0 chroma, standard Huffman tables) are what most JPEGs in the
     * wild were written with, which is what the degradation imitates. */
    jpeg_set_defaults(&m->jpeg);
    jpeg_set_quality(&m->jpeg, quality, TRUE);
    jpeg_start_compress(&m->jpeg, TRUE);
    size_t row_bytes = (size_t)width * (size_t)channels;
    for (uint32_t y = 0; y < height; y++) {
        JSAMPROW row = (JSAMPROW)(pixels + y * row_bytes);  /* libjpeg only reads it */
        jpeg_write_scanlines(&m->jpeg, &row, 1);
    }
    jpeg_finish_compress(&m->jpeg);
    return IC_OK;
}

ic_status ic_jpeg_encode_memory(const uint8_t *pixels, uint32_t width, uint32_t height, int channels,
                                int quality, uint8_t **out, size_t *out_length, ic_error *err) {
    *out = NULL;
    *out_length = 0;
    if (!pixels || width == 0 || height == 0 || width > IC_MAX_SIDE || height > IC_MAX_SIDE ||
        (channels != 1 && channels != 3) || quality < 1 || quality > 100) {
        ic_error_set(err, 0, "JPEG in memory takes 1 or 3 channels, sides 1-%u and quality 1-100", IC_MAX_SIDE);
        return IC_ERR_USAGE;
    }
    memory_encode *m = calloc(1, sizeof *m);
    if (!m) { ic_error_set(err, ENOMEM, "out of memory"); return IC_ERR_OUT_OF_MEMORY; }
    ic_status status = encode_inside(m, pixels, width, height, channels, quality);
    if (m->created) jpeg_destroy_compress(&m->jpeg);
    if (status == IC_OK) {
        *out = m->buffer;
        *out_length = m->size;
    } else {
        free(m->buffer);
        ic_report(&m->fail, err);
    }
    free(m);
    return status;
}

typedef struct memory_decode {
    ic_failure fail;
    struct jpeg_decompress_struct jpeg;
    struct jpeg_error_mgr err;
    int created;
    uint8_t *pixels;         /* ours until handed to the caller */
} memory_decode;

static ic_status decode_inside(memory_decode *m, const uint8_t *data, size_t length, uint64_t max_pixels,
                               ic_info *info, uint16_t quant[128]) {
    ic_jpeg_install_error_handlers(&m->err);
    m->jpeg.err = &m->err;
    m->jpeg.client_data = &m->fail;
    m->fail.codec_status = IC_ERR_CORRUPT;
    if (setjmp(m->fail.jump)) return m->fail.status;
    jpeg_create_decompress(&m->jpeg);
    m->created = 1;
    jpeg_mem_src(&m->jpeg, data, (unsigned long)length);
    jpeg_read_header(&m->jpeg, TRUE);
    m->fail.in_entropy_data = 1;
    if (ic_check_size(&m->fail, m->jpeg.image_width, m->jpeg.image_height, max_pixels) != IC_OK)
        return m->fail.status;
    for (int c = 0; c < 2; c++) {
        memset(quant + 64 * c, 0, 64 * sizeof quant[0]);
        if (c >= m->jpeg.num_components) continue;
        int slot = m->jpeg.comp_info[c].quant_tbl_no;
        const JQUANT_TBL *table = slot >= 0 && slot < NUM_QUANT_TBLS ? m->jpeg.quant_tbl_ptrs[slot] : NULL;
        if (table) for (int i = 0; i < DCTSIZE2; i++) quant[64 * c + i] = table->quantval[i];  /* natural order */
    }
    int gray = m->jpeg.jpeg_color_space == JCS_GRAYSCALE;
    if (!gray && m->jpeg.num_components != 3) {
        ic_fail(&m->fail, IC_ERR_UNSUPPORTED, 0, "JPEG in memory: only gray or YCbCr/RGB");
        return m->fail.status;
    }
    m->jpeg.out_color_space = gray ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&m->jpeg);
    size_t row_bytes = (size_t)m->jpeg.output_width * (size_t)m->jpeg.output_components;
    m->pixels = malloc(row_bytes * m->jpeg.output_height);
    if (!m->pixels) {
        ic_fail(&m->fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory for the decoded image");
        return m->fail.status;
    }
    while (m->jpeg.output_scanline < m->jpeg.output_height) {
        JSAMPROW row = m->pixels + m->jpeg.output_scanline * row_bytes;
        jpeg_read_scanlines(&m->jpeg, &row, 1);
    }
    jpeg_finish_decompress(&m->jpeg);
    memset(info, 0, sizeof *info);
    info->width = m->jpeg.output_width;
    info->height = m->jpeg.output_height;
    info->channels = m->jpeg.output_components;
    info->bit_depth = 8;
    info->format = IC_FORMAT_JPEG;
    return IC_OK;
}

ic_status ic_jpeg_decode_memory(const uint8_t *data, size_t length, uint64_t max_pixels,
                                uint8_t **pixels, ic_info *info, uint16_t quant[128], ic_error *err) {
    *pixels = NULL;
    if (!data || length == 0) {
        ic_error_set(err, 0, "no JPEG data");
        return IC_ERR_EMPTY;
    }
    memory_decode *m = calloc(1, sizeof *m);
    if (!m) { ic_error_set(err, ENOMEM, "out of memory"); return IC_ERR_OUT_OF_MEMORY; }
    ic_status status = decode_inside(m, data, length, max_pixels, info, quant);
    if (m->created) jpeg_destroy_decompress(&m->jpeg);
    if (status == IC_OK) {
        *pixels = m->pixels;
    } else {
        free(m->pixels);
        ic_report(&m->fail, err);
    }
    free(m);
    return status;
}

void ic_free_buffer(void *buffer) { free(buffer); }
