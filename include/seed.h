/*
 * seed.h — synthetic tickets over the demo units, states, domains and dates, for
 * benchmarks and demonstrations (`ledger seed`). Reproducible: the same N gives the same
 * tickets on a fresh demo database.
 */
#ifndef LEDGER_SEED_H
#define LEDGER_SEED_H

#include <stdio.h>

#include "db.h"

/* Adds n tickets (with their events) in batches; reports progress to out. 0 or -1. */
int seed_run(struct db *db, long n, FILE *out, struct err *e);

#endif
