/*
 * test_fields.c — the field tables (fields.h, ticket_fields.h): the check of one value by its
 * kind (phones, codes, dates, numbers), a whole table's check with every wrong field named,
 * the form a table renders, and the list filter read by its table.
 */
#include <stddef.h>

#include "fields.h"
#include "test.h"
#include "ticket.h"
#include "ticket_fields.h"

static void test_phones(void)
{
	const char *good[] = { "13812345678", "19900000000", "025-84561234", "02584561234", "0571-8888888",
			       "010-12345678-123", "0755-1234567" };
	const char *bad[] = { "1381234567", "138123456789", "23812345678", "84561234", "025-123456", "abc",
			      "138-1234-5678", "010-12345678-", "010-12345678-1234567", "+8613812345678", "0251-123456789" };
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		CHECK(field_phone_ok(good[i]));
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		CHECK(!field_phone_ok(bad[i]));
		char msg[256] = "";
		CHECK(!field_value_ok(FK_PHONE, "联系电话", 0, 32, NULL, bad[i], msg, sizeof msg));
		CHECK_STR(msg, "联系电话：请填写 11 位手机号或带区号的固定电话");
	}
}

static void test_values(void)
{
	char msg[256];
	CHECK(field_value_ok(FK_CODE, "代码", 1, 32, "A-Z0-9_", "XR_04", msg, sizeof msg));
	CHECK(!field_value_ok(FK_CODE, "代码", 1, 32, "A-Z0-9_", "xr04", msg, sizeof msg));
	CHECK(!field_value_ok(FK_CODE, "代码", 2, 4, "a-z", "abcde", msg, sizeof msg));
	CHECK(field_value_ok(FK_CODE, "登录名", 2, 64, "A-Za-z0-9._-", "zhang.san-1", msg, sizeof msg));
	CHECK(!field_value_ok(FK_CODE, "登录名", 2, 64, "A-Za-z0-9._-", "张三", msg, sizeof msg));
	CHECK(field_value_ok(FK_DATE, "开始日期", 0, 0, NULL, "2024-02-29", msg, sizeof msg));
	CHECK(!field_value_ok(FK_DATE, "开始日期", 0, 0, NULL, "2023-02-29", msg, sizeof msg));
	CHECK_STR(msg, "开始日期须为有效日期（YYYY-MM-DD）");
	CHECK(field_value_ok(FK_INT, "排序", 0, 100, NULL, "100", msg, sizeof msg));
	CHECK(!field_value_ok(FK_INT, "排序", 0, 100, NULL, "101", msg, sizeof msg));
	CHECK(!field_value_ok(FK_INT, "排序", 0, 100, NULL, "1x", msg, sizeof msg));
	CHECK_STR(msg, "排序须为 0 到 100 之间的整数");
	/* Length counts characters, not bytes: 64 Chinese characters fit a max of 64. */
	char name[64 * 3 + 4] = "";
	for (int i = 0; i < 64; i++)
		strcat(name, "张");
	CHECK(field_value_ok(FK_TEXT, "姓名", 0, 64, NULL, name, msg, sizeof msg));
	strcat(name, "张");
	CHECK(!field_value_ok(FK_TEXT, "姓名", 0, 64, NULL, name, msg, sizeof msg));
	CHECK_STR(msg, "姓名不能超过 64 个字");
	/* Empty is the table's business (required), not the value's. */
	CHECK(field_value_ok(FK_PHONE, "电话", 0, 32, NULL, "", msg, sizeof msg));
}

static void test_table_check(void)
{
	const char *const bad[][2] = { { "login", "x" }, { "name", "  " }, { "phone", "12345" }, { "role", "boss" },
				       { "unit", "" },   { "password", "" }, { NULL, NULL } };
	json_t *errors = json_object();
	struct err e = { 0 };
	CHECK(fields_check(&USER_FIELDS, ON_CREATE, field_pairs(bad), errors, &e) == 6);
	CHECK(e.status == 422);
	CHECK_STR(e.field, "login");
	CHECK_STR(json_string_value(json_object_get(errors, "name")), "请填写姓名");
	CHECK_STR(json_string_value(json_object_get(errors, "role")),
		  "角色须为街道/部门工作人员、区级调度、督导验收 或 系统管理员之一");
	CHECK_STR(json_string_value(json_object_get(errors, "unit")), "请选择所属单位");
	CHECK(json_object_get(errors, "phone") != NULL);
	json_decref(errors);

	/* On edit the login and password are not the form's: only what it sends is checked. */
	const char *const edit[][2] = { { "name", "张三" }, { "phone", "" }, { "role", "staff" }, { "unit", "XR" },
					{ NULL, NULL } };
	struct err e2 = { 0 };
	CHECK(fields_check(&USER_FIELDS, ON_EDIT, field_pairs(edit), NULL, &e2) == 0);
	CHECK(e2.status == 0);

	const char *const phase[][2] = { { "phase_name", "集中整改" }, { "kind", "rectify" }, { "start", "2023-09-01" },
					 { "end", "2023-9-30" }, { NULL, NULL } };
	struct err e3 = { 0 };
	CHECK(fields_check(&PHASE_FIELDS, ON_BOTH, field_pairs(phase), NULL, &e3) == 1);
	CHECK_STR(e3.field, "end");
	CHECK_STR(e3.message, "结束日期须为有效日期（YYYY-MM-DD）");
}

