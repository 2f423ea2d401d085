/*
 * test_tmpl.c — the template engine against every case of the official Mustache spec
 * (../shared/mustache-spec, lambdas excluded as agreed), plus our own rules: escaping of
 * quotes, loading a directory, syntax errors reported with a line, and a page layout
 * shared through inheritance.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "tmpl.h"

static int spec_passed, spec_failed;

static void run_spec_file(const char *path)
{
	json_error_t jerr;
	json_t *doc = json_load_file(path, 0, &jerr);
	if (!doc) {
		fprintf(stderr, "cannot read %s: %s\n", path, jerr.text);
		spec_failed++;
		return;
	}
	size_t i;
	json_t *tc;
	json_array_foreach(json_object_get(doc, "tests"), i, tc)
	{
		struct tmpl_set *set = tmpl_set_new();
		struct err e = { 0 };
		const char *name;
		json_t *src;
		int ok = 1;
		json_object_foreach(json_object_get(tc, "partials"), name, src)
		{
			if (tmpl_set_add(set, name, json_string_value(src), json_string_length(src), &e) != 0)
				ok = 0;
		}
		json_t *tpl = json_object_get(tc, "template");
		if (tmpl_set_add(set, "\x01main", json_string_value(tpl), json_string_length(tpl), &e) != 0)
			ok = 0;
		struct buf out;
		buf_init(&out);
		if (ok)
			tmpl_render(set, "\x01main", json_object_get(tc, "data"), &out);
		const char *want = json_string_value(json_object_get(tc, "expected"));
		if (ok && out.data && strcmp(out.data, want) == 0) {
			spec_passed++;
		} else {
			spec_failed++;
			fprintf(stderr, "FAIL %s / %s\n  got:  %s\n  want: %s\n  (%s)\n", path,
				json_string_value(json_object_get(tc, "name")), out.data ? out.data : "(error)", want,
				ok ? "" : e.message);
		}
		buf_free(&out);
		tmpl_set_free(set);
	}
	json_decref(doc);
}

static char *render(const char *tpl, const char *json)
{
	struct tmpl_set *set = tmpl_set_new();
	struct err e = { 0 };
	json_t *ctx = json ? json_loads(json, 0, NULL) : NULL;
	struct buf out;
	buf_init(&out);
	if (tmpl_set_add(set, "t", tpl, strlen(tpl), &e) == 0)
		tmpl_render(set, "t", ctx, &out);
	json_decref(ctx);
	tmpl_set_free(set);
	return buf_take(&out);
}

static void test_own_rules(void)
{
	char *s = render("<a title=\"{{t}}\">{{t}}</a>{{{t}}}", "{\"t\":\"'\\\"<x>&\"}");
	CHECK_STR(s, "<a title=\"&#39;&quot;&lt;x&gt;&amp;\">&#39;&quot;&lt;x&gt;&amp;</a>'\"<x>&");
	free(s);

	/* Zero and the empty string count as false: {{#count}} hides an empty badge. */
	s = render("{{#n}}yes{{/n}}{{^n}}no{{/n}}|{{#s}}yes{{/s}}{{^s}}no{{/s}}", "{\"n\":0,\"s\":\"\"}");
	CHECK_STR(s, "no|no");
	free(s);

	s = render("{{#list.0}}first: {{list.0.name}}{{/list.0}}{{^list.5}}, no sixth{{/list.5}}{{list.x}}",
		   "{\"list\":[{\"name\":\"高新区\"}]}");
	CHECK_STR(s, "first: 高新区, no sixth");
	free(s);

	s = render("{{#list}}{{name}}，{{/list}}", "{\"list\":[{\"name\":\"高新区\"},{\"name\":\"兴仁街道\"}]}");
	CHECK_STR(s, "高新区，兴仁街道，");
	free(s);

	struct tmpl_set *set = tmpl_set_new();
	struct err e = { 0 };
	CHECK(tmpl_set_add(set, "bad", "line one\n{{#open}}never closed", 29, &e) == -1);
	CHECK(strstr(e.message, "第 2 行") != NULL);
	CHECK(tmpl_set_add(set, "bad2", "{{/stray}}", 10, &e) == -1);
	CHECK(tmpl_set_add(set, "bad3", "{{unclosed", 10, &e) == -1);
	CHECK(tmpl_set_add(set, "bad4", "{{= a =}}", 9, &e) == -1);
	CHECK(!tmpl_set_has(set, "bad"));

	/* A page layout through inheritance, as every page of the application uses it. */
	const char *layout = "<title>{{$title}}满意台账{{/title}}</title>\n<main>\n  {{$content}}\n  {{/content}}\n</main>\n";
	const char *page = "{{<layout}}\n{{$title}}待办 · 满意台账{{/title}}\n{{$content}}\n<p>{{msg}}</p>\n{{/content}}\n{{/layout}}\n";
	CHECK(tmpl_set_add(set, "layout", layout, strlen(layout), &e) == 0);
	CHECK(tmpl_set_add(set, "page", page, strlen(page), &e) == 0);
	json_t *ctx = json_pack("{s:s}", "msg", "<b>");
	struct buf out;
	buf_init(&out);
	CHECK(tmpl_render(set, "page", ctx, &out) == 0);
	CHECK_STR(out.data, "<title>待办 · 满意台账</title>\n<main>\n  <p>&lt;b&gt;</p>\n</main>\n");
	buf_free(&out);
	CHECK(tmpl_render(set, "missing", ctx, &out) == -1);
	buf_free(&out);
	json_decref(ctx);
	tmpl_set_free(set);

	/* Absurdly deep data does not overflow the context stack. */
	struct buf deep_t, deep_j;
	buf_init(&deep_t);
	buf_init(&deep_j);
	for (int i = 0; i < 300; i++)
		buf_puts(&deep_t, "{{#a}}");
	buf_puts(&deep_t, "x");
	for (int i = 0; i < 300; i++)
		buf_puts(&deep_t, "{{/a}}");
	for (int i = 0; i < 300; i++)
		buf_puts(&deep_j, "{\"a\":");
	buf_puts(&deep_j, "1");
	for (int i = 0; i < 300; i++)
		buf_puts(&deep_j, "}");
	s = render(deep_t.data, deep_j.data);
	CHECK(s != NULL);
	free(s);
	buf_free(&deep_t);
	buf_free(&deep_j);

	/* A partial that includes itself twice per level would expand 2^64 times: the render
	 * budget stops it (found by fuzz_tmpl). */
	set = tmpl_set_new();
	CHECK(tmpl_set_add(set, "twice", "x{{>twice}}{{>twice}}", 21, &e) == 0);
	buf_init(&out);
	CHECK(tmpl_render(set, "twice", NULL, &out) == -2); /* says it stopped short */
	CHECK(out.len > 64 && out.len < 5000000); /* stopped by the budget, not by running out */
	buf_free(&out);
	/* A set's budget can be lowered: the same page within it renders whole, beyond it not. */
	const char *three_t = "{{#l}}<{{x}}>{{/l}}";
	CHECK(tmpl_set_add(set, "three", three_t, strlen(three_t), &e) == 0);
	json_t *three = json_pack("{s:[{s:i},{s:i},{s:i}]}", "l", "x", 1, "x", 2, "x", 3);
	tmpl_set_budget(set, 10); /* the section, then three items of three nodes each */
	buf_init(&out);
	CHECK(tmpl_render(set, "three", three, &out) == 0);
	CHECK_STR(out.data, "<1><2><3>");
	buf_free(&out);
	tmpl_set_budget(set, 9);
	buf_init(&out);
	CHECK(tmpl_render(set, "three", three, &out) == -2);
	CHECK_STR(out.data, "<1><2><3");
	buf_free(&out);
	json_decref(three);
	tmpl_set_free(set);

	/* A partial that includes itself stops at the nesting limit instead of crashing. */
	set = tmpl_set_new();
	CHECK(tmpl_set_add(set, "loop", "x{{>loop}}", 10, &e) == 0);
	buf_init(&out);
	CHECK(tmpl_render(set, "loop", NULL, &out) == -2);
	CHECK(out.len == 65); /* the page itself and 64 nested levels */
	buf_free(&out);
	tmpl_set_free(set);
}

