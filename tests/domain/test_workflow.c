/*
 * test_workflow.c — the transition table (every state × action × role, through authz), the
 * deadline light, callback colours, staleness and the complex-case rule.
 */
#include "test.h"
#include "util.h"
#include "ticket.h"
#include "ticket_fields.h"
#include "workflow.h"

/*
 * Expected next state for each action from each state; "-" refused. Written out from SPEC
 * sections 4 and 9, not derived from the table. Columns: open, rectifying, verifying, closed,
 * return_requested, merged.
 * "=" stays in its state; "?" depends on the callback's result.
 */
static const struct {
	const char *action;
	const char *next[ST__COUNT];
	const char *role; /* the one role that may act (besides "supervise") */
} expect[] = {
	{ "accept", { "rectifying", "-", "-", "-", "-", "-" }, "staff" },
	{ "progress", { "-", "=", "-", "-", "-", "-" }, "staff" },
	{ "submit", { "-", "verifying", "-", "-", "-", "-" }, "staff" },
	{ "verify", { "-", "-", "closed", "-", "-", "-" }, "supervisor" },
	{ "return", { "-", "-", "rectifying", "-", "-", "-" }, "supervisor" },
	{ "callback", { "-", "-", "-", "?", "-", "-" }, "supervisor" },
	{ "reopen", { "-", "-", "-", "rectifying", "-", "-" }, "supervisor" },
	{ "extend-request", { "=", "=", "-", "-", "-", "-" }, "staff" },
	{ "extend-approve", { "=", "=", "=", "-", "-", "-" }, "reviewer" },
	{ "extend-reject", { "=", "=", "=", "-", "-", "-" }, "reviewer" },
	{ "supervise", { "=", "=", "=", "=", "=", "-" }, "reviewer+supervisor" },
	{ "suspend-request", { "=", "=", "-", "-", "-", "-" }, "staff" },
	{ "suspend-approve", { "=", "=", "-", "-", "-", "-" }, "reviewer" },
	{ "suspend-reject", { "=", "=", "-", "-", "-", "-" }, "reviewer" },
	{ "resume", { "=", "=", "-", "-", "-", "-" }, "staff+reviewer" },
	{ "return-request", { "return_requested", "-", "-", "-", "-", "-" }, "staff" },
	{ "reassign", { "open", "open", "-", "-", "open", "-" }, "reviewer" },
	{ "return-reject", { "-", "-", "-", "-", "open", "-" }, "reviewer" },
	{ "urge", { "=", "=", "=", "-", "=", "-" }, "reviewer+supervisor" },
	{ "co-accept", { "=", "=", "-", "-", "-", "-" }, "staff" },
	{ "co-done", { "=", "=", "-", "-", "-", "-" }, "staff" },
	{ "merge", { "merged", "merged", "merged", "-", "merged", "-" }, "reviewer" },
};

static const char *text_day(long day)
{
	static char out[11];
	time_format_date((time_t)day * 86400, out, sizeof out);
	return out;
}

