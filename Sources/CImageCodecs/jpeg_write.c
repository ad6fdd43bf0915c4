/* JPEG encoding, row by row, with libjpeg(-turbo). Baseline, 8-bit, gray or RGB. */
#include <string.h>

#include "codec_internal.h"

static const char exif_prefix[6] = {'E', 'x', 'i', 'f', 0, 0};
static const char xmp_prefix[] = "http://ns.adobe.com/xap/1.0/";  /* plus its NUL */
#define MAX_MARKER_PAYLOAD 65533u

static int write_app1(ic_encoder *enc, const char *prefix, size_t prefix_length, const ic_blob *blob,
                      const char *what) {
    if (blob->length + prefix_length > MAX_MARKER_PAYLOAD) {
        /* Extended XMP / multi-segment EXIF are not written. */
        ic_fail(&enc->fail, IC_ERR_UNSUPPORTED, 0,
                "%s block of %zu bytes does not fit in one JPEG APP1 segment", what, blob->length);
        return 0;
    }
    jpeg_write_m_header(&enc->jpeg, JPEG_APP0 + 1, (unsigned)(blob->length + prefix_length));
    for (size_t i = 0; i < prefix_length; i++) jpeg_write_m_byte(&enc->jpeg, (unsigned char)prefix[i]);
    for (size_t i = 0; i < blob->length; i++) jpeg_write_m_byte(&enc->jpeg, blob->data[i]);
    return 1;
}

static const char photoshop_prefix[] = "Photoshop 3.0";  /* plus its NUL */

/* One APP13 segment: the carried resources, then IPTC-IIM as resource 0x0404
 * (empty name, data padded to an even length). Larger than one segment is
 * refused like an oversized APP1; the caller leaves such blocks out. */
static int write_app13(ic_encoder *enc, const ic_blob *others, const ic_blob *iptc) {
    size_t iptc_resource = iptc->data ? 12 + iptc->length + (iptc->length & 1) : 0;
    size_t length = sizeof photoshop_prefix + others->length + iptc_resource;
    if (length > MAX_MARKER_PAYLOAD) {
        ic_fail(&enc->fail, IC_ERR_UNSUPPORTED, 0,
                "IPTC and Photoshop resources of %zu bytes do not fit in one JPEG APP13 segment", length);
        return 0;
    }
    jpeg_write_m_header(&enc->jpeg, JPEG_APP0 + 13, (unsigned)length);
    for (size_t i = 0; i < sizeof photoshop_prefix; i++) jpeg_write_m_byte(&enc->jpeg, (unsigned char)photoshop_prefix[i]);
    for (size_t i = 0; i < others->length; i++) jpeg_write_m_byte(&enc->jpeg, others->data[i]);
    if (iptc->data) {
        static const unsigned char header[8] = {'8', 'B', 'I', 'M', 0x04, 0x04, 0, 0};
        for (size_t i = 0; i < sizeof header; i++) jpeg_write_m_byte(&enc->jpeg, header[i]);
        for (int shift = 24; shift >= 0; shift -= 8) jpeg_write_m_byte(&enc->jpeg, (unsigned char)(iptc->length >> shift));
        for (size_t i = 0; i < iptc->length; i++) jpeg_write_m_byte(&enc->jpeg, iptc->data[i]);
        if (iptc->length & 1) jpeg_write_m_byte(&enc->jpeg, 0);
    }
    return 1;
}

ic_status ic_jpeg_encoder_start(ic_encoder *enc) {
    ic_failure *fail = &enc->fail;
    ic_jpeg_install_error_handlers(&enc->jpeg_err);
    enc->jpeg.err = &enc->jpeg_err;
    enc->jpeg.client_data = fail;
    if (setjmp(fail->jump)) return fail->status;

    enc->jpeg_created = 1;
    jpeg_create_compress(&enc->jpeg);
    jpeg_stdio_dest(&enc->jpeg, enc->file);
    const ic_encode_params *p = &enc->params;
    enc->jpeg.image_width = p->width;
    enc->jpeg.image_height = p->height;
    enc->jpeg.input_components = p->channels;
    enc->jpeg.in_color_space = p->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&enc->jpeg);
    jpeg_set_quality(&enc->jpeg, p->quality, TRUE);
    /* Optimised Huffman tables need a second pass over the data, so libjpeg then keeps the
     * DCT coefficients of the *whole* image in memory (6 bytes a pixel here: 1.15 GB for a
     * 16000 x 12000 output), defeating row-by-row writing. Only small images get them; large
     * ones stream with the standard tables, for files ~5 % larger. */
    enc->jpeg.optimize_coding = (uint64_t)p->width * p->height <= IC_JPEG_OPTIMIZE_MAX_PIXELS;
    if (p->channels == 3 && p->quality >= 90) {
        /* At high quality, 4:2:0 chroma subsampling is the visible loss
         * (colour fringes on fine detail, which upscaled output is full of). */
        enc->jpeg.comp_info[0].h_samp_factor = 1;
        enc->jpeg.comp_info[0].v_samp_factor = 1;
    }
    jpeg_start_compress(&enc->jpeg, TRUE);

    if (enc->metadata[IC_META_EXIF].data &&
        !write_app1(enc, exif_prefix, sizeof exif_prefix, &enc->metadata[IC_META_EXIF], "EXIF"))
        return fail->status;
    if (enc->metadata[IC_META_XMP].data &&
        !write_app1(enc, xmp_prefix, sizeof xmp_prefix, &enc->metadata[IC_META_XMP], "XMP"))
        return fail->status;
    const ic_blob *icc = &enc->metadata[IC_META_ICC];
    if (icc->data) jpeg_write_icc_profile(&enc->jpeg, icc->data, (unsigned)icc->length);
    if ((enc->metadata[IC_META_IPTC].data || enc->metadata[IC_META_PHOTOSHOP].data) &&
        !write_app13(enc, &enc->metadata[IC_META_PHOTOSHOP], &enc->metadata[IC_META_IPTC]))
        return fail->status;
    return IC_OK;
}

ic_status ic_jpeg_encoder_write(ic_encoder *enc, uint32_t count, const uint8_t *rows) {
    ic_failure *fail = &enc->fail;
    if (setjmp(fail->jump)) return fail->status;
    size_t row_bytes = (size_t)enc->params.width * enc->params.channels;
    for (uint32_t i = 0; i < count; i++) {
        JSAMPROW row = (JSAMPROW)(rows + (size_t)i * row_bytes);  /* libjpeg only reads it */
        jpeg_write_scanlines(&enc->jpeg, &row, 1);
    }
    return IC_OK;
}

ic_status ic_jpeg_encoder_finish(ic_encoder *enc) {
    ic_failure *fail = &enc->fail;
    if (setjmp(fail->jump)) return fail->status;
    jpeg_finish_compress(&enc->jpeg);
    return IC_OK;
}

void ic_jpeg_encoder_destroy(ic_encoder *enc) {
    if (enc->jpeg_created) jpeg_destroy_compress(&enc->jpeg);
    enc->jpeg_created = 0;
}
