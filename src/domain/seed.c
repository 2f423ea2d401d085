/*
 * seed.c — synthetic tickets around today, for the demo and for benchmarks.
 *
 * Titles and descriptions are put together from the problems the directives name (water
 * supply, rivers, noise, property services ...). Tickets are logged over the eight weeks
 * before today (LEDGER_NOW in tests) into the campaign under way today, and each one's story
 * follows from its age, as in a district in mid-campaign: the young ones mostly open or being
 * rectified, the old ones mostly closed; some overdue, some due within days, some without a
 * progress note for over a week (stale); returned for redo, reopened after a relapse or an
 * unsatisfied callback, supervised; called back with every answer, so every colour shows;
 * extensions pending and granted. Its history is written as events at the days it happened
 * (logged, verified, returned, reopened), so the dispatch report and the weekly trend have
 * something to count.
 *
 * The first SEED_RICH tickets of a run get all of that and what a person opens a ticket to
 * see: dated progress notes, links between repeat complaints at the same place, and (the first
 * SEED_PHOTOS of those with evidence) a photo, generated here, with its thumbnail. Past that,
 * tickets are plain: their state, dates and callbacks, and the event of their logging only
 * (for the million of `make bench`, which so loads as fast as before).
 *
 * Where the next features add their share to the demo (SPEC part two), each is one more step
 * in seed_ticket's story: signed late, 退单, 协办, paused, carded, merged, filed, 补报, and the
 * visit sheets of 村村到.
 *
 * Reproducible: the same N on the same day gives the same tickets on a fresh demo database.
 */
#include "seed.h"

#include "calendar.h"

#include <errno.h>
#include <gd.h>
#include <gdfontl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit.h"
#include "filing.h"
#include "notify.h"
#include "thumb.h"
#include "workflow.h"

#define MAX_UNITS 64
#define WINDOW_DAYS 56 /* eight weeks */
#define SEED_RICH 20000
#define SEED_PHOTOS 150

static unsigned long long rng_state = 0x9E3779B97F4A7C15ULL;

static unsigned long long rng(void)
{
	/* xorshift64*: fast, deterministic, good enough for synthetic data */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static int pick(int n)
{
	return n > 0 ? (int)(rng() % (unsigned long long)n) : 0;
}

static int chance(int percent)
{
	return pick(100) < percent;
}

static const char *const problems[][2] = {
	{ "rural_water", "自来水每天只供水一次，时长不足两小时" },
	{ "rural_water", "水质浑浊，有异味，村民不敢饮用" },
	{ "rural_water", "供水管网漏损严重，路面长期积水" },
	{ "river_lake", "河道内倾倒建筑垃圾和生活垃圾" },
	{ "river_lake", "河堤损毁，有人私自种植庄稼" },
	{ "urban_water", "未提前告知即停水，影响居民生活" },
	{ "urban_water", "更换结算水表向用户收取费用" },
	{ "air", "夜间工地扬尘严重，未采取覆盖措施" },
	{ "industrial_noise", "厂区机器噪声扰民，夜间仍在生产" },
	{ "water_pollution", "企业私设排污口向河内排放污水" },
	{ "solid_waste", "固体废物露天堆放，无防渗措施" },
	{ "rural_sewage", "生活污水直排村内沟渠，气味难闻" },
	{ "property_service", "物业不作为，楼道照明长期损坏" },
	{ "property_service", "电梯频繁故障，物业维修不及时" },
	{ "old_housing", "老旧小区改造后雨水管道堵塞" },
	{ "wage_arrears", "工地拖欠农民工工资三个月" },
	{ "living_env", "小区周边垃圾清运不及时" },
	{ "gov_efficiency", "窗口办事人员态度生硬，多次往返未办结" },
	{ "public_security", "夜间路灯不亮，存在治安隐患" },
	{ "food_safety", "学校周边小摊贩食品卫生无保障" },
};
#define NPROBLEMS ((int)ARRAY_LEN(problems))
static const char *const surnames[] = { "张", "王", "李", "赵", "刘", "陈", "杨", "黄", "孙", "周", "吴", "郑" };
static const char *const given[] = { "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰" };
static const char *const notes[] = {
	"已到现场核实情况，制定整改方案并明确责任人",
	"已协调施工队进场维修，预计本周内完成",
	"已与反映人电话沟通，告知整改进度，群众表示理解",
	"主体整改已完成，正在清理现场、组织自查",
	"已约谈相关企业负责人，下达限期整改通知",
	"已联合相关部门开展联合执法检查",
};

enum { S_OPEN, S_RECTIFYING, S_VERIFYING, S_CLOSED };
static const char *const statuses[] = { "open", "rectifying", "verifying", "closed" };

/* The share of each state by a ticket's age: the young mostly open or under way, the old
 * mostly closed. Each row adds up to 100. */
static const struct {
	int max_age, open, rectifying, verifying; /* closed: the rest */
} by_age[] = {
	{ 6, 38, 45, 10 },
	{ 20, 8, 45, 15 },
	{ WINDOW_DAYS, 3, 20, 10 },
};

struct unit {
	long long id;
	char code[33], name[101], path[256];
	int parent; /* index of the street, -1 for streets */
};

static int load_units(struct db *db, struct unit *u, int *streets, int *nstreets, int *places, int *nplaces)
{
	static const char q[] = "SELECT u.id, u.code, u.name, u.path, u.kind, coalesce(p.code, '') FROM units u "
				"LEFT JOIN units p ON p.id = u.parent_id WHERE u.kind <> 'district' ORDER BY u.path";
	sqlite3_stmt *st = db_prepare(db, q);
	int n = 0;
	*nstreets = *nplaces = 0;
	while (st && sqlite3_step(st) == SQLITE_ROW && n < MAX_UNITS) {
		u[n].id = sqlite3_column_int64(st, 0);
		snprintf(u[n].code, sizeof u[n].code, "%s", db_text(st, 1));
		snprintf(u[n].name, sizeof u[n].name, "%s", db_text(st, 2));
		snprintf(u[n].path, sizeof u[n].path, "%s", db_text(st, 3));
		const char *kind = db_text(st, 4), *parent = db_text(st, 5);
		u[n].parent = -1;
		if (!strcmp(kind, "street")) {
			streets[(*nstreets)++] = n;
		} else if (!strcmp(kind, "community") || !strcmp(kind, "village")) {
			for (int i = 0; i < n; i++)
				if (!strcmp(u[i].code, parent))
					u[n].parent = i;
			places[(*nplaces)++] = n;
		}
		n++;
	}
	db_done(st);
	return n;
}

/* The campaign under way today (the newest whose phases span it), else the newest active one. */
static long long current_campaign(struct db *db, long today, long *rectify_end)
{
	static const char q[] = "SELECT c.id, (SELECT max(end_date) FROM campaign_phases r WHERE r.campaign_id = c.id "
				"AND r.kind = 'rectify') FROM campaigns c JOIN campaign_phases p ON p.campaign_id = c.id "
				"WHERE c.active = 1 GROUP BY c.id ORDER BY min(p.start_date) <= ?1 AND max(p.end_date) >= ?1 "
				"DESC, c.id DESC LIMIT 1";
	char t[11];
	time_format_date((time_t)today * 86400, t, sizeof t);
	sqlite3_stmt *st = db_prepare(db, q);
	long long id = 0;
	*rectify_end = 0;
	if (st) {
		sqlite3_bind_text(st, 1, t, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW) {
			id = sqlite3_column_int64(st, 0);
			if (sqlite3_column_type(st, 1) != SQLITE_NULL)
				*rectify_end = date_parse_days(db_text(st, 1));
		}
	}
	db_done(st);
	return id;
}

/* ---------------------------------------------------------------- photos */

/*
 * A small photo-like JPEG (sky, ground, the problem as a block of colour, the ticket's code in
 * a corner) kept as evidence in the data folder, as an upload would be, with its thumbnail.
 * Fills sha (hex) and size; 0, or -1 when the folder cannot be written.
 */
static int make_photo(const char *data_dir, const char *code, int seed, char sha[65], long long *size)
{
	gdImagePtr im = gdImageCreateTrueColor(480, 360);
	if (!im)
		return -1;
	for (int y = 0; y < 360; y++) {
		int sky = y < 200;
		int c = sky ? gdTrueColor(120 + y / 4, 170 + y / 5, 230) : gdTrueColor(110 + (y - 200) / 3, 100 + seed % 40, 80);
		gdImageLine(im, 0, y, 479, y, c);
	}
	int x = 60 + seed * 37 % 260, w = 80 + seed * 13 % 100;
	gdImageFilledRectangle(im, x, 150, x + w, 280, gdTrueColor(90 + seed * 7 % 120, 90, 100 + seed * 11 % 120));
	gdImageFilledEllipse(im, 400, 60, 50, 50, gdTrueColor(250, 230, 150));
	gdImageString(im, gdFontGetLarge(), 12, 330, (unsigned char *)code, gdTrueColor(255, 255, 255));
	int len = 0;
	void *jpg = gdImageJpegPtr(im, &len, 82);
	gdImageDestroy(im);
	if (!jpg || len <= 0)
		return -1;
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, jpg, (unsigned long long)len);
	sodium_bin2hex(sha, 65, h, sizeof h);
	*size = len;
	char dir[4200], path[4300], thumb[4300];
	snprintf(dir, sizeof dir, "%s/%.2s", data_dir, sha);
	snprintf(path, sizeof path, "%s/%s", dir, sha);
	snprintf(thumb, sizeof thumb, "%s/thumbs/%s.jpg", data_dir, sha);
	int ok = (mkdir(dir, 0750) == 0 || errno == EEXIST);
	FILE *f = ok ? fopen(path, "wb") : NULL;
	ok = f && fwrite(jpg, 1, (size_t)len, f) == (size_t)len;
	if (f)
		ok = fclose(f) == 0 && ok;
	gdFree(jpg);
	return ok && thumb_make(path, "image/jpeg", thumb) ? 0 : -1;
}

