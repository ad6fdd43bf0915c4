/*
 * TIFF encoding with libtiff 4.5: Deflate-compressed strips (horizontal predictor), fed one
 * row at a time through TIFFWriteScanline, so only a strip's worth of rows is ever held.
 *
 * Metadata: XMP (tag 700), ICC (34675) and IPTC (33723) as tags; from the EXIF block, IFD0's
 * descriptive tags (ImageDescription, Make, Model, Orientation, resolution, Software,
 * DateTime, Artist, HostComputer, Copyright) through TIFFSetField, and the EXIF and GPS IFDs
 * copied whole (tiff_exif.c) right after the 8-byte header, before any strip: libtiff appends
 * strips at the end of the file, so their offsets are known when tags 34665/34853 are set.
 * The file takes the EXIF block's byte order, so those IFDs are copied without swapping.
 *
 * Errors come through per-file handlers into enc->fail; nothing is printed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <tiffio.h>

#include "codec_internal.h"

#define STRIP_TARGET_BYTES (256u << 10)
#define MAX_EXIF_ENTRIES 32

struct ic_tiff_writer {
    TIFF *tif;
    int fd;
    uint64_t base;       /* the descriptor's offset when we started: the TIFF's byte 0 */
    uint64_t position;
    uint64_t end;
    ic_failure *fail;
    uint8_t *row;        /* libtiff swaps and predicts in place: each row is copied here first */
    size_t row_bytes;
    int has_iptc;        /* tag 33723 set: its directory entry is retyped (retype_iptc_as_long) */
    int big;             /* the file's byte order */
    int flushing;        /* inside TIFFFlush, which writes the directory */
};

static void put16(uint8_t *p, uint16_t v, int big) {
    p[big ? 0 : 1] = (uint8_t)(v >> 8);
    p[big ? 1 : 0] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v, int big) {
    for (int i = 0; i < 4; i++) p[big ? i : 3 - i] = (uint8_t)(v >> (8 * (3 - i)));
}

/* libtiff 4.5 writes tag 33723 (IPTC) as UNDEFINED bytes; Photoshop, exiftool and the TIFF/IPTC
 * convention store it as LONG, and `exiftool -validate` warns about anything else. The datasets
 * were padded to whole words, so the same raw bytes are a LONG array: when libtiff writes the
 * directory (one write of count, entries and next offset, during TIFFFlush), the entry's type
 * becomes LONG and its count words, the value left as it is — IPTC is a byte stream whatever
 * the byte order, and our reader and exiftool take its raw bytes. Classic TIFF entries only.
 * `dir` is the caller's copy of the buffer. */
static void retype_iptc_as_long(uint8_t *dir, size_t n, int big) {
    unsigned count = ic_get16(dir, big);
    if (n != 2 + 12 * (size_t)count + 4) return;
    for (unsigned i = 0; i < count; i++) {
        uint8_t *e = dir + 2 + 12 * i;
        if (ic_get16(e, big) != TIFFTAG_RICHTIFFIPTC || ic_get16(e + 2, big) != TIFF_UNDEFINED) continue;
        uint32_t bytes = ic_get32(e + 4, big);
        if (bytes % 4 != 0) return;
        put16(e + 2, TIFF_LONG, big);
        put32(e + 4, bytes / 4, big);
        return;
    }
}

static tmsize_t write_proc(thandle_t h, void *buffer, tmsize_t n) {
    struct ic_tiff_writer *w = h;
    uint8_t *patched = NULL;
    if (w->flushing && w->has_iptc && n >= 6 && (patched = malloc((size_t)n)) != NULL) {
        memcpy(patched, buffer, (size_t)n);
        retype_iptc_as_long(patched, (size_t)n, w->big);
        buffer = patched;
    }
    size_t done = 0;
    while (done < (size_t)n) {
        ssize_t put = pwrite(w->fd, (const uint8_t *)buffer + done, (size_t)n - done,
                             (off_t)(w->base + w->position + done));
        if (put < 0 && errno == EINTR) continue;
        if (put <= 0) {
            int e = put < 0 ? errno : ENOSPC;
            ic_fail(w->fail, IC_ERR_WRITE, e, "cannot write: %s", strerror(e));
            free(patched);
            return -1;
        }
        done += (size_t)put;
    }
    free(patched);
    w->position += done;
    if (w->position > w->end) w->end = w->position;
    return (tmsize_t)done;
}

