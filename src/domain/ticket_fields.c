/*
 * ticket_fields.c — the ticket's field table (see ticket_fields.h), in the order of the
 * district's ledger sheet (seed 000's 附件), which is the export's column order.
 */
#include "ticket_fields.h"

#include <stddef.h>
#include <string.h>

#include "labels.h"
#include "ticket.h"

#define S EDIT_STAFF
#define A EDIT_ASSIGN
#define F EDIT_FORM
#define IN(member) (int)offsetof(struct ticket_input, member)

const struct ticket_field ticket_fields[] = {
	/* name, label, type, required, max, edit, column, export key and sub-key, import, input, width,
	 * place on the forms, hint, the empty choice of a select, masked */
	{ "code", "问题编号", FT_DERIVED, 0, 0, 0, NULL, "code", NULL, 1, -1, 18, 0, NULL, NULL, 0 },
	{ "campaign", "所属行动", FT_CATALOG, 0, 0, 0, NULL, "names", "campaign", 1, -1, 24, 101, NULL, "（不属于专项行动）", 0 },
	{ "source", "问题来源", FT_CATALOG, 1, 0, 0, NULL, "names", "source", 2, -1, 16, 102, NULL, "请选择", 0 },
	{ "source_ref", "原工单号", FT_TEXT, 0, 64, S, "source_ref", "source_ref", NULL, 1, IN(source_ref), 14, 103, NULL, NULL, 0 },
	{ "received_on", "受理日期", FT_DATE, 0, 0, S | F, "received_on", "received_on", NULL, 1, IN(received_on), 12, 206, "12345 热线等渠道受理该问题的日期，可不填。", NULL, 0 },
	{ "category", "类别", FT_CATALOG, 1, 0, S | F, "category_id", "names", "category", 2, -1, 10, 203, NULL, NULL, 0 },
	{ "domain", "领域", FT_CATALOG, 1, 0, S | F, "domain_id", "names", "domain", 2, -1, 14, 204, NULL, "请选择", 0 },
	{ "title", "问题标题", FT_TEXT, 1, 200, S | F | EDIT_KEEP, "title", "title", NULL, 2, IN(title), 30, 201, NULL, NULL, 0 },
	{ "description", "问题描述", FT_TEXT, 1, 5000, S | F | EDIT_KEEP, "description", "description", NULL, 2, IN(description), 40, 202, NULL, NULL, 0 },
	{ "location_unit", "所在社区/村", FT_UNIT, 0, 0, S | F, "location_unit_id", "names", "location_unit", 1, -1, 16, 207, NULL, "（不指定）", 0 },
	{ "address", "详细地址", FT_TEXT, 0, 200, S | F, "address", "address", NULL, 1, IN(address), 20, 208, NULL, NULL, 0 },
	{ "reporter_name", "反映人", FT_TEXT, 0, 64, S | F, "reporter_name", "reporter_name", NULL, 1, IN(reporter_name), 10, 209, NULL, NULL, 1 },
	{ "reporter_phone", "反映人电话", FT_PHONE, 0, 32, S | F, "reporter_phone", "reporter_phone", NULL, 1, IN(reporter_phone), 14, 210, "11 位手机号或带区号的固定电话", NULL, 1 },
	{ "unit", "属地单位", FT_UNIT, 1, 0, 0, NULL, "names", "unit", 2, -1, 14, 104, NULL, "请选择", 0 },
	{ "responsible_unit", "责任单位", FT_UNIT, 0, 0, A | F, "responsible_unit_id", "names", "responsible_unit", 1, -1, 16, 303, NULL, "（按领域默认）", 0 },
	{ "responsible_person", "责任人", FT_TEXT, 0, 64, A | F, "responsible_person", "responsible_person", NULL, 1, IN(responsible_person), 10, 304, NULL, NULL, 0 },
	{ "responsible_phone", "责任人电话", FT_PHONE, 0, 32, A | F, "responsible_phone", "responsible_phone", NULL, 1, IN(responsible_phone), 14, 305, NULL, NULL, 0 },
	{ "urgency", "缓急", FT_URGENCY, 0, 0, S | F, "urgency", "names", "urgency", 1, -1, 8, 205, NULL, NULL, 0 },
	{ "complex", "复杂问题", FT_DERIVED, 0, 0, 0, NULL, "complex_label", NULL, 0, -1, 8, 0, NULL, NULL, 0 },
	{ "measures", "整改措施", FT_TEXT, 0, 5000, S | F, "measures", "measures", NULL, 1, IN(measures), 30, 301, NULL, NULL, 0 },
	{ "requirement", "整改要求", FT_TEXT, 0, 2000, S | F, "requirement", "requirement", NULL, 1, IN(requirement), 24, 302, NULL, NULL, 0 },
	{ "deadline", "整改时限", FT_DATE, 0, 0, A | F | EDIT_KEEP, "deadline", "deadline", NULL, 1, -1, 12, 306, "留空则按办理时限规则计算（系统管理中的“办理时限”）；填写的时限优先。超出集中整改阶段的问题属于复杂问题，须有整改承诺和应急措施。", NULL, 0 },
	{ "original_deadline", "原定时限", FT_DERIVED, 0, 0, 0, NULL, "original_deadline", NULL, 0, -1, 12, 0, NULL, NULL, 0 },
	{ "commitment", "整改承诺", FT_TEXT, 0, 2000, S | F, "commitment", "commitment", NULL, 1, IN(commitment), 24, 307, NULL, NULL, 0 },
	{ "interim_measures", "应急措施", FT_TEXT, 0, 2000, S | F, "interim_measures", "interim_measures", NULL, 1, IN(interim_measures), 24, 308, NULL, NULL, 0 },
	{ "co_units", "协办单位", FT_UNITS, 0, 0, A | F, "co_units", "co_units_text", NULL, 1, -1, 20, 309, "与责任单位共同办理的单位，填写单位编码或名称，多个用逗号或顿号分隔（如 XC、SWJ）；留空为无协办单位。", NULL, 0 },
	{ "status", "状态", FT_DERIVED, 0, 0, 0, NULL, "names", "status", 0, -1, 8, 0, NULL, NULL, 0 },
	{ "closed_on", "销号时间", FT_DERIVED, 0, 0, 0, NULL, "closed_on", NULL, 0, -1, 12, 0, NULL, NULL, 0 },
	{ "light", "时限标识", FT_DERIVED, 0, 0, 0, NULL, "light_label", NULL, 0, -1, 10, 0, NULL, NULL, 0 },
	{ "color", "回访标识", FT_DERIVED, 0, 0, 0, NULL, "color_label", NULL, 0, -1, 10, 0, NULL, NULL, 0 },
	{ "callback_result", "回访结果", FT_DERIVED, 0, 0, 0, NULL, "callback_result_label", NULL, 1, -1, 10, 0, NULL, NULL, 0 },
	{ "callback_at", "回访时间", FT_DERIVED, 0, 0, 0, NULL, "callback_at", NULL, 0, -1, 18, 0, NULL, NULL, 0 },
	{ "callback_resolved", "是否解决", FT_DERIVED, 0, 0, 0, NULL, "callback_resolved_label", NULL, 1, -1, 8, 0, NULL, NULL, 0 },
	{ "supervised", "督办", FT_DERIVED, 0, 0, 0, NULL, "supervised_label", NULL, 0, -1, 6, 0, NULL, NULL, 0 },
	{ "supplement", "补报", FT_DERIVED, 0, 0, 0, NULL, "supplement_label", NULL, 0, -1, 6, 0, NULL, NULL, 0 },
	{ "return_count", "退回次数", FT_DERIVED, 0, 0, 0, NULL, "return_count", NULL, 0, -1, 8, 0, NULL, NULL, 0 },
	{ "unsatisfied_count", "不满意次数", FT_DERIVED, 0, 0, 0, NULL, "unsatisfied_count", NULL, 0, -1, 10, 0, NULL, NULL, 0 },
	{ "latest_progress", "最新进展", FT_DERIVED, 0, 0, 0, NULL, "latest_progress", NULL, 0, -1, 40, 0, NULL, NULL, 0 },
	{ "created_at", "登记时间", FT_DERIVED, 0, 0, 0, NULL, "created_at", NULL, 1, -1, 20, 0, NULL, NULL, 0 },
};
const size_t ticket_field_count = sizeof ticket_fields / sizeof ticket_fields[0];

