/*
 * PNG decoding with libpng's classic API, which (unlike the simplified API)
 * can deliver rows one at a time and exposes iCCP/eXIf/iTXt.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "codec_internal.h"

static const char xmp_keyword[] = "XML:com.adobe.xmp";

static void error_handler(png_structp png, png_const_charp message) {
    ic_failure *fail = (ic_failure *)png_get_error_ptr(png);
    if (fail->hit_eof) {
        ic_fail(fail, IC_ERR_TRUNCATED, 0, "file ends before the image does (libpng: %s)", message);
    } else {
        ic_fail(fail, IC_ERR_CORRUPT, 0, "libpng: %s", message);
    }
    longjmp(fail->jump, 1);
}

static void warning_handler(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;  /* e.g. "iCCP: known incorrect sRGB profile": harmless, never printed */
}

/* Our own reader so that running out of bytes is told apart from bad bytes:
 * libpng's default says only "Read Error" for both. */
static void read_callback(png_structp png, png_bytep data, size_t length) {
    ic_decoder *dec = (ic_decoder *)png_get_io_ptr(png);
    size_t got = fread(data, 1, length, dec->file);
    if (got == length) return;
    if (ferror(dec->file)) {
        int e = errno;
        ic_fail(&dec->fail, IC_ERR_SYSTEM, e, "read failed: %s", strerror(e));
    } else {
        dec->fail.hit_eof = 1;
    }
    png_error(png, "unexpected end of file");
}

