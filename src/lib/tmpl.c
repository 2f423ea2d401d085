/*
 * tmpl.c — the Mustache engine.
 *
 * Parsing happens in three passes over a template's source:
 *   1. tokenize: text (split so that a text token never spans a newline) and tags, following
 *      set-delimiter tags as they come;
 *   2. pair every closing tag with its opener, then mark standalone lines — a line holding
 *      only whitespace and one non-output tag (or one of the tag pairs inheritance allows on
 *      one line) loses its indentation and line ending;
 *   3. build the node tree; text inside a standalone block is dedented here, once, so that
 *      rendering only ever adds indentation.
 * Rendering walks the tree with a context stack of jansson values. Indentation (for
 * standalone partials, parents and blocks) is written lazily at the start of each template
 * line, never inside interpolated values, which is what the spec's textual definition means.
 */
#include "tmpl.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum kind {
	K_TEXT,
	K_VAR,      /* {{name}}   escaped */
	K_RAW,      /* {{{name}}} {{&name}} */
	K_SECTION,  /* {{#name}} */
	K_INVERTED, /* {{^name}} */
	K_CLOSE,    /* {{/name}} */
	K_COMMENT,  /* {{! ...}} */
	K_PARTIAL,  /* {{>name}} */
	K_DELIM,    /* {{=<% %>=}} */
	K_BLOCK,    /* {{$name}} */
	K_PARENT,   /* {{<name}} */
};

#define MAX_DELIM 16
#define MAX_NESTING 64 /* partial/parent depth; stops runaway recursion */
#define MAX_STACK 256
/* Nodes one render may visit: ample for any page, and a template that includes itself twice
 * per level (2^64 expansions within the nesting limit) stops instead of spinning. */
#define RENDER_BUDGET 5000000L

struct tok {
	enum kind kind;
	size_t start, end;   /* source range; for text, trimmed by the standalone pass */
	size_t orig_start;   /* where a text token began before trimming */
	size_t nstart, nend; /* the tag's name, whitespace-trimmed */
	int standalone;
	size_t ind_start, ind_len; /* leading whitespace of a standalone line */
	int opener;                /* for K_CLOSE: index of the matching opening tag */
};

struct toks {
	struct tok *v;
	size_t n, cap;
};

struct node {
	enum kind kind;
	char *text; /* K_TEXT: the text; otherwise the tag name */
	size_t len;
	char **parts; /* a dotted name split at the dots; NULL for "." */
	int nparts;
	size_t len0; /* of parts[0] */
	char *indent; /* partial/parent/block on a standalone line: indentation to add, else NULL */
	struct node *kids;
	size_t nkids;
};

struct tmpl {
	char *name;
	char *src;
	struct node root;
};

struct tmpl_set {
	struct tmpl **v;
	size_t n, cap;
	long budget; /* nodes one render may visit */
};

/* ---------------------------------------------------------------- tokenizer */

static size_t line_of(const char *s, size_t pos)
{
	size_t line = 1;
	for (size_t i = 0; i < pos; i++)
		line += s[i] == '\n';
	return line;
}

static struct tok *tok_push(struct toks *t)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->v = xrealloc(t->v, t->cap * sizeof *t->v);
	}
	struct tok *k = &t->v[t->n++];
	memset(k, 0, sizeof *k);
	k->opener = -1;
	return k;
}

