/*
 * WebP encoding with libwebp 1.2 and its muxer. libwebp encodes a whole picture, so rows are
 * converted as they arrive into the picture's own buffers and encoded at finish — the only
 * whole-image copy we make. Lossy: straight into its YUV 4:2:0 planes (1.5 bytes per pixel,
 * 2.5 with alpha), with libwebp's own RGB→YUV formulas, so libwebp never needs an ARGB copy
 * (4 bytes per pixel) and a YUV copy at once. Lossless: ARGB, which VP8L encodes from.
 * Metadata goes into ICCP, EXIF and XMP chunks, the VP8X flags set by libwebpmux. Gray is
 * stored as RGB (WebP has no gray).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <webp/encode.h>
#include <webp/mux.h>

#include "codec_internal.h"

struct ic_webp_writer {
    WebPPicture picture;
    int allocated;
    uint8_t *even_row;   /* lossy: the last even row as RGBA, until its odd partner gives the chroma */
};

/* libwebp's RGB→YUV (src/dsp/yuv.h, BT.601 limited range), so lossy output matches what
 * WebPPictureImportRGB would have made. U and V take the sums of a 2×2 block. */
#define YUV_FIX 16
#define YUV_HALF (1 << (YUV_FIX - 1))
static int clip_uv(int uv, int rounding) {
    uv = (uv + rounding + (128 << (YUV_FIX + 2))) >> (YUV_FIX + 2);
    return (uv & ~0xff) == 0 ? uv : uv < 0 ? 0 : 255;
}
static uint8_t rgb_to_y(int r, int g, int b) { return (uint8_t)((16839 * r + 33059 * g + 6420 * b + YUV_HALF + (16 << YUV_FIX)) >> YUV_FIX); }
static uint8_t rgb_to_u(int r, int g, int b) { return (uint8_t)clip_uv(-9719 * r - 19081 * g + 28800 * b, YUV_HALF << 2); }
static uint8_t rgb_to_v(int r, int g, int b) { return (uint8_t)clip_uv(28800 * r - 24116 * g - 4684 * b, YUV_HALF << 2); }

/* One row's pixels as RGBA, whatever the channel count. */
static void to_rgba(const uint8_t *s, int c, uint32_t width, uint8_t *rgba) {
    for (uint32_t x = 0; x < width; x++, s += c, rgba += 4) {
        rgba[0] = s[0];
        rgba[1] = c >= 3 ? s[1] : s[0];
        rgba[2] = c >= 3 ? s[2] : s[0];
        rgba[3] = c == 2 ? s[1] : c == 4 ? s[3] : 255;
    }
}

/* Chroma of the row pair (top, bottom) into chroma row `y / 2` (bottom == top for a last odd row). */
static void put_chroma(WebPPicture *p, const uint8_t *top, const uint8_t *bottom, uint32_t y) {
    uint8_t *u = p->u + (size_t)(y / 2) * p->uv_stride, *v = p->v + (size_t)(y / 2) * p->uv_stride;
    for (int x = 0; x < p->width; x += 2) {
        int x1 = x + 1 < p->width ? x + 1 : x;
        int r = top[4 * x] + top[4 * x1] + bottom[4 * x] + bottom[4 * x1];
        int g = top[4 * x + 1] + top[4 * x1 + 1] + bottom[4 * x + 1] + bottom[4 * x1 + 1];
        int b = top[4 * x + 2] + top[4 * x1 + 2] + bottom[4 * x + 2] + bottom[4 * x1 + 2];
        u[x / 2] = rgb_to_u(r, g, b);
        v[x / 2] = rgb_to_v(r, g, b);
    }
}

