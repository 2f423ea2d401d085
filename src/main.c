/*
 * main.c — the `ledger` command line: init, seed, user add, serve, backup, audit-verify,
 * calendar import, tally-check.
 * Each subcommand declares its options in a table; `--help` prints them.
 */
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filing.h"
#include "audit.h"
#include "calendar.h"
#include "db.h"
#include "demo.h"
#include "handlers.h"
#include "http.h"
#include "migrate.h"
#include "notify.h"
#include "webhook.h"
#include "org.h"
#include "seed.h"
#include "tally.h"

struct opt {
	const char *name;
	int takes_value;
	const char *help;
	const char *value; /* filled by parse_opts; "1" for flags that were given */
};

struct command {
	const char *name;
	const char *summary;
	int (*run)(struct opt *opts);
	struct opt opts[16];
};

/* Whether FILE... may follow the options: only calendar import's year files. */
static int takes_files(const struct command *c)
{
	return strcmp(c->name, "calendar import") == 0;
}

/* The files named after a command's options, for a command that takes them. */
static char **files;
static int nfiles;

static const char *opt_get(struct opt *opts, const char *name)
{
	for (struct opt *o = opts; o->name; o++)
		if (strcmp(o->name, name) == 0)
			return o->value;
	return NULL;
}

static void usage_command(FILE *f, const struct command *c)
{
	fprintf(f, "usage: ledger %s", c->name);
	for (const struct opt *o = c->opts; o->name; o++)
		fprintf(f, " [--%s%s]", o->name, o->takes_value ? " VALUE" : "");
	fprintf(f, "\n\n%s\n\noptions:\n", c->summary);
	for (const struct opt *o = c->opts; o->name; o++)
		fprintf(f, "  --%-12s %s\n", o->name, o->help);
	fprintf(f, "  --%-12s %s\n", "help", "show this help");
}

/* Returns 0, 1 when --help was asked (and printed), or -1 on a bad option (reported). */
static int parse_opts(const struct command *c, struct opt *opts, int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage_command(stdout, c);
			return 1;
		}
		if (strncmp(a, "--", 2) != 0 && takes_files(c)) {
			if (!files)
				files = argv + i;
			else if (files + nfiles != argv + i) {
				fprintf(stderr, "ledger %s: files go after the options ('%s')\n", c->name, a);
				return -1;
			}
			nfiles++;
			continue;
		}
		if (strncmp(a, "--", 2) != 0) {
			fprintf(stderr, "ledger %s: unexpected argument '%s'\n", c->name, a);
			return -1;
		}
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t nl = eq ? (size_t)(eq - name) : strlen(name);
		struct opt *o = opts;
		while (o->name && !(strlen(o->name) == nl && strncmp(o->name, name, nl) == 0))
			o++;
		if (!o->name) {
			fprintf(stderr, "ledger %s: unknown option '%s' (see --help)\n", c->name, a);
			return -1;
		}
		if (!o->takes_value) {
			o->value = "1";
		} else if (eq) {
			o->value = eq + 1;
		} else if (i + 1 < argc) {
			o->value = argv[++i];
		} else {
			fprintf(stderr, "ledger %s: option --%s needs a value\n", c->name, o->name);
			return -1;
		}
	}
	return 0;
}

static int need(struct opt *opts, const char *cmd, const char *name)
{
	if (opt_get(opts, name))
		return 1;
	fprintf(stderr, "ledger %s: --%s is required (see --help)\n", cmd, name);
	return 0;
}

static struct db *open_migrated(const char *path)
{
	struct err e = { 0 };
	struct db *db = db_open(path, &e);
	if (!db) {
		fprintf(stderr, "%s\n", e.message);
		return NULL;
	}
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/migrations", resource_root());
	int applied = migrate_run(db, dir, &e);
	if (applied < 0) {
		fprintf(stderr, "%s\n", e.message);
		db_close(db);
		return NULL;
	}
	/* A migration may have replaced an index, whose planner statistics went with it. */
	if (applied > 0 && db_stats_take(db, &e) != 0)
		fprintf(stderr, "planner statistics not taken: %s\n", e.message);
	return db;
}

/* ---------------------------------------------------------------- subcommands */

