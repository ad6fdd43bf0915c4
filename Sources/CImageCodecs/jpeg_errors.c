/*
 * libjpeg error manager replacements. libjpeg's defaults print to stderr and
 * call exit(); ours record the cause in the ic_failure stored in
 * client_data and longjmp back to the operation that called libjpeg.
 */
#include <errno.h>
#include <string.h>

#include <jerror.h>

#include "codec_internal.h"

static void record_and_jump(j_common_ptr cinfo, ic_status status, int sys_errno) {
    ic_failure *fail = (ic_failure *)cinfo->client_data;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    if (sys_errno != 0) {
        ic_fail(fail, status, sys_errno, "libjpeg: %s (%s)", text, strerror(sys_errno));
    } else {
        ic_fail(fail, status, 0, "libjpeg: %s", text);
    }
    longjmp(fail->jump, 1);
}

static void error_exit(j_common_ptr cinfo) {
    ic_failure *fail = (ic_failure *)cinfo->client_data;
    int saved_errno = errno;
    switch (cinfo->err->msg_code) {
    case JERR_BAD_PRECISION:         /* 12-bit or lossless: not our 8-bit API */
    case JERR_CONVERSION_NOTIMPL:
    case JERR_NOT_COMPILED:
        record_and_jump(cinfo, IC_ERR_UNSUPPORTED, 0);
        break;
    case JERR_INPUT_EOF:
    case JERR_INPUT_EMPTY:
        record_and_jump(cinfo, IC_ERR_TRUNCATED, 0);
        break;
    case JERR_OUT_OF_MEMORY:
        record_and_jump(cinfo, IC_ERR_OUT_OF_MEMORY, 0);
        break;
    case JERR_FILE_READ:
        record_and_jump(cinfo, IC_ERR_SYSTEM, saved_errno);
        break;
    case JERR_FILE_WRITE:
        record_and_jump(cinfo, IC_ERR_WRITE, saved_errno);
        break;
    default:
        record_and_jump(cinfo, fail->codec_status, 0);
        break;
    }
}

/* libjpeg only *warns* about a truncated file or undecodable entropy data
 * and then fills the rest of the image with grey. For a photo pipeline a
 * silently grey-bottomed output is worse than a refusal, so those warnings
 * are fatal here.
 *
 * libjpeg-turbo's fast Huffman path decodes an invalid code as zero without
 * any warning, so damaged data usually shows only later, as a scan that ends
 * before or after its marker: "premature end of data segment" or
 * "extraneous bytes before marker". The latter is harmless padding when it
 * occurs among header segments (and tolerated there, like other mild
 * warnings), but once entropy-coded data has started it means the decoder
 * lost its place, so it is fatal too. Damage that happens to keep the
 * decoder in step cannot be detected by any decoder. */
static void emit_message(j_common_ptr cinfo, int msg_level) {
    if (msg_level >= 0) return;  /* trace output */
    cinfo->err->num_warnings++;
    ic_failure *fail = (ic_failure *)cinfo->client_data;
    switch (cinfo->err->msg_code) {
    case JWRN_EXTRANEOUS_DATA:
        if (fail->in_entropy_data) record_and_jump(cinfo, IC_ERR_CORRUPT, 0);
        break;
    case JWRN_JPEG_EOF:
        record_and_jump(cinfo, IC_ERR_TRUNCATED, 0);
        break;
    case JWRN_HUFF_BAD_CODE:
    case JWRN_HIT_MARKER:
        record_and_jump(cinfo, IC_ERR_CORRUPT, 0);
        break;
    default:
        break;
    }
}

static void output_message(j_common_ptr cinfo) {
    (void)cinfo;  /* never print */
}

void ic_jpeg_install_error_handlers(struct jpeg_error_mgr *mgr) {
    jpeg_std_error(mgr);
    mgr->error_exit = error_exit;
    mgr->emit_message = emit_message;
    mgr->output_message = output_message;
}