static void push_text(struct toks *t, const char *s, size_t from, size_t to)
{
	while (from < to) {
		const char *nl = memchr(s + from, '\n', to - from);
		size_t end = nl ? (size_t)(nl - s) + 1 : to;
		struct tok *k = tok_push(t);
		k->kind = K_TEXT;
		k->start = k->orig_start = from;
		k->end = end;
		from = end;
	}
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static const char *find(const char *s, size_t n, size_t from, const char *needle, size_t nl)
{
	if (from > n)
		return NULL;
	return memmem(s + from, n - from, needle, nl);
}

static int tokenize(const char *s, size_t n, struct toks *t, struct err *e)
{
	char otag[MAX_DELIM] = "{{", ctag[MAX_DELIM] = "}}";
	size_t ol = 2, cl = 2, pos = 0;

	while (pos < n) {
		const char *o = find(s, n, pos, otag, ol);
		size_t tstart = o ? (size_t)(o - s) : n;
		push_text(t, s, pos, tstart);
		if (!o)
			break;
		size_t p = tstart + ol;
		enum kind kind = K_VAR;
		char sigil = p < n ? s[p] : '\0';
		const char *close;
		size_t close_len = cl, name_from = p + 1;
		char want[MAX_DELIM + 1];

		switch (sigil) {
		case '{': kind = K_RAW; break;
		case '&': kind = K_RAW; break;
		case '#': kind = K_SECTION; break;
		case '^': kind = K_INVERTED; break;
		case '/': kind = K_CLOSE; break;
		case '!': kind = K_COMMENT; break;
		case '>': kind = K_PARTIAL; break;
		case '=': kind = K_DELIM; break;
		case '$': kind = K_BLOCK; break;
		case '<': kind = K_PARENT; break;
		default: name_from = p; break;
		}
		if (sigil == '{' || sigil == '=') {
			/* {{{name}}} ends with "}" + ctag; {{=a b=}} with "=" + ctag. */
			want[0] = sigil == '{' ? '}' : '=';
			memcpy(want + 1, ctag, cl);
			close_len = cl + 1;
			close = find(s, n, name_from, want, close_len);
		} else {
			close = find(s, n, name_from, ctag, cl);
		}
		if (!close) {
			err_set(e, 500, "template_syntax", NULL, "第 %zu 行：标签没有结束符", line_of(s, tstart));
			return -1;
		}
		size_t ns = name_from, ne = (size_t)(close - s);
		while (ns < ne && is_ws(s[ns]))
			ns++;
		while (ne > ns && is_ws(s[ne - 1]))
			ne--;
		if (kind != K_COMMENT && kind != K_DELIM && ne == ns) {
			err_set(e, 500, "template_syntax", NULL, "第 %zu 行：标签缺少名称", line_of(s, tstart));
			return -1;
		}
		struct tok *k = tok_push(t);
		k->kind = kind;
		k->start = tstart;
		k->end = (size_t)(close - s) + close_len;
		k->nstart = ns;
		k->nend = ne;
		pos = k->end;

		if (kind == K_DELIM) {
			/* Two whitespace-separated delimiters, neither containing '='. */
			size_t a = ns, b = ns;
			while (b < ne && !is_ws(s[b]))
				b++;
			size_t c = b;
			while (c < ne && is_ws(s[c]))
				c++;
			size_t d = c;
			while (d < ne && !is_ws(s[d]))
				d++;
			if (b == a || d == c || d != ne || b - a >= MAX_DELIM || d - c >= MAX_DELIM ||
			    memchr(s + a, '=', b - a) || memchr(s + c, '=', d - c)) {
				err_set(e, 500, "template_syntax", NULL, "第 %zu 行：分隔符设置无效",
					line_of(s, tstart));
				return -1;
			}
			ol = b - a;
			memcpy(otag, s + a, ol);
			otag[ol] = '\0';
			cl = d - c;
			memcpy(ctag, s + c, cl);
			ctag[cl] = '\0';
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- structure */

static int name_eq(const char *s, const struct tok *a, const struct tok *b)
{
	return a->nend - a->nstart == b->nend - b->nstart &&
	       memcmp(s + a->nstart, s + b->nstart, a->nend - a->nstart) == 0;
}

static int pair_closers(const char *s, struct toks *t, struct err *e)
{
	int *stack = xmalloc((t->n + 1) * sizeof *stack);
	int depth = 0, rc = 0;
	for (size_t i = 0; i < t->n; i++) {
		struct tok *k = &t->v[i];
		if (k->kind == K_SECTION || k->kind == K_INVERTED || k->kind == K_BLOCK || k->kind == K_PARENT) {
			stack[depth++] = (int)i;
		} else if (k->kind == K_CLOSE) {
			if (depth == 0 || !name_eq(s, &t->v[stack[depth - 1]], k)) {
				err_set(e, 500, "template_syntax", NULL, "第 %zu 行：结束标签 %.*s 没有对应的开始标签",
					line_of(s, k->start), (int)(k->nend - k->nstart), s + k->nstart);
				rc = -1;
				break;
			}
			k->opener = stack[--depth];
		}
	}
	if (rc == 0 && depth > 0) {
		struct tok *k = &t->v[stack[depth - 1]];
		err_set(e, 500, "template_syntax", NULL, "第 %zu 行：区块 %.*s 没有结束标签", line_of(s, k->start),
			(int)(k->nend - k->nstart), s + k->nstart);
		rc = -1;
	}
	free(stack);
	return rc;
}

static int can_stand_alone(enum kind k)
{
	return k != K_TEXT && k != K_VAR && k != K_RAW;
}

/* Whitespace only, optionally ending in "\n" or "\r\n". */
static int text_blank(const char *s, const struct tok *k)
{
	for (size_t i = k->start; i < k->end; i++) {
		char c = s[i];
		if (is_ws(c))
			continue;
		if (c == '\n' && i + 1 == k->end)
			continue;
		if (c == '\r' && i + 2 == k->end && s[i + 1] == '\n')
			continue;
		return 0;
	}
	return 1;
}

/*
 * Two tags that may share a line and still be standalone: an empty parent or block, a parent
 * opening straight into its first block, and a last block closing straight into its parent.
 */
static int is_pair(const struct toks *t, size_t a, size_t b)
{
	const struct tok *x = &t->v[a], *y = &t->v[b];
	if (b != a + 1)
		return 0;
	if ((x->kind == K_PARENT || x->kind == K_BLOCK) && y->kind == K_CLOSE && y->opener == (int)a)
		return 1;
	if (x->kind == K_PARENT && y->kind == K_BLOCK)
		return 1;
	if (x->kind == K_CLOSE && y->kind == K_CLOSE && t->v[x->opener].kind == K_BLOCK &&
	    t->v[y->opener].kind == K_PARENT)
		return 1;
	return 0;
}

static void mark_standalone(const char *s, struct toks *t)
{
	size_t i = 0;
	while (i < t->n) {
		size_t first = i, last = i;
		while (last < t->n) {
			struct tok *k = &t->v[last];
			if (k->kind == K_TEXT && s[k->end - 1] == '\n')
				break;
			last++;
		}
		if (last == t->n)
			last = t->n - 1;
		i = last + 1;

		size_t tags[3], ntags = 0;
		int blank = 1;
		for (size_t j = first; j <= last; j++) {
			struct tok *k = &t->v[j];
			if (k->kind == K_TEXT)
				blank &= text_blank(s, k);
			else if (ntags < 3)
				tags[ntags++] = j;
			else
				ntags++;
		}
		if (!blank || ntags == 0 || ntags > 2)
			continue;
		int keep_newline = 0;
		if (ntags == 1) {
			if (!can_stand_alone(t->v[tags[0]].kind))
				continue;
		} else {
			if (!is_pair(t, tags[0], tags[1]))
				continue;
			/* An empty block on its own line keeps the line ending (spec: standalone block). */
			keep_newline = t->v[tags[0]].kind == K_BLOCK;
		}
		size_t lead_from = t->v[first].kind == K_TEXT ? t->v[first].start : t->v[tags[0]].start;
		for (size_t j = 0; j < ntags; j++) {
			struct tok *k = &t->v[tags[j]];
			k->standalone = 1;
			k->ind_start = lead_from;
			k->ind_len = t->v[tags[0]].start - lead_from;
		}
		for (size_t j = first; j <= last; j++) {
			struct tok *k = &t->v[j];
			if (k->kind != K_TEXT)
				continue;
			if (keep_newline && j > tags[ntags - 1]) {
				size_t nl = k->end;
				while (nl > k->start && (s[nl - 1] == '\n' || s[nl - 1] == '\r'))
					nl--;
				k->start = nl;
			} else {
				k->start = k->end;
			}
		}
	}
}

/* ---------------------------------------------------------------- tree */

struct builder {
	const char *s;
	size_t n;
	struct toks *t;
};

static void node_free(struct node *nd)
{
	for (size_t i = 0; i < nd->nkids; i++)
		node_free(&nd->kids[i]);
	free(nd->kids);
	free(nd->text);
	for (int i = 0; i < nd->nparts; i++)
		free(nd->parts[i]);
	free(nd->parts);
	free(nd->indent);
}

static struct node *kid_push(struct node *parent, size_t *cap)
{
	if (parent->nkids == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		parent->kids = xrealloc(parent->kids, *cap * sizeof *parent->kids);
	}
	struct node *nd = &parent->kids[parent->nkids++];
	memset(nd, 0, sizeof *nd);
	return nd;
}

static void set_name(struct node *nd, const char *s, size_t from, size_t to)
{
	nd->text = xstrndup(s + from, to - from);
	nd->len = to - from;
	if (strcmp(nd->text, ".") == 0)
		return;
	nd->nparts = 1;
	for (size_t i = 0; i < nd->len; i++)
		nd->nparts += nd->text[i] == '.';
	nd->parts = xcalloc((size_t)nd->nparts, sizeof *nd->parts);
	const char *p = nd->text;
	for (int i = 0; i < nd->nparts; i++) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		nd->parts[i] = xstrndup(p, l);
		if (i == 0)
			nd->len0 = l;
		p += l + 1;
	}
}

/* Indentation of a standalone tag, less what the enclosing dedent already removes. */
static char *rel_indent(const char *s, size_t from, size_t len, size_t strip)
{
	size_t skip = strip < len ? strip : len;
	return xstrndup(s + from + skip, len - skip);
}

/*
 * The common leading whitespace of the non-blank lines in s[from, to): how far a standalone
 * block's content is indented where it is written (it is removed there and the indentation
 * of the place of expansion added instead).
 */
static size_t common_indent(const char *s, size_t from, size_t to, size_t *prefix_at)
{
	size_t best = (size_t)-1, at = from;
	size_t i = from;
	while (i < to) {
		size_t ls = i, w = i;
		while (w < to && is_ws(s[w]))
			w++;
		size_t le = w;
		while (le < to && s[le] != '\n')
			le++;
		int blank = 1;
		for (size_t j = w; j < le; j++)
			if (s[j] != '\r')
				blank = 0;
		if (!blank) {
			size_t ind = w - ls;
			if (best == (size_t)-1) {
				best = ind;
				at = ls;
			} else {
				size_t m = 0;
				while (m < best && m < ind && s[ls + m] == s[at + m])
					m++;
				best = m;
			}
		}
		i = le + 1;
	}
	*prefix_at = at;
	return best == (size_t)-1 ? 0 : best;
}

static size_t build(struct builder *b, size_t i, struct node *parent, size_t strip);

static size_t build_block(struct builder *b, size_t i, struct node *nd, size_t strip)
{
	const char *s = b->s;
	struct tok *open = &b->t->v[i];
	/* Find the closing tag first: the content range decides the dedent. */
	size_t close = i + 1;
	while (b->t->v[close].opener != (int)i)
		close++;
	struct tok *cl = &b->t->v[close];
	size_t inner_strip = strip;
	if (open->standalone) {
		size_t from = open->end, to = cl->start;
		while (from < b->n && is_ws(s[from]))
			from++;
		if (from < b->n && s[from] == '\r')
			from++;
		if (from < b->n && s[from] == '\n')
			from++;
		if (cl->standalone)
			to = cl->ind_start;
		size_t at = from, dedent = 0;
		if (from < to)
			dedent = common_indent(s, from, to, &at);
		if (dedent > 0)
			nd->indent = rel_indent(s, at, dedent, strip);
		else
			nd->indent = rel_indent(s, open->ind_start, open->ind_len, strip);
		inner_strip = dedent;
	}
	return build(b, i + 1, nd, inner_strip);
}

/* Builds parent's children from token i up to the closing tag of parent; returns the index after it. */
static size_t build(struct builder *b, size_t i, struct node *parent, size_t strip)
{
	const char *s = b->s;
	size_t cap = 0;
	while (i < b->t->n) {
		struct tok *k = &b->t->v[i];
		struct node *nd;
		switch (k->kind) {
		case K_CLOSE:
			return i + 1;
		case K_COMMENT:
		case K_DELIM:
			i++;
			break;
		case K_TEXT: {
			size_t from = k->start;
			if (strip && from == k->orig_start && (from == 0 || s[from - 1] == '\n')) {
				size_t lim = from + strip;
				while (from < k->end && from < lim && is_ws(s[from]))
					from++;
			}
			if (from < k->end && parent->nkids && parent->kids[parent->nkids - 1].kind == K_TEXT) {
				/* Lines were split for the standalone pass; written out, they are one run. */
				nd = &parent->kids[parent->nkids - 1];
				size_t add = k->end - from;
				nd->text = xrealloc(nd->text, nd->len + add + 1);
				memcpy(nd->text + nd->len, s + from, add);
				nd->len += add;
				nd->text[nd->len] = '\0';
			} else if (from < k->end) {
				nd = kid_push(parent, &cap);
				nd->kind = K_TEXT;
				nd->text = xstrndup(s + from, k->end - from);
				nd->len = k->end - from;
			}
			i++;
			break;
		}
		case K_VAR:
		case K_RAW:
			nd = kid_push(parent, &cap);
			nd->kind = k->kind;
			set_name(nd, s, k->nstart, k->nend);
			i++;
			break;
		case K_PARTIAL:
			nd = kid_push(parent, &cap);
			nd->kind = K_PARTIAL;
			set_name(nd, s, k->nstart, k->nend);
			if (k->standalone)
				nd->indent = rel_indent(s, k->ind_start, k->ind_len, strip);
			i++;
			break;
		case K_SECTION:
		case K_INVERTED:
		case K_PARENT: {
			enum kind kind = k->kind;
			nd = kid_push(parent, &cap);
			nd->kind = kind;
			set_name(nd, s, k->nstart, k->nend);
			if (kind == K_PARENT && k->standalone)
				nd->indent = rel_indent(s, k->ind_start, k->ind_len, strip);
			/* kid_push may move parent->kids: build into a local node, then copy in. */
			struct node tmp = *nd;
			size_t idx = parent->nkids - 1;
			i = build(b, i + 1, &tmp, strip);
			parent->kids[idx] = tmp;
			break;
		}
		case K_BLOCK: {
			nd = kid_push(parent, &cap);
			nd->kind = K_BLOCK;
			set_name(nd, s, k->nstart, k->nend);
			struct node tmp = *nd;
			size_t idx = parent->nkids - 1;
			i = build_block(b, i, &tmp, strip);
			parent->kids[idx] = tmp;
			break;
		}
		}
	}
	return i;
}

/* ---------------------------------------------------------------- set */

struct tmpl_set *tmpl_set_new(void)
{
	struct tmpl_set *set = xcalloc(1, sizeof(struct tmpl_set));
	set->budget = RENDER_BUDGET;
	return set;
}

void tmpl_set_budget(struct tmpl_set *set, long nodes)
{
	set->budget = nodes > 0 ? nodes : RENDER_BUDGET;
}

static void tmpl_free(struct tmpl *t)
{
	node_free(&t->root);
	free(t->name);
	free(t->src);
	free(t);
}

void tmpl_set_free(struct tmpl_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		tmpl_free(set->v[i]);
	free(set->v);
	free(set);
}

static struct tmpl *set_find(const struct tmpl_set *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->v[i]->name, name) == 0)
			return set->v[i];
	return NULL;
}

int tmpl_set_has(const struct tmpl_set *set, const char *name)
{
	return set_find(set, name) != NULL;
}

int tmpl_set_add(struct tmpl_set *set, const char *name, const char *src, size_t len, struct err *e)
{
	struct toks t = { 0 };
	struct tmpl *tp = xcalloc(1, sizeof *tp);
	tp->name = xstrdup(name);
	tp->src = xstrndup(src, len);
	if (tokenize(tp->src, len, &t, e) != 0 || pair_closers(tp->src, &t, e) != 0) {
		free(t.v);
		tmpl_free(tp);
		return -1;
	}
	mark_standalone(tp->src, &t);
	struct builder b = { tp->src, len, &t };
	build(&b, 0, &tp->root, 0);
	free(t.v);

	for (size_t i = 0; i < set->n; i++) {
		if (strcmp(set->v[i]->name, name) == 0) {
			tmpl_free(set->v[i]);
			set->v[i] = tp;
			return 0;
		}
	}
	if (set->n == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 16;
		set->v = xrealloc(set->v, set->cap * sizeof *set->v);
	}
	set->v[set->n++] = tp;
	return 0;
}

static int load_dir(struct tmpl_set *set, const char *dir, const char *prefix, struct err *e)
{
	DIR *d = opendir(dir);
	if (!d) {
		err_set(e, 500, "template_dir", NULL, "无法打开模板目录 %s", dir);
		return -1;
	}
	int count = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char path[4096], name[1024];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		struct stat st;
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			snprintf(name, sizeof name, "%s%s/", prefix, de->d_name);
			int c = load_dir(set, path, name, e);
			if (c < 0) {
				count = -1;
				break;
			}
			count += c;
			continue;
		}
		size_t l = strlen(de->d_name);
		static const char ext[] = ".mustache";
		if (l <= sizeof ext - 1 || strcmp(de->d_name + l - (sizeof ext - 1), ext) != 0)
			continue;
		snprintf(name, sizeof name, "%s%.*s", prefix, (int)(l - (sizeof ext - 1)), de->d_name);
		size_t len;
		char *src = read_file(path, &len);
		if (!src) {
			err_set(e, 500, "template_read", NULL, "无法读取模板 %s", path);
			count = -1;
			break;
		}
		int rc = tmpl_set_add(set, name, src, len, e);
		free(src);
		if (rc != 0) {
			char msg[sizeof e->message];
			snprintf(msg, sizeof msg, "%s", e->message);
			err_set(e, 500, "template_syntax", NULL, "模板 %s：%s", name, msg);
			count = -1;
			break;
		}
		count++;
	}
	closedir(d);
	return count;
}