int main(void)
{
	CHECK((int)(sizeof expect / sizeof expect[0]) == workflow_count);
	const struct ticket_scope scope = { "/1/2/", "/1/2/", NULL };
	/* a co-unit's rows are asked as the co-unit: XC's ticket that XR co-handles */
	const struct ticket_scope co_scope = { "/1/3/", "/1/3/", "/1/2/" };
	int cases = 0;
	for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
		const struct transition *t = workflow_find(expect[i].action);
		CHECK(t != NULL);
		if (!t)
			continue;
		for (int s = 0; s < ST__COUNT; s++) {
			const char *want = expect[i].next[s];
			/* Extension decisions apply only with a request pending; pause decisions with a
			 * pause asked for, resuming while paused. */
			enum pause_state pause = t->pause == PAUSE_PENDING ? PAUSE_REQUESTED
						 : t->pause == PAUSE_ON  ? PAUSE_PAUSED
									 : PAUSE_NONE;
			int applies = workflow_applies(t, (enum status)s, t->pending == PENDING_NEEDED, pause);
			CHECK(applies == (want[0] != '-'));
			if (applies && want[0] != '=' && want[0] != '?')
				CHECK(t->to >= 0 && strcmp(status_code((enum status)t->to), want) == 0);
			if (applies && want[0] == '=')
				CHECK(t->to == ST_UNCHANGED);
			if (applies && want[0] == '?')
				CHECK(t->to == ST_BY_RESULT);
			for (int role = ROLE_STAFF; role < ROLE__COUNT; role++) {
				struct subject who = { (enum role)role, "/1/2/" };
				int co = strncmp(t->name, "co-", 3) == 0;
				int may = authz_check(&who, t->act, co ? &co_scope : &scope) == AUTHZ_OK;
				int expected = strstr(expect[i].role, role_code((enum role)role)) != NULL;
				if (may != expected)
					fprintf(stderr, "%s by %s: %d\n", t->name, role_code((enum role)role), may);
				CHECK(may == expected);
				cases++;
			}
		}
	}
	printf("transition cases (state x action x role): %d\n", cases);

	/* Extension decisions without a pending request, and a second request while one is pending. */
	CHECK(!workflow_applies(workflow_find("extend-approve"), ST_RECTIFYING, 0, PAUSE_NONE));
	CHECK(!workflow_applies(workflow_find("extend-reject"), ST_OPEN, 0, PAUSE_NONE));
	CHECK(!workflow_applies(workflow_find("extend-request"), ST_RECTIFYING, 1, PAUSE_NONE));
	/* While paused only progress, resume and supervision apply (SPEC section 8). */
	for (int i = 0; i < workflow_count; i++) {
		const struct transition *t = &workflow[i];
		int ok = workflow_applies(t, ST_RECTIFYING, t->pending == PENDING_NEEDED, PAUSE_PAUSED);
		int want = !strcmp(t->name, "progress") || !strcmp(t->name, "resume") || !strcmp(t->name, "supervise") ||
			   !strcmp(t->name, "urge") || !strcmp(t->name, "merge"); /* a paused repeat may still be merged */
		if (ok != want)
			fprintf(stderr, "%s while paused: %d\n", t->name, ok);
		CHECK(ok == want);
	}
	CHECK(!workflow_applies(workflow_find("accept"), ST_OPEN, 0, PAUSE_PAUSED));
	CHECK(workflow_applies(workflow_find("accept"), ST_OPEN, 0, PAUSE_REQUESTED)); /* asked, not yet paused */
	CHECK(!workflow_applies(workflow_find("suspend-request"), ST_RECTIFYING, 0, PAUSE_REQUESTED));
	CHECK(!workflow_applies(workflow_find("suspend-request"), ST_CLOSED, 0, PAUSE_NONE));
	CHECK(!workflow_applies(workflow_find("suspend-approve"), ST_RECTIFYING, 0, PAUSE_NONE));
	CHECK(!workflow_applies(workflow_find("resume"), ST_RECTIFYING, 0, PAUSE_NONE));
	CHECK(strcmp(workflow_pause_refusal(workflow_find("submit"), PAUSE_PAUSED), "该问题已挂起，挂起期间只能报告进展、恢复计时或列入督办") == 0);
	CHECK(workflow_pause_refusal(workflow_find("progress"), PAUSE_PAUSED) == NULL);
	CHECK(workflow_find("delete") == NULL);
	CHECK(workflow_find(NULL) == NULL);
	CHECK(strcmp(workflow_find("submit")->fields[0], "statement") == 0);
	CHECK(strcmp(workflow_find("callback")->fields[1], "method") == 0);

	/* Each action's effects (section 4), written out here, not read from the table: what it
	 * adds to the ticket's counters and marks, from a ticket with no callback yet. */
	static const struct {
		const char *action;
		int returned, relapsed, supervised, note;
		const char *note_kind;
		int today, evidence;
	} effects[] = {
		{ "accept", 0, 0, 0, 0, NULL, 1, 0 },
		{ "progress", 0, 0, 0, 1, "progress", 1, 0 },
		{ "submit", 0, 0, 0, 1, "statement", 1, 1 },
		{ "verify", 0, 0, 0, 1, "verification", 0, 0 },
		{ "return", 1, 0, 0, 0, NULL, 0, 0 },
		{ "reopen", 0, 1, 0, 0, NULL, 0, 0 },
		{ "supervise", 0, 0, 1, 0, NULL, 0, 0 },
		{ "extend-request", 0, 0, 0, 0, NULL, 0, 0 },
		{ "extend-approve", 0, 0, 0, 0, NULL, 0, 0 },
		{ "extend-reject", 0, 0, 0, 0, NULL, 0, 0 },
	};
	for (size_t i = 0; i < sizeof effects / sizeof effects[0]; i++) {
		const struct transition *t = workflow_find(effects[i].action);
		struct ticket_marks m = { .status = ST_RECTIFYING };
		struct ticket_marks o = workflow_outcome(t, &m, NULL);
		if (o.returned != effects[i].returned || o.relapsed != effects[i].relapsed ||
		    o.supervised != effects[i].supervised)
			fprintf(stderr, "effects of %s\n", t->name);
		CHECK(o.returned == effects[i].returned && o.relapsed == effects[i].relapsed &&
		      o.supervised == effects[i].supervised);
		CHECK(((t->effects & EFF_NOTE) != 0) == effects[i].note);
		CHECK(!effects[i].note || strcmp(t->note_kind, effects[i].note_kind) == 0);
		CHECK(((t->effects & EFF_PROGRESS_TODAY) != 0) == effects[i].today);
		CHECK(((t->effects & EFF_NEEDS_EVIDENCE) != 0) == effects[i].evidence);
		CHECK(o.unsatisfied == 0 && o.callbacks == 0 && o.color == NULL);
		CHECK(o.status == (t->to == ST_UNCHANGED ? ST_RECTIFYING : t->to));
	}
	/* Extension requests: asked with a later date, decided by approve (which moves the deadline)
	 * or reject. */
	CHECK(workflow_find("extend-request")->effects == EFF_EXTENSION_ASK);
	CHECK(workflow_find("extend-request")->checks[0] == CHECK_LATER_DATE);
	CHECK(workflow_find("extend-approve")->effects == (EFF_EXTENSION_GRANT | EFF_EXTENSION_CLOSE));
	CHECK(workflow_find("extend-reject")->effects == EFF_EXTENSION_CLOSE);
	/* Callbacks: satisfied first → closed, green; unsatisfied → back to rectification, yellow;
	 * a second unsatisfied → red, and supervised by itself. */
	const struct transition *cb = workflow_find("callback");
	struct ticket_marks closed = { .status = ST_CLOSED };
	struct ticket_marks g = workflow_outcome(cb, &closed, "satisfied");
	CHECK(g.status == ST_CLOSED && g.callbacks == 1 && g.unsatisfied == 0 && !g.supervised);
	CHECK_STR(g.color, "green");
	struct ticket_marks y = workflow_outcome(cb, &closed, "unsatisfied");
	CHECK(y.status == ST_RECTIFYING && y.callbacks == 1 && y.unsatisfied == 1 && !y.supervised);
	CHECK_STR(y.color, "yellow");
	y.status = ST_CLOSED; /* rectified again, verified again */
	struct ticket_marks r = workflow_outcome(cb, &y, "unsatisfied");
	CHECK(r.status == ST_RECTIFYING && r.unsatisfied == 2 && r.supervised == 1);
	CHECK_STR(r.color, "red");
	struct ticket_marks b = workflow_outcome(cb, &y, "basically_satisfied");
	CHECK(b.status == ST_CLOSED && b.unsatisfied == 1);
	CHECK_STR(b.color, "yellow");
	/* A red ticket that is edited by any later action stays supervised. */
	struct ticket_marks later = workflow_outcome(workflow_find("progress"), &r, NULL);
	CHECK(later.supervised == 1);
	CHECK(workflow_value_ok(CHECK_CALLBACK_RESULT, "basically_satisfied"));
	CHECK(!workflow_value_ok(CHECK_CALLBACK_RESULT, "happy"));
	CHECK(workflow_value_ok(CHECK_CALLBACK_METHOD, "sms") && !workflow_value_ok(CHECK_CALLBACK_METHOD, "fax"));
	CHECK(!workflow_value_ok(CHECK_CALLBACK_METHOD, NULL));

	/* The field table (ticket_fields.c) holds together: names and labels once each; what is
	 * edited has a column and is no derived value; what creation keeps is text or a date;
	 * every column of the export has a width; the import's required headers are creation's. */
	for (size_t i = 0; i < ticket_field_count; i++) {
		const struct ticket_field *f = &ticket_fields[i];
		for (size_t k = i + 1; k < ticket_field_count; k++)
			CHECK(strcmp(f->name, ticket_fields[k].name) != 0 && strcmp(f->label, ticket_fields[k].label) != 0);
		if (f->edit & (EDIT_STAFF | EDIT_ASSIGN))
			CHECK(f->column != NULL && f->type != FT_DERIVED);
		if (f->type == FT_DERIVED)
			CHECK(f->edit == 0 && f->input < 0 && f->import <= 1);
		/* A derived value the import reads is the key it finds a ticket by, the time it keeps,
		 * or the hotline's callback it records on a closed ticket. */
		if (f->type == FT_DERIVED && f->import)
			CHECK(!strcmp(f->name, "code") || !strcmp(f->name, "created_at") || !strcmp(f->name, "callback_result") ||
			      !strcmp(f->name, "callback_resolved"));
		if (f->input >= 0)
			CHECK(f->type == FT_TEXT || f->type == FT_PHONE || f->type == FT_DATE);
		CHECK(f->export_key != NULL && f->width > 0);
		if (f->import == 2)
			CHECK(f->required);
		CHECK(ticket_field_find(f->name) == f);
	}
	CHECK(ticket_field_find("received_on") && ticket_field_find("received_on")->type == FT_DATE);
	CHECK(ticket_field_find("nope") == NULL);

	/* Deadline light in working days, on a calendar with 2023's National Day by hand
	 * (09-29 to 10-06 off, Saturday 10-07 and Sunday 10-08 worked). */
	static struct workcal cal;
	workcal_init(&cal);
	workcal_loaded(&cal, 2023);
	for (const char *const *h = (const char *const[]){ "2023-09-29", "2023-10-02", "2023-10-03", "2023-10-04",
							   "2023-10-05", "2023-10-06", NULL };
	     *h; h++)
		workcal_set(&cal, date_parse_days(*h), 1);
	workcal_set(&cal, date_parse_days("2023-10-07"), 0);
	workcal_set(&cal, date_parse_days("2023-10-08"), 0);
	workcal_finish(&cal);
	struct day_marks m;