/* ---------------------------------------------------------------- one ticket */

struct seed_ctx {
	struct db *db;
	long today;
	struct workcal *cal; /* the working-day calendar, a copy read once (the catalog's may be rebuilt) */
	long long campaign;
	long rectify_end;
	int nsources;
	char outside[64]; /* by source id: an outside channel (035) */
	long long domain_ids[NPROBLEMS];
	struct unit u[MAX_UNITS];
	int streets[MAX_UNITS], places[MAX_UNITS], ns, np;
	long long last_at[MAX_UNITS][NPROBLEMS]; /* the latest rich ticket at each place and problem */
	const char *data_dir;
	int photos;
	long index; /* of the ticket being made, in this run */
	long long water; /* 区城乡水务局, a co-unit of the stories */
	struct err *e;
};

static void day_text(long day, char *out, size_t n)
{
	time_format_date((time_t)day * 86400, out, n);
}

/* RFC 3339 of a day at hh:mm, Shanghai time. */
static void at_text(long day, int hh, int mm, char *out, size_t n)
{
	char d[11];
	day_text(day, d, sizeof d);
	snprintf(out, n, "%sT%02d:%02d:00+08:00", d, hh, mm);
}

static long clamp_day(long d, long lo, long hi)
{
	return d < lo ? lo : d > hi ? hi : d;
}

/* An event of a ticket's history on its day. Past the rich tickets only their logging is
 * written (as before the history was): the million of `make bench` is loaded as fast as then. */
static int event_at(struct seed_ctx *c, long long id, const char *action, const char *status, long day, int hh,
		    json_t *input)
{
	static const struct actor seeder = { 0, "seed" };
	if (c->index >= SEED_RICH && strcmp(action, "seed") != 0) {
		json_decref(input);
		return 0;
	}
	char at[32];
	at_text(day, hh, pick(60), at, sizeof at);
	json_t *after = json_pack("{s:s}", "status", status);
	if (input)
		json_object_set_new(after, "input", input);
	long long ev = audit_append_at(c->db, &seeder, "ticket", id, action, NULL, after, at, c->e);
	json_decref(after);
	return ev < 0 ? -1 : 0;
}

