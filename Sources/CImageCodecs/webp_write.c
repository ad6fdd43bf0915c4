/*
 * WebP encoding with libwebp 1.2 and its muxer. libwebp encodes a whole picture, so rows are
 * packed as they arrive into the picture's own ARGB buffer (4 bytes per pixel, the only
 * whole-image copy we make) and encoded at finish; lossy encoding then adds libwebp's YUV
 * copy (1.5 bytes per pixel) and its working memory. Metadata goes into ICCP, EXIF and XMP
 * chunks, the VP8X flags set by libwebpmux. Gray is stored as RGB (WebP has no gray).
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
};

ic_status ic_webp_encoder_start(ic_encoder *enc) {
    struct ic_webp_writer *w = calloc(1, sizeof *w);
    if (!w || !WebPPictureInit(&w->picture)) {
        free(w);
        ic_fail(&enc->fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory");
        return enc->fail.status;
    }
    enc->webp = w;
    w->picture.use_argb = 1;
    w->picture.width = (int)enc->params.width;
    w->picture.height = (int)enc->params.height;
    if (!WebPPictureAlloc(&w->picture)) {
        ic_fail(&enc->fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory for a %u x %u WebP picture (%llu MB)",
                (unsigned)enc->params.width, (unsigned)enc->params.height,
                (unsigned long long)enc->params.width * enc->params.height * 4 >> 20);
        return enc->fail.status;
    }
    w->allocated = 1;
    return IC_OK;
}

ic_status ic_webp_encoder_write(ic_encoder *enc, uint32_t count, const uint8_t *rows) {
    struct ic_webp_writer *w = enc->webp;
    int c = enc->params.channels;
    uint32_t width = enc->params.width;
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
    free(w);
    enc->webp = NULL;
}
