/*
 * EXIF between TIFF files and the EXIF block the rest of the project carries
 * (a small TIFF structure: IFD0 → EXIF IFD, GPS IFD, as JPEG's APP1 holds it).
 *
 * Why raw IFD copying instead of libtiff's EXIF directory API: libtiff hands
 * RATIONALs back as floats (1/3 s would not survive), knows no MakerNote or
 * vendor tags, and reads tag 33723 (IPTC) as LONGs, which scrambles its bytes
 * in a big-endian file. Copying entries with their values relocated keeps
 * every field of the EXIF and GPS IFDs byte for byte (a MakerNote's own
 * internal offsets aside, as with any EXIF rewrite). The block keeps the
 * source's byte order, and a TIFF we write uses the block's byte order, so no
 * value is ever byte-swapped here.
 *
 * Every read is bounds-checked against the source; only the pointers named
 * below are followed, to a fixed depth, so a looping or hostile IFD costs at
 * most a few thousand entries.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codec_internal.h"

#define TAG_EXIF_IFD 34665
#define TAG_GPS_IFD 34853
#define TAG_INTEROP_IFD 40965
#define TAG_IPTC 33723
#define MAX_ENTRIES 1000u
#define MAX_DEPTH 3

/* Where IFD bytes come from: the EXIF block in memory, or the TIFF file by pread. */
typedef struct source {
    const uint8_t *mem;
    int fd;
    uint64_t size;
    int big;
} source;

typedef struct builder {
    ic_blob out;
    size_t capacity;
    uint64_t base;   /* file (or block) offset of out.data[0] */
    int big;
    int failed;      /* out of memory or a bound hit */
} builder;

static int src_read(const source *s, uint64_t offset, void *buffer, size_t n) {
    if (offset > s->size || n > s->size - offset) return 0;
    if (s->mem) {
        memcpy(buffer, s->mem + offset, n);
        return 1;
    }
    size_t done = 0;
    while (done < n) {
        ssize_t got = pread(s->fd, (uint8_t *)buffer + done, n - done, (off_t)(offset + done));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return 0;
        done += (size_t)got;
    }
    return 1;
}