static int step(sqlite3_stmt *st)
{
	int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
	db_done(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -1;
}

static int seed_ticket(struct seed_ctx *c, long index)
{
	static const char q_seq[] = "INSERT INTO ticket_seq (unit_id, year, next) VALUES (?1, ?2, 2) "
				    "ON CONFLICT (unit_id, year) DO UPDATE SET next = next + 1 RETURNING next - 1";
	static const char q_insert[] =
		"INSERT INTO tickets (code, campaign_id, source_id, category_id, domain_id, title, description, "
		"location_unit_id, address, reporter_name, reporter_phone, unit_id, responsible_unit_id, "
		"responsible_person, urgency, urgency_rank, measures, deadline, original_deadline, commitment, "
		"interim_measures, status, return_count, unsatisfied_count, callback_count, color, supervised, "
		"last_progress_on, closed_on, created_at, updated_at, unit_path, responsible_path, child_lists, relapsed, "
		"extension_deadline, extension_reason, complex, dispatched_at, sign_by, signed_at, signed_late, "
		"suspend_pending, suspend_reason, suspended_on, received_on) VALUES "
		"(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?42, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, "
		"?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?31, ?30, ?43, 0, ?32, ?33, ?34, ?35, ?29, ?36, ?37, ?38, ?39, ?40, ?41, ?44)";
	static const char q_callback[] = "INSERT INTO callbacks (ticket_id, at, result, method, note, resolved) "
					 "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	static const char q_progress[] = "INSERT INTO progress (ticket_id, on_date, at, kind, note) VALUES (?1, ?2, ?3, ?4, ?5)";
	static const char q_link[] = "INSERT OR IGNORE INTO ticket_links (ticket_id, other_id, reason) VALUES (?1, ?2, 'repeat')";
	static const char q_attach[] = "INSERT INTO attachments (ticket_id, sha256, name, mime, size, has_thumb, at) "
				       "VALUES (?1, ?2, ?3, 'image/jpeg', ?4, 1, ?5)";
	struct db *db = c->db;
	c->index = index;
	int rich = index < SEED_RICH;
	int place = c->places[pick(c->np)];
	int street = c->u[place].parent >= 0 ? c->u[place].parent : c->streets[pick(c->ns)];
	int prob = pick(NPROBLEMS);
	int age = pick(WINDOW_DAYS);
	long created = c->today - age;
	int hh = age == 0 ? 8 : 8 + pick(10);

	/* Its state, by age. */
	int b = 0;
	while (by_age[b].max_age < age)
		b++;
	int r = pick(100), status = r < by_age[b].open				      ? S_OPEN
				    : r < by_age[b].open + by_age[b].rectifying		      ? S_RECTIFYING
				    : r < by_age[b].open + by_age[b].rectifying + by_age[b].verifying ? S_VERIFYING
											      : S_CLOSED;
	if (age < 2 && status == S_CLOSED)
		status = S_RECTIFYING; /* nothing is verified the day it is logged */
	int urgency = chance(15) ? 0 : 2;

	/* Deadlines: a closed ticket's lay ahead of it when it was logged; an open one's may be
	 * past (overdue), near (due soon) or ahead, and may have been extended. */
	long deadline, original, closed = 0;
	long extension = 0;
	if (status == S_CLOSED) {
		original = created + 10 + pick(25);
		long last = clamp_day(original + 6, created + 2, c->today);
		closed = created + 2 + pick((int)(last - created - 1));
		if (closed > c->today)
			closed = c->today;
		deadline = original;
	} else {
		int kind = pick(100);
		if (age >= 3 && kind < 12)
			deadline = c->today - 1 - pick(age - 2 < 10 ? age - 2 : 10); /* overdue */
		else if (kind < 26)
			deadline = c->today + pick(4); /* due within three days */
		else
			deadline = c->today + 4 + pick(20);
		if (deadline <= created)
			deadline = created + 1;
		original = deadline;
		if (status != S_OPEN && chance(7))
			original = clamp_day(deadline - 7 - pick(8), created + 1, deadline); /* extension granted */
		if (status != S_VERIFYING && chance(5))
			extension = deadline + 7 + pick(10); /* extension asked, not yet decided */
	}
	/* Beyond the rectification phase: a complex case, with its commitment (seed 000 §三.二.2). */
	int complex = c->rectify_end > 0 && deadline > c->rectify_end;

	/* The last progress note: within the week for most, over a week ago for the stale. */
	long last_progress = created;
	if (status == S_CLOSED)
		last_progress = closed;
	else if (status != S_OPEN)
		last_progress = clamp_day(chance(85) ? c->today - pick(6) : c->today - 8 - pick(10), created, c->today);

	/* Callbacks (closed tickets, and those an unsatisfied callback sent back). */
	int unsat = (status == S_CLOSED || status == S_RECTIFYING) && chance(12) ? 1 + chance(35) : 0;
	int callbacks = status == S_CLOSED ? (closed < c->today && chance(75) ? 1 + unsat : unsat) : unsat;
	if (status == S_RECTIFYING && unsat > 0 && age < 4)
		unsat = callbacks = 0; /* too young to have come back */
	const char *color = callback_color(unsat, callbacks);
	int returned = (status == S_RECTIFYING || status == S_CLOSED || status == S_VERIFYING) && age >= 6 && chance(9);
	int relapsed = status == S_RECTIFYING && unsat == 0 && !returned && age >= 10 && chance(4);

	char code[64], title[256], desc[512], name[16], phone[16], d_deadline[11], d_original[11], d_last[11],
		d_closed[11], d_ext[11], at[32];
	sqlite3_stmt *st = db_prepare(db, q_seq);
	char year[11];
	day_text(created, year, sizeof year);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, c->u[street].id);
	sqlite3_bind_int(st, 2, atoi(year));
	long long seq = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	db_done(st);
	snprintf(code, sizeof code, "%s-%.4s-%06lld", c->u[street].code, year, seq);
	snprintf(title, sizeof title, "%s%s", c->u[place].name, problems[prob][1]);
	snprintf(desc, sizeof desc, "群众反映：%s%s，希望尽快解决。", c->u[place].name, problems[prob][1]);
	snprintf(name, sizeof name, "%s%s", surnames[pick(12)], given[pick(12)]);
	snprintf(phone, sizeof phone, "13%09d", pick(1000000000));
	day_text(deadline, d_deadline, sizeof d_deadline);
	day_text(original, d_original, sizeof d_original);
	day_text(last_progress, d_last, sizeof d_last);
	day_text(closed, d_closed, sizeof d_closed);
	day_text(extension, d_ext, sizeof d_ext);
	at_text(created, hh, pick(60), at, sizeof at);
	char updated[32];
	at_text(status == S_CLOSED ? closed : last_progress, last_progress == created ? hh : 17, 30, updated, sizeof updated);
	if (strcmp(updated, at) < 0)
		snprintf(updated, sizeof updated, "%s", at);

	st = db_prepare(db, q_insert);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, c->campaign);
	int source = 1 + pick(c->nsources);
	sqlite3_bind_int64(st, 3, source);
	/* An outside channel's ticket carries the day the channel received it: the day it was
	 * logged or up to three days before (SPEC section 12's 漏报 leads compare it). */
	if (source < (int)sizeof c->outside && c->outside[source]) {
		char d_received[11];
		day_text(created - index % 4, d_received, sizeof d_received);
		sqlite3_bind_text(st, 44, d_received, -1, SQLITE_TRANSIENT);
	}
	sqlite3_bind_int64(st, 4, 1 + pick(3));
	sqlite3_bind_int64(st, 5, c->domain_ids[prob]);
	sqlite3_bind_text(st, 6, title, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, desc, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 8, c->u[place].id);
	sqlite3_bind_text(st, 9, "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 11, phone, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 12, c->u[street].id);
	/* Most go to the street; one in four the street hands on to the community or village
	 * where the problem is (二次派单), which is then responsible for it and assessed on it. */
	int resp = index % 4 == 1 ? place : street;
	sqlite3_bind_int64(st, 42, c->u[resp].id);
	sqlite3_bind_text(st, 43, c->u[resp].path, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 13, "", -1, SQLITE_STATIC);
	static const char *const urg[] = { "urgent", "", "normal" };
	sqlite3_bind_text(st, 14, urg[urgency], -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 15, urgency);
	sqlite3_bind_text(st, 16, "立即组织排查，制定整改方案", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 17, d_deadline, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 18, d_original, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 19, complex ? "限期内完成整改并向群众公开整改进度" : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 20, complex ? "先行采取临时措施，保障群众基本需求" : "", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 35, complex);
	sqlite3_bind_text(st, 21, statuses[status], -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 22, returned);
	sqlite3_bind_int(st, 23, unsat);
	sqlite3_bind_int(st, 24, callbacks);
	if (color)
		sqlite3_bind_text(st, 25, color, -1, SQLITE_STATIC);
	int supervised = (color && !strcmp(color, "red")) || chance(5);
	sqlite3_bind_text(st, 27, d_last, -1, SQLITE_TRANSIENT);
	if (status == S_CLOSED)
		sqlite3_bind_text(st, 28, d_closed, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 29, at, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 30, c->u[street].path, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 31, updated, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 32, relapsed);
	/* Signing (SPEC section 8): by the end of the next working day; about one in ten signed
	 * after it; an open ticket past it is 超时未签收. */
	char sign_by[32], signed_at[32];
	long sign_day = workcal_add(c->cal, created, 1, NULL);
	at_text(sign_day, 23, 59, sign_by, sizeof sign_by);
	sign_by[17] = '5', sign_by[18] = '9'; /* 23:59:59 */
	sqlite3_bind_text(st, 36, sign_by, -1, SQLITE_TRANSIENT);
	if (status != S_OPEN) {
		int late = chance(10);
		long day = late ? sign_day + 1 + pick(2) : created + (hh < 16 ? 0 : 1);
		if (day > c->today)
			day = c->today, late = 0;
		at_text(day, late ? 9 + pick(8) : (day == created ? hh + 1 : 9), pick(60), signed_at, sizeof signed_at);
		if (strcmp(signed_at, at) < 0)
			snprintf(signed_at, sizeof signed_at, "%s", at);
		late = strcmp(signed_at, sign_by) > 0;
		sqlite3_bind_text(st, 37, signed_at, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 38, late);
	} else {
		sqlite3_bind_int(st, 38, 0);
	}
	/* Pauses (挂起): a few of the tickets being worked on are paused since some days, a few
	 * more ask to be. */
	char d_paused[11];
	int pause_kind = status == S_RECTIFYING && age >= 5 && !extension ? pick(100) : 100;
	sqlite3_bind_int(st, 39, pause_kind < 3);
	sqlite3_bind_text(st, 40, pause_kind < 5 ? "需等待上级部门审批管网改造方案，暂停计时" : "", -1, SQLITE_STATIC);
	if (pause_kind >= 3 && pause_kind < 5) {
		day_text(c->today - 1 - pick(age - 2 < 10 ? age - 2 : 10), d_paused, sizeof d_paused);
		sqlite3_bind_text(st, 41, d_paused, -1, SQLITE_TRANSIENT);
	}
	if (extension) {
		sqlite3_bind_text(st, 33, d_ext, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 34, "涉及管网改造，需协调施工单位，申请延期", -1, SQLITE_STATIC);
	}
	/* A repeat complaint (same place and problem, same street, within the window) is linked. */
	long long repeat_of = rich ? c->last_at[place][prob] : 0;
	if (repeat_of && !chance(7))
		repeat_of = 0;
	sqlite3_bind_int(st, 26, supervised || repeat_of);
	if (step(st) != 0)
		return -1;
	long long id = sqlite3_last_insert_rowid(db_handle(db));
	if (rich)
		c->last_at[place][prob] = id;

	/* Progress notes, dated between the day it was logged and the last note. */
	if (rich && status != S_OPEN) {
		int nnotes = 1 + pick(3);
		for (int k = 0; k < nnotes; k++) {
			long day = k == nnotes - 1 ? last_progress : created + (last_progress - created) * (k + 1) / nnotes;
			char d[11], nat[32];
			day_text(day, d, sizeof d);
			at_text(day, 16, 10 + k, nat, sizeof nat);
			/* First the visit, last (once submitted) the work done, between them the rest. */
			static const int between[] = { 1, 2, 4, 5 };
			const char *note = k == 0 ? notes[0]
					   : k == nnotes - 1 && status >= S_VERIFYING ? notes[3]
										  : notes[between[pick(4)]];
			st = db_prepare(db, q_progress);
			if (!st)
				return -1;
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_text(st, 2, d, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 3, nat, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 4, "progress", -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 5, note, -1, SQLITE_STATIC);
			if (step(st) != 0)
				return -1;
		}
	}
	if (repeat_of) {
		for (int dir = 0; dir < 2; dir++) {
			st = db_prepare(db, q_link);
			if (!st)
				return -1;
			sqlite3_bind_int64(st, 1, dir ? repeat_of : id);
			sqlite3_bind_int64(st, 2, dir ? id : repeat_of);
			if (step(st) != 0)
				return -1;
		}
	}
	/* Evidence: a photo for the first tickets that were submitted. */
	if (rich && c->data_dir && c->photos < SEED_PHOTOS && (status == S_VERIFYING || status == S_CLOSED)) {
		char sha[65], fname[128], pat[32];
		long long size;
		if (make_photo(c->data_dir, code, (int)(id % 997), sha, &size) == 0) {
			snprintf(fname, sizeof fname, "整改后现场照片-%s.jpg", code);
			at_text(status == S_CLOSED ? closed : last_progress, 15, 0, pat, sizeof pat);
			st = db_prepare(db, q_attach);
			if (!st)
				return -1;
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_text(st, 2, sha, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 3, fname, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(st, 4, size);
			sqlite3_bind_text(st, 5, pat, -1, SQLITE_TRANSIENT);
			if (step(st) != 0)
				return -1;
			c->photos++;
		}
	}

	/* Its history, in order: logged; returned for redo; verified; reopened. */
	if (event_at(c, id, "seed", "open", created, hh, NULL) != 0)
		return -1;
	if (returned) {
		long day = clamp_day(created + (c->today - created) / 3, created + 1, c->today);
		if (event_at(c, id, "return", "rectifying", day, 11, json_pack("{s:s}", "reason", "整改不彻底，现场仍有问题")) != 0)
			return -1;
	}
	if (status == S_CLOSED || unsat || relapsed) {
		/* Verified once (the first time, when it came back since); the citizen's callbacks;
		 * for a closed ticket that came back, verified again at its close. */
		long end = status == S_CLOSED ? closed : c->today;
		long first = unsat || relapsed ? clamp_day(created + (end - created) / 2, created + 1, end) : end;
		if (event_at(c, id, "verify", "closed", first, 10, json_pack("{s:s}", "note", "现场核实，整改到位")) != 0)
			return -1;
		for (int k = 0; k < callbacks; k++) {
			int bad = k < unsat;
			long day = bad ? clamp_day(first + 1 + k, first, end) : clamp_day(closed + 1, closed, c->today);
			if (!bad && unsat &&
			    event_at(c, id, "verify", "closed", closed, 10, json_pack("{s:s}", "note", "复查整改到位")) != 0)
				return -1;
			const char *res = bad ? "unsatisfied" : chance(70) ? "satisfied" : "basically_satisfied";
			char cat[32];
			at_text(day, 14, 20 + k, cat, sizeof cat);
			st = db_prepare(db, q_callback);
			if (!st)
				return -1;
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_text(st, 2, cat, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 3, res, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, chance(80) ? "phone" : "visit", -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 5, bad ? "群众反映问题仍未彻底解决" : "", -1, SQLITE_STATIC);
			/* 解决率: an unsatisfied citizen mostly finds it unsolved; some satisfied ones
			 * still do (the complaint was answered, the problem not gone). */
			sqlite3_bind_int(st, 6, bad ? chance(20) : !chance(res[0] == 'b' ? 25 : 8));
			if (step(st) != 0)
				return -1;
			if (bad && event_at(c, id, "callback", "rectifying", day, 14, json_pack("{s:s}", "result", "unsatisfied")) != 0)
				return -1;
		}
		if (status == S_CLOSED && unsat && callbacks == unsat &&
		    event_at(c, id, "verify", "closed", closed, 10, json_pack("{s:s}", "note", "复查整改到位")) != 0)
			return -1;
		if (relapsed && event_at(c, id, "reopen", "rectifying", clamp_day(first + 3, first, c->today), 9,
					 json_pack("{s:s}", "reason", "问题反弹，群众再次反映")) != 0)
			return -1;
	}
	return 0;
}

/*
 * The bulk load. Built ticket by ticket, each insert would touch some twenty indexes at
 * random places and run the tally triggers; past the page cache that grows faster than the
 * number of tickets. So the load, in one transaction, first sets aside the indexes of the
 * tables it fills and the triggers that keep their derived rows, appends the rows in key
 * order, then builds each index once (a sort), puts the triggers back, recounts the tallies
 * from the ledger (the tallies_expected view, as migration 006 first filled them) and sets
 * the child-list bits the triggers would have set. Interrupted, it leaves nothing: the
 * schema's changes are in the same transaction as the rows.
 */
#define MAX_ASIDE 64

struct aside {
	int n;
	char *sql[MAX_ASIDE];  /* to create it again */
	char *name[MAX_ASIDE];
	int index[MAX_ASIDE];  /* 1 index, 0 trigger */
};

static const char q_aside[] =
	"SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND type IN ('index', 'trigger') "
	"AND tbl_name IN ('tickets', 'events', 'callbacks', 'progress', 'attachments', 'ticket_links') "
	"ORDER BY type = 'trigger', name";

static void aside_free(struct aside *a)
{
	for (int i = 0; i < a->n; i++) {
		free(a->sql[i]);
		free(a->name[i]);
	}
	a->n = 0;
}

static int set_aside(struct db *db, struct aside *a, struct err *e)
{
	sqlite3_stmt *st = db_prepare(db, q_aside);
	while (st && sqlite3_step(st) == SQLITE_ROW && a->n < MAX_ASIDE) {
		a->index[a->n] = strcmp(db_text(st, 0), "index") == 0;
		a->name[a->n] = strdup(db_text(st, 1));
		a->sql[a->n] = strdup(db_text(st, 2));
		a->n++;
	}
	db_done(st);
	for (int i = 0; i < a->n; i++) {
		char drop[160];
		snprintf(drop, sizeof drop, "DROP %s \"%s\"", a->index[i] ? "INDEX" : "TRIGGER", a->name[i]);
		if (db_exec(db, drop, e) != 0)
			return -1;
	}
	return 0;
}

/* What is set aside again: the indexes of the child tables (tickets 0), of the tickets (1),
 * or the triggers (2). */
static int put_back(struct db *db, const struct aside *a, int what, struct err *e)
{
	for (int i = 0; i < a->n; i++) {
		int tickets = strstr(a->sql[i], " ON tickets ") != NULL;
		int match = what == 2 ? !a->index[i] : a->index[i] && tickets == what;
		if (match && db_exec(db, a->sql[i], e) != 0)
			return -1;
	}
	return 0;
}

/* What the triggers would have derived from the rows loaded (tickets from first on). */
static int derive(struct db *db, long long first, struct err *e)
{
	static const char *const bits[] = {
		"UPDATE tickets SET child_lists = child_lists | 1 WHERE id IN (SELECT ticket_id FROM progress WHERE ticket_id >= ?1)",
		"UPDATE tickets SET child_lists = child_lists | 2 WHERE id IN (SELECT ticket_id FROM attachments WHERE ticket_id >= ?1)",
		"UPDATE tickets SET child_lists = child_lists | 4 WHERE id IN (SELECT ticket_id FROM callbacks WHERE ticket_id >= ?1)",
		"UPDATE tickets SET child_lists = child_lists | 8 WHERE id IN (SELECT ticket_id FROM ticket_links WHERE ticket_id >= ?1)",
		/* Each ticket was dispatched once, to its responsible unit, when logged (026). */
		("INSERT INTO dispatches (ticket_id, unit_id, unit_path, at) SELECT id, responsible_unit_id, responsible_path, "
		 "coalesce(dispatched_at, created_at) FROM tickets WHERE id >= ?1 ORDER BY id"),
	};
	for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++) {
		sqlite3_stmt *st = db_prepare(db, bits[i]);
		if (st)
			sqlite3_bind_int64(st, 1, first);
		if (!st || step(st) != 0) {
			err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(db)));
			return -1;
		}
	}
	/* The search index in one statement: FTS5 flushes its pending terms at every statement's
	 * savepoint, so a row per statement made a segment per ticket and merged them over and over
	 * (27 of the 33 s of 100,000 tickets). Its text is migration 011's. */
	sqlite3_stmt *fts = db_prepare(db,
		"INSERT INTO tickets_fts (rowid, title, description, notes) "
		"SELECT t.id, search_terms(t.title), search_terms(t.description), "
		"search_terms(coalesce((SELECT group_concat(note, ' ') FROM progress WHERE ticket_id = t.id), '')) "
		"FROM tickets t WHERE t.id >= ?1");
	if (fts)
		sqlite3_bind_int64(fts, 1, first);
	if (!fts || step(fts) != 0) {
		err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(db)));
		return -1;
	}
	/* The address and caller index (migration 020's text), the same way. */
	sqlite3_stmt *cfts = db_prepare(db,
		"INSERT INTO tickets_contact_fts (rowid, address, person) "
		"SELECT id, search_terms(address), search_person_terms(reporter_name, reporter_phone) FROM tickets "
		"WHERE id >= ?1 AND (address <> '' OR reporter_name <> '' OR reporter_phone <> '')");
	if (cfts)
		sqlite3_bind_int64(cfts, 1, first);
	if (!cfts || step(cfts) != 0) {
		err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(db)));
		return -1;
	}
	if (db_exec(db, "DELETE FROM tallies", e) != 0 ||
	    db_exec(db, "INSERT INTO tallies SELECT * FROM tallies_expected WHERE true", e) != 0)
		return -1;
	return 0;
}