static int cmd_init(struct opt *opts)
{
	if (!need(opts, "init", "db"))
		return 2;
	struct db *db = open_migrated(opt_get(opts, "db"));
	if (!db)
		return 1;
	int rc = 0;
	printf("数据库 %s 已就绪（结构版本 %d）。\n", opt_get(opts, "db"), migrate_version(db));
	/* The holiday notices the build installed: every year not in yet. */
	char dir[4200];
	snprintf(dir, sizeof dir, "%s/" CALENDAR_PACKAGE_DIR, resource_root());
	char pkg[4200], source[64] = "chinese-days";
	snprintf(pkg, sizeof pkg, "%s/" CALENDAR_PACKAGE_DIR "/../../package.json", resource_root());
	json_t *meta = json_load_file(pkg, 0, NULL);
	if (json_is_string(json_object_get(meta, "version")))
		snprintf(source, sizeof source, "chinese-days %s", json_string_value(json_object_get(meta, "version")));
	json_decref(meta);
	int years = calendar_load_dir(db, dir, source, 0, stdout);
	if (years > 0)
		printf("已载入 %d 个年度的节假日安排。\n", years);
	else if (years < 0)
		printf("节假日安排未载入：工作日按周一至周五估算（ledger calendar import 可补载）。\n");
	if (opt_get(opts, "demo")) {
		struct err e = { 0 };
		int r = demo_install(db, stdout, &e);
		if (r < 0) {
			fprintf(stderr, "%s\n", e.message);
			rc = 1;
		} else if (r == 0) {
			printf("演示数据已存在，未重复创建。\n");
			demo_print_logins(stdout);
		}
	}
	db_close(db);
	return rc;
}

/*
 * The data folder (attachments) of --data, else data/ beside the database, created with its
 * tmp/ and thumbs/ if missing. NULL (reported) when it cannot be.
 */
static const char *data_folder(struct opt *opts, const char *cmd, char *buf, size_t n)
{
	const char *db = opt_get(opts, "db"), *data = opt_get(opts, "data");
	if (!data) {
		const char *slash = strrchr(db, '/');
		snprintf(buf, n, "%.*sdata", slash ? (int)(slash - db + 1) : 0, db);
		data = buf;
	}
	char sub[4200];
	const char *subs[] = { "", "/tmp", "/thumbs" };
	for (size_t i = 0; i < ARRAY_LEN(subs); i++) {
		snprintf(sub, sizeof sub, "%s%s", data, subs[i]);
		if (mkdir(sub, 0750) != 0 && errno != EEXIST) {
			fprintf(stderr, "ledger %s: cannot create data folder %s: %s\n", cmd, sub, strerror(errno));
			return NULL;
		}
	}
	return data;
}