ic_status ic_webp_encoder_start(ic_encoder *enc) {
    struct ic_webp_writer *w = calloc(1, sizeof *w);
    if (!w || !WebPPictureInit(&w->picture)) {
        free(w);
        ic_fail(&enc->fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory");
        return enc->fail.status;
    }
    enc->webp = w;
    int alpha = enc->params.channels == 2 || enc->params.channels == 4;
    w->picture.use_argb = enc->params.lossless;
    w->picture.colorspace = alpha ? WEBP_YUV420A : WEBP_YUV420;
    w->picture.width = (int)enc->params.width;
    w->picture.height = (int)enc->params.height;
    if (!enc->params.lossless && !(w->even_row = malloc((size_t)enc->params.width * 4))) {
        ic_fail(&enc->fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory");
        return enc->fail.status;
    }
    if (!WebPPictureAlloc(&w->picture)) {
        ic_fail(&enc->fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory for a %u x %u WebP picture (%llu MB)",
                (unsigned)enc->params.width, (unsigned)enc->params.height,
                (unsigned long long)enc->params.width * enc->params.height * (enc->params.lossless ? 4 : 2) >> 20);
        return enc->fail.status;
    }
    w->allocated = 1;
    return IC_OK;
}

/* Lossy: Y (and A) now, U and V once a row pair is complete. */
static void write_yuv_row(struct ic_webp_writer *w, const uint8_t *s, int c, uint32_t y, uint8_t *odd_row) {
    WebPPicture *p = &w->picture;
    uint8_t *rgba = y % 2 == 0 ? w->even_row : odd_row;
    to_rgba(s, c, (uint32_t)p->width, rgba);
    uint8_t *luma = p->y + (size_t)y * p->y_stride;
    uint8_t *a = p->a ? p->a + (size_t)y * p->a_stride : NULL;
    for (int x = 0; x < p->width; x++) {
        luma[x] = rgb_to_y(rgba[4 * x], rgba[4 * x + 1], rgba[4 * x + 2]);
        if (a) a[x] = rgba[4 * x + 3];
    }
    if (y % 2 == 1) put_chroma(p, w->even_row, odd_row, y);
    else if (y + 1 == (uint32_t)p->height) put_chroma(p, w->even_row, w->even_row, y);
}

ic_status ic_webp_encoder_write(ic_encoder *enc, uint32_t count, const uint8_t *rows) {
    struct ic_webp_writer *w = enc->webp;
    int c = enc->params.channels;
    uint32_t width = enc->params.width;
    if (!enc->params.lossless) {
        uint8_t *odd_row = malloc((size_t)width * 4);
        if (!odd_row) {
            ic_fail(&enc->fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory");
            return enc->fail.status;
        }
        for (uint32_t i = 0; i < count; i++) write_yuv_row(w, rows + (size_t)i * width * c, c, enc->next_row + i, odd_row);
        free(odd_row);
        return IC_OK;
    }
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *s = rows + (size_t)i * width * c;
        uint32_t *d = w->picture.argb + (size_t)(enc->next_row + i) * w->picture.argb_stride;
        for (uint32_t x = 0; x < width; x++, s += c) {
            uint32_t r = s[0], g = c >= 3 ? s[1] : s[0], b = c >= 3 ? s[2] : s[0];
            uint32_t a = c == 2 ? s[1] : c == 4 ? s[3] : 255;
            d[x] = a << 24 | r << 16 | g << 8 | b;
        }
    }
    return IC_OK;
}

static const char *encode_error(WebPEncodingError e) {
    switch (e) {
    case VP8_ENC_ERROR_OUT_OF_MEMORY: case VP8_ENC_ERROR_BITSTREAM_OUT_OF_MEMORY: return "out of memory";
    case VP8_ENC_ERROR_BAD_DIMENSION: return "bad picture dimensions";
    case VP8_ENC_ERROR_PARTITION0_OVERFLOW: case VP8_ENC_ERROR_PARTITION_OVERFLOW: return "partition overflow";
    case VP8_ENC_ERROR_FILE_TOO_BIG: return "file too big (over 4 GB)";
    default: return "encoder error";
    }
}

static ic_status put(ic_encoder *enc, const uint8_t *bytes, size_t length) {
    if (fwrite(bytes, 1, length, enc->file) != length) {
        int e = errno;
        ic_fail(&enc->fail, IC_ERR_WRITE, e, "cannot write: %s", strerror(e));
    }
    return enc->fail.status;
}

ic_status ic_webp_encoder_finish(ic_encoder *enc) {
    struct ic_webp_writer *w = enc->webp;
    WebPConfig config;
    if (!WebPConfigInit(&config)) {
        ic_fail(&enc->fail, IC_ERR_USAGE, 0, "libwebp: version mismatch");
        return enc->fail.status;
    }
    if (enc->params.lossless) {
        config.lossless = 1;
        config.quality = 75;   /* for lossless: effort, not fidelity (libwebp's default) */
        config.exact = 1;      /* keep the colour under fully transparent pixels: same picture */
    } else {
        config.quality = (float)enc->params.quality;
    }
    WebPMemoryWriter memory;
    WebPMemoryWriterInit(&memory);
    w->picture.writer = WebPMemoryWrite;
    w->picture.custom_ptr = &memory;
    int encoded = WebPEncode(&config, &w->picture);
    WebPEncodingError error = w->picture.error_code;
    WebPPictureFree(&w->picture);   /* before muxing: the picture is the largest buffer */
    w->allocated = 0;
    if (!encoded) {
        WebPMemoryWriterClear(&memory);
        ic_fail(&enc->fail, error == VP8_ENC_ERROR_OUT_OF_MEMORY ? IC_ERR_OUT_OF_MEMORY : IC_ERR_WRITE, 0,
                "libwebp: %s", encode_error(error));
        return enc->fail.status;
    }
    const ic_blob *icc = &enc->metadata[IC_META_ICC], *exif = &enc->metadata[IC_META_EXIF], *xmp = &enc->metadata[IC_META_XMP];
    if (!icc->data && !exif->data && !xmp->data) {
        put(enc, memory.mem, memory.size);
        WebPMemoryWriterClear(&memory);
        return enc->fail.status;
    }
    WebPMux *mux = WebPMuxNew();
    WebPData image = {memory.mem, memory.size}, assembled = {NULL, 0};
    WebPMuxError status = mux ? WebPMuxSetImage(mux, &image, 0) : WEBP_MUX_MEMORY_ERROR;
    const struct { const char *fourcc; const ic_blob *blob; } chunks[] = {{"ICCP", icc}, {"EXIF", exif}, {"XMP ", xmp}};
    for (size_t i = 0; i < 3 && status == WEBP_MUX_OK; i++) {
        if (!chunks[i].blob->data) continue;
        WebPData bytes = {chunks[i].blob->data, chunks[i].blob->length};
        status = WebPMuxSetChunk(mux, chunks[i].fourcc, &bytes, 0);
    }
    if (status == WEBP_MUX_OK) status = WebPMuxAssemble(mux, &assembled);
    if (status == WEBP_MUX_OK) put(enc, assembled.bytes, assembled.size);
    else ic_fail(&enc->fail, status == WEBP_MUX_MEMORY_ERROR ? IC_ERR_OUT_OF_MEMORY : IC_ERR_WRITE, 0,
                 "libwebpmux: cannot add the metadata chunks (error %d)", (int)status);
    WebPDataClear(&assembled);
    if (mux) WebPMuxDelete(mux);
    WebPMemoryWriterClear(&memory);
    return enc->fail.status;
}

void ic_webp_encoder_destroy(ic_encoder *enc) {
    struct ic_webp_writer *w = enc->webp;
    if (!w) return;
    if (w->allocated) WebPPictureFree(&w->picture);
    free(w->even_row);
    free(w);
    enc->webp = NULL;
}