uint16_t ic_get16(const uint8_t *p, int big) {
    return big ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

uint32_t ic_get32(const uint8_t *p, int big) {
    return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
               : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static void put16(uint8_t *p, uint16_t v, int big) {
    if (big) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
    else { p[1] = (uint8_t)(v >> 8); p[0] = (uint8_t)v; }
}

static void put32(uint8_t *p, uint32_t v, int big) {
    if (big) { p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v; }
    else { p[3] = (uint8_t)(v >> 24); p[2] = (uint8_t)(v >> 16); p[1] = (uint8_t)(v >> 8); p[0] = (uint8_t)v; }
}

/* Bytes per value of a TIFF field type, 0 for types we do not know (such entries are left out). */
static size_t type_size(uint16_t type) {
    switch (type) {
    case 1: case 2: case 6: case 7: return 1;
    case 3: case 8: return 2;
    case 4: case 9: case 11: case 13: return 4;
    case 5: case 10: case 12: return 8;
    default: return 0;
    }
}

/* Reserves `n` bytes at an even position (TIFF wants word-aligned offsets); returns it. */
static size_t reserve(builder *b, size_t n) {
    if (b->failed) return 0;
    size_t at = b->out.length + (b->out.length & 1);
    if (at + n > IC_MAX_TIFF_METADATA) { b->failed = 1; return 0; }
    if (at + n > b->capacity) {
        size_t cap = b->capacity ? b->capacity : 4096;
        while (cap < at + n) cap *= 2;
        uint8_t *grown = realloc(b->out.data, cap);
        if (!grown) { b->failed = 1; return 0; }
        b->out.data = grown;
        b->capacity = cap;
    }
    memset(b->out.data + b->out.length, 0, at + n - b->out.length);
    b->out.length = at + n;
    return at;
}

typedef int (*tag_filter)(uint16_t tag);

static int keep_all(uint16_t tag) { (void)tag; return tag != TAG_IPTC; }

/* IFD0 tags that describe the photo rather than this file's pixel layout. */
static int is_descriptive(uint16_t tag) {
    switch (tag) {
    case 270: case 271: case 272: case 274: case 282: case 283: case 296:
    case 305: case 306: case 315: case 316: case 33432:
    case 18246: case 18249:                       /* Rating, RatingPercent */
    case 40091: case 40092: case 40093: case 40094: case 40095:  /* Windows XP* */
    case TAG_EXIF_IFD: case TAG_GPS_IFD:
        return 1;
    default:
        return 0;
    }
}

static int is_pointer(uint16_t tag, int depth) {
    return depth == 0 ? (tag == TAG_EXIF_IFD || tag == TAG_GPS_IFD) : tag == TAG_INTEROP_IFD;
}

static int compare_tags(const void *a, const void *b) {
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return (x > y) - (x < y);
}

/* Copies the IFD at `offset` of `src` (entries passing `keep`) into `b`, values relocated and
 * the pointers of is_pointer followed; returns its offset in b's coordinates, 0 on failure or
 * when nothing was kept. `iptc` (depth 0 only) receives tag 33723's raw bytes. */
static uint64_t copy_ifd(const source *src, uint64_t offset, builder *b, tag_filter keep,
                         int depth, ic_blob *iptc) {
    uint8_t count_bytes[2];
    if (depth > MAX_DEPTH) return 0;
    if (!src_read(src, offset, count_bytes, 2)) return 0;
    unsigned n = ic_get16(count_bytes, src->big);
    if (n == 0 || n > MAX_ENTRIES) return 0;
    uint8_t *entries = malloc((size_t)n * 12);
    if (!entries) { b->failed = 1; return 0; }
    if (!src_read(src, offset + 2, entries, (size_t)n * 12)) { free(entries); return 0; }

    /* The kept entries, sorted by tag as TIFF requires; duplicates keep the first. */
    uint8_t *kept = malloc((size_t)n * 12);
    if (!kept) { free(entries); b->failed = 1; return 0; }
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *e = entries + 12 * i;
        uint16_t tag = ic_get16(e, src->big), type = ic_get16(e + 2, src->big);
        uint32_t count = ic_get32(e + 4, src->big);
        size_t ts = type_size(type);
        if (depth == 0 && tag == TAG_IPTC && iptc && !iptc->data && ts && count <= IC_MAX_TIFF_METADATA / ts) {
            size_t total = ts * count;
            uint8_t *bytes = malloc(total ? total : 1);
            if (bytes && total > 0) {
                int ok = total <= 4 ? (memcpy(bytes, e + 8, total), 1)
                                    : src_read(src, ic_get32(e + 8, src->big), bytes, total);
                /* Stored as LONGs, the datasets are padded with zeros to whole words (ours too,
                 * and Photoshop's): a dataset starts with 0x1C, so trailing zeros are padding. */
                while (ok && total > 0 && bytes[total - 1] == 0) total--;
                if (ok && total > 0) ic_blob_set(iptc, bytes, total);
            }
            free(bytes);
        }
        if (!keep(tag) || ts == 0 || count == 0 || count > IC_MAX_TIFF_METADATA / ts) continue;
        int duplicate = 0;
        for (unsigned j = 0; j < k; j++) if (ic_get16(kept + 12 * j, src->big) == tag) duplicate = 1;
        if (!duplicate) memcpy(kept + 12 * k++, e, 12);
    }
    free(entries);
    if (k == 0) { free(kept); return 0; }
    /* Sorting 12-byte records by their first two bytes works only when the tag sorts as a
     * native uint16; sort on decoded tags instead through an index. */
    uint16_t (*order)[2] = malloc(sizeof *order * k);
    if (!order) { free(kept); b->failed = 1; return 0; }
    for (unsigned i = 0; i < k; i++) { order[i][0] = ic_get16(kept + 12 * i, src->big); order[i][1] = (uint16_t)i; }
    qsort(order, k, sizeof *order, compare_tags);

    size_t at = reserve(b, 2 + 12 * (size_t)k + 4);
    if (b->failed) { free(order); free(kept); return 0; }
    unsigned written = 0;
    for (unsigned i = 0; i < k && !b->failed; i++) {
        const uint8_t *e = kept + 12 * order[i][1];
        uint16_t tag = ic_get16(e, src->big), type = ic_get16(e + 2, src->big);
        uint32_t count = ic_get32(e + 4, src->big);
        size_t total = type_size(type) * count;
        uint8_t value[4];
        memcpy(value, e + 8, 4);
        if (is_pointer(tag, depth) && count == 1 && (type == 4 || type == 13)) {
            uint64_t sub = copy_ifd(src, ic_get32(e + 8, src->big), b, keep_all, depth + 1, NULL);
            if (sub == 0 || sub > UINT32_MAX) continue;
            put32(value, (uint32_t)sub, b->big);
        } else if (is_pointer(tag, depth)) {
            continue;  /* a pointer of the wrong shape would point at garbage */
        } else if (total > 4) {
            size_t where = reserve(b, total);
            if (b->failed) break;
            if (!src_read(src, ic_get32(e + 8, src->big), b->out.data + where, total)) {
                b->out.length = where;  /* value out of range: leave the entry out */
                continue;
            }
            if (b->base + where > UINT32_MAX) { b->failed = 1; break; }
            put32(value, (uint32_t)(b->base + where), b->big);
        }
        uint8_t *d = b->out.data + at + 2 + 12 * written++;
        memcpy(d, e, 8);      /* tag, type, count: same byte order */
        memcpy(d + 8, value, 4);
    }
    free(order);
    free(kept);
    if (b->failed || written == 0) return 0;
    put16(b->out.data + at, (uint16_t)written, b->big);
    /* The entry table was reserved for k entries; the unused tail (and next-IFD 0) stays zero,
     * which readers never look at because the count says `written`. */
    put32(b->out.data + at + 2 + 12 * written, 0, b->big);
    return b->base + at;
}

static int read_header(const source *src, int *big, uint64_t *ifd0) {
    uint8_t h[8];
    if (!src_read(src, 0, h, 8)) return 0;
    if (memcmp(h, "II*\0", 4) == 0) *big = 0;
    else if (memcmp(h, "MM\0*", 4) == 0) *big = 1;
    else return 0;  /* BigTIFF (43) among others: no EXIF carried */
    *ifd0 = ic_get32(h + 4, *big);
    return 1;
}

ic_status ic_tiff_exif_extract(int fd, uint64_t file_size, ic_blob *exif, ic_blob *iptc, ic_failure *fail) {
    source src = {.mem = NULL, .fd = fd, .size = file_size};
    uint64_t ifd0;
    if (!read_header(&src, &src.big, &ifd0)) return IC_OK;
    builder b = {.base = 0, .big = src.big};
    size_t header = reserve(&b, 8);
    if (!b.failed) {
        memcpy(b.out.data + header, src.big ? "MM\0*" : "II*\0", 4);
        uint64_t first = copy_ifd(&src, ifd0, &b, is_descriptive, 0, iptc);
        if (first != 0 && !b.failed) {
            put32(b.out.data + 4, (uint32_t)first, b.big);
            if (!ic_blob_set(exif, b.out.data, b.out.length)) b.failed = 1;
        }
    }
    /* Past the metadata bound (or out of memory) the directories are not carried: a real
     * photo's EXIF is kilobytes, and the pixels are still worth enhancing. */
    (void)fail;
    free(b.out.data);
    return IC_OK;
}

/* An in-memory EXIF block's IFD0: where its entry table starts and how many entries it has,
 * checked to lie inside the block. Returns 0 when the block is not a usable TIFF structure. */
static int block_ifd0(const uint8_t *block, size_t length, source *src, const uint8_t **table, unsigned *n) {
    *src = (source){.mem = block, .size = length};
    uint64_t ifd0;
    uint8_t count_bytes[2];
    if (!read_header(src, &src->big, &ifd0) || !src_read(src, ifd0, count_bytes, 2)) return 0;
    *n = ic_get16(count_bytes, src->big);
    if (*n > MAX_ENTRIES || ifd0 + 2 + 12 * (uint64_t)*n > length) return 0;
    *table = block + ifd0 + 2;
    return 1;
}

/* The IFD0 tags a TIFF writer sets itself from the block (see tiff_write.c). */
static int is_settable(uint16_t tag) {
    switch (tag) {
    case 270: case 271: case 272: case 274: case 282: case 283: case 296:
    case 305: case 306: case 315: case 316: case 33432:
        return 1;
    default:
        return 0;
    }
}

int ic_exif_parse_block(const uint8_t *block, size_t length, int *big_endian,
                        ic_exif_entry *entries, size_t capacity, size_t *entry_count) {
    *entry_count = 0;
    source src;
    const uint8_t *table;
    unsigned n;
    if (!block_ifd0(block, length, &src, &table, &n)) return 0;
    *big_endian = src.big;
    for (unsigned i = 0; i < n && *entry_count < capacity; i++) {
        const uint8_t *e = table + 12 * i;
        uint16_t tag = ic_get16(e, src.big), type = ic_get16(e + 2, src.big);
        uint32_t count = ic_get32(e + 4, src.big);
        size_t ts = type_size(type);
        if (!is_settable(tag) || ts == 0 || count == 0 || count > IC_MAX_TIFF_METADATA / ts) continue;
        size_t total = ts * count;
        const uint8_t *value = e + 8;
        if (total > 4) {
            uint32_t at = ic_get32(e + 8, src.big);
            if (at > length || total > length - at) continue;
            value = block + at;
        }
        entries[(*entry_count)++] = (ic_exif_entry){.tag = tag, .type = type, .count = count, .value = value};
    }
    return 1;
}

int ic_exif_serialise_subifds(const uint8_t *block, size_t length, uint64_t base,
                              ic_blob *sub, uint64_t *exif_at, uint64_t *gps_at) {
    *exif_at = *gps_at = 0;
    source src;
    const uint8_t *table;
    unsigned n;
    if (!block_ifd0(block, length, &src, &table, &n)) return 0;
    builder b = {.base = base, .big = src.big};
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *e = table + 12 * i;
        uint16_t tag = ic_get16(e, src.big), type = ic_get16(e + 2, src.big);
        if ((tag != TAG_EXIF_IFD && tag != TAG_GPS_IFD) || (type != 4 && type != 13) || ic_get32(e + 4, src.big) != 1) continue;
        uint64_t *slot = tag == TAG_EXIF_IFD ? exif_at : gps_at;
        if (*slot) continue;
        *slot = copy_ifd(&src, ic_get32(e + 8, src.big), &b, keep_all, 1, NULL);
    }
    if (b.failed) {
        free(b.out.data);
        *exif_at = *gps_at = 0;
        return 0;
    }
    sub->data = b.out.data;
    sub->length = b.out.length;
    return 1;
}

void ic_exif_reset_orientation(uint8_t *block, size_t length) {
    source src;
    const uint8_t *table;
    unsigned n;
    if (!block_ifd0(block, length, &src, &table, &n)) return;
    for (unsigned i = 0; i < n; i++) {
        uint8_t *e = block + (table - block) + 12 * i;   /* the caller's block is writable */
        if (ic_get16(e, src.big) == 274 && ic_get16(e + 2, src.big) == 3 && ic_get32(e + 4, src.big) == 1) put16(e + 8, 1, src.big);
    }
}