int tmpl_set_load_dir(struct tmpl_set *set, const char *dir, struct err *e)
{
	return load_dir(set, dir, "", e);
}

/* ---------------------------------------------------------------- tables */

#define TABLE_CHUNK 8192

struct tmpl_chunk {
	struct tmpl_chunk *next;
	size_t used, cap;
	char data[];
};

void tmpl_table_init(struct tmpl_table *t, const char *const *keys, int nkeys)
{
	*t = (struct tmpl_table){ .keys = keys, .nkeys = nkeys };
}

void tmpl_table_row(struct tmpl_table *t)
{
	if (t->nrows == t->caprows) {
		t->caprows = t->caprows ? t->caprows * 2 : 64;
		t->cells = xrealloc(t->cells, t->caprows * (size_t)t->nkeys * sizeof *t->cells);
	}
	memset(t->cells + t->nrows * (size_t)t->nkeys, 0, (size_t)t->nkeys * sizeof *t->cells);
	t->nrows++;
}

void tmpl_table_setn(struct tmpl_table *t, int col, const char *s, size_t n)
{
	if (!t->nrows || col < 0 || col >= t->nkeys || !s)
		return;
	struct tmpl_chunk *c = t->mem;
	if (!c || c->cap - c->used < n + 1) {
		size_t cap = n + 1 > TABLE_CHUNK ? n + 1 : TABLE_CHUNK;
		c = xmalloc(sizeof *c + cap);
		c->next = t->mem;
		c->used = 0;
		c->cap = cap;
		t->mem = c;
	}
	char *p = c->data + c->used;
	memcpy(p, s, n);
	p[n] = '\0';
	c->used += n + 1;
	t->cells[(t->nrows - 1) * (size_t)t->nkeys + (size_t)col] = (struct tmpl_cell){ p, n };
}

