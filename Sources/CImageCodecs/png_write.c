/* PNG encoding, row by row, with libpng's classic API. */
#include <errno.h>
#include <string.h>

#include "codec_internal.h"

static void error_handler(png_structp png, png_const_charp message) {
    ic_failure *fail = (ic_failure *)png_get_error_ptr(png);
    ic_fail(fail, IC_ERR_WRITE, 0, "libpng: %s", message);
    longjmp(fail->jump, 1);
}

static void warning_handler(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

/* Our own writer keeps errno, which libpng's "Write Error" loses. */
static void write_callback(png_structp png, png_bytep data, size_t length) {
    ic_encoder *enc = (ic_encoder *)png_get_io_ptr(png);
    if (fwrite(data, 1, length, enc->file) != length) {
        int e = errno;
        ic_fail(&enc->fail, IC_ERR_WRITE, e, "cannot write: %s", strerror(e));
        png_error(png, "write failed");
    }
}

static void flush_callback(png_structp png) {
    ic_encoder *enc = (ic_encoder *)png_get_io_ptr(png);
    if (fflush(enc->file) != 0) {
        int e = errno;
        ic_fail(&enc->fail, IC_ERR_WRITE, e, "cannot write: %s", strerror(e));
        png_error(png, "flush failed");
    }
}

static int color_type_for(int channels) {
    switch (channels) {
    case 1: return PNG_COLOR_TYPE_GRAY;
    case 2: return PNG_COLOR_TYPE_GRAY_ALPHA;
    case 3: return PNG_COLOR_TYPE_RGB;
    default: return PNG_COLOR_TYPE_RGB_ALPHA;
    }
}

ic_status ic_png_encoder_start(ic_encoder *enc) {
    ic_failure *fail = &enc->fail;
    enc->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, fail, error_handler, warning_handler);
    if (enc->png) enc->png_info = png_create_info_struct(enc->png);
    if (!enc->png || !enc->png_info) {
        ic_fail(fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory creating the PNG encoder");
        return fail->status;
    }
    if (setjmp(fail->jump)) return fail->status;

    png_structp png = enc->png;
    png_infop info = enc->png_info;
    const ic_encode_params *p = &enc->params;
    png_set_write_fn(png, enc, write_callback, flush_callback);
    /* An ICC profile libpng finds inconsistent (say, a grey profile on an
     * RGB image) is dropped with a warning instead of failing the whole
     * output over metadata. */
    png_set_benign_errors(png, 1);
    /* zlib level 3, not libpng's default 6: on a 1600x1200 upscaled photo, level 6 took 0.7 s
     * more (a quarter of the whole upscale) for a file only 8 % smaller. */
    png_set_compression_level(png, 3);
    png_set_IHDR(png, info, p->width, p->height, p->bit_depth, color_type_for(p->channels),
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);

    const ic_blob *icc = &enc->metadata[IC_META_ICC];
    if (icc->data) png_set_iCCP(png, info, "ICC profile", PNG_COMPRESSION_TYPE_BASE, icc->data, (png_uint_32)icc->length);
    const ic_blob *exif = &enc->metadata[IC_META_EXIF];
    if (exif->data) png_set_eXIf_1(png, info, (png_uint_32)exif->length, exif->data);
    const ic_blob *xmp = &enc->metadata[IC_META_XMP];
    if (xmp->data) {
        png_text text;
        memset(&text, 0, sizeof text);
        text.compression = PNG_ITXT_COMPRESSION_NONE;
        text.key = "XML:com.adobe.xmp";
        text.text = (png_charp)xmp->data;  /* NUL-terminated by ic_blob_set */
        text.itxt_length = xmp->length;
        text.lang = "";
        text.lang_key = "";
        png_set_text(png, info, &text, 1);
    }
    png_write_info(png, info);
    if (p->bit_depth == 16 && ic_host_is_little_endian()) png_set_swap(png);
    return IC_OK;
}

ic_status ic_png_encoder_write(ic_encoder *enc, uint32_t count, const uint8_t *rows) {
    ic_failure *fail = &enc->fail;
    if (setjmp(fail->jump)) return fail->status;
    size_t row_bytes = (size_t)enc->params.width * enc->params.channels * (enc->params.bit_depth / 8);
    for (uint32_t i = 0; i < count; i++) {
        png_write_row(enc->png, rows + (size_t)i * row_bytes);
    }
    return IC_OK;
}

ic_status ic_png_encoder_finish(ic_encoder *enc) {
    ic_failure *fail = &enc->fail;
    if (setjmp(fail->jump)) return fail->status;
    /* NULL, not the info struct: everything was written before IDAT, and
     * libpng 1.6.39 would write eXIf a second time here. */
    png_write_end(enc->png, NULL);
    return IC_OK;
}

void ic_png_encoder_destroy(ic_encoder *enc) {
    if (enc->png) png_destroy_write_struct(&enc->png, enc->png_info ? &enc->png_info : NULL);
    enc->png = NULL;
    enc->png_info = NULL;
}
