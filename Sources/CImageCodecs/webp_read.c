/*
 * WebP decoding with libwebp 1.2 and its demuxer. libwebp decodes from memory and into one
 * whole-image buffer (its incremental decoder fills a whole-image buffer too), so the file is
 * read whole, its size and animation flag checked from the container and VP8/VP8L headers
 * before any pixel buffer, and the pixels (RGB or RGBA, 8-bit) decoded on the first row
 * request: at most max_pixels × 4 bytes (a 12 MP photo: 48 MB). ICCP, EXIF and XMP chunks
 * are kept. libwebp returns status codes; nothing longjmps and nothing is printed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <webp/decode.h>
#include <webp/demux.h>

#include "codec_internal.h"

struct ic_webp_reader {
    uint8_t *data;     /* the whole file, until the pixels are decoded */
    size_t size;
    uint8_t *pixels;   /* width × height × channels, once decoded */
};

static int keep_chunk(ic_decoder *dec, WebPDemuxer *demux, const char *fourcc, ic_meta_kind kind) {
    WebPChunkIterator chunk;
    if (!WebPDemuxGetChunk(demux, fourcc, 1, &chunk)) return 1;
    const uint8_t *bytes = chunk.chunk.bytes;
    size_t length = chunk.chunk.size;
    /* Some writers keep JPEG's "Exif\0\0" prefix inside the chunk; the block starts after it. */
    if (kind == IC_META_EXIF && length >= 6 && memcmp(bytes, "Exif\0\0", 6) == 0) {
        bytes += 6;
        length -= 6;
    }
    int ok = length == 0 || ic_blob_set(&dec->metadata[kind], bytes, length);
    WebPDemuxReleaseChunkIterator(&chunk);
    return ok;
}

static ic_status vp8_status(ic_decoder *dec, VP8StatusCode code, const char *when) {
    switch (code) {
    case VP8_STATUS_OK: return IC_OK;
    case VP8_STATUS_NOT_ENOUGH_DATA:
        ic_fail(&dec->fail, IC_ERR_TRUNCATED, 0, "libwebp: data ends before the image does (%s)", when);
        break;
    case VP8_STATUS_OUT_OF_MEMORY:
        ic_fail(&dec->fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "libwebp: out of memory (%s)", when);
        break;
    case VP8_STATUS_UNSUPPORTED_FEATURE:
        ic_fail(&dec->fail, IC_ERR_UNSUPPORTED, 0, "libwebp: unsupported feature (%s)", when);
        break;
    default:
        ic_fail(&dec->fail, IC_ERR_CORRUPT, 0, "libwebp: invalid bitstream (status %d, %s)", (int)code, when);
        break;
    }
    return dec->fail.status;
}

