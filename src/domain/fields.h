/*
 * fields.h — an entity's fields as a table: what each is called (JSON key, form field,
 * Chinese label), what it holds, when it is required, how long it may be and when it may be
 * set. The user, unit, campaign, phase and taxonomy tables live here; the ticket's richer table (with
 * its export and import columns) is ticket_fields.h, and shares the checks of one value.
 *
 * The domain validates by a table (fields_check: every message names the field's label), and
 * the pages render their forms from the same table (fields_form, rendered by the partial
 * "fields"). Adding a field to a user, unit or campaign form is one row here, the column it
 * goes to, and its place in the INSERT or UPDATE.
 */
#ifndef LEDGER_FIELDS_H
#define LEDGER_FIELDS_H

#include <jansson.h>
#include <stddef.h>

#include "labels.h"
#include "util.h"

enum field_kind {
	FK_TEXT,     /* free text of up to max characters */
	FK_CODE,     /* min..max characters of the class chars ("A-Z0-9_") */
	FK_PHONE,    /* a mobile number or a landline (field_phone_ok) */
	FK_DATE,     /* YYYY-MM-DD, a real day */
	FK_INT,      /* a whole number in min..max */
	FK_BOOL,     /* a checkbox: "1" or absent */
	FK_CHOICE,   /* one code of a value set (labels.h) */
	FK_REF,      /* a code the caller looks up (a unit): offered as a select from options */
	FK_PASSWORD, /* checked by auth_password_ok, never shown back */
};

/* When a field may be given, and when it must be: bits. */
enum { ON_CREATE = 1, ON_EDIT = 2, ON_BOTH = 3 };

struct field {
	const char *name;  /* JSON key and form field */
	const char *label; /* Chinese: the form's label and every message */
	enum field_kind kind;
	unsigned set;      /* ON_* where it is given */
	unsigned required; /* ON_* where it must not be empty */
	unsigned min, max; /* characters (text, code) or the range (int) */
	const char *chars; /* FK_CODE: its characters, as a class of ranges */
	const struct value_set *choices; /* FK_CHOICE */
	const char *hint;  /* shown under the input; FK_CODE: also what a wrong value is told */
};

struct field_table {
	const struct field *rows;
	size_t n;
};

extern const struct field_table USER_FIELDS, UNIT_FIELDS, CAMPAIGN_FIELDS, PHASE_FIELDS, TAXONOMY_FIELDS;

/* Where a check reads values: get(src, name) is the value given for name, or NULL. */
struct field_src {
	const char *(*get)(void *src, const char *name);
	void *src;
};

/* A source over a NULL-terminated list of { name, value } pairs. */
struct field_src field_pairs(const char *const (*pairs)[2]);

/*
 * Checks every field of t given on `on` against its row. Each wrong one is put into errors
 * (when non-NULL) under its name with its message; the first also sets e (422, "invalid",
 * the field named). Returns the number of wrong fields. FK_REF and FK_PASSWORD are checked
 * for presence only: their lookup is the caller's.
 */
int fields_check(const struct field_table *t, unsigned on, struct field_src src, json_t *errors, struct err *e);

/*
 * One value against its kind and length; 1 if good, else 0 with msg (Chinese, naming label).
 * The ticket's table checks its texts, phones and dates with it too.
 */
int field_value_ok(enum field_kind kind, const char *label, unsigned min, unsigned max, const char *chars,
		   const char *v, char *msg, size_t n);

/* A phone as the ledger takes it: 11 digits starting with 1, or a landline with its area code
 * (0 and 2-3 digits, then 7-8 digits, with or without "-", optionally "-" and an extension). */
int field_phone_ok(const char *v);

/*
 * The form's fields for `on`, in the table's order, as the partial "fields" renders them:
 * { id, name, label, input type, required, max, pattern, hint, value, error, options, checked };
 * id is prefix and name (forms of one page need ids of their own).
 * values and errors are objects keyed by name; options (keyed by name) gives a FK_REF's
 * choices as [{ code, label, selected }] (FK_CHOICE's come from its value set). Borrows all.
 */
json_t *fields_form(const struct field_table *t, unsigned on, const char *prefix, json_t *values, json_t *errors,
		    json_t *options);

#endif
