/*
 * tmpl.h — our Mustache engine: interpolation (HTML-escaped by default), sections, inverted
 * sections, comments, partials, set delimiters and template inheritance (parents and blocks),
 * as in the official spec (lambdas are not supported). Templates are parsed once into a tree
 * and kept in a set; a set is read-only after loading, so many threads may render from it.
 * The context is a jansson value, with tables (below) bound beside it.
 */
#ifndef LEDGER_TMPL_H
#define LEDGER_TMPL_H

#include <jansson.h>
#include <stddef.h>

#include "util.h"

struct tmpl_set;

struct tmpl_set *tmpl_set_new(void);
void tmpl_set_free(struct tmpl_set *set);
/* The most nodes one render may visit (default 5,000,000; a page visits a few thousand). */
void tmpl_set_budget(struct tmpl_set *set, long nodes);

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
 * Renders template name with ctx (may be NULL) appended to out. Returns 0; -1 if there is
 * no template of that name; -2 if a limit cut the render short (the nodes one render may
 * visit, partials nested 64 deep, sections nested 256 deep), out then holding an incomplete
 * page. Missing partials render as nothing, as the spec asks.
 */
int tmpl_render(const struct tmpl_set *set, const char *name, json_t *ctx, struct buf *out);

/*
 * A table: rows a template iterates as it would an array of objects, without building an
 * object per row (a list page has fifty). Every row has the same keys; a key may be dotted
 * ("names.unit") and is then found by that whole name. A cell is text or absent: absent and
 * empty cells are false in a section, so a flag is "true" or absent. Cells are copied into
 * the table's own memory, freed with the table.
 */
struct tmpl_cell {
	const char *s;
	size_t len;
};
struct tmpl_chunk;
struct tmpl_table {
	const char *const *keys;
	int nkeys;
	size_t nrows, caprows;
	struct tmpl_cell *cells; /* nrows × nkeys */
	struct tmpl_chunk *mem;
};

/* keys: strings that never change (string literals); renders remember which key a name was. */
void tmpl_table_init(struct tmpl_table *t, const char *const *keys, int nkeys);
/* Starts a row with every cell absent. */
void tmpl_table_row(struct tmpl_table *t);
/* Sets a cell of the newest row; s NULL leaves it absent. */
void tmpl_table_set(struct tmpl_table *t, int col, const char *s);
void tmpl_table_setn(struct tmpl_table *t, int col, const char *s, size_t n);
void tmpl_table_set_int(struct tmpl_table *t, int col, long long v);
void tmpl_table_setf(struct tmpl_table *t, int col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Turns the rows the other way round (a page read from its end). */
void tmpl_table_reverse(struct tmpl_table *t);
void tmpl_table_free(struct tmpl_table *t);

/*
 * A table under a name, looked up after what sections put on the stack and before ctx's own
 * keys (a binding hides a key of ctx of the same name): "name" is the table and "name.N" its
 * row N. With `one`, the table's first row stands for the name as one object would:
 * {{t.code}} is the cell "code", {{t.names.unit}} the cell "names.unit".
 */
struct tmpl_binding {
	const char *name;
	const struct tmpl_table *table;
	int one;
};

/* tmpl_render with tables bound to names (at most TMPL_MAX_BINDINGS; more are not bound). */
#define TMPL_MAX_BINDINGS 16
int tmpl_render_with(const struct tmpl_set *set, const char *name, json_t *ctx, const struct tmpl_binding *b, int nb,
		     struct buf *out);

#endif