static void keep_metadata(ic_decoder *dec) {
    png_structp png = dec->png;
    png_infop info = dec->png_info;
    int ok = 1;

    png_charp name = NULL;
    int compression = 0;
    png_bytep profile = NULL;
    png_uint_32 profile_length = 0;
    if (png_get_iCCP(png, info, &name, &compression, &profile, &profile_length) && profile_length > 0) {
        ok &= ic_blob_set(&dec->metadata[IC_META_ICC], profile, profile_length);
    }

    png_bytep exif = NULL;
    png_uint_32 exif_length = 0;
    if (png_get_eXIf_1(png, info, &exif_length, &exif) && exif_length > 0) {
        ok &= ic_blob_set(&dec->metadata[IC_META_EXIF], exif, exif_length);
    }

    png_textp text = NULL;
    int text_count = 0;
    png_get_text(png, info, &text, &text_count);
    for (int i = 0; i < text_count; i++) {
        if (text[i].key && text[i].text && strcmp(text[i].key, xmp_keyword) == 0) {
            ok &= ic_blob_set(&dec->metadata[IC_META_XMP], (const uint8_t *)text[i].text,
                              strlen(text[i].text));
            break;
        }
    }
    if (!ok) {
        ic_fail(&dec->fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory copying metadata");
        longjmp(dec->fail.jump, 1);
    }
}

static uint32_t big_endian32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The text of an iTXt chunk's data when its keyword is XMP's: keyword, NUL, compression flag
 * and method, language tag, NUL, translated keyword, NUL, then the text (zlib when flagged).
 * Returns 1 and fills `blob`, or 0 (not XMP, malformed, or over the metadata limit). */
static int xmp_from_itxt(const uint8_t *data, size_t length, ic_blob *blob) {
    size_t at = sizeof xmp_keyword;
    if (length < at + 2 || memcmp(data, xmp_keyword, sizeof xmp_keyword) != 0) return 0;
    int compressed = data[at];
    at += 2;
    for (int field = 0; field < 2; field++) {   /* language tag, translated keyword */
        const uint8_t *nul = memchr(data + at, 0, length - at);
        if (!nul) return 0;
        at = (size_t)(nul - data) + 1;
    }
    if (!compressed) return ic_blob_set(blob, data + at, length - at);
    uLongf inflated = IC_MAX_PNG_CHUNK_BYTES;
    uint8_t *text = malloc(inflated);
    if (!text) return 0;
    int ok = uncompress(text, &inflated, data + at, (uLong)(length - at)) == Z_OK && ic_blob_set(blob, text, inflated);
    free(text);
    return ok;
}

/* Walks the chunk list before libpng reads anything, seeking over each chunk's data, for two
 * things libpng cannot do for a streaming decoder:
 *  - An ancillary chunk claiming more bytes than the file has left is refused as truncated
 *    here: libpng allocates a text chunk's declared length before reading it, so a 2 KB file
 *    whose iTXt claims 1.8 GB cost 1.8 GB (found by the fuzzer).
 *  - An XMP iTXt placed after the image data (the spec allows it) is reached by libpng only
 *    after the last row, too late for an output whose metadata is written first; it is read
 *    here into the XMP blob (an XMP chunk before IDAT, read by libpng, replaces it).
 * A chunk with a bad CRC is not taken; other malformations end the walk quietly (decoding
 * reports them). The reading position is restored. Returns IC_OK or the failure's status. */
static ic_status survey_chunks(ic_decoder *dec) {
    FILE *file = dec->file;
    long resume = ftell(file);
    if (resume < 0 || fseek(file, 0, SEEK_END) != 0) return IC_OK;
    long size = ftell(file);
    if (size < 0 || fseek(file, 8, SEEK_SET) != 0) return IC_OK;
    ic_status status = IC_OK;
    long at = 8;
    int seen_idat = 0;
    while (at + 12 <= size) {
        uint8_t header[8];
        if (fread(header, 1, 8, file) != 8) break;
        uint32_t length = big_endian32(header);
        const uint8_t *type = header + 4;
        if (memcmp(type, "IEND", 4) == 0) break;
        if (memcmp(type, "IDAT", 4) == 0) seen_idat = 1;
        int ancillary = (type[0] & 0x20) != 0;
        if (ancillary && (uint64_t)length + 12 > (uint64_t)(size - at)) {
            ic_fail(&dec->fail, IC_ERR_TRUNCATED, 0, "the %.4s chunk claims %u bytes; the file ends %ld bytes later",
                    (const char *)type, length, size - at - 12);
            status = dec->fail.status;
            break;
        }
        if (seen_idat && !dec->metadata[IC_META_XMP].data && memcmp(type, "iTXt", 4) == 0 &&
            length <= IC_MAX_PNG_CHUNK_BYTES) {
            uint8_t *data = malloc((size_t)length + 4);
            if (!data) break;
            if (fread(data, 1, (size_t)length + 4, file) == (size_t)length + 4) {
                uLong crc = crc32(crc32(0L, type, 4), data, length);
                if (crc == big_endian32(data + length)) xmp_from_itxt(data, length, &dec->metadata[IC_META_XMP]);
            }
            free(data);
        } else if (fseek(file, (long)length + 4, SEEK_CUR) != 0) {
            break;
        }
        at += 12 + (long)length;
    }
    clearerr(file);
    fseek(file, resume, SEEK_SET);
    return status;
}

ic_status ic_png_open(ic_decoder *dec, uint64_t max_pixels) {
    ic_failure *fail = &dec->fail;
    fail->codec_status = IC_ERR_CORRUPT;
    dec->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, fail, error_handler, warning_handler);
    if (dec->png) dec->png_info = png_create_info_struct(dec->png);
    if (!dec->png || !dec->png_info) {
        ic_fail(fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory creating the PNG decoder");
        return fail->status;
    }
    if (setjmp(fail->jump)) return fail->status;
    if (survey_chunks(dec) != IC_OK) return fail->status;

    png_structp png = dec->png;
    png_infop info = dec->png_info;
    png_set_read_fn(png, dec, read_callback);
    /* The pixel limit is ours to enforce (and to report as "too large");
     * libpng's own 1,000,000-per-side limit would call it corruption. */
    png_set_user_limits(png, 0x7fffffffU, 0x7fffffffU);
    /* What metadata may cost: libpng decompresses iCCP/zTXt/iTXt into
     * memory, so a few bytes of zlib could otherwise ask for gigabytes. A
     * chunk over the limit is dropped (benign error), not fatal. */
    png_set_chunk_malloc_max(png, IC_MAX_PNG_CHUNK_BYTES);
    png_set_chunk_cache_max(png, IC_MAX_PNG_ANCILLARY_CHUNKS);
    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &depth, &color_type, &interlace, NULL, NULL);
    /* Before png_read_update_info, which allocates row buffers. */
    if (ic_check_size(fail, width, height, max_pixels) != IC_OK) return fail->status;

    keep_metadata(dec);

    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (depth == 16 && ic_host_is_little_endian()) png_set_swap(png);
    if (interlace != PNG_INTERLACE_NONE) png_set_interlace_handling(png);
    png_read_update_info(png, info);

    dec->info.width = width;
    dec->info.height = height;
    dec->info.channels = png_get_channels(png, info);
    dec->info.bit_depth = png_get_bit_depth(png, info);
    dec->info.interlaced = interlace != PNG_INTERLACE_NONE;
    dec->row_bytes = png_get_rowbytes(png, info);
    if (dec->info.channels < 1 || dec->info.channels > 4 ||
        (dec->info.bit_depth != 8 && dec->info.bit_depth != 16) ||
        dec->row_bytes != (size_t)width * dec->info.channels * (dec->info.bit_depth / 8)) {
        ic_fail(fail, IC_ERR_UNSUPPORTED, 0, "unsupported PNG layout (%d channels, %d-bit)",
                dec->info.channels, dec->info.bit_depth);
        return fail->status;
    }
    return IC_OK;
}