static tmsize_t read_proc(thandle_t h, void *buffer, tmsize_t n) {
    struct ic_tiff_writer *w = h;
    ssize_t got = pread(w->fd, buffer, (size_t)n, (off_t)(w->base + w->position));
    if (got < 0) return -1;
    w->position += (uint64_t)got;
    return (tmsize_t)got;
}

static toff_t seek_proc(thandle_t h, toff_t offset, int whence) {
    struct ic_tiff_writer *w = h;
    uint64_t from = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? w->position : w->end;
    w->position = from + offset;
    return w->position;
}

static int close_proc(thandle_t h) { (void)h; return 0; }
static toff_t size_proc(thandle_t h) { return ((struct ic_tiff_writer *)h)->end; }

static int on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif; (void)module;
    struct ic_tiff_writer *w = user;
    char text[IC_MESSAGE_CAPACITY];
    vsnprintf(text, sizeof text, fmt, ap);
    ic_fail(w->fail, IC_ERR_WRITE, 0, "libtiff: %s", strncmp(text, "file: ", 6) == 0 ? text + 6 : text);
    return 1;
}

static int on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif; (void)user; (void)module; (void)fmt; (void)ap;
    return 1;
}


/* IFD0's descriptive tags from the EXIF block, through libtiff's own field types. */
static void set_descriptive_tags(TIFF *tif, const ic_exif_entry *entries, size_t count, int big) {
    for (size_t i = 0; i < count; i++) {
        const ic_exif_entry *e = &entries[i];
        if (e->type == 2) {   /* ASCII: libtiff wants a C string */
            char *text = malloc((size_t)e->count + 1);
            if (!text) continue;
            memcpy(text, e->value, e->count);
            text[e->count] = '\0';
            if (text[0]) TIFFSetField(tif, e->tag, text);
            free(text);
        } else if (e->type == 3 && e->count == 1) {
            uint16_t v = ic_get16(e->value, big);
            if (e->tag == TIFFTAG_ORIENTATION && (v < 1 || v > 8)) continue;
            TIFFSetField(tif, e->tag, v);
        } else if (e->type == 5 && e->count == 1) {
            uint32_t num = ic_get32(e->value, big), den = ic_get32(e->value + 4, big);
            if (den != 0) TIFFSetField(tif, e->tag, (float)((double)num / den));
        }
    }
}

static ic_status failed(ic_encoder *enc, const char *what) {
    if (enc->fail.status == IC_OK) ic_fail(&enc->fail, IC_ERR_WRITE, 0, "libtiff: %s", what);
    return enc->fail.status;
}