#define AT(member) offsetof(struct ticket_filter, member)

const struct filter_field filter_fields[] = {
	/* name, label, kind, member, value set, options, "0" narrows, placeholder */
	{ "q", "关键词", FF_TEXT, AT(q), NULL, FO_NONE, 0, "标题、描述、进展，或问题编号、原工单号" },
	{ "status", "状态", FF_VALUES, AT(status), &VS_STATUS, FO_NONE, 0, NULL },
	{ "unit", "属地单位", FF_OPTIONS, AT(unit), NULL, FO_STREETS, 0, NULL },
	{ "responsible_unit", "责任单位", FF_OPTIONS, AT(responsible_unit), NULL, FO_RESPONSIBLE, 0, NULL },
	{ "place", "所在社区/村", FF_OPTIONS, AT(place), NULL, FO_PLACES, 0, NULL },
	{ "domain", "领域", FF_OPTIONS, AT(domain), NULL, FO_DOMAINS, 0, NULL },
	{ "source", "来源", FF_OPTIONS, AT(source), NULL, FO_SOURCES, 0, NULL },
	{ "category", "类别", FF_OPTIONS, AT(category), NULL, FO_CATEGORIES, 0, NULL },
	{ "light", "时限", FF_VALUES, AT(light), &VS_LIGHT, FO_NONE, 0, NULL },
	{ "color", "回访标识", FF_VALUES, AT(color), &VS_COLOR, FO_NONE, 0, NULL },
	{ "sign", "签收", FF_VALUES, AT(sign), &VS_SIGN, FO_NONE, 0, NULL },
	{ "campaign", "行动", FF_OPTIONS, AT(campaign), NULL, FO_CAMPAIGNS, 0, NULL },
	{ "from", "登记日期起", FF_DATE, AT(from), NULL, FO_NONE, 0, NULL },
	{ "to", "登记日期止", FF_DATE, AT(to), NULL, FO_NONE, 0, NULL },
	{ "supervised", "督办", FF_FLAG, AT(supervised), NULL, FO_NONE, 1, NULL },
	{ "stale", "未按周报进展", FF_FLAG, AT(stale), NULL, FO_NONE, 0, NULL },
	{ "returned", "被退回重办", FF_QUEUE, AT(returned), NULL, FO_NONE, 0, NULL },
	{ "extension_pending", "延期待批", FF_QUEUE, AT(extension_pending), NULL, FO_NONE, 0, NULL },
	{ "callbacks_due", "待回访", FF_QUEUE, AT(callbacks_due), NULL, FO_NONE, 0, NULL },
	{ "unclosed", "未销号", FF_QUEUE, AT(unclosed), NULL, FO_NONE, 0, NULL },
	{ "on_time", "按期办结", FF_QUEUE, AT(on_time), NULL, FO_NONE, 0, NULL },
	{ "due", "应办结", FF_QUEUE, AT(due), NULL, FO_NONE, 0, NULL },
	{ "reopened", "群众不满意重新整改", FF_QUEUE, AT(reopened), NULL, FO_NONE, 0, NULL },
	{ "deadline_pending", "重开待定时限", FF_QUEUE, AT(deadline_pending), NULL, FO_NONE, 0, NULL },
	{ "stock", "不满意存量", FF_QUEUE, AT(stock), NULL, FO_NONE, 0, NULL },
	{ "suspended", "挂起中", FF_QUEUE, AT(suspended), NULL, FO_NONE, 0, NULL },
	{ "suspend_pending", "挂起待批", FF_QUEUE, AT(suspend_pending), NULL, FO_NONE, 0, NULL },
	{ "co_unit", "协办单位", FF_OPTIONS, AT(co_unit), NULL, FO_RESPONSIBLE, 0, NULL },
	{ "co_todo", "协办待办", FF_QUEUE, AT(co_todo), NULL, FO_NONE, 0, NULL },
	{ "lead", "本单位主办", FF_QUEUE, AT(lead), NULL, FO_NONE, 0, NULL },
	{ "dispatched", "派单月份", FF_MONTH, AT(dispatched), NULL, FO_NONE, 0, NULL },
	{ "supplement", "补报", FF_QUEUE, AT(supplement), NULL, FO_NONE, 0, NULL },
	{ "assess", "考评指标", FF_VALUES, AT(assess), &VS_ASSESS, FO_NONE, 0, NULL },
};
const size_t filter_field_count = sizeof filter_fields / sizeof filter_fields[0];

