/*
 * ticket_fields.h — the ticket's fields, declared once. Each row says what a field is called
 * (in JSON, in forms and in Chinese), what it holds, whether creation needs it, how long it
 * may be, who may change it afterwards and through which column, and whether the Excel export
 * shows it and the import reads it. Creation and edits validate by it, the edit page lists
 * from it, the export writes its columns and the import reads its headers from it.
 *
 * To add a field: one row here (its place is its column in the export), a migration adding
 * the column, and the column in ticket.c's TICKET_COLUMNS and row_out (the JSON writer, kept
 * by position for speed) and, when the page shows it, in the ticket page's template.
 */
#ifndef LEDGER_TICKET_FIELDS_H
#define LEDGER_TICKET_FIELDS_H

#include <stddef.h>

enum field_type {
	FT_TEXT,        /* free text */
	FT_PHONE,       /* digits, - + and spaces */
	FT_DATE,        /* YYYY-MM-DD */
	FT_URGENCY,     /* urgent, normal, complex (labels.h) */
	FT_CATALOG,     /* a code of the taxonomy (lookup names its query in ticket.c) */
	FT_UNIT,        /* a unit's code: owning, responsible, or place, each with its rule */
	FT_DERIVED,     /* computed or kept by the workflow: shown and exported, never set */
};

/* Who may change a field after creation (bits); none: fixed once logged. */
enum {
	EDIT_STAFF = 1,    /* staff in scope and reviewers */
	EDIT_ASSIGN = 2,   /* reviewers only: the assignment (responsible unit, person, deadline) */
	EDIT_FORM = 4,     /* offered on the edit page */
	EDIT_KEEP = 8,     /* an edit may change it but not empty it */
};

struct ticket_field {
	const char *name;   /* JSON key, form field, import field */
	const char *label;  /* Chinese: forms, messages, the export's and import's headers */
	enum field_type type;
	int required;       /* at creation */
	unsigned max;       /* characters (text), 0 for the rest */
	unsigned edit;      /* EDIT_* bits */
	const char *column; /* what an edit writes (a code's _id column); NULL: not edited */
	const char *export_key, *export_sub; /* where the export reads it in the ticket's JSON; NULL: not exported */
	int import;         /* the import reads it: 0 no, 1 optional, 2 required */
	int input;          /* text and dates: where creation keeps it in struct ticket_input
			     * (an offsetof), -1 for the rest */
	unsigned width;     /* the export's column width, in characters */
};

extern const struct ticket_field ticket_fields[];
extern const size_t ticket_field_count;

/* The row of name, or NULL. */
const struct ticket_field *ticket_field_find(const char *name);

#endif
