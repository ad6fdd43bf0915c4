/*
 * HEIC and AVIF decoding (read only) with libheif 1.15, whose plugins here are libde265
 * (HEVC) and dav1d/libaom (AV1). libheif decodes from memory into a whole image, so the file
 * is read whole, the primary image's size checked before decoding, and the pixels (8-bit
 * RGB or RGBA, libheif's rotation and mirroring applied) decoded on the first row request.
 * EXIF, XMP and a raw ICC profile are kept; the EXIF Orientation becomes 1 because libheif's
 * own transformations have already made the pixels upright. libheif returns error structs;
 * nothing longjmps and nothing is printed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <libheif/heif.h>

#include "codec_internal.h"

struct ic_heif_reader {
    uint8_t *data;   /* the whole file: libheif reads it in place */
    size_t size;
    struct heif_context *context;
    struct heif_image_handle *handle;
    struct heif_image *image;
    const uint8_t *plane;
    int stride;
};

static ic_status heif_failed(ic_decoder *dec, struct heif_error e, const char *when) {
    ic_status status;
    switch (e.code) {
    case heif_error_Unsupported_filetype: case heif_error_Unsupported_feature: status = IC_ERR_UNSUPPORTED; break;
    case heif_error_Memory_allocation_error: status = IC_ERR_OUT_OF_MEMORY; break;
    case heif_error_Usage_error: status = IC_ERR_USAGE; break;
    default: status = e.subcode == heif_suberror_End_of_data ? IC_ERR_TRUNCATED : IC_ERR_CORRUPT; break;
    }
    ic_fail(&dec->fail, status, 0, "libheif: %s (%s)", e.message ? e.message : "error", when);
    return dec->fail.status;
}

static int keep_metadata(ic_decoder *dec, struct heif_image_handle *handle) {
    heif_item_id ids[16];
    int n = heif_image_handle_get_list_of_metadata_block_IDs(handle, NULL, ids, 16);
    for (int i = 0; i < n; i++) {
        const char *type = heif_image_handle_get_metadata_type(handle, ids[i]);
        const char *content = heif_image_handle_get_metadata_content_type(handle, ids[i]);
        int is_exif = type && strcmp(type, "Exif") == 0;
        int is_xmp = type && strcmp(type, "mime") == 0 && content && strcmp(content, "application/rdf+xml") == 0;
        ic_meta_kind kind = is_exif ? IC_META_EXIF : IC_META_XMP;
        if ((!is_exif && !is_xmp) || dec->metadata[kind].data) continue;
        size_t size = heif_image_handle_get_metadata_size(handle, ids[i]);
        if (size == 0 || size > IC_MAX_TIFF_METADATA) continue;
        uint8_t *bytes = malloc(size);
        if (!bytes) return 0;
        struct heif_error e = heif_image_handle_get_metadata(handle, ids[i], bytes);
        size_t start = 0;
        if (e.code == heif_error_Ok && is_exif) {
            /* A 4-byte big-endian offset to the TIFF header (usually past "Exif\0\0"). */
            uint32_t offset = size >= 4 ? ic_get32(bytes, 1) : UINT32_MAX;
            start = offset <= size - 4 ? 4 + (size_t)offset : size;
        }
        int ok = 1;
        if (e.code == heif_error_Ok && start < size) {
            ok = ic_blob_set(&dec->metadata[kind], bytes + start, size - start);
            if (ok && is_exif) ic_exif_reset_orientation(dec->metadata[kind].data, dec->metadata[kind].length);
        }
        free(bytes);
        if (!ok) return 0;
    }
    enum heif_color_profile_type profile = heif_image_handle_get_color_profile_type(handle);
    if (profile == heif_color_profile_type_prof || profile == heif_color_profile_type_rICC) {
        size_t size = heif_image_handle_get_raw_color_profile_size(handle);
        if (size > 0 && size <= IC_MAX_TIFF_METADATA) {
            uint8_t *bytes = malloc(size);
            if (!bytes) return 0;
            int ok = 1;
            if (heif_image_handle_get_raw_color_profile(handle, bytes).code == heif_error_Ok) {
                ok = ic_blob_set(&dec->metadata[IC_META_ICC], bytes, size);
            }
            free(bytes);
            if (!ok) return 0;
        }
    }
    return 1;
}