/*
 * The dispatch loop's share of the story (SPEC section 9), told once the tickets are in and the
 * triggers back (so the tallies follow): among the first, rich tickets, a few open ones whose
 * unit asks to send them back (退单待审, the centre told), some that came back and were
 * dispatched anew to the right street, some whose return was refused; tickets shared with a
 * co-unit (协办) at every stage of its part; overdue ones urged (催办), their units told. The
 * cards follow by themselves when the server starts (notify.h).
 */
/* What a story names beside its ticket: a unit (the ticket's own, another street's, or every
 * other time the water bureau's), or what its query picked (another ticket). */
enum other { SAME_UNIT, OTHER_STREET, STREET_OR_WATER, AS_PICKED };
struct story {
	const char *pick; /* the tickets: SELECT id, responsible unit id (?1: the first id) */
	enum other other;
	const char *apply[4]; /* each run for one of them: ?1 its id, ?2 the other unit, ?3 a time, ?4 a number */
	const char *events[3]; /* and its events */
	const char *notify;   /* and the notification it leaves */
};

/* A second dispatch like the first: the first then becomes the one sent back. */
#define DISPATCH_AGAIN                                                                                     \
	"INSERT INTO dispatches (ticket_id, unit_id, unit_path, at) SELECT ticket_id, unit_id, unit_path, at " \
	"FROM dispatches WHERE ticket_id = ?1 ORDER BY id LIMIT 1"
