/*
 * tmpl.h — our Mustache engine: interpolation (HTML-escaped by default), sections, inverted
 * sections, comments, partials, set delimiters and template inheritance (parents and blocks),
 * as in the official spec (lambdas are not supported). Templates are parsed once into a tree
 * and kept in a set; a set is read-only after loading, so many threads may render from it.
 * The context is a jansson value.
 */
#ifndef LEDGER_TMPL_H
#define LEDGER_TMPL_H

#include <jansson.h>
#include <stddef.h>

#include "util.h"

struct tmpl_set;

struct tmpl_set *tmpl_set_new(void);
void tmpl_set_free(struct tmpl_set *set);

/*
 * Parses src under name (replacing any template of that name). On a syntax error returns -1
 * with e->message naming the line; the set is unchanged.
 */
int tmpl_set_add(struct tmpl_set *set, const char *name, const char *src, size_t len, struct err *e);

/*
 * Loads every *.mustache file under dir (recursively); a template's name is its path
 * relative to dir without the extension ("partials/nav"). Returns the count, or -1.
 */
int tmpl_set_load_dir(struct tmpl_set *set, const char *dir, struct err *e);

int tmpl_set_has(const struct tmpl_set *set, const char *name);

/*
 * Renders template name with ctx (may be NULL) appended to out. Returns 0, or -1 if there is
 * no template of that name. Missing partials render as nothing, as the spec asks.
 */
int tmpl_render(const struct tmpl_set *set, const char *name, json_t *ctx, struct buf *out);

#endif
