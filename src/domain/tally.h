/*
 * tally.h — the running tallies behind the dashboard, reports and to-do counts, checked
 * against a recount of the ledger.
 */
#ifndef LEDGER_TALLY_H
#define LEDGER_TALLY_H

#include <stdio.h>

struct db;

/* Compares the tallies with the ledger row by row and answer by answer; prints each
 * difference to out. Returns 0 when they agree, 1 when not. */
int tally_check(struct db *db, FILE *out);

#endif
