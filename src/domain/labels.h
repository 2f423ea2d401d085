/*
 * labels.h — the ledger's value sets: each code the API speaks (SPEC section 7) beside the
 * Chinese the UI shows, one table per set, in the order forms list them. Every page, export
 * and import that names a status, urgency, light, colour, callback answer or method, unit
 * kind, phase kind or role reads it here.
 */
#ifndef LEDGER_LABELS_H
#define LEDGER_LABELS_H

#include <stddef.h>

struct value_set {
	const char *const (*pairs)[2]; /* { code, label } */
	size_t n;
};

extern const struct value_set VS_STATUS, VS_URGENCY, VS_LIGHT, VS_COLOR, VS_CALLBACK_RESULT, VS_CALLBACK_METHOD,
	VS_UNIT_KIND, VS_PHASE_KIND, VS_ROLE, VS_NOTE_KIND, VS_SIGN, VS_TL_UNIT, VS_RETURN_REASON,
	VS_RETURN_OUTCOME, VS_CARD, VS_CO_STATUS, VS_ASSESS;

/* The label of code in vs; "" when code is NULL or not in it. */
const char *vs_label(const struct value_set *vs, const char *code);
/* The code whose code or label is s (an import may use either); NULL if none. */
const char *vs_code(const struct value_set *vs, const char *s);
/* 1 if code is one of vs's codes. */
int vs_has(const struct value_set *vs, const char *code);

#endif