void tmpl_table_set(struct tmpl_table *t, int col, const char *s)
{
	if (s)
		tmpl_table_setn(t, col, s, strlen(s));
}

void tmpl_table_setf(struct tmpl_table *t, int col, const char *fmt, ...)
{
	char small[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		tmpl_table_setn(t, col, small, (size_t)n);
		return;
	}
	char *big = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	tmpl_table_setn(t, col, big, (size_t)n);
	free(big);
}

void tmpl_table_set_int(struct tmpl_table *t, int col, long long v)
{
	char digits[INT_TEXT];
	size_t n;
	const char *s = int_text(v, digits, &n);
	tmpl_table_setn(t, col, s, n);
}

void tmpl_table_reverse(struct tmpl_table *t)
{
	size_t k = (size_t)t->nkeys;
	for (size_t a = 0, b = t->nrows ? t->nrows - 1 : 0; a < b; a++, b--) {
		for (size_t c = 0; c < k; c++) {
			struct tmpl_cell x = t->cells[a * k + c];
			t->cells[a * k + c] = t->cells[b * k + c];
			t->cells[b * k + c] = x;
		}
	}
}

void tmpl_table_free(struct tmpl_table *t)
{
	for (struct tmpl_chunk *c = t->mem, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	free(t->cells);
	*t = (struct tmpl_table){ 0 };
}

/* ---------------------------------------------------------------- rendering */

struct override {
	const char *name;
	const struct node *block;
};

struct overrides {
	const struct override *v;
	size_t n;
};

/* What the context stack holds: a JSON value, a table's row, or a cell a section stands on. */
enum frame_kind { F_JSON, F_ROW, F_CELL };
struct frame {
	enum frame_kind kind;
	json_t *j;
	const struct tmpl_table *t;
	size_t row;
	struct tmpl_cell cell;
};

/* What a name resolves to. */
enum val_kind { V_NONE, V_JSON, V_TABLE, V_ROW, V_CELL };
struct val {
	enum val_kind kind;
	json_t *j;
	const struct tmpl_table *t;
	size_t row; /* V_ROW: which row of t */
	struct tmpl_cell cell;
};

/*
 * Where a name was found in a table's row, by node, table keys and how the name was reached
 * (on the stack, or through a binding): a list page looks up the same fifteen names in fifty
 * rows, a ticket page the same fifty names on every page. Each thread keeps its entries from
 * render to render. A column found in an earlier render (gen) is used again once the key
 * there is seen to be the name still; a name not found counts only in the render that looked.
 */
#define COLUMN_MEMO 512
struct column_memo {
	const struct node *nd;
	const char *const *keys;
	const char *key; /* keys[col] when found: the same string again needs no comparing */
	unsigned gen;
	int bound;
	int col;
};
static _Thread_local struct column_memo column_memos[COLUMN_MEMO];
static _Thread_local unsigned column_gen;

struct render {
	const struct tmpl_set *set;
	struct buf *out;
	unsigned gen; /* of this render's column_memos */
	struct frame stack[MAX_STACK];
	int depth;
	const struct tmpl_binding *bindings;
	int nbindings;
	size_t binding_lens[TMPL_MAX_BINDINGS]; /* of each binding's name */
	int has_root; /* frame 0 is the context the render began with */
	int at_line_start;
	int nesting;
	long budget;
	int stopped; /* a limit cut the render short */
};

static void render_nodes(struct render *r, const struct node *nodes, size_t n, const char *indent,
			 struct overrides ov);

/*
 * The column of a row holding the name: its index, -1 if the row has nothing of that name
 * (look further down the stack), -2 if the row owns the name's first part ("names" of
 * "names.unit") but not the rest (the name is then missing, as in a JSON object).
 */
static int row_column(const struct tmpl_table *t, const struct node *nd)
{
	size_t first = nd->len0;
	int owned = 0;
	for (int k = 0; k < t->nkeys; k++) {
		const char *key = t->keys[k];
		if (strcmp(key, nd->text) == 0)
			return k;
		if (strncmp(key, nd->parts[0], first) == 0 && (key[first] == '.' || key[first] == '\0'))
			owned = 1;
	}
	return owned ? -2 : -1;
}

static struct val json_val(json_t *j)
{
	return j ? (struct val){ .kind = V_JSON, .j = j } : (struct val){ .kind = V_NONE };
}

/* Past the first part of a name found in JSON: a number indexes an array ({{#items.0}}). */
static json_t *json_rest(json_t *v, const struct node *nd)
{
	for (int p = 1; v && p < nd->nparts; p++) {
		const char *part = nd->parts[p];
		if (json_is_object(v)) {
			v = json_object_get(v, part);
		} else if (json_is_array(v) && part[0] >= '0' && part[0] <= '9') {
			char *end;
			unsigned long idx = strtoul(part, &end, 10);
			v = *end ? NULL : json_array_get(v, idx);
		} else {
			v = NULL;
		}
	}
	return v;
}

#define COLUMN_UNKNOWN (-3)

/* The memo entry for name (a key of t) at node nd; its col is COLUMN_UNKNOWN when not known. */
static struct column_memo *column_memo(struct render *r, const struct node *nd, const struct tmpl_table *t, int bound,
				       const char *name)
{
	struct column_memo *m = &column_memos[((uintptr_t)nd / sizeof *nd) % COLUMN_MEMO];
	if (m->nd == nd && m->keys == t->keys && m->bound == bound &&
	    (m->gen == r->gen ||
	     (m->col >= 0 && m->col < t->nkeys && (t->keys[m->col] == m->key || strcmp(t->keys[m->col], name) == 0)))) {
		m->gen = r->gen;
		return m;
	}
	*m = (struct column_memo){ nd, t->keys, NULL, r->gen, bound, COLUMN_UNKNOWN };
	return m;
}

/*
 * A name that starts with a bound table's name: the table; "name.N" its row N (as
 * "items.0" is an array's first item); with `one`, "name" is its first row and "name.key" that
 * row's cell. Past the row, the rest of the name is one key of the row ("t.names.unit" is the
 * cell "names.unit").
 */
static struct val bound_val(struct render *r, const struct node *nd, const struct tmpl_binding *b)
{
	const struct tmpl_table *t = b->table;
	size_t row = 0, skip = nd->len0;
	int part = 1;
	if (!b->one) {
		if (nd->nparts == 1)
			return (struct val){ .kind = V_TABLE, .t = t };
		const char *idx = nd->parts[1];
		char *end;
		if (idx[0] < '0' || idx[0] > '9')
			return (struct val){ .kind = V_NONE };
		row = strtoul(idx, &end, 10);
		if (*end)
			return (struct val){ .kind = V_NONE };
		skip += 1 + strlen(idx);
		part = 2;
	}
	if (row >= t->nrows)
		return (struct val){ .kind = V_NONE };
	if (part == nd->nparts)
		return (struct val){ .kind = V_ROW, .t = t, .row = row };
	const char *rest = nd->text + skip + 1;
	struct column_memo *m = column_memo(r, nd, t, 1, rest);
	if (m->col == COLUMN_UNKNOWN) {
		m->col = -1;
		for (int k = 0; k < t->nkeys; k++)
			if (strcmp(t->keys[k], rest) == 0) {
				m->col = k;
				m->key = t->keys[k];
				break;
			}
	}
	if (m->col < 0)
		return (struct val){ .kind = V_NONE };
	return (struct val){ .kind = V_CELL, .cell = t->cells[row * (size_t)t->nkeys + (size_t)m->col] };
}

static const struct tmpl_binding *binding_of(const struct render *r, const struct node *nd)
{
	const char *name = nd->parts[0];
	for (int b = 0; b < r->nbindings; b++)
		if (r->binding_lens[b] == nd->len0 && memcmp(r->bindings[b].name, name, nd->len0) == 0)
			return &r->bindings[b];
	return NULL;
}

static struct val lookup(struct render *r, const struct node *nd)
{
	const struct tmpl_binding *b;
	if (!nd->parts) {
		const struct frame *top = r->depth ? &r->stack[r->depth - 1] : NULL;
		if (top && top->kind == F_JSON)
			return json_val(top->j);
		if (top && top->kind == F_CELL)
			return (struct val){ .kind = V_CELL, .cell = top->cell };
		return (struct val){ .kind = V_NONE };
	}
	/* Frames that sections put on the stack, then the bindings, then the context's own keys
	 * (frame 0): a page's tables are found without first missing in its context object. */
	for (int i = r->depth - 1; i >= 0; i--) {
		if (i == 0 && r->has_root && (b = binding_of(r, nd)) != NULL)
			return bound_val(r, nd, b);
		const struct frame *f = &r->stack[i];
		if (f->kind == F_JSON) {
			json_t *v;
			if (json_is_object(f->j) && (v = json_object_get(f->j, nd->parts[0])) != NULL)
				return json_val(json_rest(v, nd));
		} else if (f->kind == F_ROW) {
			struct column_memo *m = column_memo(r, nd, f->t, 0, nd->text);
			if (m->col == COLUMN_UNKNOWN) {
				m->col = row_column(f->t, nd);
				m->key = m->col >= 0 ? f->t->keys[m->col] : NULL;
			}
			int c = m->col;
			if (c >= 0)
				return (struct val){ .kind = V_CELL,
						     .cell = f->t->cells[f->row * (size_t)f->t->nkeys + (size_t)c] };
			if (c == -2)
				return (struct val){ .kind = V_NONE };
		}
	}
	if (!r->has_root && (b = binding_of(r, nd)) != NULL)
		return bound_val(r, nd, b);
	return (struct val){ .kind = V_NONE };
}

static int truthy(struct val v)
{
	switch (v.kind) {
	case V_TABLE:
		return v.t->nrows > 0;
	case V_ROW:
		return 1;
	case V_CELL:
		return v.cell.s && v.cell.len > 0;
	case V_NONE:
		return 0;
	case V_JSON:
		break;
	}
	json_t *j = v.j;
	if (json_is_null(j) || json_is_false(j))
		return 0;
	if (json_is_array(j))
		return json_array_size(j) > 0;
	if (json_is_string(j))
		return json_string_length(j) > 0;
	if (json_is_integer(j))
		return json_integer_value(j) != 0;
	if (json_is_real(j))
		return json_real_value(j) != 0.0;
	return 1;
}

/*
 * The value as text: strings as they are, numbers in their shortest exact form, true and
 * false. Returns the text and sets *len; num is room for a number. NULL for other values.
 */
static const char *value_text(struct val v, char num[64], size_t *len)
{
	if (v.kind == V_CELL) {
		*len = v.cell.len;
		return v.cell.s;
	}
	if (v.kind != V_JSON)
		return NULL;
	switch (json_typeof(v.j)) {
	case JSON_STRING:
		*len = json_string_length(v.j);
		return json_string_value(v.j);
	case JSON_INTEGER:
		*len = (size_t)snprintf(num, 64, "%" JSON_INTEGER_FORMAT, json_integer_value(v.j));
		return num;
	case JSON_REAL: {
		double d = json_real_value(v.j);
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(num, 64, "%.*g", prec, d);
			if (strtod(num, NULL) == d)
				break;
		}
		*len = strlen(num);
		return num;
	}
	case JSON_TRUE:
		*len = 4;
		return "true";
	case JSON_FALSE:
		*len = 5;
		return "false";
	default:
		return NULL;
	}
}