static int cmd_seed(struct opt *opts)
{
	if (!need(opts, "seed", "db") || !need(opts, "seed", "tickets"))
		return 2;
	char *end;
	long n = strtol(opt_get(opts, "tickets"), &end, 10);
	if (*end || n < 1 || n > 10000000) {
		fprintf(stderr, "ledger seed: --tickets must be a number from 1 to 10000000\n");
		return 2;
	}
	struct db *db = open_migrated(opt_get(opts, "db"));
	if (!db)
		return 1;
	/* Bulk load with a page cache of 256 MB (the most it holds; a small ledger stays whole in
	 * memory while its indexes are built). */
	/* The load is one transaction (seed.c). In WAL mode all of it would go to the WAL first,
	 * to be copied into the database after the commit, and finding a page among millions of
	 * frames grows with them; with a rollback journal the new pages are written in place and
	 * the journal holds only what the load changed of the pages that were there. So the load
	 * runs with a rollback journal when nothing else has the ledger open (a running server
	 * keeps it in WAL mode), and gives the ledger back in WAL mode. */
	int journal = 0;
	sqlite3_stmt *jm = NULL;
	if (sqlite3_prepare_v2(db_handle(db), "PRAGMA journal_mode=DELETE", -1, &jm, NULL) == SQLITE_OK &&
	    sqlite3_step(jm) == SQLITE_ROW)
		journal = strcmp((const char *)sqlite3_column_text(jm, 0), "delete") == 0;
	sqlite3_finalize(jm);
	db_exec(db, journal ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", NULL);
	db_exec(db, "PRAGMA cache_size=-262144", NULL);
	struct err e = { 0 };
	double t0 = mono_ms();
	char data_default[4096];
	const char *data = data_folder(opts, "seed", data_default, sizeof data_default);
	if (!data) {
		db_close(db);
		return 1;
	}
	int rc = seed_run(db, n, data, stdout, &e);
	if (journal)
		db_exec(db, "PRAGMA journal_mode=WAL", NULL);
	db_close(db);
	if (rc != 0) {
		fprintf(stderr, "%s\n", e.message);
		return 1;
	}
	printf("完成：%ld 个问题，用时 %.1f 秒。\n", n, (mono_ms() - t0) / 1000);
	return 0;
}

/* Reads one line (the password) from standard input, without its line ending. */
static int read_password(char *out, size_t n)
{
	if (!fgets(out, (int)n, stdin))
		return -1;
	size_t l = strlen(out);
	if (l == n - 1 && out[l - 1] != '\n')
		return -1; /* longer than we accept */
	while (l && (out[l - 1] == '\n' || out[l - 1] == '\r'))
		out[--l] = '\0';
	return 0;
}

static int cmd_user_add(struct opt *opts)
{
	if (!need(opts, "user add", "db") || !need(opts, "user add", "login") || !need(opts, "user add", "role") ||
	    !need(opts, "user add", "unit"))
		return 2;
	char password[300];
	if (read_password(password, sizeof password) != 0) {
		fprintf(stderr, "ledger user add: read the password as one line on standard input\n");
		return 2;
	}
	struct db *db = open_migrated(opt_get(opts, "db"));
	if (!db)
		return 1;
	struct err e = { 0 };
	const char *login = opt_get(opts, "login");
	const char *name = opt_get(opts, "name") ? opt_get(opts, "name") : login;
	/* Wrapped in a transaction: the user and its event are written together or not at all. */
	struct actor cli = { 0, "command-line" };
	long long id = -1;
	if (db_exec(db, "BEGIN IMMEDIATE", &e) == 0) {
		id = org_user_add(db, &cli, login, name, opt_get(opts, "phone"), opt_get(opts, "role"),
				    opt_get(opts, "unit"), password, &e);
		db_exec(db, id < 0 ? "ROLLBACK" : "COMMIT", NULL);
	}
	sodium_memzero(password, sizeof password);
	db_close(db);
	if (id < 0) {
		fprintf(stderr, "无法添加用户：%s\n", e.message);
		return 1;
	}
	printf("已添加用户 %s（%s，单位 %s）。\n", login, opt_get(opts, "role"), opt_get(opts, "unit"));
	return 0;
}

static int cmd_serve(struct opt *opts)
{
	if (!need(opts, "serve", "db"))
		return 2;
	const char *db = opt_get(opts, "db");
	char data_default[4096];
	const char *data = data_folder(opts, "serve", data_default, sizeof data_default);
	if (!data)
		return 1;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	struct server_config cfg = {
		.db_path = db,
		.bind = opt_get(opts, "bind") ? opt_get(opts, "bind") : "127.0.0.1",
		.port = opt_get(opts, "port") ? atoi(opt_get(opts, "port")) : 8080,
		.data_dir = data,
		/* One network thread per core: reads use the CPU and nothing else (writes wait on
		 * request threads of their own), so more threads only add switches and latency. */
		.threads = opt_get(opts, "threads") ? (unsigned)atoi(opt_get(opts, "threads"))
						     : (unsigned)(cores > 1 ? cores : 2),
		.max_body = 1024 * 1024,
		.max_upload = (opt_get(opts, "max-upload") ? atoll(opt_get(opts, "max-upload")) : 20) * 1024 * 1024,
		.conn_per_ip = opt_get(opts, "per-ip") ? (unsigned)atoi(opt_get(opts, "per-ip")) : 64,
		.idle_timeout = opt_get(opts, "idle") ? (unsigned)atoi(opt_get(opts, "idle")) : 30,
		.stats_every = opt_get(opts, "stats-every") ? (unsigned)atoi(opt_get(opts, "stats-every")) : 600,
		.secure_cookies = opt_get(opts, "secure-cookies") != NULL,
		.trusted_proxy = opt_get(opts, "proxy"),
		.routes = route_table,
		.nroutes = route_count,
		.todo_count = todo_count,
		.unread_count = unread_count,
		.on_stop = import_wait_all,
		/* Cards and sign-overdue notices: at start, then every ten minutes (SPEC section 9). */
		.tick = sweep_run,
		.tick_every = opt_get(opts, "sweep-every") ? (unsigned)atoi(opt_get(opts, "sweep-every")) : 600,
	};
	/* The group robot (SPEC section 10): every notification through the durable outbox. */
	const char *url = opt_get(opts, "notify-url");
	if (url) {
		if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
			fprintf(stderr, "ledger serve: --notify-url must be an http:// or https:// address\n");
			return 2;
		}
		webhook_configure(url);
		notify_outbox_enable(1);
		cfg.deliver = webhook_pass;
		cfg.deliver_every = WEBHOOK_EVERY_S;
	}
	if (cfg.port < 0 || cfg.port > 65535 || cfg.threads < 1 || cfg.threads > 64 || cfg.conn_per_ip < 1 ||
	    cfg.idle_timeout < 1 || cfg.stats_every < 1) {
		fprintf(stderr, "ledger serve: invalid --port, --threads, --per-ip, --idle or --stats-every\n");
		return 2;
	}
	/* The key that signs filings (SPEC section 12): in the data folder, made on first start. */
	struct err ke = { 0 };
	if (filing_key_load(data, &ke) != 0) {
		fprintf(stderr, "ledger serve: %s\n", ke.message);
		return 1;
	}
	webhook_global_init();
	int rc = server_run(&cfg);
	webhook_global_cleanup();
	return rc;
}

