/*
 * test_thumb.c — thumbnails (src/thumb.c): photos of every kind get one 320 pixels wide,
 * JPEGs are decoded scaled (so memory stays small), and what is too large or broken gets
 * none without harm. Images are made here with libgd.
 */
#include <gd.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "thumb.h"

static char dir[] = "/tmp/ledger-thumb-XXXXXX";

/* A w × h photo-like image (a colour ramp) as a JPEG (progressive if asked) or PNG file. */
static void make_image(const char *path, int w, int h, int jpeg, int progressive)
{
	gdImagePtr im = gdImageCreateTrueColor(w, h);
	for (int y = 0; y < h; y += 16)
		for (int x = 0; x < w; x += 16)
			gdImageFilledRectangle(im, x, y, x + 15, y + 15, gdTrueColor(x * 255 / w, y * 255 / h, 128));
	gdImageInterlace(im, progressive);
	FILE *f = fopen(path, "wb");
	if (jpeg)
		gdImageJpeg(im, f, 85);
	else
		gdImagePng(im, f);
	fclose(f);
	gdImageDestroy(im);
}

/* The size of the JPEG at path, decoded; 0 × 0 if it is none. */
static void jpeg_size(const char *path, int *w, int *h)
{
	*w = *h = 0;
	FILE *f = fopen(path, "rb");
	gdImagePtr im = f ? gdImageCreateFromJpeg(f) : NULL;
	if (f)
		fclose(f);
	if (im) {
		*w = gdImageSX(im);
		*h = gdImageSY(im);
		gdImageDestroy(im);
	}
}

static int case_no;

/* Makes a thumbnail of an image made as asked: returns what thumb_make said, and its size. */
static int thumb_of(int w, int h, int jpeg, int progressive, int *tw, int *th)
{
	char in[128], out[128];
	snprintf(in, sizeof in, "%s/in%d", dir, ++case_no);
	snprintf(out, sizeof out, "%s/out%d.jpg", dir, case_no);
	make_image(in, w, h, jpeg, progressive);
	long hw, hh;
	thumb_header_size(in, &hw, &hh);
	CHECK(hw == w && hh == h);
	int ok = thumb_make(in, jpeg ? "image/jpeg" : "image/png", out);
	jpeg_size(out, tw, th);
	CHECK(ok == (access(out, F_OK) == 0));
	return ok;
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	int w, h;

	/* A phone photo, baseline and progressive: 320 wide, in proportion. */
	CHECK(thumb_of(4000, 3000, 1, 0, &w, &h) == 1);
	CHECK(w == 320 && h == 240);
	CHECK(thumb_of(4000, 3000, 1, 1, &w, &h) == 1);
	CHECK(w == 320 && h == 240);
	/* Portrait, and a photo smaller than a thumbnail (kept at its size). */
	CHECK(thumb_of(1200, 1600, 1, 0, &w, &h) == 1);
	CHECK(w == 320 && h == 426);
	CHECK(thumb_of(200, 100, 1, 0, &w, &h) == 1);
	CHECK(w == 200 && h == 100);
	/* A PNG screenshot; a PNG past the whole-decode limit gets none. */
	CHECK(thumb_of(1170, 2532, 0, 0, &w, &h) == 1);
	CHECK(w == 320 && h == 692);
	CHECK(thumb_of(3000, 3000, 0, 0, &w, &h) == 0);

	/* The scaled decode keeps a large baseline JPEG small: a child process makes the
	 * thumbnail of a 40-megapixel photo (160 MB as a whole image) and its peak is measured. */
	char big[128], big_out[128];
	snprintf(big, sizeof big, "%s/big.jpg", dir);
	snprintf(big_out, sizeof big_out, "%s/big-out.jpg", dir);
	make_image(big, 8000, 5000, 1, 0);
	long peak[2];
	for (int run = 0; run < 2; run++) { /* first a child that only starts, for the baseline */
		pid_t child = fork();
		if (child == 0)
			_exit(run == 0 || thumb_make(big, "image/jpeg", big_out) == 1 ? 0 : 1);
		int status = -1;
		struct rusage ru;
		CHECK(wait4(child, &status, 0, &ru) == child);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		peak[run] = ru.ru_maxrss;
	}
	fprintf(stderr, "thumbnail of an 8000 x 5000 JPEG: %ld kB over a child's %ld kB at start\n", peak[1] - peak[0],
		peak[0]);
#ifndef __SANITIZE_ADDRESS__ /* the sanitizer's shadow memory and valgrind's own would count */
	if (!getenv("LEDGER_VALGRIND"))
		CHECK(peak[1] - peak[0] < 16 * 1024);
#endif
	jpeg_size(big_out, &w, &h);
	CHECK(w == 320 && h == 200);

	/* A progressive JPEG past libjpeg's memory cap: refused, no crash, no file. */
	CHECK(thumb_of(6000, 5000, 1, 1, &w, &h) == 0);
	CHECK(w == 0);

	/* Broken files: a truncated JPEG and a header that lies. */
	char in[128], out[128];
	snprintf(in, sizeof in, "%s/cut.jpg", dir);
	snprintf(out, sizeof out, "%s/cut-out.jpg", dir);
	FILE *f = fopen(in, "wb");
	fwrite("\xFF\xD8\xFF\xC0\x00\x11\x08\x10\x00\x10\x00\x03", 1, 12, f);
	fclose(f);
	CHECK(thumb_make(in, "image/jpeg", out) == 0);
	CHECK(access(out, F_OK) != 0);
	CHECK(thumb_make(in, "image/png", out) == 0);
	/* An existing thumbnail is kept (made once). */
	snprintf(out, sizeof out, "%s/out1.jpg", dir);
	CHECK(thumb_make(in, "image/jpeg", out) == 1);

	test_remove_dir(dir);
	return test_summary("test_thumb");
}
