/*
 * mask.h — masking citizens' personal data for people who do not act on a ticket:
 * names keep their first character (张三 → 张*), phone numbers their first three and last
 * four digits (13812345678 → 138****5678).
 */
#ifndef LEDGER_MASK_H
#define LEDGER_MASK_H

#include "util.h"

/* Appends the masked form of a UTF-8 name to out. */
void mask_name(const char *name, struct buf *out);
/* Appends the masked form of a phone number to out. */
void mask_phone(const char *phone, struct buf *out);

#endif