void ticket_filter_read(struct ticket_filter *f, const char *(*get)(void *src, const char *key), void *src)
{
	for (size_t i = 0; i < filter_field_count; i++) {
		const struct filter_field *ff = &filter_fields[i];
		const char *v = get(src, ff->name);
		if (ff->kind != FF_FLAG && ff->kind != FF_QUEUE) {
			*(const char **)((char *)f + ff->at) = v && *v ? v : NULL;
			continue;
		}
		int *flag = (int *)((char *)f + ff->at);
		*flag = ff->kind == FF_QUEUE ? 0 : -1;
		if (v && (!strcmp(v, "1") || !strcmp(v, "true")))
			*flag = 1;
		else if (v && ff->no_is_filter && (!strcmp(v, "0") || !strcmp(v, "false")))
			*flag = 0;
	}
}

void ticket_filter_each(const struct ticket_filter *f,
			void (*each)(const struct filter_field *ff, const char *value, int flag, void *arg), void *arg)
{
	for (size_t i = 0; i < filter_field_count; i++) {
		const struct filter_field *ff = &filter_fields[i];
		const void *at = (const char *)f + ff->at;
		if (ff->kind == FF_FLAG || ff->kind == FF_QUEUE) {
			int v = *(const int *)at;
			/* "0" is a filter only where the row says so; the to-do queues' 0 is "not asked". */
			if (v == 1 || (v == 0 && ff->kind == FF_FLAG && ff->no_is_filter))
				each(ff, NULL, v, arg);
			continue;
		}
		const char *v = *(const char *const *)at;
		if (v && *v)
			each(ff, v, -1, arg);
	}
}

