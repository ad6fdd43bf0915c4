/*
 * JPEG decoding through libjpeg(-turbo)'s scanline API. Progressive files go
 * through the same calls; libjpeg buffers their coefficients internally.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "codec_internal.h"

static const char exif_prefix[6] = {'E', 'x', 'i', 'f', 0, 0};
static const char xmp_prefix[] = "http://ns.adobe.com/xap/1.0/";  /* plus its NUL */

static const char photoshop_prefix[] = "Photoshop 3.0";  /* plus its NUL */

static const char icc_prefix[12] = {'I', 'C', 'C', '_', 'P', 'R', 'O', 'F', 'I', 'L', 'E', 0};

/* The decoder that owns a libjpeg struct: client_data points at its
 * ic_failure, which is a member of the ic_decoder. */
static ic_decoder *owner(j_decompress_ptr cinfo) {
    return (ic_decoder *)((char *)cinfo->client_data - offsetof(ic_decoder, fail));
}

static void out_of_memory(ic_decoder *dec) {
    ic_fail(&dec->fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory copying metadata");
    longjmp(dec->fail.jump, 1);
}

/* One byte from libjpeg's source manager. Our stdio source never suspends;
 * at the end of the file it warns (fatal here, as "truncated"). */
static unsigned next_byte(j_decompress_ptr cinfo) {
    struct jpeg_source_mgr *src = cinfo->src;
    if (src->bytes_in_buffer == 0 && !(*src->fill_input_buffer)(cinfo)) {
        ic_decoder *dec = owner(cinfo);
        ic_fail(&dec->fail, IC_ERR_TRUNCATED, 0, "file ends inside a marker segment");
        longjmp(dec->fail.jump, 1);
    }
    src->bytes_in_buffer--;
    return *src->next_input_byte++;
}

/* Appends one APP13 payload to the joined image resource block, up to
 * IC_MAX_JPEG_IRB_BYTES (segments beyond it are ignored, not fatal). */
static void keep_photoshop(ic_decoder *dec, const uint8_t *data, size_t length) {
    ic_blob *irb = &dec->photoshop_irb;
    if (irb->length + length > IC_MAX_JPEG_IRB_BYTES) return;
    uint8_t *grown = realloc(irb->data, irb->length + length + 1);
    if (!grown) out_of_memory(dec);
    memcpy(grown + irb->length, data, length);
    irb->data = grown;
    irb->length += length;
}

static uint32_t big_endian32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Splits the joined image resource block: resource 0x0404 (IPTC-IIM) becomes
 * the IPTC blob, every other resource (header, name and data, as found) the
 * PHOTOSHOP blob. A block that does not parse to its end is ignored whole:
 * copying half of it would write a broken APP13. */
static void split_photoshop(ic_decoder *dec) {
    const uint8_t *p = dec->photoshop_irb.data;
    size_t n = dec->photoshop_irb.length, at = 0;
    if (!p) return;
    size_t iptc_at = 0, iptc_length = 0;
    int found_iptc = 0;
    uint8_t *others = malloc(n + 1);
    if (!others) out_of_memory(dec);
    size_t others_length = 0;
    while (at < n) {
        size_t start = at;
        size_t zeros = 0;   /* some writers pad the block: trailing NULs end it */
        while (at + zeros < n && p[at + zeros] == 0) zeros++;
        if (at + zeros == n) break;
        if (n - at < 12 || memcmp(p + at, "8BIM", 4) != 0) goto malformed;
        unsigned id = (unsigned)p[at + 4] << 8 | p[at + 5];
        size_t name = 1 + (size_t)p[at + 6];   /* Pascal string, padded to an even length */
        name += name & 1;
        at += 6 + name;
        if (at > n || n - at < 4) goto malformed;
        size_t size = big_endian32(p + at);
        at += 4;
        if (n - at < size) goto malformed;
        size_t data_at = at;
        at += size + (size & 1);
        if (at > n) at = n;   /* a missing final pad byte is common and harmless */
        if (id == 0x0404 && !found_iptc) {
            found_iptc = 1;
            iptc_at = data_at;
            iptc_length = size;
        } else {
            memcpy(others + others_length, p + start, at - start);
            others_length += at - start;
        }
    }
    int ok = 1;
    if (found_iptc && iptc_length > 0) ok &= ic_blob_set(&dec->metadata[IC_META_IPTC], p + iptc_at, iptc_length);
    if (others_length > 0) ok &= ic_blob_set(&dec->metadata[IC_META_PHOTOSHOP], others, others_length);
    free(others);
    if (!ok) out_of_memory(dec);
    ic_blob_free(&dec->photoshop_irb);
    return;
malformed:
    free(others);
    ic_blob_free(&dec->photoshop_irb);
}

/* Our APPn handler instead of jpeg_save_markers, which keeps *every*
 * such segment: a hostile file of a million 64 KB APP segments would make
 * it allocate as much as the file is large. Here only the first EXIF, the
 * first XMP, one copy of each ICC chunk (≤ 255 × 65519 bytes) and ~1 MB of
 * APP13 are kept, so metadata costs at most ~18 MB whatever the file holds. */
static boolean read_app_marker(j_decompress_ptr cinfo) {
    ic_decoder *dec = owner(cinfo);
    int marker = cinfo->unread_marker;
    unsigned length = next_byte(cinfo) << 8;
    length |= next_byte(cinfo);
    if (length < 2) {
        ic_fail(&dec->fail, IC_ERR_CORRUPT, 0, "APP%d segment with impossible length %u", marker - JPEG_APP0, length);
        longjmp(dec->fail.jump, 1);
    }
    length -= 2;
    if (!dec->jpeg_marker) {
        dec->jpeg_marker = malloc(65536);
        if (!dec->jpeg_marker) out_of_memory(dec);
    }
    uint8_t *m = dec->jpeg_marker;
    for (unsigned i = 0; i < length; i++) m[i] = (uint8_t)next_byte(cinfo);

    if (marker == JPEG_APP0 + 1) {
        if (!dec->metadata[IC_META_EXIF].data && length > sizeof exif_prefix &&
            memcmp(m, exif_prefix, sizeof exif_prefix) == 0) {
            if (!ic_blob_set(&dec->metadata[IC_META_EXIF], m + sizeof exif_prefix, length - sizeof exif_prefix))
                out_of_memory(dec);
        } else if (!dec->metadata[IC_META_XMP].data && length > sizeof xmp_prefix &&
                   memcmp(m, xmp_prefix, sizeof xmp_prefix) == 0) {
            if (!ic_blob_set(&dec->metadata[IC_META_XMP], m + sizeof xmp_prefix, length - sizeof xmp_prefix))
                out_of_memory(dec);
        }
    } else if (marker == JPEG_APP0 + 13) {
        if (length > sizeof photoshop_prefix && memcmp(m, photoshop_prefix, sizeof photoshop_prefix) == 0)
            keep_photoshop(dec, m + sizeof photoshop_prefix, length - sizeof photoshop_prefix);
    } else if (length > sizeof icc_prefix + 2 && memcmp(m, icc_prefix, sizeof icc_prefix) == 0) {
        int sequence = m[sizeof icc_prefix], total = m[sizeof icc_prefix + 1];
        /* Inconsistent numbering is tolerated like libjpeg does: the
         * profile is then simply not found (see assemble_icc). */
        if (sequence >= 1 && sequence <= total && !dec->icc_chunks[sequence].data) {
            if (dec->icc_chunk_total == 0) dec->icc_chunk_total = total;
            if (!ic_blob_set(&dec->icc_chunks[sequence], m + sizeof icc_prefix + 2, length - sizeof icc_prefix - 2))
                out_of_memory(dec);
        }
    }
    return TRUE;
}

/* Joins the numbered ICC chunks when all of 1…total are present. */
static void assemble_icc(ic_decoder *dec) {
    int total = dec->icc_chunk_total;
    if (total == 0) return;
    size_t length = 0;
    for (int i = 1; i <= total; i++) {
        if (!dec->icc_chunks[i].data) return;
        length += dec->icc_chunks[i].length;
    }
    for (int i = total + 1; i < 256; i++) {
        if (dec->icc_chunks[i].data) return;  /* chunks numbered beyond the declared count */
    }
    uint8_t *profile = malloc(length);
    if (!profile) out_of_memory(dec);
    size_t at = 0;
    for (int i = 1; i <= total; i++) {
        memcpy(profile + at, dec->icc_chunks[i].data, dec->icc_chunks[i].length);
        at += dec->icc_chunks[i].length;
    }
    int ok = ic_blob_set(&dec->metadata[IC_META_ICC], profile, length);
    free(profile);
    if (!ok) out_of_memory(dec);
    for (int i = 1; i <= total; i++) ic_blob_free(&dec->icc_chunks[i]);
}

/* A progressive file may hold any number of scans, each a full pass over
 * the coefficients: a small file with thousands of them is a CPU bomb. */
static void count_scans(j_common_ptr cinfo) {
    j_decompress_ptr d = (j_decompress_ptr)cinfo;
    if (d->input_scan_number > IC_MAX_JPEG_SCANS) {
        ic_decoder *dec = owner(d);
        ic_fail(&dec->fail, IC_ERR_CORRUPT, 0, "more than %d scans in a progressive JPEG", IC_MAX_JPEG_SCANS);
        longjmp(dec->fail.jump, 1);
    }
}

/* Copies the tables of the first two components while the header's pointers are certain to
 * be valid (libjpeg may change quant_tbl_ptrs for later scans of a progressive file); they
 * tell the quality the file was saved at (see Imaging's JPEGQuality). libjpeg keeps
 * quantval in natural order already (jdmarker.c un-zigzags it). */
static void keep_quant_tables(ic_decoder *dec) {
    for (int c = 0; c < 2 && c < dec->jpeg.num_components; c++) {
        int slot = dec->jpeg.comp_info[c].quant_tbl_no;
        if (slot < 0 || slot >= NUM_QUANT_TBLS) continue;
        const JQUANT_TBL *table = dec->jpeg.quant_tbl_ptrs[slot];
        if (!table) continue;
        for (int i = 0; i < DCTSIZE2; i++) dec->jpeg_quant[c][i] = table->quantval[i];
        dec->jpeg_quant_present[c] = 1;
    }
}

int ic_decoder_jpeg_quant_table(const ic_decoder *dec, int component, uint16_t table[64]) {
    if (!dec || component < 0 || component > 1 || !dec->jpeg_quant_present[component]) return 0;
    memcpy(table, dec->jpeg_quant[component], sizeof dec->jpeg_quant[component]);
    return 1;
}

ic_status ic_jpeg_open(ic_decoder *dec, uint64_t max_pixels) {
    ic_failure *fail = &dec->fail;
    fail->codec_status = IC_ERR_CORRUPT;
    ic_jpeg_install_error_handlers(&dec->jpeg_err);
    dec->jpeg.err = &dec->jpeg_err;
    dec->jpeg.client_data = fail;
    if (setjmp(fail->jump)) return fail->status;

    /* Set first: jpeg_create zeroes the struct before anything can fail, so
     * destroying a half-created one is safe. */
    dec->jpeg_created = 1;
    jpeg_create_decompress(&dec->jpeg);
    jpeg_stdio_src(&dec->jpeg, dec->file);
    jpeg_set_marker_processor(&dec->jpeg, JPEG_APP0 + 1, read_app_marker);
    jpeg_set_marker_processor(&dec->jpeg, JPEG_APP0 + 2, read_app_marker);
    jpeg_set_marker_processor(&dec->jpeg, JPEG_APP0 + 13, read_app_marker);
    dec->jpeg_progress.progress_monitor = count_scans;
    dec->jpeg.progress = &dec->jpeg_progress;
    jpeg_read_header(&dec->jpeg, TRUE);
    fail->in_entropy_data = 1;  /* read_header stops at the first scan */

    JDIMENSION width = dec->jpeg.image_width, height = dec->jpeg.image_height;
    if (ic_check_size(fail, width, height, max_pixels) != IC_OK) return fail->status;

    int channels = 0;
    switch (dec->jpeg.jpeg_color_space) {
    case JCS_GRAYSCALE:
        dec->jpeg.out_color_space = JCS_GRAYSCALE;
        channels = 1;
        break;
    case JCS_YCbCr:
    case JCS_RGB:
        dec->jpeg.out_color_space = JCS_RGB;
        channels = 3;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        /* libjpeg turns YCCK into CMYK; CMYK → RGB is done here, per row. */
        dec->jpeg.out_color_space = JCS_CMYK;
        dec->jpeg_cmyk = 1;
        /* Photoshop writes CMYK inverted and marks it with an Adobe APP14
         * segment; without one, assume the plain convention. */
        dec->jpeg_cmyk_inverted = dec->jpeg.saw_Adobe_marker;
        channels = 3;
        break;
    default:
        ic_fail(fail, IC_ERR_UNSUPPORTED, 0,
                "unsupported JPEG colour space (%d components of unknown meaning)",
                dec->jpeg.num_components);
        return fail->status;
    }

    keep_quant_tables(dec);
    assemble_icc(dec);
    split_photoshop(dec);
    dec->info.interlaced = dec->jpeg.progressive_mode ? 1 : 0;
    jpeg_start_decompress(&dec->jpeg);

    int expected = dec->jpeg_cmyk ? 4 : channels;
    if (dec->jpeg.output_components != expected) {
        ic_fail(fail, IC_ERR_UNSUPPORTED, 0, "libjpeg produced %d components, expected %d",
                dec->jpeg.output_components, expected);
        return fail->status;
    }
    if (dec->jpeg_cmyk) {
        dec->cmyk_row = malloc((size_t)width * 4);
        if (!dec->cmyk_row) {
            ic_fail(fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory");
            return fail->status;
        }
    }
    dec->info.width = width;
    dec->info.height = height;
    dec->info.channels = channels;
    dec->info.bit_depth = 8;
    dec->row_bytes = (size_t)width * channels;
    return IC_OK;
}

static inline uint8_t ink_product(unsigned a, unsigned b) {
    return (uint8_t)((a * b + 127) / 255);
}

/* Multiplicative CMYK → RGB without a colour profile: good enough to make a
 * print-ready file viewable, not colour-managed. */
static void cmyk_to_rgb(const uint8_t *cmyk, uint8_t *rgb, uint32_t width, int inverted) {
    for (uint32_t x = 0; x < width; x++, cmyk += 4, rgb += 3) {
        unsigned c = cmyk[0], m = cmyk[1], y = cmyk[2], k = cmyk[3];
        if (!inverted) {
            c = 255 - c;
            m = 255 - m;
            y = 255 - y;
            k = 255 - k;
        }
        /* Here each value is "how much paper shows through" (255 = none). */
        rgb[0] = ink_product(c, k);
        rgb[1] = ink_product(m, k);
        rgb[2] = ink_product(y, k);
    }
}

ic_status ic_jpeg_read_rows(ic_decoder *dec, uint32_t count, uint8_t *rows, uint32_t *rows_read) {
    ic_failure *fail = &dec->fail;
    volatile uint32_t done = 0;
    if (setjmp(fail->jump)) {
        *rows_read = done;
        return fail->status;
    }
    for (uint32_t i = 0; i < count; i++) {
        uint8_t *target = rows + (size_t)i * dec->row_bytes;
        JSAMPROW row = dec->jpeg_cmyk ? dec->cmyk_row : target;
        if (jpeg_read_scanlines(&dec->jpeg, &row, 1) != 1) {
            ic_fail(fail, IC_ERR_CORRUPT, 0, "libjpeg returned no scanline at row %u",
                    (unsigned)(dec->next_row + i));
            return fail->status;
        }
        if (dec->jpeg_cmyk) cmyk_to_rgb(dec->cmyk_row, target, dec->info.width, dec->jpeg_cmyk_inverted);
        done = i + 1;
    }
    dec->next_row += count;
    *rows_read = count;
    if (dec->next_row == dec->info.height) {
        /* Reads up to EOI, so a file cut short after its last scanline
         * still counts as truncated. */
        jpeg_finish_decompress(&dec->jpeg);
    }
    return IC_OK;
}

void ic_jpeg_destroy(ic_decoder *dec) {
    if (dec->jpeg_created) jpeg_destroy_decompress(&dec->jpeg);
    dec->jpeg_created = 0;
    free(dec->cmyk_row);
    dec->cmyk_row = NULL;
    free(dec->jpeg_marker);
    dec->jpeg_marker = NULL;
    for (int i = 0; i < 256; i++) ic_blob_free(&dec->icc_chunks[i]);
    ic_blob_free(&dec->photoshop_irb);
}