#define LIGHT(deadline, today, closed) \
	(day_marks_of(&cal, date_parse_days(today), &m), deadline_light(date_parse_days(deadline), &m, closed, 0))
	/* The deadline is Monday 2023-09-25: four working days left on Tuesday 09-19, three on 09-20. */
	CHECK_STR(LIGHT("2023-09-25", "2023-09-10", 0), "green");
	CHECK_STR(LIGHT("2023-09-25", "2023-09-19", 0), "green");
	CHECK_STR(LIGHT("2023-09-25", "2023-09-20", 0), "yellow");
	CHECK_STR(LIGHT("2023-09-25", "2023-09-23", 0), "yellow"); /* a Saturday: one left */
	CHECK_STR(LIGHT("2023-09-25", "2023-09-25", 0), "yellow"); /* the day itself: 0 left */
	CHECK_STR(LIGHT("2023-09-25", "2023-09-26", 0), "red");
	CHECK(LIGHT("2023-09-25", "2023-09-26", 1) == NULL);
	/* Across the holiday: Monday 10-09 has four working days left on 09-27 (09-28, 10-07, 10-08,
	 * 10-09), three on 09-28; counted in calendar days it would be green for another week. */
	CHECK_STR(LIGHT("2023-10-09", "2023-09-27", 0), "green");
	CHECK_STR(LIGHT("2023-10-09", "2023-09-28", 0), "yellow");
	CHECK(m.estimated == 0);
	/* A year not loaded: the same rule Monday–Friday, said to be an estimate. */
	CHECK_STR(LIGHT("2024-01-08", "2024-01-02", 0), "green");
	CHECK(m.estimated == 1);
	CHECK_STR(LIGHT("2024-01-08", "2024-01-03", 0), "yellow");

	/* Weekly progress: stale after more than five working days without a note. A note on
	 * Friday 09-15 is not stale on Friday 09-22 (five working days since), stale on Monday
	 * 09-25; one on 09-28 is not stale on 10-08, the holiday counting nothing. */
	long d = date_parse_days("2023-09-15");
	day_marks_of(&cal, date_parse_days("2023-09-22"), &m);
	CHECK(!is_stale(d, &m, 0));
	day_marks_of(&cal, date_parse_days("2023-09-25"), &m);
	CHECK(is_stale(d, &m, 0));
	CHECK(!is_stale(d, &m, 1)); /* resting: closed or being verified */
	day_marks_of(&cal, date_parse_days("2023-10-08"), &m);
	CHECK(!is_stale(date_parse_days("2023-09-28"), &m, 0));
	day_marks_of(&cal, date_parse_days("2023-10-12"), &m);
	CHECK(is_stale(date_parse_days("2023-09-28"), &m, 0));
	/* A paused ticket has its own light, past its deadline or not; closed, none. */
	day_marks_of(&cal, date_parse_days("2023-10-12"), &m);
	CHECK_STR(deadline_light(date_parse_days("2023-10-10"), &m, 0, 1), "paused");
	CHECK(deadline_light(date_parse_days("2023-10-10"), &m, 1, 1) == NULL);
	/* Resuming: paused from 09-27 to 10-12 is seven working days (09-27, 09-28, 10-07 to 10-11),
	 * so a deadline of 10-10 moves to 10-19; resumed the day it was paused, it does not move. */
	CHECK_STR(text_day(deadline_after_pause(&cal, date_parse_days("2023-10-10"), date_parse_days("2023-09-27"),
						date_parse_days("2023-10-12"))),
		  "2023-10-19");
	CHECK(deadline_after_pause(&cal, date_parse_days("2023-10-10"), date_parse_days("2023-09-27"),
				   date_parse_days("2023-09-27")) == date_parse_days("2023-10-10"));
	/* Paused over the holiday alone (approved 09-29, resumed 10-07): nothing moves. */
	CHECK(deadline_after_pause(&cal, date_parse_days("2023-10-10"), date_parse_days("2023-09-29"),
				   date_parse_days("2023-10-07")) == date_parse_days("2023-10-10"));
