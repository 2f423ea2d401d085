/*
 * thumb.c — thumbnails of evidence photos, with bounded memory whatever the upload claims.
 *
 * A photo's thumbnail is 320 pixels wide. An image's header can promise any size, and a
 * small file can decode to gigabytes (a 115 KB PNG of 6000 × 6600 pixels is 158 MB as a
 * truecolour image), so:
 *  - the size is read from the header first, and nothing is decoded past THUMB_*_MAX_PIXELS;
 *  - a JPEG is decoded by libjpeg already scaled down (its DCT scaling: 1/2, 1/4 or 1/8),
 *    so a 12-megapixel phone photo costs under 1 MB, and libjpeg's own memory is capped
 *    (a progressive file buffers all its coefficients, 2 bytes a pixel and channel, so
 *    the cap refuses one past about 16 megapixels);
 *  - a PNG, which cannot be decoded scaled, is decoded whole only up to a few megapixels
 *    (screenshots and scans fit; a PNG larger than that gets no thumbnail);
 *  - one thumbnail is made at a time (a burst of uploads waits rather than adding up), and
 *    the memory is handed back to the system afterwards.
 */
#include "thumb.h"

#include <gd.h>
#include <jpeglib.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define THUMB_JPEG_MAX_PIXELS (100L * 1000 * 1000) /* decoded at 1/8 at most: 1.6 megapixels */
#define THUMB_PNG_MAX_PIXELS (8L * 1000 * 1000)    /* decoded whole: 32 MB as truecolour */
#define THUMB_JPEG_MEMORY (48L * 1024 * 1024)      /* libjpeg's own: a progressive 16 MP photo */

static pthread_mutex_t thumb_lock = PTHREAD_MUTEX_INITIALIZER;

void thumb_header_size(const char *path, long *w, long *h)
{
	*w = *h = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	unsigned char b[32];
	size_t n = fread(b, 1, 24, f);
	if (n >= 24 && memcmp(b, "\x89PNG", 4) == 0) {
		*w = (long)b[16] << 24 | b[17] << 16 | b[18] << 8 | b[19];
		*h = (long)b[20] << 24 | b[21] << 16 | b[22] << 8 | b[23];
	} else if (n >= 4 && b[0] == 0xFF && b[1] == 0xD8) {
		fseek(f, 2, SEEK_SET);
		for (int guard = 0; guard < 1000; guard++) {
			int c = fgetc(f);
			if (c != 0xFF)
				break;
			int marker = fgetc(f);
			while (marker == 0xFF)
				marker = fgetc(f);
			if (marker == EOF)
				break;
			unsigned char len[2];
			if (fread(len, 1, 2, f) != 2)
				break;
			long seglen = len[0] << 8 | len[1];
			if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
				unsigned char sof[5];
				if (fread(sof, 1, 5, f) == 5) {
					*h = sof[1] << 8 | sof[2];
					*w = sof[3] << 8 | sof[4];
				}
				break;
			}
			if (seglen < 2 || fseek(f, seglen - 2, SEEK_CUR) != 0)
				break;
		}
	}
	fclose(f);
}

/* libjpeg reports errors by calling error_exit, which must not return: back to the caller. */
struct jpeg_fail {
	struct jpeg_error_mgr mgr;
	jmp_buf back;
};

static void jpeg_fail_exit(j_common_ptr cinfo)
{
	longjmp(((struct jpeg_fail *)cinfo->err)->back, 1);
}

static void jpeg_quiet(j_common_ptr cinfo, int level)
{
	(void)cinfo;
	(void)level;
}