static void pending_indent(struct render *r, const char *indent)
{
	if (r->at_line_start && indent && *indent)
		buf_puts(r->out, indent);
	r->at_line_start = 0;
}

static void emit_text(struct render *r, const char *indent, const char *s, size_t n)
{
	if (!indent || !*indent) {
		/* Nothing to add at line starts: the text goes out whole. */
		if (n) {
			buf_append(r->out, s, n);
			r->at_line_start = s[n - 1] == '\n';
		}
		return;
	}
	size_t i = 0;
	while (i < n) {
		const char *nl = memchr(s + i, '\n', n - i);
		size_t end = nl ? (size_t)(nl - s) + 1 : n;
		int blank_line = s[i] == '\n' || (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n');
		if (!blank_line)
			pending_indent(r, indent);
		buf_append(r->out, s + i, end - i);
		r->at_line_start = nl != NULL;
		i = end;
	}
}

/* Returns 0 when the stack is full (data nested absurdly deep): the section is then skipped. */
static int push(struct render *r, struct frame f)
{
	if (r->depth >= MAX_STACK) {
		r->stopped = 1;
		return 0;
	}
	r->stack[r->depth++] = f;
	return 1;
}

static void pop(struct render *r)
{
	r->depth--;
}

static char *join_indent(const char *a, const char *b)
{
	size_t la = a ? strlen(a) : 0, lb = strlen(b);
	char *p = xmalloc(la + lb + 1);
	if (la)
		memcpy(p, a, la);
	memcpy(p + la, b, lb + 1);
	return p;
}

static void render_template(struct render *r, const struct tmpl *t, const struct node *nd, const char *indent,
			    struct overrides ov)
{
	if (r->nesting >= MAX_NESTING) {
		r->stopped = 1;
		return;
	}
	char *ind = NULL;
	if (nd->indent) {
		ind = join_indent(indent, nd->indent);
	} else {
		/* Inline: the current line's indentation is written now; the partial adds none. */
		pending_indent(r, indent);
	}
	r->nesting++;
	render_nodes(r, t->root.kids, t->root.nkids, ind ? ind : "", ov);
	r->nesting--;
	free(ind);
}

static void render_nodes(struct render *r, const struct node *nodes, size_t n, const char *indent,
			 struct overrides ov)
{
	for (size_t i = 0; i < n; i++) {
		const struct node *nd = &nodes[i];
		if (--r->budget < 0) {
			r->stopped = 1;
			return;
		}
		switch (nd->kind) {
		case K_TEXT:
			emit_text(r, indent, nd->text, nd->len);
			break;
		case K_VAR:
		case K_RAW: {
			struct val v = lookup(r, nd);
			pending_indent(r, indent);
			char num[64];
			size_t len = 0;
			const char *text = value_text(v, num, &len);
			if (!text)
				break;
			if (nd->kind == K_RAW)
				buf_append(r->out, text, len);
			else
				buf_html_escape(r->out, text, len);
			break;
		}
		case K_SECTION: {
			struct val v = lookup(r, nd);
			if (!truthy(v))
				break;
			if (v.kind == V_TABLE) {
				for (size_t row = 0; row < v.t->nrows; row++) {
					if (!push(r, (struct frame){ .kind = F_ROW, .t = v.t, .row = row }))
						break;
					render_nodes(r, nd->kids, nd->nkids, indent, ov);
					pop(r);
				}
			} else if (v.kind == V_ROW) {
				if (push(r, (struct frame){ .kind = F_ROW, .t = v.t, .row = v.row })) {
					render_nodes(r, nd->kids, nd->nkids, indent, ov);
					pop(r);
				}
			} else if (v.kind == V_CELL) {
				if (push(r, (struct frame){ .kind = F_CELL, .cell = v.cell })) {
					render_nodes(r, nd->kids, nd->nkids, indent, ov);
					pop(r);
				}
			} else if (json_is_array(v.j)) {
				size_t idx;
				json_t *item;
				json_array_foreach(v.j, idx, item)
				{
					if (!push(r, (struct frame){ .kind = F_JSON, .j = item }))
						break;
					render_nodes(r, nd->kids, nd->nkids, indent, ov);
					pop(r);
				}
			} else if (push(r, (struct frame){ .kind = F_JSON, .j = v.j })) {
				render_nodes(r, nd->kids, nd->nkids, indent, ov);
				pop(r);
			}
			break;
		}
		case K_INVERTED:
			if (!truthy(lookup(r, nd)))
				render_nodes(r, nd->kids, nd->nkids, indent, ov);
			break;
		case K_PARTIAL: {
			const struct tmpl *t = set_find(r->set, nd->text);
			if (t)
				render_template(r, t, nd, indent, ov);
			break;
		}
		case K_PARENT: {
			const struct tmpl *t = set_find(r->set, nd->text);
			if (!t)
				break;
			/* Blocks given by an outer template win over the ones given here. */
			size_t nb = 0;
			for (size_t k = 0; k < nd->nkids; k++)
				nb += nd->kids[k].kind == K_BLOCK;
			struct override *all = xmalloc((ov.n + nb + 1) * sizeof *all);
			if (ov.n)
				memcpy(all, ov.v, ov.n * sizeof *all);
			size_t m = ov.n;
			for (size_t k = 0; k < nd->nkids; k++)
				if (nd->kids[k].kind == K_BLOCK)
					all[m++] = (struct override){ nd->kids[k].text, &nd->kids[k] };
			render_template(r, t, nd, indent, (struct overrides){ all, m });
			free(all);
			break;
		}
		case K_BLOCK: {
			const struct node *content = nd;
			for (size_t k = 0; k < ov.n; k++) {
				if (strcmp(ov.v[k].name, nd->text) == 0) {
					content = ov.v[k].block;
					break;
				}
			}
			if (nd->indent) {
				char *ind = join_indent(indent, nd->indent);
				render_nodes(r, content->kids, content->nkids, ind, ov);
				free(ind);
			} else {
				render_nodes(r, content->kids, content->nkids, indent, ov);
			}
			break;
		}
		default:
			break;
		}
	}
}

int tmpl_render(const struct tmpl_set *set, const char *name, json_t *ctx, struct buf *out)
{
	return tmpl_render_with(set, name, ctx, NULL, 0, out);
}

int tmpl_render_with(const struct tmpl_set *set, const char *name, json_t *ctx, const struct tmpl_binding *b, int nb,
		     struct buf *out)
{
	const struct tmpl *t = set_find(set, name);
	if (!t)
		return -1;
	/* Set field by field: the context stack is written before it is read, and zeroing its
	 * 14 KB on every page cost more than some pages take to render. */
	struct render r;
	r.set = set;
	r.out = out;
	if (nb > TMPL_MAX_BINDINGS)
		nb = TMPL_MAX_BINDINGS;
	r.bindings = b;
	r.nbindings = nb;
	for (int i = 0; i < nb; i++)
		r.binding_lens[i] = strlen(b[i].name);
	r.depth = 0;
	r.at_line_start = 1;
	r.nesting = 0;
	r.budget = set->budget;
	r.stopped = 0;
	r.gen = ++column_gen;
	if (r.gen == 0) { /* after 2^32 renders: entries of generation 0 would count again */
		memset(column_memos, 0, sizeof column_memos);
		r.gen = ++column_gen;
	}
	r.has_root = ctx != NULL;
	if (ctx)
		push(&r, (struct frame){ .kind = F_JSON, .j = ctx });
	render_nodes(&r, t->root.kids, t->root.nkids, "", (struct overrides){ NULL, 0 });
	if (!out->data)
		buf_append(out, "", 0);
	return r.stopped ? -2 : 0;
}