static void test_form(void)
{
	json_t *values = json_pack("{s:s,s:s,s:s}", "login", "li", "role", "reviewer", "password", "secret");
	json_t *errors = json_pack("{s:s}", "name", "请填写姓名");
	json_t *options = json_pack("{s:[{s:s,s:s,s:b}]}", "unit", "code", "XR", "label", "兴仁街道", "selected", 1);
	json_t *form = fields_form(&USER_FIELDS, ON_CREATE, "u-", values, errors, options);
	CHECK(json_array_size(form) == 6); /* login, name, phone, role, unit, password: not "active" */
	json_t *login = json_array_get(form, 0), *name = json_array_get(form, 1), *role = json_array_get(form, 3);
	json_t *pw = json_array_get(form, 5);
	CHECK_STR(json_string_value(json_object_get(login, "id")), "u-login");
	CHECK_STR(json_string_value(json_object_get(login, "value")), "li");
	CHECK_STR(json_string_value(json_object_get(login, "pattern")), "[A-Za-z0-9._-]{2,64}");
	CHECK(json_is_true(json_object_get(login, "required")));
	CHECK_STR(json_string_value(json_object_get(name, "error")), "请填写姓名");
	CHECK(json_integer_value(json_object_get(name, "max")) == 64);
	CHECK(json_array_size(json_object_get(role, "options")) == 4);
	CHECK(json_is_true(json_object_get(json_array_get(json_object_get(role, "options"), 1), "selected")));
	CHECK(json_object_get(pw, "value") == NULL); /* a password is never shown back */
	CHECK_STR(json_string_value(json_object_get(pw, "type")), "password");
	json_decref(form);
	form = fields_form(&USER_FIELDS, ON_EDIT, NULL, values, NULL, options);
	CHECK(json_array_size(form) == 5); /* name, phone, role, unit, active */
	CHECK(json_is_true(json_object_get(json_array_get(form, 4), "checkbox")));
	json_decref(form);
	json_decref(values);
	json_decref(errors);
	json_decref(options);
}

static const char *query_of(void *src, const char *key)
{
	for (const char *const(*p)[2] = src; (*p)[0]; p++)
		if (!strcmp((*p)[0], key))
			return (*p)[1];
	return NULL;
}

static void test_filter_table(void)
{
	const char *const q[][2] = { { "status", "open" }, { "unit", "XR" }, { "q", "" }, { "from", "2023-09-01" },
				     { "supervised", "0" }, { "stale", "0" }, { NULL, NULL } };
	struct ticket_filter f;
	memset(&f, 0, sizeof f);
	ticket_filter_read(&f, query_of, (void *)q);
	CHECK_STR(f.status, "open");
	CHECK_STR(f.unit, "XR");
	CHECK_STR(f.from, "2023-09-01");
	CHECK(f.q == NULL && f.to == NULL && f.domain == NULL);
	CHECK(f.supervised == 0); /* "0": not supervised */
	CHECK(f.returned == 0 && f.unclosed == 0 && f.callbacks_due == 0); /* queues not asked: 0, not "any" */
	CHECK(f.stale == -1);     /* "0": any */
	const char *const yes[][2] = { { "supervised", "true" }, { "stale", "1" }, { "returned", "1" }, { NULL, NULL } };
	ticket_filter_read(&f, query_of, (void *)yes);
	CHECK(f.supervised == 1 && f.stale == 1 && f.returned == 1);
	struct buf qs;
	buf_init(&qs);
	ticket_filter_query(&f, &qs);
	CHECK_STR(qs.data, "supervised=1&stale=1&returned=1"); /* read back as the same filter */
	buf_free(&qs);
	CHECK(f.status == NULL); /* every row is read again */
	/* Every row names a distinct key and a label. */
	for (size_t i = 0; i < filter_field_count; i++) {
		CHECK(filter_fields[i].label && *filter_fields[i].label);
		for (size_t k = i + 1; k < filter_field_count; k++)
			CHECK(strcmp(filter_fields[i].name, filter_fields[k].name) != 0);
	}
}

int main(void)
{
	test_phones();
	test_values();
	test_table_check();
	test_form();
	test_filter_table();
	return test_summary("test_fields");
}
