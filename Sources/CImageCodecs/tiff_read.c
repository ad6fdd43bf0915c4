/*
 * TIFF decoding with libtiff 4.5, row by row (contiguous strips: TIFFReadScanline) or a band
 * of one tile row / one strip at a time (tiles, separate planes).
 *
 * libtiff reports errors by returning failure after calling an error handler; it never
 * longjmps across our frames (its JPEG codec's setjmp stays inside libtiff). The handlers are
 * per file (TIFFOpenOptionsSetErrorHandlerExtR), record the first error into the decoder's
 * ic_failure and print nothing; libtiff's largest single allocation is capped
 * (IC_MAX_TIFF_ALLOC) so a hostile header cannot ask for gigabytes.
 *
 * What is delivered: gray (1, 2, 4, 8, 16 bits; min-is-white inverted), RGB (8, 16), palette
 * (≤ 8 bits) → 8-bit RGB, YCbCr only when JPEG-compressed (libtiff converts to RGB); an extra
 * sample marked as alpha becomes the alpha channel, associated (premultiplied) alpha is
 * un-premultiplied. Refused with a clear message: CMYK, float or signed samples, other
 * photometric interpretations, multi-page files (reduced-resolution previews are ignored).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <tiffio.h>

#include "codec_internal.h"

#define MAX_BAND_BYTES ((size_t)1 << 30)

struct ic_tiff_reader {
    TIFF *tif;
    int fd;
    uint64_t size;
    uint64_t position;      /* our own file position: the FILE* above us is never read again */
    ic_failure *fail;

    uint32_t width, height;
    uint16_t bps, spp, photometric, planar;
    int base_channels;      /* 1 gray or palette index, 3 RGB */
    int alpha;              /* 0 none, EXTRASAMPLE_ASSOCALPHA, EXTRASAMPLE_UNASSALPHA */
    int palette_8bit;       /* an old writer's 0…255 colour map instead of 0…65535 */
    uint16_t *map_r, *map_g, *map_b;

    int by_scanline;        /* contiguous strips: one row at a time */
    uint32_t band_height;   /* rows per band otherwise: a tile's or a strip's height */
    uint32_t tile_width;
    size_t row_bytes;       /* one native row, samples interleaved */
    uint8_t *band;          /* band_height native rows */
    uint32_t band_first;    /* image row of band[0] */
    uint32_t band_rows;     /* rows of the band currently valid (0: none) */
    uint8_t *chunk;         /* one tile or one plane's strip */
    tmsize_t chunk_size;
};

/* ---- I/O and handlers ------------------------------------------------------------------- */

static tmsize_t read_proc(thandle_t h, void *buffer, tmsize_t n) {
    struct ic_tiff_reader *r = h;
    size_t done = 0;
    while (done < (size_t)n) {
        ssize_t got = pread(r->fd, (uint8_t *)buffer + done, (size_t)n - done, (off_t)(r->position + done));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            ic_fail(r->fail, IC_ERR_SYSTEM, errno, "cannot read: %s", strerror(errno));
            return -1;
        }
        if (got == 0) break;
        done += (size_t)got;
    }
    r->position += done;
    return (tmsize_t)done;
}

static tmsize_t write_proc(thandle_t h, void *buffer, tmsize_t n) {
    (void)h; (void)buffer; (void)n;
    return -1;
}

static toff_t seek_proc(thandle_t h, toff_t offset, int whence) {
    struct ic_tiff_reader *r = h;
    uint64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? r->position : r->size;
    r->position = base + offset;
    return r->position;
}

static int close_proc(thandle_t h) { (void)h; return 0; }
static toff_t size_proc(thandle_t h) { return ((struct ic_tiff_reader *)h)->size; }

/* libtiff's messages sometimes start with the name it was given ("file: …"); drop it. */
static void record(struct ic_tiff_reader *r, const char *fmt, va_list ap) {
    char text[IC_MESSAGE_CAPACITY];
    vsnprintf(text, sizeof text, fmt, ap);
    const char *shown = strncmp(text, "file: ", 6) == 0 ? text + 6 : text;
    /* What libtiff says when data ends early, or a strip lies beyond the end. */
    ic_status status = (strstr(shown, "Read error") || strstr(shown, "Cannot read") || strstr(shown, "Can not read") ||
                        strstr(shown, "past end") || strstr(shown, "beyond"))
                           ? IC_ERR_TRUNCATED : IC_ERR_CORRUPT;
    ic_fail(r->fail, status, 0, "libtiff: %s", shown);
}