/* Renders "page" with the table bound as items; the caller frees the text. */
static char *render_items(const struct tmpl_set *set, json_t *ctx, const struct tmpl_table *t)
{
	struct tmpl_binding b = { "items", t, 0 };
	struct buf out;
	buf_init(&out);
	CHECK(tmpl_render_with(set, "page", ctx, &b, 1, &out) == 0);
	return out.data;
}

/* Tables: rows iterated like an array of objects, dotted keys, absent cells, escaping. */
static void test_tables(void)
{
	struct tmpl_set *set = tmpl_set_new();
	struct err e = { 0 };
	static const char *const keys[] = { "id", "title", "names.unit", "flag" };
	const char *row = "[{{id}} {{title}} {{names.unit}}{{#flag}} *{{flag}}{{/flag}}{{^flag}} -{{/flag}}"
			  "{{names.other}}{{outer}}]";
	const char *page = "{{#items}}{{>row}}{{/items}}{{^items}}none{{/items}}|{{total}}";
	CHECK(tmpl_set_add(set, "row", row, strlen(row), &e) == 0);
	CHECK(tmpl_set_add(set, "page", page, strlen(page), &e) == 0);
	struct tmpl_table t;
	tmpl_table_init(&t, keys, 4);
	tmpl_table_row(&t);
	tmpl_table_setf(&t, 0, "%d", 7);
	tmpl_table_set(&t, 1, "<a&b>");
	tmpl_table_set(&t, 2, "兴仁街道");
	tmpl_table_set(&t, 3, "true");
	tmpl_table_row(&t);
	tmpl_table_set_int(&t, 0, 8);
	tmpl_table_set(&t, 1, "");
	tmpl_table_set(&t, 3, NULL);
	json_t *ctx = json_pack("{s:s,s:i,s:{s:s}}", "outer", "o", "total", 2, "names", "other", "never");
	/* names.other: the row owns "names", so the outer names object is not consulted. */
	char *got = render_items(set, ctx, &t);
	CHECK_STR(got, "[7 &lt;a&amp;b&gt; 兴仁街道 *trueo][8   -o]|2");
	free(got);
	tmpl_table_reverse(&t);
	got = render_items(set, ctx, &t);
	CHECK_STR(got, "[8   -o][7 &lt;a&amp;b&gt; 兴仁街道 *trueo]|2");
	free(got);

	/* Many rows and a long cell: the table's memory grows past one chunk. */
	struct tmpl_table big;
	tmpl_table_init(&big, keys, 4);
	char longtext[20000];
	memset(longtext, 'x', sizeof longtext - 1);
	longtext[sizeof longtext - 1] = '\0';
	for (int i = 0; i < 500; i++) {
		tmpl_table_row(&big);
		if (i % 2)
			tmpl_table_set_int(&big, 0, i);
		else
			tmpl_table_setf(&big, 0, "%d", i);
		tmpl_table_set(&big, 1, i == 250 ? longtext : "t");
	}
	got = render_items(set, NULL, &big);
	CHECK(got && strstr(got, "[0 t  -]") == got);
	CHECK(got && strstr(got, "[499 t  -]|") != NULL);
	CHECK(got && strlen(got) > 20000);
	free(got);
	tmpl_table_free(&big);

	/* Numbers at the edges of their range. */
	struct tmpl_table nums;
	tmpl_table_init(&nums, keys, 4);
	const long long edges[] = { -9223372036854775807LL - 1, 0, 9223372036854775807LL };
	for (int i = 0; i < 3; i++) {
		tmpl_table_row(&nums);
		tmpl_table_set_int(&nums, 0, edges[i]);
	}
	got = render_items(set, NULL, &nums);
	CHECK_STR(got, "[-9223372036854775808   -][0   -][9223372036854775807   -]|");
	free(got);
	tmpl_table_free(&nums);

	/* An empty table is false. */
	struct tmpl_table none;
	tmpl_table_init(&none, keys, 4);
	got = render_items(set, NULL, &none);
	CHECK_STR(got, "none|");
	free(got);
	tmpl_table_free(&none);

	/* Bound with `one`, the first row is an object: t.key is a cell, t.names.unit a dotted
	 * cell, {{#t}} enters the row once; "items.N" is row N of a table bound as rows. The
	 * stack is searched first, and a row on the stack does not hide the binding. (The rows of
	 * items were turned round above: row 0 is the one with the empty title.) */
	const char *obj = "{{t.id}} {{t.title}} {{t.names.unit}}{{#t.flag}}!{{/t.flag}}{{^t.missing}}~{{/t.missing}}"
			  "{{t.names}}|{{#t}}{{id}}:{{t.id}}{{/t}}|{{#items.1}}{{id}}{{/items.1}}{{^items.2}}"
			  "no2{{/items.2}}{{items.1.title}}{{items.0.title}}{{items.x}}|{{#items.0}}{{#items}}{{t.id}}{{/items}}{{/items.0}}";
	CHECK(tmpl_set_add(set, "obj", obj, strlen(obj), &e) == 0);
	struct tmpl_table one;
	tmpl_table_init(&one, keys, 4);
	tmpl_table_row(&one);
	tmpl_table_set(&one, 0, "42");
	tmpl_table_set(&one, 1, "<t>");
	tmpl_table_set(&one, 2, "街道");
	tmpl_table_set(&one, 3, "true");
	struct tmpl_binding both[] = { { "t", &one, 1 }, { "items", &t, 0 } };
	struct buf out;
	buf_init(&out);
	CHECK(tmpl_render_with(set, "obj", NULL, both, 2, &out) == 0);
	CHECK_STR(out.data, "42 &lt;t&gt; 街道!~|42:42|7no2&lt;a&amp;b&gt;|4242");
	buf_free(&out);
	/* A binding hides a key of the context of the same name; what a section puts on the
	 * stack hides the binding; other keys of the context are still found. */
	json_t *shadow = json_pack("{s:{s:s},s:s,s:{s:s}}", "t", "id", "json", "who", "ctx", "sec", "t", "sec");
	const char *hide = "{{t.id}} {{who}} {{#sec}}{{t}}{{/sec}} {{#t}}{{who}}{{/t}}";
	CHECK(tmpl_set_add(set, "hide", hide, strlen(hide), &e) == 0);
	buf_init(&out);
	CHECK(tmpl_render_with(set, "hide", shadow, both, 2, &out) == 0);
	CHECK_STR(out.data, "42 ctx sec ctx");
	buf_free(&out);
	json_decref(shadow);
	tmpl_table_free(&one);

	/* Where a name was found is remembered from page to page: a table whose keys array is
	 * the same memory with other keys in it is still read by its keys. */
	const char *k2[] = { "a", "b" };
	const char *swap = "{{s.a}}{{s.b}}|{{#rows}}{{a}}{{b}}{{/rows}}";
	CHECK(tmpl_set_add(set, "swap", swap, strlen(swap), &e) == 0);
	for (int round = 0; round < 2; round++) {
		struct tmpl_table s2;
		tmpl_table_init(&s2, k2, 2);
		tmpl_table_row(&s2);
		tmpl_table_set(&s2, 0, "A");
		tmpl_table_set(&s2, 1, "B");
		struct tmpl_binding sb[] = { { "s", &s2, 1 }, { "rows", &s2, 0 } };
		buf_init(&out);
		CHECK(tmpl_render_with(set, "swap", NULL, sb, 2, &out) == 0);
		CHECK_STR(out.data, round == 0 ? "AB|AB" : "BA|BA");
		buf_free(&out);
		tmpl_table_free(&s2);
		k2[0] = "b"; /* the same array, its keys the other way round */
		k2[1] = "a";
	}
	tmpl_table_free(&t);
	json_decref(ctx);
	tmpl_set_free(set);
}

