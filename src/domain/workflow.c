/*
 * workflow.c — the transition table and the date rules. To change a workflow rule, change
 * a row here.
 */
#include "workflow.h"

#include "labels.h"

#include <assert.h>
#include <string.h>

#define OPEN ST_BIT(ST_OPEN)
#define RECT ST_BIT(ST_RECTIFYING)
#define VERI ST_BIT(ST_VERIFYING)
#define CLOSED ST_BIT(ST_CLOSED)
#define UNCLOSED (OPEN | RECT | VERI)
#define RETREQ ST_BIT(ST_RETURN_REQUESTED)
#define MERGED ST_BIT(ST_MERGED)

#define NOTE EFF_NOTE
#define TODAY EFF_PROGRESS_TODAY
#define T CHECK_TEXT

const struct transition workflow[] = {
	/* name, label, who, from, to, required fields and their checks, pending extension, effects, note kind,
	 * the pause (挂起) and the notification it makes */
	{ "accept", "签收", ACT_ACCEPT, OPEN, ST_RECTIFYING, { NULL, NULL }, { T, T }, PENDING_ANY,
	  TODAY | EFF_SIGN | EFF_NEEDS_COMMITMENT, NULL, PAUSE_NOT, NULL },
	{ "progress", "报告进展", ACT_PROGRESS, RECT, ST_UNCHANGED, { "note", NULL }, { T, T }, PENDING_ANY, NOTE | TODAY,
	  "progress", PAUSE_ANY, NULL },
	{ "submit", "申请销号", ACT_SUBMIT, RECT, ST_VERIFYING, { "statement", NULL }, { T, T }, PENDING_ANY,
	  NOTE | TODAY | EFF_NEEDS_EVIDENCE | EFF_NEEDS_CO_DONE, "statement", PAUSE_NOT, NULL },
	{ "verify", "验收通过", ACT_VERIFY, VERI, ST_CLOSED, { "note", NULL }, { T, T }, PENDING_ANY, NOTE, "verification",
	  PAUSE_NOT, NULL },
	{ "return", "退回重办", ACT_RETURN, VERI, ST_RECTIFYING, { "reason", NULL }, { T, T }, PENDING_ANY, EFF_RETURNED,
	  NULL, PAUSE_NOT, "returned" },
	{ "callback", "回访", ACT_CALLBACK, CLOSED, ST_BY_RESULT, { "result", "method" },
	  { CHECK_CALLBACK_RESULT, CHECK_CALLBACK_METHOD }, PENDING_ANY, EFF_CALLBACK, NULL, PAUSE_NOT, "unsatisfied" },
	{ "reopen", "反弹重开", ACT_REOPEN, CLOSED, ST_RECTIFYING, { "reason", NULL }, { T, T }, PENDING_ANY, EFF_RELAPSED,
	  NULL, PAUSE_NOT, NULL },
	{ "extend-request", "申请延期", ACT_EXTEND_REQUEST, OPEN | RECT, ST_UNCHANGED, { "deadline", "reason" },
	  { CHECK_LATER_DATE, T }, PENDING_REFUSED, EFF_EXTENSION_ASK, NULL, PAUSE_NOT, "extension_requested" },
	{ "extend-approve", "批准延期", ACT_EXTEND_APPROVE, UNCLOSED, ST_UNCHANGED, { NULL, NULL }, { T, T }, PENDING_NEEDED,
	  EFF_EXTENSION_GRANT | EFF_EXTENSION_CLOSE, NULL, PAUSE_NOT, NULL },
	{ "extend-reject", "驳回延期", ACT_EXTEND_REJECT, UNCLOSED, ST_UNCHANGED, { "reason", NULL }, { T, T },
	  PENDING_NEEDED, EFF_EXTENSION_CLOSE, NULL, PAUSE_NOT, NULL },
	{ "supervise", "列入督办", ACT_SUPERVISE, UNCLOSED | RETREQ | CLOSED, ST_UNCHANGED, { "reason", NULL }, { T, T },
	  PENDING_ANY, EFF_SUPERVISED, NULL, PAUSE_ANY, NULL },
	{ "suspend-request", "申请挂起", ACT_SUSPEND_REQUEST, OPEN | RECT, ST_UNCHANGED, { "reason", NULL }, { T, T },
	  PENDING_ANY, EFF_SUSPEND_ASK, NULL, PAUSE_ASK, "suspend_requested" },
	{ "suspend-approve", "批准挂起", ACT_SUSPEND_DECIDE, OPEN | RECT, ST_UNCHANGED, { NULL, NULL }, { T, T },
	  PENDING_ANY, EFF_SUSPEND_GRANT | EFF_SUSPEND_CLOSE, NULL, PAUSE_PENDING, NULL },
	{ "suspend-reject", "驳回挂起", ACT_SUSPEND_DECIDE, OPEN | RECT, ST_UNCHANGED, { "reason", NULL }, { T, T },
	  PENDING_ANY, EFF_SUSPEND_CLOSE, NULL, PAUSE_PENDING, NULL },
	{ "resume", "恢复计时", ACT_RESUME, OPEN | RECT, ST_UNCHANGED, { NULL, NULL }, { T, T }, PENDING_ANY, EFF_RESUME,
	  NULL, PAUSE_ON, NULL },
	/* The dispatch loop (SPEC section 9). */
	{ "return-request", "申请退单", ACT_RETURN_REQUEST, OPEN, ST_RETURN_REQUESTED, { "reason_code", "reason" },
	  { CHECK_RETURN_REASON, T }, PENDING_ANY, EFF_RETURN_ASK, NULL, PAUSE_NOT, "return_requested" },
	{ "reassign", "改派", ACT_REASSIGN, OPEN | RECT | RETREQ, ST_OPEN, { "responsible_unit", NULL }, { CHECK_UNIT, T },
	  PENDING_ANY, EFF_DISPATCH | EFF_NEW_UNIT | EFF_RETURN_GRANT | EFF_CO_SET | TODAY, NULL, PAUSE_NOT, "dispatched" },
	{ "return-reject", "驳回退单", ACT_RETURN_REJECT, RETREQ, ST_OPEN, { "reason", NULL }, { T, T }, PENDING_ANY,
	  EFF_DISPATCH | EFF_RETURN_REFUSE | TODAY, NULL, PAUSE_NOT, "dispatched" },
	{ "urge", "催办", ACT_URGE, UNCLOSED | RETREQ, ST_UNCHANGED, { "note", NULL }, { T, T }, PENDING_ANY, EFF_URGE,
	  NULL, PAUSE_ANY, "urged" },
	/* Co-handling (协办): a co-unit's part, beside the lead's. */
	{ "co-accept", "协办签收", ACT_CO_ACCEPT, OPEN | RECT, ST_UNCHANGED, { NULL, NULL }, { T, T }, PENDING_ANY,
	  EFF_CO_ACCEPT, NULL, PAUSE_NOT, NULL },
	{ "co-done", "协办完成", ACT_CO_DONE, OPEN | RECT, ST_UNCHANGED, { "note", NULL }, { T, T }, PENDING_ANY,
	  NOTE | TODAY | EFF_CO_DONE, "progress", PAUSE_NOT, NULL },
	/* 合并: a repeat complaint joins the ticket it repeats, and leaves the figures. */
	{ "merge", "合并", ACT_MERGE, UNCLOSED | RETREQ, ST_MERGED, { "into", NULL }, { CHECK_TICKET, T }, PENDING_ANY,
	  EFF_MERGE, NULL, PAUSE_ANY, NULL },
};
const int workflow_count = sizeof workflow / sizeof workflow[0];

