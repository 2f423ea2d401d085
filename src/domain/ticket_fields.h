/*
 * ticket_fields.h — the ticket's fields, declared once. Each row says what a field is called
 * (in JSON, in forms and in Chinese), what it holds, whether creation needs it, how long it
 * may be, who may change it afterwards and through which column, and whether the Excel export
 * shows it and the import reads it. Creation and edits validate by it, the new-ticket and edit
 * forms are rendered from it, the export writes its columns and the import reads its headers
 * from it.
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
	FT_URGENCY,     /* urgent or normal (labels.h) */
	FT_CATALOG,     /* a code of the taxonomy (lookup names its query in ticket.c) */
	FT_UNIT,        /* a unit's code: owning, responsible, or place, each with its rule */
	FT_UNITS,       /* units' codes or names (协办单位: cohandle.h), kept beside the ticket */
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
	int import;         /* the import reads it: 0 no, 1 optional, 2 required; a derived field
			     * with 1 is a key (问题编号), a fact (登记时间) an import keeps, or the
			     * hotline's callback (回访结果, 是否解决) it records on a closed ticket */
	int input;          /* text and dates: where creation keeps it in struct ticket_input
			     * (an offsetof), -1 for the rest */
	unsigned width;     /* the export's column width, in characters */
	/* Where the forms show it: 0 not at all; 1xx 来源 (the new-ticket form only), 2xx 问题,
	 * 3xx 整改; fields go in this order. The edit page shows the EDIT_FORM ones. */
	unsigned form;
	const char *hint;   /* under the input */
	const char *empty;  /* a select's choice of none (NULL: it has none) */
	int masked;         /* personal data: masked in lists and exports for those who may not see it
			     * (a masked cell coming back in an import is left alone) */
};

extern const struct ticket_field ticket_fields[];
extern const size_t ticket_field_count;

/*
 * The filter of the tickets both a and b hold (each a conjunction of its fields), into out:
 * 1, or 0 when no ticket can be in both (two different values of one field), or -1 when the
 * two cannot be joined into one filter (two different keywords or dates).
 */
struct ticket_filter;
struct filter_field;
/* Calls each() for every field of f in use, in the table's order: value for the valued kinds,
 * NULL and the flag (0 or 1) for flags and queues. */
void ticket_filter_each(const struct ticket_filter *f,
			void (*each)(const struct filter_field *ff, const char *value, int flag, void *arg), void *arg);
int ticket_filter_and(const struct ticket_filter *a, const struct ticket_filter *b, struct ticket_filter *out);

/* The row of name, or NULL. */
const struct ticket_field *ticket_field_find(const char *name);

/*
 * The ledger's filters, declared once: the query key the list, the API, the exports and the
 * filter form share, its Chinese label, what it holds, and where struct ticket_filter keeps
 * it. ticket_filter_read fills a filter from any source of values by it; the ledger page
 * renders its filter form from it. A new filter is one row, its member and its clause in
 * the list's query builder.
 */
enum filter_kind {
	FF_TEXT,    /* free text (the keyword search) */
	FF_VALUES,  /* one code of a value set (labels.h) */
	FF_OPTIONS, /* one code from the catalog or the units (the page names the list) */
	FF_DATE,    /* YYYY-MM-DD */
	FF_FLAG,    /* "1" or "true": yes; "0" or "false": no (where no is a filter); else any (-1) */
	FF_QUEUE,   /* a to-do queue: "1" or "true" asks for it (1); else not asked (0) */
	FF_MONTH,   /* YYYY-MM */
};

/* Which list of codes a FF_OPTIONS filter offers. */
enum filter_options { FO_NONE, FO_STREETS, FO_RESPONSIBLE, FO_DOMAINS, FO_SOURCES, FO_CATEGORIES, FO_CAMPAIGNS, FO_PLACES };

struct filter_field {
	const char *name;  /* the query key */
	const char *label; /* Chinese, on the filter form */
	enum filter_kind kind;
	size_t at;         /* offsetof the member of struct ticket_filter: const char * or int */
	const struct value_set *values; /* FF_VALUES */
	enum filter_options options;    /* FF_OPTIONS */
	int no_is_filter;  /* FF_FLAG: "0" narrows to "not" (else it means any) */
	const char *hint;  /* the input's placeholder */
};

extern const struct filter_field filter_fields[];
extern const size_t filter_field_count;

struct ticket_filter;
/* Sets f's filter members from get(src, key) for every row (NULL or "" leaves it unset). */
void ticket_filter_read(struct ticket_filter *f, const char *(*get)(void *src, const char *key), void *src);
struct buf;
/* The query string (without "?") that ticket_filter_read reads back as f: for links to the
 * ledger showing exactly a to-do section's or a figure's tickets. */
void ticket_filter_query(const struct ticket_filter *f, struct buf *out);

#endif