static int on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif; (void)module;
    record(user, fmt, ap);
    return 1;  /* handled: the global handler (stderr) is not called */
}

static int on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    /* Warnings (unknown tags, odd but readable values) are not failures and are not printed. */
    (void)tif; (void)user; (void)module; (void)fmt; (void)ap;
    return 1;
}

/* ---- Opening ----------------------------------------------------------------------------- */

static ic_status refuse(ic_decoder *dec, ic_status status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static ic_status refuse(ic_decoder *dec, ic_status status, const char *fmt, ...) {
    char text[IC_MESSAGE_CAPACITY];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    ic_fail(&dec->fail, status, 0, "%s", text);
    return dec->fail.status;
}

/* A libtiff call failed: its handler said why, or we say it generically. */
static ic_status libtiff_failed(ic_decoder *dec, const char *what) {
    if (dec->fail.status == IC_OK) ic_fail(&dec->fail, IC_ERR_CORRUPT, 0, "libtiff: %s", what);
    return dec->fail.status;
}

/* Multi-page files are refused; later directories that are reduced-resolution previews of the
 * first (FILETYPE_REDUCEDIMAGE) are not pages. */
static ic_status check_single_page(ic_decoder *dec, TIFF *tif) {
    unsigned pages = 1;
    for (unsigned seen = 1; seen < IC_MAX_TIFF_PAGES && TIFFReadDirectory(tif); seen++) {
        uint32_t kind = 0;
        if (!TIFFGetField(tif, TIFFTAG_SUBFILETYPE, &kind) || !(kind & FILETYPE_REDUCEDIMAGE)) pages++;
    }
    if (dec->fail.status != IC_OK) return dec->fail.status;
    if (pages > 1) {
        return refuse(dec, IC_ERR_UNSUPPORTED,
                      "multi-page TIFF (%u pages): only single-page TIFF is enhanced; split it first (tiffsplit)", pages);
    }
    if (!TIFFSetDirectory(tif, 0)) return libtiff_failed(dec, "cannot return to the first directory");
    return IC_OK;
}

static ic_status copy_metadata(ic_decoder *dec, TIFF *tif) {
    uint32_t count = 0;
    void *data = NULL;
    if (TIFFGetField(tif, TIFFTAG_XMLPACKET, &count, &data) && data && count > 0 && count <= IC_MAX_TIFF_METADATA) {
        if (!ic_blob_set(&dec->metadata[IC_META_XMP], data, count)) goto oom;
    }
    count = 0;
    data = NULL;
    if (TIFFGetField(tif, TIFFTAG_ICCPROFILE, &count, &data) && data && count > 0 && count <= IC_MAX_TIFF_METADATA) {
        if (!ic_blob_set(&dec->metadata[IC_META_ICC], data, count)) goto oom;
    }
    return IC_OK;
oom:
    ic_fail(&dec->fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory reading metadata");
    return dec->fail.status;
}

static const char *photometric_name(uint16_t p) {
    switch (p) {
    case PHOTOMETRIC_SEPARATED: return "CMYK (separated)";
    case PHOTOMETRIC_YCBCR: return "YCbCr";
    case PHOTOMETRIC_CIELAB: case PHOTOMETRIC_ICCLAB: case PHOTOMETRIC_ITULAB: return "CIE L*a*b*";
    case PHOTOMETRIC_MASK: return "transparency mask";
    case PHOTOMETRIC_LOGL: case PHOTOMETRIC_LOGLUV: return "LogLuv";
    case PHOTOMETRIC_CFA: return "raw colour-filter-array";
    default: return "unknown";
    }
}

/* The pixel layout: what we read and what we deliver. */
static ic_status classify(ic_decoder *dec, struct ic_tiff_reader *r, TIFF *tif) {
    uint16_t format = SAMPLEFORMAT_UINT, compression = COMPRESSION_NONE;
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &r->bps);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &r->spp);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &format);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &r->planar);
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
    if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &r->photometric)) {
        /* Old writers leave it out; libtiff's own RGBA reader guesses the same way. */
        r->photometric = r->spp >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
    }
    if (!TIFFIsCODECConfigured(compression)) {
        return refuse(dec, IC_ERR_UNSUPPORTED, "TIFF compression %u is not supported here", compression);
    }
    if (format == SAMPLEFORMAT_IEEEFP) {
        return refuse(dec, IC_ERR_UNSUPPORTED, "floating-point TIFF (%u-bit float samples) is not supported; convert it to 16-bit integer first", r->bps);
    }
    if (format != SAMPLEFORMAT_UINT) {
        return refuse(dec, IC_ERR_UNSUPPORTED, "TIFF with signed or complex samples (sample format %u) is not supported", format);
    }
    switch (r->photometric) {
    case PHOTOMETRIC_MINISBLACK:
    case PHOTOMETRIC_MINISWHITE:
        r->base_channels = 1;
        if (r->bps != 1 && r->bps != 2 && r->bps != 4 && r->bps != 8 && r->bps != 16) goto depth;
        break;
    case PHOTOMETRIC_PALETTE:
        r->base_channels = 1;
        if (r->bps != 1 && r->bps != 2 && r->bps != 4 && r->bps != 8) goto depth;
        if (!TIFFGetField(tif, TIFFTAG_COLORMAP, &r->map_r, &r->map_g, &r->map_b)) {
            return refuse(dec, IC_ERR_CORRUPT, "palette TIFF without a colour map");
        }
        r->palette_8bit = 1;
        for (uint32_t i = 0; i < (1u << r->bps); i++) {
            if (r->map_r[i] > 255 || r->map_g[i] > 255 || r->map_b[i] > 255) { r->palette_8bit = 0; break; }
        }
        break;
    case PHOTOMETRIC_YCBCR:
        if (compression != COMPRESSION_JPEG) {
            return refuse(dec, IC_ERR_UNSUPPORTED, "YCbCr TIFF is read only when JPEG-compressed (this one uses compression %u)", compression);
        }
        /* libjpeg converts to RGB and upsamples, so rows arrive as plain RGB. */
        if (!TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB)) return libtiff_failed(dec, "cannot convert YCbCr to RGB");
        r->photometric = PHOTOMETRIC_RGB;
        /* fall through */
    case PHOTOMETRIC_RGB:
        r->base_channels = 3;
        if (r->bps != 8 && r->bps != 16) goto depth;
        break;
    case PHOTOMETRIC_SEPARATED:
        return refuse(dec, IC_ERR_UNSUPPORTED, "CMYK TIFF is not supported (colours would need its ICC profile); convert it to RGB first");
    default:
        return refuse(dec, IC_ERR_UNSUPPORTED, "TIFF photometric interpretation %u (%s) is not supported",
                      r->photometric, photometric_name(r->photometric));
    }
    if (r->spp < r->base_channels || r->spp > 16) {
        return refuse(dec, IC_ERR_CORRUPT, "TIFF declares %u samples per pixel for a %d-channel colour space",
                      r->spp, r->base_channels);
    }
    if (r->spp > r->base_channels) {
        uint16_t extras = 0;
        uint16_t *kinds = NULL;
        if (TIFFGetField(tif, TIFFTAG_EXTRASAMPLES, &extras, &kinds) && extras > 0 && kinds &&
            (kinds[0] == EXTRASAMPLE_ASSOCALPHA || kinds[0] == EXTRASAMPLE_UNASSALPHA)) {
            r->alpha = kinds[0];
        }
    }
    if (r->planar == PLANARCONFIG_SEPARATE && r->spp > 1 && r->bps < 8) {
        return refuse(dec, IC_ERR_UNSUPPORTED, "TIFF with separate planes of %u-bit samples is not supported", r->bps);
    }
    dec->info.channels = (r->photometric == PHOTOMETRIC_PALETTE ? 3 : r->base_channels) + (r->alpha ? 1 : 0);
    dec->info.bit_depth = r->bps == 16 ? 16 : 8;
    dec->info.lossless = compression != COMPRESSION_JPEG && compression != COMPRESSION_OJPEG &&
                         compression != COMPRESSION_WEBP && compression != COMPRESSION_JXL;
    return IC_OK;