ic_status ic_heif_open(ic_decoder *dec, uint64_t max_pixels) {
    struct ic_heif_reader *r = calloc(1, sizeof *r);
    if (!r) {
        ic_fail(&dec->fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory");
        return dec->fail.status;
    }
    dec->heif = r;
    if (ic_read_whole_file(dec, IC_MAX_HEIF_FILE_BYTES, "HEIF", &r->data, &r->size) != IC_OK) return dec->fail.status;
    r->context = heif_context_alloc();
    if (!r->context) {
        ic_fail(&dec->fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory");
        return dec->fail.status;
    }
    struct heif_error e = heif_context_read_from_memory_without_copy(r->context, r->data, r->size, NULL);
    if (e.code != heif_error_Ok) return heif_failed(dec, e, "reading the container");
    e = heif_context_get_primary_image_handle(r->context, &r->handle);
    if (e.code != heif_error_Ok) return heif_failed(dec, e, "finding the primary image");
    int width = heif_image_handle_get_width(r->handle), height = heif_image_handle_get_height(r->handle);
    if (width <= 0 || height <= 0) {
        ic_fail(&dec->fail, IC_ERR_CORRUPT, 0, "HEIF image of %d x %d pixels", width, height);
        return dec->fail.status;
    }
    if (ic_check_size(&dec->fail, (uint64_t)width, (uint64_t)height, max_pixels) != IC_OK) return dec->fail.status;
    if (!keep_metadata(dec, r->handle)) {
        ic_fail(&dec->fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory reading metadata");
        return dec->fail.status;
    }
    dec->info.width = (uint32_t)width;
    dec->info.height = (uint32_t)height;
    dec->info.channels = heif_image_handle_has_alpha_channel(r->handle) ? 4 : 3;
    dec->info.bit_depth = 8;
    dec->info.lossless = 0;
    dec->row_bytes = (size_t)width * dec->info.channels;
    return IC_OK;
}

ic_status ic_heif_read_rows(ic_decoder *dec, uint32_t count, uint8_t *rows, uint32_t *rows_read) {
    struct ic_heif_reader *r = dec->heif;
    if (!r->image) {
        enum heif_chroma chroma = dec->info.channels == 4 ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB;
        struct heif_error e = heif_decode_image(r->handle, &r->image, heif_colorspace_RGB, chroma, NULL);
        if (e.code != heif_error_Ok) return heif_failed(dec, e, "decoding");
        r->plane = heif_image_get_plane_readonly(r->image, heif_channel_interleaved, &r->stride);
        if (!r->plane || heif_image_get_width(r->image, heif_channel_interleaved) != (int)dec->info.width ||
            heif_image_get_height(r->image, heif_channel_interleaved) != (int)dec->info.height ||
            (size_t)r->stride < dec->row_bytes) {
            ic_fail(&dec->fail, IC_ERR_CORRUPT, 0, "libheif decoded an image of another shape than its header");
            return dec->fail.status;
        }
    }
    for (uint32_t i = 0; i < count; i++) {
        memcpy(rows + (size_t)i * dec->row_bytes, r->plane + (size_t)(dec->next_row + i) * r->stride, dec->row_bytes);
    }
    dec->next_row += count;
    *rows_read = count;
    return IC_OK;
}

void ic_heif_destroy(ic_decoder *dec) {
    struct ic_heif_reader *r = dec->heif;
    if (!r) return;
    if (r->image) heif_image_release(r->image);
    if (r->handle) heif_image_handle_release(r->handle);
    if (r->context) heif_context_free(r->context);
    free(r->data);
    free(r);
    dec->heif = NULL;
}