/* 协办: the co-unit's part by the ticket's stage, a note in its name once it started. */
/* On the day of the ticket's last note, within its history. */
#define LAST_NOTE_AT "(t.last_progress_on || 'T15:00:00+08:00')"
#define CO_STORY \
	  { "INSERT INTO co_units (ticket_id, unit_id, unit_path, status, note, added_at, accepted_at, done_at) " \
	    "SELECT t.id, u.id, u.path, CASE WHEN t.status IN ('verifying', 'closed') OR (t.status = 'rectifying' " \
	    "AND ?4 % 2 = 0) THEN 'done' WHEN t.status = 'rectifying' THEN 'accepted' ELSE 'pending' END, " \
	    "CASE WHEN t.status IN ('verifying', 'closed') OR (t.status = 'rectifying' AND ?4 % 2 = 0) " \
	    "THEN '已配合完成管网排查和现场清理' ELSE '' END, t.created_at, " \
	    "CASE WHEN t.status <> 'open' THEN " LAST_NOTE_AT " END, CASE WHEN t.status IN ('verifying', 'closed') OR " \
	    "(t.status = 'rectifying' AND ?4 % 2 = 0) THEN " LAST_NOTE_AT " END FROM tickets t, units u " \
	    "WHERE t.id = ?1 AND u.id = ?2", \
	    "INSERT INTO progress (ticket_id, on_date, at, kind, note, unit_id) SELECT c.ticket_id, t.last_progress_on, " \
	    LAST_NOTE_AT ", 'progress', '协办单位已到场，配合排查', c.unit_id FROM co_units c JOIN tickets t " \
	    "ON t.id = c.ticket_id WHERE c.ticket_id = ?1 AND c.status <> 'pending'", \
	    "UPDATE tickets SET child_lists = child_lists | 1 WHERE id = ?1 AND EXISTS (SELECT 1 FROM progress " \
	    "WHERE ticket_id = ?1)", \
	    /* notes are searched (migration 011's text) */ \
	    "UPDATE tickets_fts SET notes = search_terms(coalesce((SELECT group_concat(note, ' ') FROM progress " \
	    "WHERE ticket_id = ?1), '')) WHERE rowid = ?1" }
