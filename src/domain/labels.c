/*
 * labels.c — the value sets of labels.h. To rename a label, change it here.
 */
#include "labels.h"

#include <string.h>

#define SET(name, ...)                                                 \
	static const char *const name##_pairs[][2] = { __VA_ARGS__ }; \
	const struct value_set name = { name##_pairs, sizeof name##_pairs / sizeof name##_pairs[0] }

SET(VS_STATUS, { "open", "待整改" }, { "rectifying", "整改中" }, { "verifying", "待验收" }, { "closed", "已销号" },
    { "return_requested", "退单待审" }, { "merged", "已合并" });
SET(VS_URGENCY, { "urgent", "紧急" }, { "normal", "一般" });
/* The kinds of a ticket's notes (the workflow rows' note kind). */
SET(VS_NOTE_KIND, { "progress", "整改进展" }, { "statement", "销号申请" }, { "verification", "验收意见" });
SET(VS_LIGHT, { "red", "超期" }, { "yellow", "临期" }, { "green", "正常" }, { "paused", "挂起" });
SET(VS_COLOR, { "green", "绿标" }, { "yellow", "黄标" }, { "red", "红标" });
/* Signing (SPEC section 8): open past its time to sign, or signed after it. */
/* The tickets behind each part of an assessment indicator (assess.h): the numerator, ".den"
 * the denominator. 回退率 counts dispatches, not a set of the month's tickets. */
SET(VS_ASSESS, { "sign_on_time", "按时签收（及时签收率）" }, { "sign_on_time.den", "应签收（及时签收率）" },
    { "on_time", "按期办结（按期办结率）" }, { "on_time.den", "应办结（按期办结率）" }, { "closed", "已办结（办结率）" },
    { "closed.den", "派单（办结率）" }, { "resolved", "回访已解决（解决率）" }, { "resolved.den", "回访记录是否解决（解决率）" },
    { "satisfied", "满意及基本满意（满意率）" }, { "satisfied.den", "已回访（满意率）" },
    { "callback_coverage", "已回访的办结问题（回访率）" }, { "callback_coverage.den", "已办结（回访率）" },
    { "redo_rate", "退回重办或重开（重办率）" }, { "redo_rate.den", "办结过（重办率）" });
SET(VS_SIGN, { "late", "超时未签收" }, { "signed_late", "逾期签收" });
SET(VS_TL_UNIT, { "wd", "工作日" }, { "cd", "自然日" }, { "h", "小时" }, { "phase_end", "集中整改阶段结束" });
SET(VS_CALLBACK_RESULT, { "satisfied", "满意" }, { "basically_satisfied", "基本满意" }, { "unsatisfied", "不满意" });
/* Why a unit sends a dispatch back (退单, SPEC section 9). */
SET(VS_RETURN_REASON, { "not_our_area", "属地不符" }, { "unclear_ownership", "权属不清" },
    { "overlapping_duties", "职能交叉" }, { "other", "其他" });
/* What became of the return a unit asked for. */
SET(VS_RETURN_OUTCOME, { "asked", "退单待审" }, { "granted", "退单已批准" }, { "refused", "退单被驳回" });
SET(VS_CARD, { "yellow", "黄牌" }, { "red", "红牌" });
SET(VS_CO_STATUS, { "pending", "待签收" }, { "accepted", "已签收" }, { "done", "已完成" });
SET(VS_CALLBACK_METHOD, { "phone", "电话" }, { "visit", "走访" }, { "sms", "短信" }, { "other", "其他" });
SET(VS_UNIT_KIND, { "district", "区" }, { "street", "街道" }, { "department", "区直部门" }, { "community", "社区" },
    { "village", "村" });
SET(VS_ROLE, { "staff", "街道/部门工作人员" }, { "reviewer", "区级调度" }, { "supervisor", "督导验收" },
    { "admin", "系统管理员" });
SET(VS_PHASE_KIND, { "self_check", "自查" }, { "rectify", "集中整改" }, { "verify", "督导验收" },
    { "consolidate", "巩固提升" }, { "other", "其他" });

const char *vs_label(const struct value_set *vs, const char *code)
{
	for (size_t i = 0; code && i < vs->n; i++)
		if (strcmp(code, vs->pairs[i][0]) == 0)
			return vs->pairs[i][1];
	return "";
}

const char *vs_code(const struct value_set *vs, const char *s)
{
	for (size_t i = 0; s && i < vs->n; i++)
		if (strcmp(s, vs->pairs[i][0]) == 0 || strcmp(s, vs->pairs[i][1]) == 0)
			return vs->pairs[i][0];
	return NULL;
}

int vs_has(const struct value_set *vs, const char *code)
{
	for (size_t i = 0; code && i < vs->n; i++)
		if (strcmp(code, vs->pairs[i][0]) == 0)
			return 1;
	return 0;
}
