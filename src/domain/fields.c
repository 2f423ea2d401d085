/*
 * fields.c — the field tables of users, units, campaigns and phases, and the one check of a
 * value by its kind (fields.h).
 */
#include "fields.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* ---------------------------------------------------------------- the tables */

#define TABLE(name, ...)                                          \
	static const struct field name##_rows[] = { __VA_ARGS__ }; \
	const struct field_table name = { name##_rows, sizeof name##_rows / sizeof name##_rows[0] }

/* name, label, kind, set, required, min, max, chars, choices, hint */
TABLE(USER_FIELDS,
      { "login", "登录名", FK_CODE, ON_CREATE, ON_CREATE, 2, 64, "A-Za-z0-9._-", NULL,
	"登录名须为 2-64 位字母、数字或 . _ -" },
      { "name", "姓名", FK_TEXT, ON_BOTH, ON_BOTH, 0, 64, NULL, NULL, NULL },
      { "phone", "联系电话", FK_PHONE, ON_BOTH, 0, 0, 32, NULL, NULL, NULL },
      { "role", "角色", FK_CHOICE, ON_BOTH, ON_BOTH, 0, 0, NULL, &VS_ROLE, NULL },
      { "unit", "所属单位", FK_REF, ON_BOTH, ON_BOTH, 0, 0, NULL, NULL, NULL },
      { "password", "初始密码", FK_PASSWORD, ON_CREATE, ON_CREATE, 0, 0, NULL, NULL,
	"至少 8 位，包含小写字母、大写字母、数字、符号中的至少三类，不能是常见密码。" },
      { "active", "启用（停用后该用户立即被登出）", FK_BOOL, ON_EDIT, 0, 0, 0, NULL, NULL, NULL });

TABLE(UNIT_FIELDS,
      { "code", "代码", FK_CODE, ON_CREATE, ON_CREATE, 1, 32, "A-Z0-9_", NULL,
	"单位代码须为 1-32 位大写字母、数字或下划线，如 XR04；用作问题编号前缀" },
      { "name", "名称", FK_TEXT, ON_BOTH, ON_BOTH, 0, 100, NULL, NULL, NULL },
      { "kind", "类型", FK_CHOICE, ON_CREATE, ON_CREATE, 0, 0, NULL, &VS_UNIT_KIND, NULL },
      { "parent", "上级单位", FK_REF, ON_CREATE, 0, 0, 0, NULL, NULL, NULL },
      { "sort", "排序", FK_INT, ON_EDIT, 0, 0, 100000, NULL, NULL, "数字小的排在前面" },
      { "active", "启用", FK_BOOL, ON_EDIT, 0, 0, 0, NULL, NULL, NULL },
      { "files_ledger", "按阶段报送问题台账", FK_BOOL, ON_EDIT, 0, 0, 0, NULL, NULL,
	"调度通报检查其是否按时报送台账和整改进展；街道默认报送，区直部门需要时勾选" });

TABLE(CAMPAIGN_FIELDS,
      { "code", "代码", FK_CODE, ON_CREATE, ON_CREATE, 1, 32, "A-Z0-9_", NULL,
	"行动代码须为 1-32 位大写字母、数字或下划线，如 SW202309" },
      { "name", "名称", FK_TEXT, ON_BOTH, ON_BOTH, 0, 200, NULL, NULL, NULL },
      { "active", "进行中", FK_BOOL, ON_EDIT, 0, 0, 0, NULL, NULL, NULL });

TABLE(PHASE_FIELDS,
      { "phase_name", "阶段名称", FK_TEXT, ON_BOTH, ON_BOTH, 0, 50, NULL, NULL, NULL },
      { "kind", "阶段类型", FK_CHOICE, ON_BOTH, ON_BOTH, 0, 0, NULL, &VS_PHASE_KIND, NULL },
      { "start", "开始日期", FK_DATE, ON_BOTH, ON_BOTH, 0, 0, NULL, NULL, NULL },
      { "end", "结束日期", FK_DATE, ON_BOTH, ON_BOTH, 0, 0, NULL, NULL, NULL },
      { "due", "报送要求", FK_TEXT, ON_BOTH, 0, 0, 200, NULL, NULL, NULL });

TABLE(TAXONOMY_FIELDS,
      { "code", "代码", FK_CODE, ON_CREATE, ON_CREATE, 1, 32, "a-z0-9_", NULL, "代码须为 1-32 位小写字母、数字或下划线" },
      { "name", "名称", FK_TEXT, ON_BOTH, ON_BOTH, 0, 100, NULL, NULL, NULL },
      { "sort", "排序", FK_INT, ON_BOTH, 0, 0, 100000, NULL, NULL, NULL },
      { "parent", "上级领域", FK_REF, ON_CREATE, 0, 0, 0, NULL, NULL, NULL },
      { "unit", "默认责任单位", FK_REF, ON_BOTH, 0, 0, 0, NULL, NULL, NULL },
      { "active", "启用", FK_BOOL, ON_EDIT, 0, 0, 0, NULL, NULL, NULL });

/* ---------------------------------------------------------------- one value */

static int blank(const char *v)
{
	while (v && (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r'))
		v++;
	return !v || !*v;
}

/* Whether c is in the class ("A-Z0-9_": ranges and single characters). */
static int in_class(const char *chars, char c)
{
	for (const char *p = chars; *p; p++) {
		if (p[1] == '-' && p[2]) {
			if (c >= p[0] && c <= p[2])
				return 1;
			p += 2;
		} else if (c == *p) {
			return 1;
		}
	}
	return 0;
}

static int digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int field_phone_ok(const char *v)
{
	size_t n = strlen(v);
	if (n == 11 && v[0] == '1' && digits(v, 11))
		return 1;
	/* A landline: 0 and 2-3 more digits of area code, "-" or nothing, 7-8 digits, and an
	 * extension after "-" (1-6 digits). */
	if (v[0] != '0')
		return 0;
	for (size_t area = 3; area <= 4; area++) {
		if (n < area + 7 || !digits(v, area))
			continue;
		const char *p = v + area;
		if (*p == '-')
			p++;
		size_t k = strspn(p, "0123456789");
		if (k < 7 || k > 8)
			continue;
		p += k;
		if (!*p)
			return 1;
		if (*p == '-' && strlen(p + 1) >= 1 && strlen(p + 1) <= 6 && digits(p + 1, strlen(p + 1)))
			return 1;
	}
	return 0;
}

int field_value_ok(enum field_kind kind, const char *label, unsigned min, unsigned max, const char *chars,
		   const char *v, char *msg, size_t n)
{
	if (!v || !*v)
		return 1; /* emptiness is the table's "required" */
	size_t len = utf8_chars(v);
	switch (kind) {
	case FK_TEXT:
	case FK_PASSWORD:
		if (max && len > max) {
			snprintf(msg, n, "%s不能超过 %u 个字", label, max);
			return 0;
		}
		return 1;
	case FK_CODE:
		if (len < min || len > max)
			break;
		for (const char *p = v; *p; p++)
			if (!in_class(chars, *p))
				goto bad;
		return 1;
	case FK_PHONE:
		if (field_phone_ok(v))
			return 1;
		snprintf(msg, n, "%s：请填写 11 位手机号或带区号的固定电话", label);
		return 0;
	case FK_DATE:
		if (date_parse_days(v) >= 0)
			return 1;
		snprintf(msg, n, "%s须为有效日期（YYYY-MM-DD）", label);
		return 0;
	case FK_INT: {
		char *end;
		long x = strtol(v, &end, 10);
		if (*end == '\0' && x >= (long)min && x <= (long)max)
			return 1;
		snprintf(msg, n, "%s须为 %u 到 %u 之间的整数", label, min, max);
		return 0;
	}
	case FK_BOOL:
		if (!strcmp(v, "1") || !strcmp(v, "0") || !strcmp(v, "true") || !strcmp(v, "false"))
			return 1;
		snprintf(msg, n, "%s须为是或否", label);
		return 0;
	case FK_CHOICE:
	case FK_REF:
		return 1; /* the table's choices, or the caller's lookup */
	}
bad:
	snprintf(msg, n, "%s格式不正确：须为 %u-%u 个字符（%s）", label, min, max, chars);
	return 0;
}

/* "X、Y 或 Z" from a value set's labels. */
static void choices_text(const struct value_set *vs, char *out, size_t n)
{
	size_t at = 0;
	out[0] = '\0';
	for (size_t i = 0; i < vs->n && at < n; i++)
		at += (size_t)snprintf(out + at, n - at, "%s%s", i == 0 ? "" : i + 1 == vs->n ? " 或 " : "、",
				       vs->pairs[i][1]);
}

int fields_check(const struct field_table *t, unsigned on, struct field_src src, json_t *errors, struct err *e)
{
	int wrong = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct field *f = &t->rows[i];
		if (!(f->set & on))
			continue;
		const char *v = src.get(src.src, f->name);
		char msg[256] = "";
		if ((f->required & on) && blank(v)) {
			snprintf(msg, sizeof msg, f->kind == FK_CHOICE || f->kind == FK_REF ? "请选择%s" : "请填写%s", f->label);
		} else if (f->kind == FK_CHOICE && !blank(v) && !vs_has(f->choices, v)) {
			char list[200];
			choices_text(f->choices, list, sizeof list);
			snprintf(msg, sizeof msg, "%s须为%s之一", f->label, list);
		} else if (!field_value_ok(f->kind, f->label, f->min, f->max, f->chars, v, msg, sizeof msg)) {
			if (f->kind == FK_CODE && f->hint)
				snprintf(msg, sizeof msg, "%s", f->hint);
		} else {
			continue;
		}
		if (errors)
			json_object_set_new(errors, f->name, json_string(msg));
		if (wrong++ == 0 && e)
			err_set(e, 422, "invalid", f->name, "%s", msg);
	}
	return wrong;
}

/* ---------------------------------------------------------------- sources */

static const char *pairs_get(void *src, const char *name)
{
	for (const char *const (*p)[2] = src; (*p)[0]; p++)
		if (strcmp((*p)[0], name) == 0)
			return (*p)[1];
	return NULL;
}

struct field_src field_pairs(const char *const (*pairs)[2])
{
	return (struct field_src){ pairs_get, (void *)pairs };
}

/* ---------------------------------------------------------------- forms */

static const char *input_type(enum field_kind k)
{
	switch (k) {
	case FK_PHONE: return "tel";
	case FK_DATE: return "date";
	case FK_INT: return "number";
	case FK_PASSWORD: return "password";
	default: return "text";
	}
}

/* The HTML pattern of a code's class ("[A-Z0-9_]+"). */
static json_t *pattern_of(const struct field *f)
{
	if (f->kind != FK_CODE)
		return json_null();
	char p[64];
	snprintf(p, sizeof p, "[%s]{%u,%u}", f->chars, f->min, f->max);
	return json_string(p);
}

json_t *fields_form(const struct field_table *t, unsigned on, const char *prefix, json_t *values, json_t *errors,
		    json_t *options)
{
	json_t *list = json_array();
	for (size_t i = 0; i < t->n; i++) {
		const struct field *f = &t->rows[i];
		if (!(f->set & on))
			continue;
		json_t *vj = json_object_get(values, f->name);
		const char *v = json_is_string(vj) ? json_string_value(vj) : "";
		int checked = json_is_true(vj) || (json_is_integer(vj) && json_integer_value(vj)) || !strcmp(v, "1");
		json_t *row = json_pack("{s:s,s:s,s:s,s:b,s:b,s:b,s:o,s:s*,s:s*}", "name", f->name, "label", f->label,
					"type", input_type(f->kind), "required", (f->required & on) != 0, "select",
					f->kind == FK_CHOICE || f->kind == FK_REF, "checkbox", f->kind == FK_BOOL,
					"pattern", pattern_of(f), "hint", f->hint, "error",
					json_string_value(json_object_get(errors, f->name)));
		if (f->kind == FK_INT && json_is_integer(vj)) {
			char num[32];
			snprintf(num, sizeof num, "%lld", (long long)json_integer_value(vj));
			json_object_set_new(row, "value", json_string(num));
		} else if (f->kind != FK_PASSWORD) {
			json_object_set_new(row, "value", json_string(v));
		}
		if (f->max && (f->kind == FK_TEXT || f->kind == FK_CODE || f->kind == FK_PHONE))
			json_object_set_new(row, "max", json_integer(f->max));
		json_object_set_new(row, "checked", json_boolean(checked));
		json_object_set_new(row, "password", json_boolean(f->kind == FK_PASSWORD));
		char id[96];
		snprintf(id, sizeof id, "%s%s", prefix ? prefix : "", f->name);
		json_object_set_new(row, "id", json_string(id));
		if (f->kind == FK_CHOICE) {
			json_t *opts = json_array();
			for (size_t k = 0; k < f->choices->n; k++)
				json_array_append_new(opts, json_pack("{s:s,s:s,s:b}", "code", f->choices->pairs[k][0], "label",
								      f->choices->pairs[k][1], "selected",
								      strcmp(v, f->choices->pairs[k][0]) == 0));
			json_object_set_new(row, "options", opts);
		} else if (f->kind == FK_REF) {
			json_t *o = json_object_get(options, f->name);
			json_object_set(row, "options", o ? o : json_array());
		}
		json_array_append_new(list, row);
	}
	return list;
}