depth:
    return refuse(dec, IC_ERR_UNSUPPORTED, "TIFF with %u-bit samples is not supported for this colour type", r->bps);
}

static ic_status plan_reading(ic_decoder *dec, struct ic_tiff_reader *r, TIFF *tif) {
    r->row_bytes = ((size_t)r->width * r->spp * r->bps + 7) / 8;
    if (TIFFIsTiled(tif)) {
        uint32_t tw = 0, th = 0;
        if (!TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw) || !TIFFGetField(tif, TIFFTAG_TILELENGTH, &th) || tw == 0 || th == 0) {
            return refuse(dec, IC_ERR_CORRUPT, "tiled TIFF without a valid tile size");
        }
        r->tile_width = tw;
        r->band_height = th < r->height ? th : r->height;
        r->chunk_size = TIFFTileSize(tif);
    } else if (r->planar == PLANARCONFIG_CONTIG) {
        r->by_scanline = 1;
        r->band_height = 1;
    } else {
        uint32_t rps = r->height;
        TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rps);
        r->band_height = rps == 0 || rps > r->height ? r->height : rps;
        r->chunk_size = TIFFStripSize(tif);
    }
    if (!r->by_scanline && r->chunk_size <= 0) return libtiff_failed(dec, "cannot size a strip or tile");
    if ((uint64_t)r->row_bytes * r->band_height > MAX_BAND_BYTES || (uint64_t)r->chunk_size > IC_MAX_TIFF_ALLOC) {
        return refuse(dec, IC_ERR_TOO_LARGE, "TIFF strips or tiles of %u rows are too large to decode in bounded memory",
                      r->band_height);
    }
    if (r->by_scanline && (tmsize_t)r->row_bytes != TIFFScanlineSize(tif)) {
        return libtiff_failed(dec, "inconsistent scanline size");
    }
    r->band = malloc(r->row_bytes * r->band_height);
    r->chunk = r->by_scanline ? NULL : malloc((size_t)r->chunk_size);
    if (!r->band || (!r->by_scanline && !r->chunk)) {
        ic_fail(&dec->fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory for a TIFF band of %u rows", r->band_height);
        return dec->fail.status;
    }
    return IC_OK;
}