ic_status ic_tiff_encoder_start(ic_encoder *enc) {
    const ic_encode_params *p = &enc->params;
    struct ic_tiff_writer *w = calloc(1, sizeof *w);
    if (!w) {
        ic_fail(&enc->fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory");
        return enc->fail.status;
    }
    enc->tiff = w;
    w->fail = &enc->fail;
    w->fd = fileno(enc->file);
    off_t here = lseek(w->fd, 0, SEEK_CUR);
    w->base = here > 0 ? (uint64_t)here : 0;
    w->row_bytes = (size_t)p->width * p->channels * (p->bit_depth / 8);
    w->row = malloc(w->row_bytes);
    if (!w->row) {
        ic_fail(&enc->fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory");
        return enc->fail.status;
    }

    const ic_blob *exif = &enc->metadata[IC_META_EXIF];
    ic_exif_entry entries[MAX_EXIF_ENTRIES];
    size_t entry_count = 0;
    int big = 0;
    int has_exif = exif->data && ic_exif_parse_block(exif->data, exif->length, &big, entries, MAX_EXIF_ENTRIES, &entry_count);

    TIFFOpenOptions *options = TIFFOpenOptionsAlloc();
    if (!options) {
        ic_fail(&enc->fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory");
        return enc->fail.status;
    }
    TIFFOpenOptionsSetErrorHandlerExtR(options, on_error, w);
    TIFFOpenOptionsSetWarningHandlerExtR(options, on_warning, w);
    w->tif = TIFFClientOpenExt("file", big ? "wb" : "wl", w, read_proc, write_proc, seek_proc, close_proc,
                               size_proc, NULL, NULL, options);
    TIFFOpenOptionsFree(options);
    if (!w->tif) return failed(enc, "cannot start the TIFF file");
    w->big = big;
    TIFF *tif = w->tif;

    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, p->width);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, p->height);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, (uint16_t)p->bit_depth);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, (uint16_t)p->channels);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, p->channels >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    if (p->channels == 2 || p->channels == 4) {
        uint16_t kind = EXTRASAMPLE_UNASSALPHA;
        TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, 1, &kind);
    }
    TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
    TIFFSetField(tif, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL);
    /* Level 3, as for PNG (png_write.c): most of the size for far less time. */
    TIFFSetField(tif, TIFFTAG_ZIPQUALITY, 3);
    uint32_t rows_per_strip = (uint32_t)(STRIP_TARGET_BYTES / (w->row_bytes ? w->row_bytes : 1));
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, rows_per_strip == 0 ? 1 : rows_per_strip);

    if (has_exif) {
        set_descriptive_tags(tif, entries, entry_count, big);
        ic_blob sub = {0};
        uint64_t exif_at = 0, gps_at = 0;
        uint64_t at = w->end < 8 ? 8 : w->end + (w->end & 1);   /* after the 8-byte header */
        if (ic_exif_serialise_subifds(exif->data, exif->length, at, &sub, &exif_at, &gps_at) && sub.length > 0) {
            uint64_t saved = w->position;
            w->position = at;
            tmsize_t put = write_proc(w, sub.data, (tmsize_t)sub.length);
            w->position = saved;
            free(sub.data);
            if (put != (tmsize_t)sub.length) return enc->fail.status;
            if (exif_at) TIFFSetField(tif, TIFFTAG_EXIFIFD, (uint64_t)exif_at);
            if (gps_at) TIFFSetField(tif, TIFFTAG_GPSIFD, (uint64_t)gps_at);
        } else {
            free(sub.data);
        }
    }
    const ic_blob *xmp = &enc->metadata[IC_META_XMP];
    if (xmp->data) TIFFSetField(tif, TIFFTAG_XMLPACKET, (uint32_t)xmp->length, xmp->data);
    const ic_blob *icc = &enc->metadata[IC_META_ICC];
    if (icc->data) TIFFSetField(tif, TIFFTAG_ICCPROFILE, (uint32_t)icc->length, icc->data);
    const ic_blob *iptc = &enc->metadata[IC_META_IPTC];
    if (iptc->data) {
        /* Padded with zeros to whole 4-byte words (IIM readers stop at the padding), so that
         * the directory can declare the same bytes LONG: see retype_iptc_as_long. */
        size_t padded = (iptc->length + 3) & ~(size_t)3;
        uint8_t *words = calloc(1, padded);
        if (!words) {
            ic_fail(&enc->fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory");
            return enc->fail.status;
        }
        memcpy(words, iptc->data, iptc->length);
        TIFFSetField(tif, TIFFTAG_RICHTIFFIPTC, (uint32_t)padded, words);   /* libtiff copies it */
        free(words);
        w->has_iptc = 1;
    }
    return enc->fail.status;
}



ic_status ic_tiff_encoder_write(ic_encoder *enc, uint32_t count, const uint8_t *rows) {
    struct ic_tiff_writer *w = enc->tiff;
    for (uint32_t i = 0; i < count; i++) {
        memcpy(w->row, rows + (size_t)i * w->row_bytes, w->row_bytes);
        if (TIFFWriteScanline(w->tif, w->row, enc->next_row + i, 0) < 0) return failed(enc, "cannot encode a row");
    }
    return IC_OK;
}

ic_status ic_tiff_encoder_finish(ic_encoder *enc) {
    struct ic_tiff_writer *w = enc->tiff;
    w->flushing = 1;   /* the directory is written now: see retype_iptc_as_long */
    int flushed = TIFFFlush(w->tif);
    w->flushing = 0;
    if (!flushed) return failed(enc, "cannot write the TIFF directory");
    TIFFClose(w->tif);
    w->tif = NULL;
    return enc->fail.status;
}

void ic_tiff_encoder_destroy(ic_encoder *enc) {
    struct ic_tiff_writer *w = enc->tiff;
    if (!w) return;
    if (w->tif) TIFFCleanup(w->tif);   /* abandoned: no directory is written */
    free(w->row);
    free(w);
    enc->tiff = NULL;
}