/* Adam7 scatters every output row over seven passes, so libpng can only
 * hand out finished rows once all passes are in: decode the whole image
 * into memory the first time rows are asked for. */
static void decode_whole_interlaced(ic_decoder *dec) {
    uint64_t total = (uint64_t)dec->row_bytes * dec->info.height;
    if (total > SIZE_MAX) {
        ic_fail(&dec->fail, IC_ERR_TOO_LARGE, 0, "interlaced image too large to hold in memory");
        longjmp(dec->fail.jump, 1);
    }
    dec->whole_image = malloc((size_t)total);
    dec->row_pointers = malloc(sizeof(uint8_t *) * dec->info.height);
    if (!dec->whole_image || !dec->row_pointers) {
        ic_fail(&dec->fail, IC_ERR_OUT_OF_MEMORY, ENOMEM,
                "out of memory decoding an interlaced PNG (%llu bytes)", (unsigned long long)total);
        longjmp(dec->fail.jump, 1);
    }
    for (uint32_t y = 0; y < dec->info.height; y++) {
        dec->row_pointers[y] = dec->whole_image + (size_t)y * dec->row_bytes;
    }
    png_read_image(dec->png, dec->row_pointers);
    free(dec->row_pointers);
    dec->row_pointers = NULL;
}

ic_status ic_png_read_rows(ic_decoder *dec, uint32_t count, uint8_t *rows, uint32_t *rows_read) {
    ic_failure *fail = &dec->fail;
    volatile uint32_t done = 0;
    if (setjmp(fail->jump)) {
        *rows_read = done;
        return fail->status;
    }
    if (dec->info.interlaced) {
        if (!dec->whole_image) decode_whole_interlaced(dec);
        memcpy(rows, dec->whole_image + (size_t)dec->next_row * dec->row_bytes,
               (size_t)count * dec->row_bytes);
        done = count;
    } else {
        for (uint32_t i = 0; i < count; i++) {
            png_read_row(dec->png, rows + (size_t)i * dec->row_bytes, NULL);
            done = i + 1;
        }
    }
    dec->next_row += count;
    *rows_read = count;
    if (dec->next_row == dec->info.height) {
        free(dec->whole_image);
        dec->whole_image = NULL;
        /* Checks the final CRCs and Adler-32 and that IEND arrives, so a
         * file cut off right after its pixels is still reported. */
        png_read_end(dec->png, NULL);
    }
    return IC_OK;
}

void ic_png_destroy(ic_decoder *dec) {
    if (dec->png) png_destroy_read_struct(&dec->png, dec->png_info ? &dec->png_info : NULL, NULL);
    dec->png = NULL;
    dec->png_info = NULL;
    free(dec->whole_image);
    dec->whole_image = NULL;
    free(dec->row_pointers);
    dec->row_pointers = NULL;
}