ic_status ic_tiff_open(ic_decoder *dec, uint64_t max_pixels) {
    struct ic_tiff_reader *r = calloc(1, sizeof *r);
    if (!r) {
        ic_fail(&dec->fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory");
        return dec->fail.status;
    }
    dec->tiff = r;
    r->fail = &dec->fail;
    r->fd = fileno(dec->file);
    struct stat st;
    if (fstat(r->fd, &st) != 0) {
        ic_fail(&dec->fail, IC_ERR_SYSTEM, errno, "cannot stat: %s", strerror(errno));
        return dec->fail.status;
    }
    r->size = (uint64_t)st.st_size;

    TIFFOpenOptions *options = TIFFOpenOptionsAlloc();
    if (!options) {
        ic_fail(&dec->fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory");
        return dec->fail.status;
    }
    TIFFOpenOptionsSetErrorHandlerExtR(options, on_error, r);
    TIFFOpenOptionsSetWarningHandlerExtR(options, on_warning, r);
    TIFFOpenOptionsSetMaxSingleMemAlloc(options, IC_MAX_TIFF_ALLOC);
    /* "m": no memory mapping (we give libtiff no map procedure anyway). */
    r->tif = TIFFClientOpenExt("file", "rm", r, read_proc, write_proc, seek_proc, close_proc, size_proc,
                               NULL, NULL, options);
    TIFFOpenOptionsFree(options);
    if (!r->tif) {
        if (r->size < 8 && dec->fail.status != IC_ERR_SYSTEM) {
            dec->fail.status = IC_OK;
            ic_fail(&dec->fail, IC_ERR_TRUNCATED, 0, "truncated inside the TIFF header (%llu bytes)", (unsigned long long)r->size);
        }
        return libtiff_failed(dec, "not a readable TIFF");
    }
    TIFF *tif = r->tif;

    if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &r->width) || !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &r->height) ||
        r->width == 0 || r->height == 0) {
        return refuse(dec, IC_ERR_CORRUPT, "TIFF without a valid image size");
    }
    if (ic_check_size(&dec->fail, r->width, r->height, max_pixels) != IC_OK) return dec->fail.status;
    dec->info.width = r->width;
    dec->info.height = r->height;

    ic_status status;
    if ((status = classify(dec, r, tif)) != IC_OK) return status;
    if ((status = copy_metadata(dec, tif)) != IC_OK) return status;
    if ((status = check_single_page(dec, tif)) != IC_OK) return status;
    /* Back on directory 0, libtiff re-reads its tags: the JPEG colour mode must be set again. */
    if (r->photometric == PHOTOMETRIC_RGB) {
        uint16_t stored = 0;
        TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &stored);
        if (stored == PHOTOMETRIC_YCBCR) TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
    }
    if (r->photometric == PHOTOMETRIC_PALETTE &&
        !TIFFGetField(tif, TIFFTAG_COLORMAP, &r->map_r, &r->map_g, &r->map_b)) {
        return libtiff_failed(dec, "colour map lost");
    }
    if ((status = ic_tiff_exif_extract(r->fd, r->size, &dec->metadata[IC_META_EXIF],
                                       &dec->metadata[IC_META_IPTC], &dec->fail)) != IC_OK) return status;
    if ((status = plan_reading(dec, r, tif)) != IC_OK) return status;
    dec->row_bytes = (size_t)r->width * dec->info.channels * (dec->info.bit_depth / 8);
    return IC_OK;
}

