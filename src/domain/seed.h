/*
 * seed.h — synthetic tickets over the demo units, states, domains and dates, for
 * benchmarks and demonstrations (`ledger seed`). Reproducible: the same N on the same day
 * gives the same tickets on a fresh demo database.
 */
#ifndef LEDGER_SEED_H
#define LEDGER_SEED_H

#include <stdio.h>

#include "db.h"

/*
 * Adds n tickets (with their events) in batches, logged over the eight weeks before today into
 * the campaign under way; photos of evidence go to data_dir (NULL: none). Reports progress to
 * out. 0 or -1.
 */
int seed_run(struct db *db, long n, const char *data_dir, FILE *out, struct err *e);

#endif