static void query_item(const struct filter_field *ff, const char *value, int flag, void *arg)
{
	struct buf *out = arg;
	if (!value) {
		buf_printf(out, "%s%s=%d", out->len ? "&" : "", ff->name, flag);
		return;
	}
	buf_printf(out, "%s%s=", out->len ? "&" : "", ff->name);
	buf_url_encode(out, value, "-_.");
}

void ticket_filter_query(const struct ticket_filter *f, struct buf *out)
{
	ticket_filter_each(f, query_item, out);
}

int ticket_filter_and(const struct ticket_filter *a, const struct ticket_filter *b, struct ticket_filter *out)
{
	*out = *a;
	for (size_t i = 0; i < filter_field_count; i++) {
		const struct filter_field *ff = &filter_fields[i];
		if (ff->kind == FF_FLAG || ff->kind == FF_QUEUE) {
			int x = *(const int *)((const char *)a + ff->at), y = *(const int *)((const char *)b + ff->at);
			int *o = (int *)((char *)out + ff->at);
			if (ff->kind == FF_QUEUE) {
				*o = x || y; /* in both queues */
			} else if (x >= 0 && y >= 0 && x != y) {
				return 0;
			} else {
				*o = x >= 0 ? x : y;
			}
			continue;
		}
		const char *x = *(const char *const *)((const char *)a + ff->at);
		const char *y = *(const char *const *)((const char *)b + ff->at);
		const char **o = (const char **)((char *)out + ff->at);
		if (x && *x && y && *y && strcmp(x, y) != 0) {
			/* Two keywords narrow together only as one search; two values of one field, never. */
			if (ff->kind == FF_TEXT || ff->kind == FF_DATE)
				return -1;
			return 0;
		}
		*o = x && *x ? x : y;
	}
	return 1;
}

const struct ticket_field *ticket_field_find(const char *name)
{
	for (size_t i = 0; name && i < ticket_field_count; i++)
		if (strcmp(ticket_fields[i].name, name) == 0)
			return &ticket_fields[i];
	return NULL;
}