/* The states whose facts are frozen (see workflow.h): what a supervisor verified stays so. */
static const unsigned facts_frozen = CLOSED | MERGED;

int workflow_facts_frozen(enum status s)
{
	return (unsigned)s < ST__COUNT && (facts_frozen & ST_BIT(s)) != 0;
}

const struct transition *workflow_find(const char *name)
{
	for (int i = 0; name && i < workflow_count; i++)
		if (strcmp(workflow[i].name, name) == 0)
			return &workflow[i];
	return NULL;
}

const char *workflow_pause_refusal(const struct transition *t, enum pause_state pause)
{
	switch (t->pause) {
	case PAUSE_ANY:
		return NULL;
	case PAUSE_NOT:
		return pause == PAUSE_PAUSED ? "该问题已挂起，挂起期间只能报告进展、恢复计时或列入督办" : NULL;
	case PAUSE_ASK:
		return pause == PAUSE_PAUSED ? "该问题已挂起" : pause == PAUSE_REQUESTED ? "该问题已有待审批的挂起申请，请等待审批" : NULL;
	case PAUSE_PENDING:
		return pause == PAUSE_REQUESTED ? NULL : "该问题没有待审批的挂起申请";
	case PAUSE_ON:
		return pause == PAUSE_PAUSED ? NULL : "该问题未挂起，无需恢复计时";
	}
	return NULL;
}

int workflow_applies(const struct transition *t, enum status s, int extension_pending, enum pause_state pause)
{
	if ((unsigned)s >= ST__COUNT || !(t->from & ST_BIT(s)))
		return 0;
	if (workflow_pause_refusal(t, pause))
		return 0;
	if (t->pending == PENDING_NEEDED && !extension_pending)
		return 0;
	/* A second request while one is pending would silently replace it. */
	if (t->pending == PENDING_REFUSED && extension_pending)
		return 0;
	return 1;
}

const struct value_set *workflow_check_values(enum field_check check)
{
	switch (check) {
	case CHECK_CALLBACK_RESULT:
		return &VS_CALLBACK_RESULT;
	case CHECK_CALLBACK_METHOD:
		return &VS_CALLBACK_METHOD;
	case CHECK_RETURN_REASON:
		return &VS_RETURN_REASON;
	default:
		return NULL;
	}
}

