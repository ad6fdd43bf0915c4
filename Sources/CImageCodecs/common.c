/* Error recording and small helpers shared by every codec operation. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "codec_internal.h"

/* Messages become one line in Swift's error description. */
static void flatten_line(char *s) {
    for (; *s; s++) {
        if (*s == '\n' || *s == '\r' || *s == '\t') *s = ' ';
    }
}

void ic_fail(ic_failure *fail, ic_status status, int sys_errno, const char *fmt, ...) {
    if (fail->status != IC_OK) return;  /* the first cause is the useful one */
    fail->status = status;
    fail->sys_errno = sys_errno;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fail->message, sizeof fail->message, fmt, ap);
    va_end(ap);
    flatten_line(fail->message);
}

ic_status ic_report(const ic_failure *fail, ic_error *err) {
    if (err) {
        err->sys_errno = fail->sys_errno;
        memcpy(err->message, fail->message, sizeof err->message);
        err->message[sizeof err->message - 1] = '\0';
    }
    return fail->status;
}

void ic_error_set(ic_error *err, int sys_errno, const char *fmt, ...) {
    if (!err) return;
    err->sys_errno = sys_errno;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    flatten_line(err->message);
}

int ic_blob_set(ic_blob *blob, const uint8_t *data, size_t length) {
    ic_blob_free(blob);
    if (!data || length == 0) return 1;
    blob->data = malloc(length + 1);
    if (!blob->data) return 0;
    memcpy(blob->data, data, length);
    blob->data[length] = 0;
    blob->length = length;
    return 1;
}

void ic_blob_free(ic_blob *blob) {
    free(blob->data);
    blob->data = NULL;
    blob->length = 0;
}

int ic_host_is_little_endian(void) {
    const uint16_t probe = 1;
    return *(const uint8_t *)&probe == 1;
}

ic_status ic_check_size(ic_failure *fail, uint64_t width, uint64_t height, uint64_t max_pixels) {
    if (width > IC_MAX_SIDE || height > IC_MAX_SIDE) {
        ic_fail(fail, IC_ERR_TOO_LARGE, 0, "image is %llu x %llu, more than %u pixels on a side",
                (unsigned long long)width, (unsigned long long)height, IC_MAX_SIDE);
        return fail->status;
    }
    if (max_pixels != 0 && width * height > max_pixels) {
        ic_fail(fail, IC_ERR_TOO_LARGE, 0, "image is %llu x %llu = %llu pixels, above the limit of %llu",
                (unsigned long long)width, (unsigned long long)height,
                (unsigned long long)(width * height), (unsigned long long)max_pixels);
        return fail->status;
    }
    return IC_OK;
}

ic_status ic_read_whole_file(ic_decoder *dec, size_t limit, const char *format_name, uint8_t **data, size_t *size) {
    struct stat st;
    if (fstat(fileno(dec->file), &st) != 0) {
        ic_fail(&dec->fail, IC_ERR_SYSTEM, errno, "cannot stat: %s", strerror(errno));
        return dec->fail.status;
    }
    if ((uint64_t)st.st_size > limit) {
        ic_fail(&dec->fail, IC_ERR_TOO_LARGE, 0, "%s file of %lld bytes, above the %zu MB this reader accepts",
                format_name, (long long)st.st_size, limit >> 20);
        return dec->fail.status;
    }
    *size = (size_t)st.st_size;
    *data = malloc(*size ? *size : 1);
    if (!*data) {
        ic_fail(&dec->fail, IC_ERR_OUT_OF_MEMORY, ENOMEM, "out of memory reading %zu bytes", *size);
        return dec->fail.status;
    }
    if (fseek(dec->file, 0, SEEK_SET) != 0 || fread(*data, 1, *size, dec->file) != *size) {
        int e = ferror(dec->file) ? errno : 0;
        ic_fail(&dec->fail, e ? IC_ERR_SYSTEM : IC_ERR_TRUNCATED, e, "cannot read the whole file%s%s",
                e ? ": " : " (it shrank)", e ? strerror(e) : "");
        return dec->fail.status;
    }
    return IC_OK;
}