ic_status ic_webp_open(ic_decoder *dec, uint64_t max_pixels) {
    struct ic_webp_reader *r = calloc(1, sizeof *r);
    if (!r) {
        ic_fail(&dec->fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory");
        return dec->fail.status;
    }
    dec->webp = r;
    if (ic_read_whole_file(dec, IC_MAX_WEBP_FILE_BYTES, "WebP", &r->data, &r->size) != IC_OK) return dec->fail.status;

    WebPData data = {r->data, r->size};
    WebPDemuxState state = WEBP_DEMUX_PARSE_ERROR;
    WebPDemuxer *demux = WebPDemuxPartial(&data, &state);
    if (!demux || state != WEBP_DEMUX_DONE) {
        if (demux) WebPDemuxDelete(demux);
        if (state == WEBP_DEMUX_PARSE_ERROR) {
            ic_fail(&dec->fail, IC_ERR_CORRUPT, 0, "invalid WebP container (a chunk's size or layout is wrong)");
        } else {
            ic_fail(&dec->fail, IC_ERR_TRUNCATED, 0, "WebP data ends before the container does (%zu bytes)", r->size);
        }
        return dec->fail.status;
    }
    uint32_t flags = WebPDemuxGetI(demux, WEBP_FF_FORMAT_FLAGS);
    uint32_t frames = WebPDemuxGetI(demux, WEBP_FF_FRAME_COUNT);
    uint32_t width = WebPDemuxGetI(demux, WEBP_FF_CANVAS_WIDTH);
    uint32_t height = WebPDemuxGetI(demux, WEBP_FF_CANVAS_HEIGHT);
    if ((flags & ANIMATION_FLAG) || frames > 1) {
        WebPDemuxDelete(demux);
        ic_fail(&dec->fail, IC_ERR_UNSUPPORTED, 0, "animated WebP (%u frames) is not supported: only still images are enhanced", frames);
        return dec->fail.status;
    }
    int kept = keep_chunk(dec, demux, "ICCP", IC_META_ICC) && keep_chunk(dec, demux, "EXIF", IC_META_EXIF) &&
               keep_chunk(dec, demux, "XMP ", IC_META_XMP);
    WebPDemuxDelete(demux);
    if (!kept) {
        ic_fail(&dec->fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory reading metadata");
        return dec->fail.status;
    }
    if (ic_check_size(&dec->fail, width, height, max_pixels) != IC_OK) return dec->fail.status;

    WebPBitstreamFeatures features;
    if (vp8_status(dec, WebPGetFeatures(r->data, r->size, &features), "reading the header") != IC_OK) return dec->fail.status;
    if ((uint32_t)features.width != width || (uint32_t)features.height != height) {
        ic_fail(&dec->fail, IC_ERR_CORRUPT, 0, "WebP canvas %u x %u differs from its image %d x %d",
                width, height, features.width, features.height);
        return dec->fail.status;
    }
    dec->info.width = width;
    dec->info.height = height;
    dec->info.channels = features.has_alpha ? 4 : 3;
    dec->info.bit_depth = 8;
    dec->info.lossless = features.format == 2;
    dec->row_bytes = (size_t)width * dec->info.channels;
    return IC_OK;
}

static ic_status decode_all(ic_decoder *dec, struct ic_webp_reader *r) {
    size_t bytes = dec->row_bytes * dec->info.height;
    r->pixels = malloc(bytes);
    if (!r->pixels) {
        ic_fail(&dec->fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory for %zu MB of WebP pixels", bytes >> 20);
        return dec->fail.status;
    }
    WebPDecoderConfig config;
    if (!WebPInitDecoderConfig(&config)) {
        ic_fail(&dec->fail, IC_ERR_USAGE, 0, "libwebp: version mismatch");
        return dec->fail.status;
    }
    config.output.colorspace = dec->info.channels == 4 ? MODE_RGBA : MODE_RGB;
    config.output.is_external_memory = 1;
    config.output.u.RGBA.rgba = r->pixels;
    config.output.u.RGBA.stride = (int)dec->row_bytes;
    config.output.u.RGBA.size = bytes;
    VP8StatusCode code = WebPDecode(r->data, r->size, &config);
    WebPFreeDecBuffer(&config.output);
    free(r->data);   /* the compressed bytes are no longer needed */
    r->data = NULL;
    return vp8_status(dec, code, "decoding");
}

ic_status ic_webp_read_rows(ic_decoder *dec, uint32_t count, uint8_t *rows, uint32_t *rows_read) {
    struct ic_webp_reader *r = dec->webp;
    if (!r->pixels && decode_all(dec, r) != IC_OK) return dec->fail.status;
    memcpy(rows, r->pixels + (size_t)dec->next_row * dec->row_bytes, (size_t)count * dec->row_bytes);
    dec->next_row += count;
    *rows_read = count;
    return IC_OK;
}

void ic_webp_destroy(ic_decoder *dec) {
    struct ic_webp_reader *r = dec->webp;
    if (!r) return;
    free(r->data);
    free(r->pixels);
    free(r);
    dec->webp = NULL;
}