int workflow_value_ok(enum field_check check, const char *v)
{
	const struct value_set *vs = workflow_check_values(check);
	return vs ? vs_has(vs, v) : v != NULL;
}

struct ticket_marks workflow_outcome(const struct transition *t, const struct ticket_marks *m, const char *result)
{
	assert(t && m);
	struct ticket_marks o = *m;
	o.returned = (t->effects & EFF_RETURNED) != 0;
	o.relapsed = (t->effects & EFF_RELAPSED) != 0;
	o.supervised = (t->effects & EFF_SUPERVISED) != 0;
	o.status = t->to == ST_UNCHANGED ? m->status : t->to;
	if (t->effects & EFF_CALLBACK) {
		/* An unsatisfied citizen sends the ticket back to rectification and counts. */
		int unsatisfied = result && strcmp(result, "unsatisfied") == 0;
		o.callbacks++;
		o.unsatisfied += unsatisfied;
		o.status = unsatisfied ? ST_RECTIFYING : ST_CLOSED;
	}
	assert(o.status >= 0 && o.status < ST__COUNT);
	o.color = callback_color(o.unsatisfied, o.callbacks);
	if (o.color && strcmp(o.color, "red") == 0)
		o.supervised = 1; /* a red ticket goes on the supervision list by itself */
	return o;
}

int workflow_reopens(int from, int to)
{
	return from == ST_CLOSED && to != ST_CLOSED && to >= 0 && to < ST__COUNT;
}

/* enum status follows the order of VS_STATUS (labels.c); test_workflow checks it. */
const char *status_code(enum status s)
{
	return (unsigned)s < ST__COUNT ? VS_STATUS.pairs[s][0] : "";
}

const char *status_label(enum status s)
{
	return (unsigned)s < ST__COUNT ? VS_STATUS.pairs[s][1] : "";
}

int status_from_code(const char *code)
{
	for (int i = 0; code && i < ST__COUNT; i++)
		if (strcmp(code, VS_STATUS.pairs[i][0]) == 0)
			return i;
	return -1;
}

int urgency_rank(const char *u)
{
	if (!u)
		return -1;
	if (strcmp(u, "urgent") == 0)
		return 0;
	if (strcmp(u, "normal") == 0)
		return 2;
	return -1;
}

const char *urgency_label(const char *u)
{
	return vs_label(&VS_URGENCY, u);
}

void day_marks_of(const struct workcal *c, long today, struct day_marks *m)
{
	m->today = today;
	m->estimated = 0;
	m->due_soon_until = workcal_due_soon_until(c, today, DUE_SOON_WORKDAYS, &m->estimated);
	m->stale_before = workcal_stale_before(c, today, STALE_WORKDAYS, &m->estimated);
}

const char *deadline_light(long deadline, const struct day_marks *m, int closed, int paused)
{
	if (closed)
		return NULL;
	if (paused)
		return "paused";
	if (m->today > deadline)
		return "red";
	if (deadline <= m->due_soon_until)
		return "yellow";
	return "green";
}

const char *callback_color(int unsatisfied_count, int callback_count)
{
	if (unsatisfied_count >= 2)
		return "red";
	if (unsatisfied_count == 1)
		return "yellow";
	return callback_count > 0 ? "green" : NULL;
}

long deadline_after_pause(const struct workcal *c, long deadline, long from, long to)
{
	long paused = to > from ? workcal_count(c, from - 1, to - 1, NULL) : 0;
	return paused > 0 ? workcal_add(c, deadline, paused, NULL) : deadline;
}

int is_stale(long last_progress, const struct day_marks *m, int resting)
{
	return !resting && last_progress < m->stale_before;
}

int deadline_needs_commitment(long deadline, long rectify_end)
{
	return rectify_end > 0 && deadline > rectify_end;
}

long return_window_end(const struct workcal *c, long dispatched_day, int *estimated)
{
	return workcal_add(c, dispatched_day, RETURN_WINDOW_WORKDAYS, estimated);
}

/* The latest deadline whose first working day after it has come by today. */
static long red_until(const struct workcal *c, long today)
{
	long d = today - 1;
	while (d > today - 30 && workcal_add(c, d, 1, NULL) > today)
		d--;
	return d;
}

const char *card_due(const struct workcal *c, long deadline, long today)
{
	if (deadline <= red_until(c, today))
		return "red";
	if (deadline >= today && deadline <= workcal_add(c, today, 1, NULL))
		return "yellow";
	return NULL;
}

void card_ranges(const struct workcal *c, long today, long *red_lo, long *red_hi, long *yellow_hi)
{
	*red_lo = today - CARD_LOOKBACK_DAYS;
	*red_hi = red_until(c, today);
	*yellow_hi = workcal_add(c, today, 1, NULL);
}