static const struct story stories[] = {
	{ "SELECT t.id, t.responsible_unit_id FROM tickets t WHERE t.id >= ?1 AND t.id < ?1 + 3000 AND t.status = 'open' "
	  "AND t.id % 7 = 0 ORDER BY t.id LIMIT 6", SAME_UNIT,
	  { "UPDATE tickets SET status = 'return_requested', updated_at = ?3 WHERE id = ?1",
	    "UPDATE dispatches SET outcome = 'asked', reason_code = CASE ?4 % 3 WHEN 0 THEN 'not_our_area' WHEN 1 "
	    "THEN 'unclear_ownership' ELSE 'overlapping_duties' END, reason = '经现场核实，该点位不在本单位辖区', "
	    "asked_at = ?3 WHERE ticket_id = ?1",
	    NULL },
	  { "return-request", NULL, NULL }, "return_requested" },
	{ "SELECT t.id, t.responsible_unit_id FROM tickets t WHERE t.id >= ?1 AND t.id < ?1 + 3000 AND t.status IN "
	  "('rectifying', 'verifying', 'closed') AND t.id % 11 = 0 ORDER BY t.id LIMIT 10", OTHER_STREET,
	  { DISPATCH_AGAIN,
	    "UPDATE dispatches SET unit_id = ?2, unit_path = (SELECT path FROM units WHERE id = ?2), outcome = 'granted', "
	    "reason_code = 'not_our_area', reason = '问题点位属相邻街道辖区', asked_at = at, decided_at = at, "
	    "decision = '经核实属实，改派' WHERE id = (SELECT min(id) FROM dispatches WHERE ticket_id = ?1)", NULL },
	  { "return-request", "reassign", NULL }, NULL },
	{ "SELECT t.id, t.responsible_unit_id FROM tickets t WHERE t.id >= ?1 AND t.id < ?1 + 3000 AND t.status = "
	  "'rectifying' AND t.id % 13 = 0 AND t.id % 11 <> 0 ORDER BY t.id LIMIT 5", SAME_UNIT,
	  { DISPATCH_AGAIN,
	    "UPDATE dispatches SET outcome = 'refused', reason_code = 'overlapping_duties', reason = '认为应由水务部门办理', "
	    "asked_at = at, decided_at = at, decision = '属地管理，仍由街道牵头办理' "
	    "WHERE id = (SELECT min(id) FROM dispatches WHERE ticket_id = ?1)", NULL },
	  { "return-request", "return-reject", NULL }, NULL },
	{ "SELECT t.id, t.responsible_unit_id FROM tickets t WHERE t.id >= ?1 AND t.id < ?1 + 3000 AND t.id % 9 = 0 "
	  "AND t.status = 'open' ORDER BY t.id LIMIT 6", STREET_OR_WATER, CO_STORY, { NULL, NULL, NULL }, "dispatched" },
	{ "SELECT t.id, t.responsible_unit_id FROM tickets t WHERE t.id >= ?1 AND t.id < ?1 + 3000 AND t.id % 9 = 0 "
	  "AND t.status IN ('rectifying', 'verifying', 'closed') ORDER BY t.id LIMIT 18", STREET_OR_WATER, CO_STORY,
	  { "co-accept", NULL, NULL }, NULL },
	{ "SELECT t.id, t.responsible_unit_id FROM tickets t WHERE t.id >= ?1 AND t.id < ?1 + 3000 AND t.status IN "
	  "('open', 'rectifying') AND t.deadline < ?2 AND t.id % 5 = 0 ORDER BY t.id LIMIT 12", SAME_UNIT,
	  { "UPDATE tickets SET urge_count = 1 + ?4 % 2 WHERE id = ?1", NULL, NULL },
	  { "urge", NULL, NULL }, "urged" },
	/* 合并: a repeat complaint still being handled joins the earlier one it repeats. */
	{ "SELECT l.ticket_id, l.other_id FROM ticket_links l JOIN tickets a ON a.id = l.ticket_id "
	  "JOIN tickets b ON b.id = l.other_id WHERE l.ticket_id >= ?1 AND l.ticket_id > l.other_id "
	  "AND a.status IN ('open', 'rectifying') AND b.status NOT IN ('merged', 'return_requested') "
	  "AND NOT EXISTS (SELECT 1 FROM co_units WHERE ticket_id = a.id) ORDER BY l.ticket_id LIMIT 4", AS_PICKED,
	  { "UPDATE tickets SET status = 'merged', merged_into = ?2, updated_at = ?3 WHERE id = ?1 AND status <> 'merged' "
	    "AND (SELECT status FROM tickets WHERE id = ?2) <> 'merged'", NULL, NULL },
	  { "merge", NULL, NULL }, NULL },
};

