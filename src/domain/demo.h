/*
 * demo.h — the demo district of `ledger init --demo`: 高新区 (unit GX) with its street
 * offices, departments, communities and villages, the water-affairs campaign of seed 000
 * with its phases, and one user per role.
 */
#ifndef LEDGER_DEMO_H
#define LEDGER_DEMO_H

#include <stdio.h>

#include "db.h"

/* The password every demo user gets; it satisfies the password policy. */
#define DEMO_PASSWORD "Demo#2023"

/*
 * Installs the demo data in one transaction, unless unit GX already exists (then it does
 * nothing and returns 0). Writes the logins to out. Returns 1 if installed, 0, or -1.
 */
int demo_install(struct db *db, FILE *out, struct err *e);

/* Prints the demo logins (for `make run` on an existing database). */
void demo_print_logins(FILE *out);

#endif
