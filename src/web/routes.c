/*
 * routes.c — the one route table: every URL the application answers, its method, its
 * handler and who may reach it (the permission, a row of authz.c). Reading this file is
 * reading the web surface.
 */
#include <string.h>

#include "handlers.h"

const struct route route_table[] = {
	/* method  pattern  handler  access (sign-in, CSRF)  permission (authz.c: the role may)  multipart upload;
	 * the permission is checked before the handler runs (and before an upload's body is read);
	 * the handler then checks the ticket's scope where there is one. An action's own
	 * permission is its workflow row's (workflow.c). */
	{ "GET", "/healthz", api_healthz, ACCESS_PUBLIC, ACT_PUBLIC, 0 },
	{ "GET", "/static/{*path}", static_file, ACCESS_PUBLIC, ACT_PUBLIC, 0 },

	/* signing in and out */
	{ "GET", "/login", page_login, ACCESS_PUBLIC, ACT_PUBLIC, 0 },
	{ "POST", "/login", page_login_post, ACCESS_SIGN_IN, ACT_PUBLIC, 0 },
	{ "POST", "/logout", page_logout, ACCESS_USER, ACT_SIGNED_IN, 0 },
	{ "POST", "/api/v1/session", api_session_create, ACCESS_SIGN_IN, ACT_PUBLIC, 0 },
	{ "GET", "/api/v1/session", api_session_get, ACCESS_USER, ACT_SIGNED_IN, 0 },
	{ "DELETE", "/api/v1/session", api_session_delete, ACCESS_USER, ACT_SIGNED_IN, 0 },

	/* pages */
	{ "GET", "/", page_home, ACCESS_USER, ACT_SIGNED_IN, 0 },
	{ "GET", "/todo", page_todo, ACCESS_USER, ACT_DASHBOARD, 0 },
	{ "GET", "/notifications", page_notifications, ACCESS_USER, ACT_DASHBOARD, 0 },
	{ "POST", "/notifications/read", page_notifications_read, ACCESS_USER, ACT_DASHBOARD, 0 },
	{ "POST", "/notifications/{id}/open", page_notification_open, ACCESS_USER, ACT_DASHBOARD, 0 },
	{ "GET", "/reports/ranking", page_ranking, ACCESS_USER, ACT_REPORTS, 0 },
	{ "GET", "/reports/dispatch", page_dispatch, ACCESS_USER, ACT_REPORTS, 0 },
	{ "GET", "/reports/urge-notice", page_urge_notice, ACCESS_USER, ACT_REPORTS, 0 },
	{ "GET", "/reports/spotcheck", page_spotcheck, ACCESS_USER, ACT_REPORTS, 0 },
	{ "GET", "/filings", page_filings, ACCESS_USER, ACT_FILINGS_VIEW, 0 },
	{ "POST", "/filings", page_filing_create, ACCESS_USER, ACT_FILE, 0 },
	{ "GET", "/filings/{id}", page_filing, ACCESS_USER, ACT_FILINGS_VIEW, 0 },
	{ "GET", "/reports/assessment", page_assessment, ACCESS_USER, ACT_REPORTS, 0 },
	{ "POST", "/reports/assessment/publish", page_assessment_publish, ACCESS_USER, ACT_ASSESS_PUBLISH, 0 },
	{ "GET", "/import", page_import, ACCESS_USER, ACT_IMPORT, 0 },
	{ "POST", "/import", page_import_post, ACCESS_USER, ACT_IMPORT, 1 },
	{ "GET", "/import/template.xlsx", page_import_template, ACCESS_USER, ACT_IMPORT, 0 },
	{ "GET", "/import/{id}", page_import_progress, ACCESS_USER, ACT_IMPORT, 0 },
	{ "GET", "/import/{id}/rejected.csv", page_import_rejected, ACCESS_USER, ACT_IMPORT, 0 },
	{ "GET", "/tickets", page_tickets, ACCESS_USER, ACT_TICKET_VIEW, 0 },
	{ "GET", "/tickets/new", page_ticket_new, ACCESS_USER, ACT_TICKET_CREATE, 0 },
	{ "POST", "/tickets", page_ticket_create, ACCESS_USER, ACT_TICKET_CREATE, 1 },
	{ "POST", "/tickets/batch", page_tickets_batch, ACCESS_USER, ACT_TICKET_VIEW, 0 },
	{ "GET", "/tickets/{id}", page_ticket, ACCESS_USER, ACT_TICKET_VIEW, 0 },
	{ "GET", "/tickets/{id}/edit", page_ticket_edit, ACCESS_USER, ACT_TICKET_EDIT, 0 },
	{ "GET", "/tickets/{id}/notice", page_ticket_notice, ACCESS_USER, ACT_TICKET_VIEW, 0 },
	{ "POST", "/tickets/{id}/edit", page_ticket_update, ACCESS_USER, ACT_TICKET_EDIT, 0 },
	{ "POST", "/tickets/{id}/actions/{action}", page_ticket_action, ACCESS_USER, ACT_SIGNED_IN, 0 },
	{ "POST", "/tickets/{id}/attachments", page_ticket_upload, ACCESS_USER, ACT_UPLOAD, 1 },

	/* administration: users and org units */
	{ "GET", "/admin/users", page_admin_users, ACCESS_USER, ACT_ADMIN, 0 },
	{ "GET", "/admin/users/new", page_admin_user_new, ACCESS_USER, ACT_ADMIN, 0 },
	{ "POST", "/admin/users", page_admin_user_create, ACCESS_USER, ACT_ADMIN, 0 },
	{ "GET", "/admin/users/{id}", page_admin_user_edit, ACCESS_USER, ACT_ADMIN, 0 },
	{ "POST", "/admin/users/{id}", page_admin_user_update, ACCESS_USER, ACT_ADMIN, 0 },
	{ "POST", "/admin/users/{id}/password", page_admin_user_password, ACCESS_USER, ACT_ADMIN, 0 },
	{ "GET", "/admin/units", page_admin_units, ACCESS_USER, ACT_ADMIN, 0 },
	{ "POST", "/admin/units", page_admin_unit_create, ACCESS_USER, ACT_ADMIN, 0 },
	{ "GET", "/admin/units/{code}", page_admin_unit_edit, ACCESS_USER, ACT_ADMIN, 0 },
	{ "POST", "/admin/units/{code}", page_admin_unit_update, ACCESS_USER, ACT_ADMIN, 0 },
	{ "GET", "/admin/campaigns", page_admin_campaigns, ACCESS_USER, ACT_ADMIN, 0 },
	{ "POST", "/admin/campaigns", page_admin_campaign_create, ACCESS_USER, ACT_ADMIN, 0 },
	{ "GET", "/admin/campaigns/{code}", page_admin_campaign, ACCESS_USER, ACT_ADMIN, 0 },
	{ "POST", "/admin/campaigns/{code}", page_admin_campaign_update, ACCESS_USER, ACT_ADMIN, 0 },
	{ "POST", "/admin/campaigns/{code}/phases", page_admin_phase_save, ACCESS_USER, ACT_ADMIN, 0 },
	{ "POST", "/admin/campaigns/{code}/phases/{seq}", page_admin_phase_save, ACCESS_USER, ACT_ADMIN, 0 },
	{ "GET", "/admin/taxonomy", page_admin_taxonomy, ACCESS_USER, ACT_ADMIN, 0 },
	{ "POST", "/admin/taxonomy/{kind}", page_admin_taxonomy_save, ACCESS_USER, ACT_ADMIN, 0 },
	{ "POST", "/admin/taxonomy/{kind}/{code}", page_admin_taxonomy_save, ACCESS_USER, ACT_ADMIN, 0 },
	{ "GET", "/admin/calendar", page_admin_calendar, ACCESS_USER, ACT_ADMIN, 0 },
	{ "POST", "/admin/calendar", page_admin_calendar_upload, ACCESS_USER, ACT_ADMIN, 1 },
	{ "GET", "/admin/time-limits", page_admin_time_limits, ACCESS_USER, ACT_ADMIN, 0 },
	{ "GET", "/admin/outbox", page_admin_outbox, ACCESS_USER, ACT_ADMIN, 0 },
	{ "GET", "/admin/assessment", page_admin_assessment, ACCESS_USER, ACT_ADMIN, 0 },
	{ "POST", "/admin/assessment", page_admin_assessment_save, ACCESS_USER, ACT_ADMIN, 0 },
	{ "POST", "/admin/time-limits", page_admin_time_limit_add, ACCESS_USER, ACT_ADMIN, 0 },
	{ "POST", "/admin/time-limits/{id}/retire", page_admin_time_limit_retire, ACCESS_USER, ACT_ADMIN, 0 },
	{ "GET", "/api/v1/units", api_units, ACCESS_USER, ACT_SIGNED_IN, 0 },

	/* the ledger API */
	{ "GET", "/api/v1/campaigns", api_campaigns, ACCESS_USER, ACT_SIGNED_IN, 0 },
	{ "GET", "/api/v1/taxonomy", api_taxonomy, ACCESS_USER, ACT_SIGNED_IN, 0 },
	{ "POST", "/api/v1/tickets", api_ticket_create, ACCESS_USER, ACT_TICKET_CREATE, 0 },
	{ "GET", "/api/v1/tickets", api_ticket_list, ACCESS_USER, ACT_TICKET_VIEW, 0 },
	{ "GET", "/api/v1/tickets/{id}", api_ticket_get, ACCESS_USER, ACT_TICKET_VIEW, 0 },
	{ "PATCH", "/api/v1/tickets/{id}", api_ticket_patch, ACCESS_USER, ACT_TICKET_EDIT, 0 },
	{ "POST", "/api/v1/tickets/{id}/actions/{action}", api_ticket_action, ACCESS_USER, ACT_SIGNED_IN, 0 },
	{ "POST", "/api/v1/tickets/{id}/attachments", api_ticket_upload, ACCESS_USER, ACT_UPLOAD, 1 },
	{ "GET", "/api/v1/attachments/{id}", api_attachment_get, ACCESS_USER, ACT_TICKET_VIEW, 0 },
	{ "GET", "/api/v1/attachments/{id}/thumb", api_attachment_thumb, ACCESS_USER, ACT_TICKET_VIEW, 0 },
	{ "GET", "/api/v1/export.csv", api_export_csv, ACCESS_USER, ACT_EXPORT, 0 },
	{ "GET", "/api/v1/export.xlsx", api_export_xlsx, ACCESS_USER, ACT_EXPORT, 0 },
	{ "GET", "/api/v1/stats", api_stats, ACCESS_USER, ACT_DASHBOARD, 0 },
	{ "GET", "/api/v1/assessment", api_assessment, ACCESS_USER, ACT_REPORTS, 0 },
	{ "POST", "/api/v1/filings", api_filing_create, ACCESS_USER, ACT_FILE, 0 },
	{ "GET", "/api/v1/filings", api_filings, ACCESS_USER, ACT_FILINGS_VIEW, 0 },
	{ "GET", "/api/v1/filings/key", api_filing_key, ACCESS_USER, ACT_FILINGS_VIEW, 0 },
	{ "GET", "/api/v1/filings/{id}", api_filing_get, ACCESS_USER, ACT_FILINGS_VIEW, 0 },
	{ "GET", "/api/v1/filings/{id}/leads", api_filing_leads, ACCESS_USER, ACT_FILINGS_VIEW, 0 },
	{ "POST", "/api/v1/assessment/publish", api_assessment_publish, ACCESS_USER, ACT_ASSESS_PUBLISH, 0 },
	{ "GET", "/api/v1/calendar/{year}", api_calendar_year, ACCESS_USER, ACT_SIGNED_IN, 0 },
	{ "GET", "/api/v1/workdays", api_workdays, ACCESS_USER, ACT_SIGNED_IN, 0 },
	{ "GET", "/api/v1/time-limits", api_time_limits, ACCESS_USER, ACT_SIGNED_IN, 0 },
	{ "POST", "/api/v1/time-limits", api_time_limit_add, ACCESS_USER, ACT_ADMIN, 0 },
	{ "DELETE", "/api/v1/time-limits/{id}", api_time_limit_retire, ACCESS_USER, ACT_ADMIN, 0 },
	{ "POST", "/api/v1/import", api_import, ACCESS_USER, ACT_IMPORT, 1 },
	{ "GET", "/api/v1/notifications", api_notifications, ACCESS_USER, ACT_DASHBOARD, 0 },
	{ "POST", "/api/v1/notifications/read", api_notifications_read, ACCESS_USER, ACT_DASHBOARD, 0 },
};

const size_t route_count = sizeof route_table / sizeof route_table[0];

/* A page a sign-in may send the browser on to (see handlers.h). */
int routes_safe_next(const char *next)
{
	if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' || strlen(next) > 500)
		return 0;
	for (const unsigned char *p = (const unsigned char *)next; *p; p++)
		if (*p <= 0x20 || *p >= 0x7F || *p == '\\')
			return 0; /* controls, spaces, tabs and anything a browser might strip or fold */
	char path[512];
	snprintf(path, sizeof path, "%.*s", (int)strcspn(next, "?#"), next);
	struct route_params params;
	for (size_t i = 0; i < route_count; i++)
		if (strcmp(route_table[i].method, "GET") == 0 && route_match(route_table[i].pattern, path, &params))
			return 1;
	return 0;
}
