/*
 * kept.c — the per-thread pieces of pages (see kept.h). An entry holds a copy of its key's
 * strings; a lookup compares the key's hash first, so most entries are passed over without
 * comparing any text.
 */
#include "kept.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define KEPT_SLOTS 48

struct entry {
	unsigned long long hash;
	struct kept_key key; /* its strings are the entry's own copies */
	json_t *v;
};

struct kept {
	int next;
	struct entry e[KEPT_SLOTS];
};

static pthread_key_t kept_tls;
static pthread_once_t kept_once = PTHREAD_ONCE_INIT;

static void entry_clear(struct entry *en)
{
	for (int i = 0; i < KEPT_STRINGS; i++)
		free((char *)en->key.s[i]);
	json_decref(en->v);
	memset(en, 0, sizeof *en);
}

static void kept_free(void *p)
{
	struct kept *k = p;
	for (int i = 0; i < KEPT_SLOTS; i++)
		entry_clear(&k->e[i]);
	free(k);
}

static void kept_tls_make(void)
{
	pthread_key_create(&kept_tls, kept_free);
}

static struct kept *kept(void)
{
	pthread_once(&kept_once, kept_tls_make);
	struct kept *k = pthread_getspecific(kept_tls);
	if (!k) {
		k = xcalloc(1, sizeof *k);
		pthread_setspecific(kept_tls, k);
	}
	return k;
}

/* FNV-1a over the key's fields, each string with its terminator so "ab"+"c" ≠ "a"+"bc". */
static unsigned long long key_hash(const struct kept_key *key)
{
	unsigned long long h = 1469598103934665603ULL;
#define MIX(byte) (h = (h ^ (unsigned char)(byte)) * 1099511628211ULL)
	const unsigned char *raw = (const unsigned char *)&key->kind;
	for (size_t i = 0; i < sizeof key->kind; i++)
		MIX(raw[i]);
	raw = (const unsigned char *)key->n;
	for (size_t i = 0; i < sizeof key->n; i++)
		MIX(raw[i]);
	raw = (const unsigned char *)&key->p;
	for (size_t i = 0; i < sizeof key->p; i++)
		MIX(raw[i]);
	for (int i = 0; i < KEPT_STRINGS; i++) {
		for (const char *c = key->s[i] ? key->s[i] : ""; *c; c++)
			MIX(*c);
		MIX(0);
	}
#undef MIX
	return h;
}

static int same_text(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static int same_key(const struct kept_key *a, const struct kept_key *b)
{
	if (a->kind != b->kind || a->p != b->p || memcmp(a->n, b->n, sizeof a->n) != 0)
		return 0;
	for (int i = 0; i < KEPT_STRINGS; i++)
		if (!same_text(a->s[i], b->s[i]))
			return 0;
	return 1;
}

json_t *kept_get(const struct kept_key *key)
{
	struct kept *k = kept();
	unsigned long long h = key_hash(key);
	for (int i = 0; i < KEPT_SLOTS; i++)
		if (k->e[i].v && k->e[i].hash == h && same_key(&k->e[i].key, key))
			return json_incref(k->e[i].v);
	return NULL;
}

json_t *kept_put(const struct kept_key *key, json_t *v)
{
	struct kept *k = kept();
	struct entry *en = &k->e[k->next];
	k->next = (k->next + 1) % KEPT_SLOTS;
	entry_clear(en);
	en->key = *key;
	for (int i = 0; i < KEPT_STRINGS; i++)
		en->key.s[i] = key->s[i] ? xstrdup(key->s[i]) : NULL;
	en->hash = key_hash(key);
	en->v = json_incref(v);
	return v;
}