/* ---- Rows -------------------------------------------------------------------------------- */

/* Fills the band holding image row `row` (tiles: one row of tiles; separate planes: one strip of
 * every plane, interleaved into native rows). */
static ic_status load_band(ic_decoder *dec, struct ic_tiff_reader *r, uint32_t row) {
    TIFF *tif = r->tif;
    uint32_t first = row - row % r->band_height;
    uint32_t rows = r->height - first < r->band_height ? r->height - first : r->band_height;
    size_t sample_bytes = r->bps / 8;   /* separate planes are ≥ 8 bits (checked at open) */
    int planes = r->planar == PLANARCONFIG_SEPARATE ? r->spp : 1;
    if (TIFFIsTiled(tif)) {
        size_t tile_row_bytes = (size_t)TIFFTileRowSize(tif);
        for (uint32_t x = 0; x < r->width; x += r->tile_width) {
            for (int p = 0; p < planes; p++) {
                ttile_t tile = TIFFComputeTile(tif, x, first, 0, (uint16_t)p);
                if (TIFFReadEncodedTile(tif, tile, r->chunk, r->chunk_size) < 0) {
                    return libtiff_failed(dec, "cannot decode a tile");
                }
                uint32_t across = r->width - x < r->tile_width ? r->width - x : r->tile_width;
                for (uint32_t y = 0; y < rows; y++) {
                    const uint8_t *from = r->chunk + (size_t)y * tile_row_bytes;
                    uint8_t *to = r->band + (size_t)y * r->row_bytes;
                    if (planes == 1) {
                        size_t offset = ((size_t)x * r->spp * r->bps) / 8;
                        size_t n = r->row_bytes - offset < tile_row_bytes ? r->row_bytes - offset : tile_row_bytes;
                        memcpy(to + offset, from, n);
                    } else {
                        for (uint32_t i = 0; i < across; i++) {
                            memcpy(to + ((size_t)(x + i) * r->spp + p) * sample_bytes, from + i * sample_bytes, sample_bytes);
                        }
                    }
                }
            }
        }
    } else {
        uint32_t strip_in_plane = first / r->band_height;
        uint32_t per_plane = TIFFNumberOfStrips(tif) / (uint32_t)planes;
        size_t plane_row_bytes = (size_t)r->width * sample_bytes;
        for (int p = 0; p < planes; p++) {
            tstrip_t strip = (tstrip_t)(p * per_plane + strip_in_plane);
            tmsize_t got = TIFFReadEncodedStrip(tif, strip, r->chunk, r->chunk_size);
            if (got < 0) return libtiff_failed(dec, "cannot decode a strip");
            if ((size_t)got < plane_row_bytes * rows) {
                ic_fail(&dec->fail, IC_ERR_TRUNCATED, 0, "TIFF strip %u holds %lld bytes, %zu expected",
                        (unsigned)strip, (long long)got, plane_row_bytes * rows);
                return dec->fail.status;
            }
            for (uint32_t y = 0; y < rows; y++) {
                const uint8_t *from = r->chunk + (size_t)y * plane_row_bytes;
                uint8_t *to = r->band + (size_t)y * r->row_bytes;
                for (uint32_t i = 0; i < r->width; i++) {
                    memcpy(to + ((size_t)i * r->spp + p) * sample_bytes, from + i * sample_bytes, sample_bytes);
                }
            }
        }
    }
    r->band_first = first;
    r->band_rows = rows;
    return IC_OK;
}