#undef LIGHT
	long dl = date_parse_days("2023-09-25");

	/* Callback colours (seed 002). */
	CHECK(callback_color(0, 0) == NULL);
	CHECK_STR(callback_color(0, 1), "green");
	CHECK_STR(callback_color(0, 3), "green");
	CHECK_STR(callback_color(1, 1), "yellow");
	CHECK_STR(callback_color(1, 2), "yellow");
	CHECK_STR(callback_color(2, 2), "red");
	CHECK_STR(callback_color(5, 6), "red");

	/* Complex cases: beyond the rectification phase's end. */
	CHECK(!deadline_needs_commitment(dl, dl));
	CHECK(deadline_needs_commitment(dl + 1, dl));
	CHECK(!deadline_needs_commitment(dl + 100, 0)); /* no campaign phase: nothing required */

	CHECK(urgency_rank("urgent") < urgency_rank("normal"));
	CHECK(urgency_rank("complex") == -1); /* complexity is a fact of its own, not an urgency */
	CHECK(urgency_rank("whatever") == -1);
	CHECK(status_from_code("verifying") == ST_VERIFYING && status_from_code("done") == -1);
	CHECK_STR(status_label(ST_CLOSED), "已销号");
	/* enum status and the status value set (labels.c) are in the same order. */
	CHECK_STR(status_code(ST_OPEN), "open");
	CHECK_STR(status_code(ST_RECTIFYING), "rectifying");
	CHECK_STR(status_code(ST_VERIFYING), "verifying");
	CHECK_STR(status_code(ST_CLOSED), "closed");
	CHECK_STR(urgency_label("urgent"), "紧急");
	CHECK_STR(urgency_label("nope"), "");
	/* The ticket page reads the light and the colour of a ticket's row by their places. */
	static const char *const row_keys[] = { TICKET_ROW_KEYS };
	CHECK(strcmp(row_keys[TICKET_ROW_LIGHT], "light") == 0);
	CHECK(strcmp(row_keys[TICKET_ROW_SUPERVISED], "supervised") == 0);
	CHECK(strcmp(row_keys[TICKET_ROW_CREATED_AT], "created_at") == 0);
	CHECK(strcmp(row_keys[TICKET_ROW_COLOR], "color") == 0);
	CHECK(strcmp(row_keys[TICKET_ROW_DEADLINE], "deadline") == 0);
	CHECK(strcmp(row_keys[TICKET_ROW_WORKING_DAYS_LEFT], "working_days_left") == 0);
	CHECK(strcmp(row_keys[TICKET_ROW_SIGN_BY], "sign_by") == 0);
	CHECK(strcmp(row_keys[TICKET_ROW_SIGNED_AT], "signed_at") == 0);
	CHECK(strcmp(row_keys[TICKET_ROW_SIGNED_LATE], "signed_late") == 0);
	return test_summary("test_workflow");
}