static int tell_stories(struct seed_ctx *c, long long first)
{
	static const struct actor seeder = { 0, "seed" };
	for (size_t k = 0; k < sizeof stories / sizeof stories[0]; k++) {
		const struct story *s = &stories[k];
		sqlite3_stmt *st = db_prepare(c->db, s->pick);
		if (!st)
			return -1;
		char today[11];
		day_text(c->today, today, sizeof today);
		sqlite3_bind_int64(st, 1, first);
		if (sqlite3_bind_parameter_count(st) >= 2)
			sqlite3_bind_text(st, 2, today, -1, SQLITE_TRANSIENT);
		long long ids[32][2];
		int n = 0;
		while (n < 32 && sqlite3_step(st) == SQLITE_ROW) {
			ids[n][0] = sqlite3_column_int64(st, 0);
			long long lead = sqlite3_column_int64(st, 1);
			/* the next street after the ticket's (the water bureau for every other 协办) */
			long long other = lead;
			for (int k = 0; k < c->ns && other == lead; k++)
				other = c->u[c->streets[(n + k) % c->ns]].id;
			if (s->other == STREET_OR_WATER && n % 2 == 0 && c->water && c->water != lead)
				other = c->water;
			ids[n][1] = s->other == AS_PICKED ? lead : s->other == SAME_UNIT ? lead : other;
			n++;
		}
		db_done(st);
		for (int i = 0; i < n; i++) {
			char at[32];
			at_text(c->today - (i % 2), 10 + i % 6, 5 * (i % 12), at, sizeof at);
			for (int a = 0; a < 4 && s->apply[a]; a++) {
				st = db_prepare(c->db, s->apply[a]);
				if (!st)
					return -1;
				sqlite3_bind_int64(st, 1, ids[i][0]);
				sqlite3_bind_int64(st, 2, ids[i][1]);
				sqlite3_bind_text(st, 3, at, -1, SQLITE_TRANSIENT);
				sqlite3_bind_int(st, 4, i);
				if (step(st) != 0)
					return -1;
			}
			for (int a = 0; a < 3 && s->events[a]; a++) {
				json_t *after = json_pack("{s:{s:s}}", "input", "note", "演示数据：派单调度记录");
				long long ev = audit_append_at(c->db, &seeder, "ticket", ids[i][0], s->events[a], NULL, after, at, c->e);
				json_decref(after);
				if (ev < 0)
					return -1;
			}
			if (s->notify && notify_ticket(c->db, ids[i][0], s->notify, NULL, c->e) < 0)
				return -1;
		}
	}
	return 0;
}

/*
 * The ledgers the streets filed (SPEC section 12) when their self-inspection ended five days
 * ago: the first street on time the day before, the second late two days after, the third not
 * at all; the first has also reported progress yesterday. Each seals the tickets logged by
 * then; the self-found tickets logged since are 补报, and the outside channels' tickets
 * received by then but logged since are the 漏报 leads.
 */