static void test_load_dir(const char *root)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/templates", root);
	struct tmpl_set *set = tmpl_set_new();
	struct err e = { 0 };
	int n = tmpl_set_load_dir(set, dir, &e);
	if (n < 0)
		fprintf(stderr, "load_dir: %s\n", e.message);
	CHECK(n > 0);
	CHECK(tmpl_set_has(set, "layout"));
	CHECK(tmpl_set_has(set, "error"));
	tmpl_set_free(set);
}

int main(int argc, char **argv)
{
	const char *spec = argc > 1 ? argv[1] : "../shared/mustache-spec";
	const char *root = argc > 2 ? argv[2] : ".";
	DIR *d = opendir(spec);
	if (!d) {
		fprintf(stderr, "cannot open %s\n", spec);
		return 1;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		if (l > 5 && strcmp(de->d_name + l - 5, ".json") == 0) {
			char path[4096];
			snprintf(path, sizeof path, "%s/%s", spec, de->d_name);
			run_spec_file(path);
		}
	}
	closedir(d);
	printf("mustache-spec: %d passed, %d failed\n", spec_passed, spec_failed);
	test_passed += spec_passed;
	test_failed += spec_failed;
	test_own_rules();
	test_tables();
	test_load_dir(root);
	return test_summary("test_tmpl");
}