/* The JPEG at path, decoded at the smallest DCT scale still at least width pixels wide. */
static gdImagePtr jpeg_scaled(FILE *in, int width)
{
	struct jpeg_decompress_struct cinfo;
	struct jpeg_fail fail;
	gdImagePtr volatile im = NULL;
	JSAMPARRAY row = NULL;
	cinfo.err = jpeg_std_error(&fail.mgr);
	fail.mgr.error_exit = jpeg_fail_exit;
	fail.mgr.emit_message = jpeg_quiet;
	if (setjmp(fail.back)) {
		jpeg_destroy_decompress(&cinfo);
		if (im)
			gdImageDestroy(im);
		return NULL;
	}
	jpeg_create_decompress(&cinfo);
	cinfo.mem->max_memory_to_use = THUMB_JPEG_MEMORY;
	jpeg_stdio_src(&cinfo, in);
	jpeg_read_header(&cinfo, TRUE);
	if ((long)cinfo.image_width * (long)cinfo.image_height > THUMB_JPEG_MAX_PIXELS) {
		jpeg_destroy_decompress(&cinfo);
		return NULL;
	}
	cinfo.out_color_space = JCS_RGB; /* grey and CMYK/YCCK alike */
	cinfo.scale_num = 1;
	cinfo.scale_denom = 1;
	while (cinfo.scale_denom < 8 && cinfo.image_width / (cinfo.scale_denom * 2) >= (unsigned)width)
		cinfo.scale_denom *= 2;
	cinfo.dct_method = JDCT_IFAST;
	jpeg_start_decompress(&cinfo);
	if (cinfo.output_components != 3 || cinfo.output_width == 0 || cinfo.output_height == 0)
		longjmp(fail.back, 1);
	im = gdImageCreateTrueColor((int)cinfo.output_width, (int)cinfo.output_height);
	if (!im)
		longjmp(fail.back, 1);
	row = (*cinfo.mem->alloc_sarray)((j_common_ptr)&cinfo, JPOOL_IMAGE, cinfo.output_width * 3, 1);
	while (cinfo.output_scanline < cinfo.output_height) {
		int y = (int)cinfo.output_scanline;
		jpeg_read_scanlines(&cinfo, row, 1);
		const JSAMPLE *p = row[0];
		for (unsigned x = 0; x < cinfo.output_width; x++, p += 3)
			gdImageSetPixel(im, (int)x, y, gdTrueColor(p[0], p[1], p[2]));
	}
	jpeg_finish_decompress(&cinfo);
	jpeg_destroy_decompress(&cinfo);
	return im;
}

static int write_jpeg(gdImagePtr im, const char *out)
{
	char tmp[4300];
	snprintf(tmp, sizeof tmp, "%s.part", out);
	FILE *f = fopen(tmp, "wb");
	if (!f)
		return 0;
	gdImageJpeg(im, f, 80);
	/* Durable before it is named: a page that lists the thumbnail finds it after a power cut. */
	int ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok = fclose(f) == 0 && ok && rename(tmp, out) == 0 && fsync_dir_of(out) == 0;
	if (!ok)
		unlink(tmp);
	return ok;
}

static int make_locked(const char *path, const char *mime, const char *out)
{
	long w, h;
	thumb_header_size(path, &w, &h);
	int jpeg = strcmp(mime, "image/jpeg") == 0;
	if (w <= 0 || h <= 0 || w * h > (jpeg ? THUMB_JPEG_MAX_PIXELS : THUMB_PNG_MAX_PIXELS))
		return 0;
	FILE *in = fopen(path, "rb");
	if (!in)
		return 0;
	gdImagePtr im = jpeg ? jpeg_scaled(in, THUMB_WIDTH) : gdImageCreateFromPng(in);
	fclose(in);
	if (!im)
		return 0;
	int tw = gdImageSX(im) > THUMB_WIDTH ? THUMB_WIDTH : gdImageSX(im);
	int th = (int)((long)gdImageSY(im) * tw / (gdImageSX(im) ? gdImageSX(im) : 1));
	if (th < 1)
		th = 1;
	gdImageSetInterpolationMethod(im, GD_BILINEAR_FIXED);
	gdImagePtr small = gdImageScale(im, (unsigned)tw, (unsigned)th);
	gdImageDestroy(im);
	if (!small)
		return 0;
	int ok = write_jpeg(small, out);
	gdImageDestroy(small);
	return ok;
}

int thumb_make(const char *path, const char *mime, const char *out)
{
	if (access(out, F_OK) == 0)
		return 1;
	pthread_mutex_lock(&thumb_lock);
	int ok = access(out, F_OK) == 0 || make_locked(path, mime, out);
	mem_release_free();
	pthread_mutex_unlock(&thumb_lock);
	return ok;
}