static int file_ledgers(struct seed_ctx *c)
{
	static const char q_phase[] = "SELECT c.code, p.name, p.kind FROM campaigns c JOIN campaign_phases p "
				      "ON p.campaign_id = c.id WHERE c.id = ?1 AND p.kind IN ('self_check', 'rectify') "
				      "ORDER BY p.seq";
	static const char q_staff[] = "SELECT u.id, u.login FROM users u JOIN units o ON o.id = u.unit_id "
				      "WHERE u.role = 'staff' AND substr(o.path, 1, length(?1)) = ?1 ORDER BY u.id LIMIT 1";
	static const char q_supplement[] = "UPDATE tickets SET supplement = 1 WHERE campaign_id = ?1 AND created_at > ?2 "
					   "AND unit_path >= ?3 AND unit_path < ?4 AND source_id IN "
					   "(SELECT id FROM sources WHERE self_found = 1)";
	char campaign[64] = "", ledger[160] = "", progress[160] = "";
	sqlite3_stmt *st = db_prepare(c->db, q_phase);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, c->campaign);
	while (sqlite3_step(st) == SQLITE_ROW) {
		str_copy(campaign, sizeof campaign, db_text(st, 0));
		str_copy(!strcmp(db_text(st, 2), "self_check") ? ledger : progress, sizeof ledger, db_text(st, 1));
	}
	db_done(st);
	if (!*ledger || c->ns < 2)
		return 0;
	if (filing_key_load(c->data_dir, c->e) != 0)
		return -1;
	const struct {
		int street, late_days, hh, mm; /* filed self-inspection's end + late_days */
		const char *kind;
	} plan[] = { { 0, -1, 17, 30, "ledger" }, { 1, 2, 10, 20, "ledger" }, { 0, 4, 16, 45, "progress" } };
	for (size_t k = 0; k < sizeof plan / sizeof plan[0]; k++) {
		const struct unit *u = &c->u[c->streets[plan[k].street]];
		const char *phase = !strcmp(plan[k].kind, "ledger") ? ledger : progress;
		if (!*phase)
			continue;
		char at[32];
		at_text(c->today - 5 + plan[k].late_days, plan[k].hh, plan[k].mm, at, sizeof at);
		char login[80] = "seed";
		struct filing_request r = { .unit = u->code, .campaign = campaign, .phase = phase, .kind = plan[k].kind,
					    .who = { 0, "seed" } };
		st = db_prepare(c->db, q_staff);
		if (st) {
			sqlite3_bind_text(st, 1, u->path, -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW) {
				r.who.id = sqlite3_column_int64(st, 0);
				str_copy(login, sizeof login, db_text(st, 1));
			}
			db_done(st);
		}
		r.who.login = login;
		if (filing_seed(c->db, &r, at, c->e) != 0)
			return -1;
		if (strcmp(plan[k].kind, "ledger"))
			continue;
		char upper[256];
		path_end(u->path, upper, sizeof upper);
		st = db_prepare(c->db, q_supplement);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, c->campaign);
		sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, u->path, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, upper, -1, SQLITE_STATIC);
		if (step(st) != 0)
			return -1;
	}
	return 0;
}

int seed_run(struct db *db, long n, const char *data_dir, FILE *out, struct err *e)
{
	static const char q_domain[] = "SELECT id FROM domains WHERE code = ?1";
	static const char q_count[] = "SELECT count(*) FROM sources";
	static const char q_next[] = "SELECT coalesce(max(id), 0) + 1 FROM tickets";
	struct seed_ctx *c = calloc(1, sizeof *c);
	struct aside aside = { 0 };
	if (!c) {
		err_set(e, 500, "oom", NULL, "内存不足");
		return -1;
	}
	c->db = db;
	c->e = e;
	c->data_dir = data_dir;
	c->today = date_today_days();
	c->cal = xmalloc(sizeof *c->cal);
	memcpy(c->cal, calendar_of(c->db), sizeof *c->cal);
	load_units(db, c->u, c->streets, &c->ns, c->places, &c->np);
	c->campaign = current_campaign(db, c->today, &c->rectify_end);
	c->water = db_lookup_id(db, "SELECT id FROM units WHERE code = ?1", "SWJ");
	sqlite3_stmt *st = db_prepare(db, q_count);
	c->nsources = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	db_done(st);
	st = db_prepare(db, "SELECT id FROM sources WHERE outside = 1");
	while (st && sqlite3_step(st) == SQLITE_ROW)
		if (sqlite3_column_int64(st, 0) < (long long)sizeof c->outside)
			c->outside[sqlite3_column_int64(st, 0)] = 1;
	db_done(st);
	int rc = -1;
	if (c->ns == 0 || c->np == 0 || !c->campaign || c->nsources == 0) {
		err_set(e, 422, "no_demo", NULL, "请先用 ledger init --demo 建立演示区划和行动");
		goto out;
	}
	for (int i = 0; i < NPROBLEMS; i++)
		c->domain_ids[i] = db_lookup_id(db, q_domain, problems[i][0]);
	st = db_prepare(db, q_next);
	long long first = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 1;
	db_done(st);

	if (db_exec(db, "BEGIN IMMEDIATE", e) != 0)
		goto out;
	if (set_aside(db, &aside, e) != 0)
		goto rollback;

	for (long done = 0; done < n; done++) {
		if (seed_ticket(c, done) != 0)
			goto rollback;
		if ((done + 1) % 100000 == 0 || done + 1 == n) {
			fprintf(out, "已生成 %ld / %ld 个问题\n", done + 1, n);
			fflush(out);
		}
	}
	fprintf(out, "建立索引和统计……\n");
	fflush(out);
	/* The child tables' indexes first (the search text reads the progress notes by ticket),
	 * then what the triggers would have derived, while the tickets have no index but their
	 * key: the tallies' recount then reads the tickets in their order instead of through an
	 * index's order (at ten million, a random read per ticket, many times over), then the
	 * tickets' indexes and the triggers. */
	if (put_back(db, &aside, 0, e) != 0 || derive(db, first, e) != 0 || put_back(db, &aside, 1, e) != 0 ||
	    put_back(db, &aside, 2, e) != 0 || tell_stories(c, first) != 0 || file_ledgers(c) != 0)
		goto rollback;
	/* The search index in one merged piece (see migration 011). */
	if (db_exec(db, "INSERT INTO tickets_fts (tickets_fts) VALUES ('optimize')", e) != 0 ||
	    db_exec(db, "INSERT INTO tickets_contact_fts (tickets_contact_fts) VALUES ('optimize')", e) != 0)
		goto rollback;
	if (db_exec(db, "COMMIT", e) != 0)
		goto rollback;
	rc = db_stats_take(db, e);
	goto out;
rollback:
	if (!e->message[0])
		err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(db)));
	db_exec(db, "ROLLBACK", NULL);
out:
	aside_free(&aside);
	free(c->cal);
	free(c);
	return rc;
}
