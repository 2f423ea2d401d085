/*
 * thumb.h — thumbnails of photos (JPEG, PNG) in bounded memory: see thumb.c for how a
 * decompression bomb is kept out.
 */
#ifndef LEDGER_THUMB_H
#define LEDGER_THUMB_H

#define THUMB_WIDTH 320

/* Width and height from a PNG or JPEG header, without decoding; 0 and 0 if unknown. */
void thumb_header_size(const char *path, long *w, long *h);

/*
 * Writes out (a JPEG THUMB_WIDTH wide at most, synced to disk) from the photo at path of
 * type mime, once: an existing out is kept. Returns 1 if out exists afterwards, 0 if the
 * photo is too large, broken or not a photo. Thread-safe; makes one thumbnail at a time.
 */
int thumb_make(const char *path, const char *mime, const char *out);

#endif