static int cmd_backup(struct opt *opts)
{
	if (!need(opts, "backup", "db") || !need(opts, "backup", "out"))
		return 2;
	const char *out = opt_get(opts, "out");
	if (access(out, F_OK) == 0) {
		fprintf(stderr, "ledger backup: %s exists; choose a new file name\n", out);
		return 1;
	}
	sqlite3 *src = NULL, *dst = NULL;
	int rc = 1;
	if (sqlite3_open_v2(opt_get(opts, "db"), &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "ledger backup: cannot open %s: %s\n", opt_get(opts, "db"), sqlite3_errmsg(src));
		goto done;
	}
	sqlite3_busy_timeout(src, 5000);
	if (sqlite3_open_v2(out, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		fprintf(stderr, "ledger backup: cannot create %s: %s\n", out, sqlite3_errmsg(dst));
		goto done;
	}
	/* One step over all pages: the copy is one consistent snapshot, while writers go on (WAL). */
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b) {
		fprintf(stderr, "ledger backup: %s\n", sqlite3_errmsg(dst));
		goto done;
	}
	int step;
	while ((step = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || step == SQLITE_LOCKED)
		sqlite3_sleep(50);
	sqlite3_backup_finish(b);
	if (step != SQLITE_DONE) {
		fprintf(stderr, "ledger backup: copy failed: %s\n", sqlite3_errstr(step));
		goto done;
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(dst, "PRAGMA quick_check", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
	    strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0) {
		printf("备份完成：%s\n", out);
		rc = 0;
	} else {
		fprintf(stderr, "ledger backup: the copy failed its integrity check\n");
	}
	sqlite3_finalize(st);
done:
	sqlite3_close(dst);
	sqlite3_close(src);
	if (rc != 0 && dst)
		unlink(out);
	return rc;
}

/* The existing database named by --db, for a command that only reads it; NULL (reported). */
static struct db *open_existing(struct opt *opts, const char *command)
{
	if (!need(opts, command, "db"))
		return NULL;
	struct err e = { 0 };
	if (access(opt_get(opts, "db"), R_OK) != 0) {
		fprintf(stderr, "ledger %s: cannot read %s\n", command, opt_get(opts, "db"));
		return NULL;
	}
	struct db *db = db_open(opt_get(opts, "db"), &e);
	if (!db)
		fprintf(stderr, "%s\n", e.message);
	return db;
}

static int cmd_audit_verify(struct opt *opts)
{
	struct db *db = open_existing(opts, "audit-verify");
	if (!db)
		return 2;
	int rc = audit_verify(db, stdout);
	db_close(db);
	return rc == 0 ? 0 : rc == 1 ? 1 : 2;
}

/* ledger filing-verify --db FILE --data DIR: every filing against its key and the ledger. */
static int cmd_filing_verify(struct opt *opts)
{
	struct db *db = open_existing(opts, "filing-verify");
	if (!db)
		return 2;
	char data_default[4096];
	const char *data = opt_get(opts, "data");
	if (!data) {
		const char *d = opt_get(opts, "db"), *slash = strrchr(d, '/');
		snprintf(data_default, sizeof data_default, "%.*sdata", slash ? (int)(slash - d + 1) : 0, d);
		data = data_default;
	}
	int rc = filing_verify(db, data, stdout);
	db_close(db);
	return rc == 0 ? 0 : rc == 1 ? 1 : 2;
}

static int cmd_tally_check(struct opt *opts)
{
	struct db *db = open_existing(opts, "tally-check");
	if (!db)
		return 2;
	int rc = tally_check(db, stdout);
	db_close(db);
	return rc;
}

/* ledger calendar import --db FILE YEAR.json...: each file replaces its year. */
static int cmd_calendar_import(struct opt *opts)
{
	if (!need(opts, "calendar import", "db"))
		return 2;
	if (nfiles == 0) {
		fprintf(stderr, "ledger calendar import: name at least one year file (YYYY.json)\n");
		return 2;
	}
	struct db *db = open_migrated(opt_get(opts, "db"));
	if (!db)
		return 1;
	int rc = 0;
	for (int i = 0; i < nfiles && rc == 0; i++) {
		const char *base = strrchr(files[i], '/');
		struct err e = { 0 };
		struct actor sys = ACTOR_SYSTEM;
		struct calendar_year_info info;
		char msg[320] = "";
		if (db_exec(db, "BEGIN IMMEDIATE", &e) != 0 ||
		    calendar_file_store(db, files[i], base ? base + 1 : files[i], &sys, &info, msg, sizeof msg) != 0 ||
		    db_exec(db, "COMMIT", &e) != 0) {
			fprintf(stderr, "%s：%s\n", files[i], msg[0] ? msg : e.message);
			db_exec(db, "ROLLBACK", NULL);
			rc = 1;
		} else
			printf("%d 年：%zu 个休息日，%zu 个与周一至周五不同的日子，已载入。\n", info.year, info.holidays,
			       info.exceptions);
	}
	db_close(db);
	return rc;
}

static struct command commands[] = {
	{ "init", "Create or migrate the database; --demo adds the demo district, campaign and users.", cmd_init,
	  { { "db", 1, "database file (created if missing)", NULL }, { "demo", 0, "add the demo data", NULL } } },
	{ "seed", "Add N synthetic tickets over the eight weeks before today, in the campaign under way.", cmd_seed,
	  { { "db", 1, "database file", NULL },
	    { "tickets", 1, "how many tickets", NULL },
	    { "data", 1, "folder for the photos of evidence (default: data/ beside the database)", NULL } } },
	{ "user add", "Add a user; the password is read as one line from standard input.", cmd_user_add,
	  { { "db", 1, "database file", NULL },
	    { "login", 1, "login name", NULL },
	    { "role", 1, "staff, reviewer, supervisor or admin", NULL },
	    { "unit", 1, "unit code, e.g. XR", NULL },
	    { "name", 1, "display name (default: the login)", NULL },
	    { "phone", 1, "phone number", NULL } } },
	{ "serve", "Serve the web application and the JSON API.", cmd_serve,
	  { { "db", 1, "database file (migrated at start)", NULL },
	    { "port", 1, "TCP port (default 8080; 0 picks a free one)", NULL },
	    { "bind", 1, "address to listen on (default 127.0.0.1)", NULL },
	    { "data", 1, "folder for attachments (default: data/ beside the database)", NULL },
	    { "threads", 1, "network threads (default: one per core, at least 2)", NULL },
	    { "per-ip", 1, "connections allowed per client address (default 64)", NULL },
	    { "idle", 1, "seconds before an idle connection is closed (default 30)", NULL },
	    { "sweep-every", 1, "seconds between the passes that issue cards and reminders (default 600)", NULL },
	    { "stats-every", 1, "seconds between checks of the planner statistics (default 600)", NULL },
	    { "max-upload", 1, "largest attachment in MB (default 20)", NULL },
	    { "secure-cookies", 0, "mark cookies Secure (the site is served over HTTPS)", NULL },
	    { "proxy", 1, "address of the reverse proxy in front (trusts its X-Forwarded-For and -Proto)", NULL },
	    { "notify-url", 1, "group-robot webhook (企业微信/钉钉) each notification is posted to, through a durable outbox", NULL } } },
	{ "backup", "Copy the database online into a new file (SQLite backup API).", cmd_backup,
	  { { "db", 1, "database file", NULL }, { "out", 1, "new file to write", NULL } } },
	{ "audit-verify", "Check the event hash chain; exit 0 when intact, 1 naming the first bad event.",
	  cmd_audit_verify,
	  { { "db", 1, "database file", NULL } } },
	{ "calendar import", "Load holiday notices (chinese-days' or holiday-cn's YEAR.json), each replacing its year.",
	  cmd_calendar_import,
	  { { "db", 1, "database file", NULL } } },
	{ "filing-verify", "Check every filing (报送): signature, root, items against the ledger; exit 1 naming the first that fails.",
	  cmd_filing_verify,
	  { { "db", 1, "database file", NULL }, { "data", 1, "data folder with filing.key (default: data/ beside the database)", NULL } } },
	{ "tally-check", "Recount the dashboard's running tallies from the ledger; exit 0 when they agree.",
	  cmd_tally_check,
	  { { "db", 1, "database file", NULL } } },
};

static void usage(FILE *f)
{
	fprintf(f, "满意台账 · Satisfaction Ledger\n\nusage: ledger COMMAND [options]\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_LEN(commands); i++)
		fprintf(f, "  %-13s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'ledger COMMAND --help' describes each command's options.\n"
		   "LEDGER_NOW=2023-09-26T10:00:00+08:00 fixes the clock; LEDGER_ROOT names the folder with "
		   "templates/, static/ and migrations/.\n");
}

int main(int argc, char **argv)
{
	/* SQLite's memory statistics take one global lock on every allocation, shared by all
	 * threads; nothing here reads them. Must precede the first connection. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	if (sodium_init() < 0) {
		fprintf(stderr, "ledger: libsodium failed to initialise\n");
		return 1;
	}
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	/* "user add" and "calendar import" are two words; everything else is one. */
	int user = strcmp(argv[1], "user") == 0, cal = strcmp(argv[1], "calendar") == 0;
	int words = user || cal ? 2 : 1;
	char name[64];
	if (user) {
		if (argc < 3 || strcmp(argv[2], "add") != 0) {
			fprintf(stderr, "usage: ledger user add --db FILE --login L --role ROLE --unit UNIT < password\n");
			return (argc >= 3 && (strcmp(argv[2], "--help") == 0)) ? 0 : 2;
		}
		snprintf(name, sizeof name, "user add");
	} else if (cal) {
		if (argc < 3 || strcmp(argv[2], "import") != 0) {
			fprintf(stderr, "usage: ledger calendar import --db FILE YEAR.json...\n");
			return (argc >= 3 && (strcmp(argv[2], "--help") == 0)) ? 0 : 2;
		}
		snprintf(name, sizeof name, "calendar import");
	} else {
		snprintf(name, sizeof name, "%s", argv[1]);
	}
	for (size_t i = 0; i < ARRAY_LEN(commands); i++) {
		struct command *c = &commands[i];
		if (strcmp(c->name, name) != 0)
			continue;
		int pr = parse_opts(c, c->opts, argc - 1 - words, argv + 1 + words);
		if (pr != 0)
			return pr > 0 ? 0 : 2;
		return c->run(c->opts);
	}
	fprintf(stderr, "ledger: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