/* Sample `s` of pixel `x` in a native row, as stored (bps ≤ 16). */
static uint32_t sample_at(const struct ic_tiff_reader *r, const uint8_t *row, uint32_t x, int s) {
    size_t index = (size_t)x * r->spp + (size_t)s;
    switch (r->bps) {
    case 8: return row[index];
    case 16: return ((const uint16_t *)row)[index];   /* libtiff delivers host byte order */
    default: {
        size_t bit = index * r->bps;
        unsigned shift = 8 - r->bps - (unsigned)(bit % 8);
        return (row[bit / 8] >> shift) & ((1u << r->bps) - 1);
    }
    }
}

static void convert_row(const struct ic_tiff_reader *r, const uint8_t *native, uint8_t *out, int out_channels) {
    uint32_t max = r->bps == 16 ? 65535 : 255;
    uint32_t stored_max = (1u << r->bps) - 1;
    uint16_t *out16 = (uint16_t *)out;
    for (uint32_t x = 0; x < r->width; x++) {
        uint32_t v[4];
        int c = 0;
        if (r->photometric == PHOTOMETRIC_PALETTE) {
            uint32_t i = sample_at(r, native, x, 0);
            v[0] = r->palette_8bit ? r->map_r[i] : r->map_r[i] >> 8;
            v[1] = r->palette_8bit ? r->map_g[i] : r->map_g[i] >> 8;
            v[2] = r->palette_8bit ? r->map_b[i] : r->map_b[i] >> 8;
            c = 3;
        } else if (r->base_channels == 1) {
            uint32_t g = sample_at(r, native, x, 0);
            if (r->bps < 8) g = g * 255 / stored_max;
            if (r->photometric == PHOTOMETRIC_MINISWHITE) g = max - g;
            v[c++] = g;
        } else {
            for (int s = 0; s < 3; s++) v[c++] = sample_at(r, native, x, s);
        }
        if (r->alpha) {
            uint32_t a = sample_at(r, native, x, r->base_channels);
            if (r->bps < 8) a = a * 255 / stored_max;
            if (r->alpha == EXTRASAMPLE_ASSOCALPHA) {
                /* Premultiplied colour back to straight colour, rounded. */
                for (int i = 0; i < c; i++) {
                    uint32_t straight = a == 0 ? 0 : (v[i] * max + a / 2) / a;
                    v[i] = straight > max ? max : straight;
                }
            }
            v[c++] = a;
        }
        for (int i = 0; i < out_channels; i++) {
            size_t at = (size_t)x * out_channels + i;
            if (max == 65535) out16[at] = (uint16_t)v[i];
            else out[at] = (uint8_t)v[i];
        }
    }
}

ic_status ic_tiff_read_rows(ic_decoder *dec, uint32_t count, uint8_t *rows, uint32_t *rows_read) {
    struct ic_tiff_reader *r = dec->tiff;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = dec->next_row;
        const uint8_t *native;
        if (r->by_scanline) {
            if (TIFFReadScanline(r->tif, r->band, row, 0) < 0) return libtiff_failed(dec, "cannot decode a row");
            native = r->band;
        } else {
            if (r->band_rows == 0 || row < r->band_first || row >= r->band_first + r->band_rows) {
                ic_status status = load_band(dec, r, row);
                if (status != IC_OK) return status;
            }
            native = r->band + (size_t)(row - r->band_first) * r->row_bytes;
        }
        convert_row(r, native, rows + (size_t)i * dec->row_bytes, dec->info.channels);
        dec->next_row++;
        (*rows_read)++;
    }
    return IC_OK;
}

void ic_tiff_destroy(ic_decoder *dec) {
    struct ic_tiff_reader *r = dec->tiff;
    if (!r) return;
    if (r->tif) TIFFClose(r->tif);
    free(r->band);
    free(r->chunk);
    free(r);
    dec->tiff = NULL;
}
