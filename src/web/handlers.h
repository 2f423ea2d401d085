/*
 * handlers.h — every handler the route table (routes.c) names, grouped by the file that
 * defines it.
 */
#ifndef LEDGER_HANDLERS_H
#define LEDGER_HANDLERS_H

#include "fields.h"
#include "http.h"

/* routes.c: the route table, and whether next may follow a sign-in (a path of this site that
 * a GET route answers, in plain ASCII, one leading "/"). */
extern const struct route route_table[];
extern const size_t route_count;
int routes_safe_next(const char *next);

/* pages.c */
/* The district's name (the root unit), for titles of notices; "" if none. */
void district_name(struct db *db, char *out, size_t n);
void page_home(struct req *r);
void api_healthz(struct req *r);
/* A sent form as the source a field table checks (fields.h). */
struct field_src form_fields(const struct form *f);
/* The values of t's fields on `on` as sent, keyed by name, to show the form again. */
json_t *form_values(const struct field_table *t, unsigned on, const struct form *f);
/* Errors keyed by field ("form" when none is named), as forms show them; err_into adds e's
 * to errors unless its field has one already. */
json_t *err_fields(const struct err *e);
void err_into(json_t *errors, const struct err *e);
/* A select's options [{code, label, selected}] from a query of (code, label) rows or from a
 * fixed set; the one whose code is current is selected. */
json_t *options_sql(struct db *db, const char *sql, const char *current);
json_t *options_fixed(const struct value_set *vs, const char *current);

/* account.c */
void page_login(struct req *r);
void page_login_post(struct req *r);
void page_logout(struct req *r);
void api_session_create(struct req *r);
void api_session_get(struct req *r);
void api_session_delete(struct req *r);

/* admin.c */
void api_units(struct req *r);
void page_admin_users(struct req *r);
void page_admin_user_new(struct req *r);
void page_admin_user_create(struct req *r);
void page_admin_user_edit(struct req *r);
void page_admin_user_update(struct req *r);
void page_admin_user_password(struct req *r);
void page_admin_units(struct req *r);
void page_admin_unit_create(struct req *r);
void page_admin_unit_edit(struct req *r);
void page_admin_unit_update(struct req *r);

/* ticket_api.c */
void api_ticket_create(struct req *r);
void api_ticket_get(struct req *r);
void api_ticket_list(struct req *r);
void api_ticket_patch(struct req *r);
void api_ticket_action(struct req *r);
void api_campaigns(struct req *r);
void api_taxonomy(struct req *r);
struct ticket_ref;
struct ticket_filter;
struct subject;
/* The route's {id} as a ticket id, or 0 when it is not a positive whole number. */
long long ticket_id_param(struct req *r);
/* Loads {id} and authorizes act on it; answers 404/403/401 itself and returns 0. */
int ticket_for(struct req *r, enum action act, struct ticket_ref *t);
int ticket_may_see_personal(struct req *r, const struct ticket_ref *t);
void ticket_filter_from_query(struct req *r, struct ticket_filter *f, const struct subject *who);

/* attachment.c */
json_t *attachment_store(struct req *r, const struct ticket_ref *t, long long ticket_id, struct err *e);
void api_ticket_upload(struct req *r);
void api_attachment_get(struct req *r);
void api_attachment_thumb(struct req *r);

/* ticket_pages.c */
void page_tickets(struct req *r);
void page_ticket_new(struct req *r);
void page_ticket_create(struct req *r);
void page_ticket(struct req *r);
void page_ticket_notice(struct req *r);
void page_tickets_batch(struct req *r);
void page_ticket_action(struct req *r);
void page_ticket_upload(struct req *r);
void page_ticket_edit(struct req *r);
void page_ticket_update(struct req *r);
void page_todo(struct req *r);
/* The number of tickets awaiting this user's action (for the navigation). */
long long todo_count(struct req *r);

/* notification_pages.c */
long long unread_count(struct req *r);
void api_notifications(struct req *r);
void api_notifications_read(struct req *r);
void page_notifications(struct req *r);
void page_notifications_read(struct req *r);
void page_notification_open(struct req *r);

/* catalog.c */
void page_admin_campaigns(struct req *r);
void page_admin_campaign_create(struct req *r);
void page_admin_campaign(struct req *r);
void page_admin_campaign_update(struct req *r);
void page_admin_phase_save(struct req *r);
void page_admin_taxonomy(struct req *r);
void page_admin_taxonomy_save(struct req *r);

/* calendar_pages.c */
void page_admin_calendar(struct req *r);
void page_admin_calendar_upload(struct req *r);
void api_calendar_year(struct req *r);
void api_workdays(struct req *r);

/* time_limit_pages.c */
void page_admin_time_limits(struct req *r);
void page_admin_time_limit_add(struct req *r);
void page_admin_time_limit_retire(struct req *r);
void api_time_limits(struct req *r);
void api_time_limit_add(struct req *r);
void api_time_limit_retire(struct req *r);

/* stats_api.c */
void api_stats(struct req *r);

/* report_pages.c */
void page_ranking(struct req *r);
void page_dispatch(struct req *r);
void page_urge_notice(struct req *r);
/* assess_pages.c: the monthly assessment (考评) */
void page_assessment(struct req *r);
void page_assessment_publish(struct req *r);
void page_admin_assessment(struct req *r);
void page_admin_assessment_save(struct req *r);
void api_assessment(struct req *r);
void api_assessment_publish(struct req *r);
/* filing_pages.c: sealed ledgers (报送) */
void api_filing_create(struct req *r);
void api_filings(struct req *r);
void api_filing_get(struct req *r);
void api_filing_leads(struct req *r);
void page_filings(struct req *r);
void page_filing_create(struct req *r);
void page_filing(struct req *r);
void api_filing_key(struct req *r);
void page_admin_outbox(struct req *r);
void page_spotcheck(struct req *r);

/* export.c */
void api_export_csv(struct req *r);
void api_export_xlsx(struct req *r);
/* The workbook of the tickets in ids_json (a JSON array of ids), masked, within the
 * requester's scope: the ledger page's 导出所选. */
void export_selected_xlsx(struct req *r, const char *ids_json);

/* import.c */
void api_import(struct req *r);
void page_import(struct req *r);
void page_import_post(struct req *r);
void page_import_progress(struct req *r);
void page_import_rejected(struct req *r);
void page_import_template(struct req *r);
struct import_progress;
/*
 * Imports the sheet in data[0..len) (an .xlsx workbook or CSV, told by its first bytes): the
 * report {imported, updated, unchanged, skipped, rejected_rows, rejected, reasons, outcomes,
 * rejected_csv, ...}, or NULL with e set when the file as a whole cannot be read. update:
 * rows naming a ticket update it rather than being skipped. progress (may be NULL) is kept
 * current.
 */
json_t *import_file(struct db *db, const struct subject *who, struct actor actor, const char *data, size_t len,
		    int update, struct import_progress *progress, struct err *e);
/* Waits until the imports running in the background are done (before the database closes). */
void import_wait_all(void);

/* static.c */
void static_file(struct req *r);
/* 1 if rel is a plain relative path: no empty, "." or ".." segments, no backslash or control bytes. */
int static_path_ok(const char *rel);
/* The Content-Type for a file name, by its extension. */
const char *static_content_type(const char *name);

#endif
