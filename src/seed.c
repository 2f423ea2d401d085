/*
 * seed.c — synthetic tickets. Titles and descriptions are put together from the problems
 * the directives name (water supply, rivers, noise, property services ...), so that search
 * and the dashboards have something realistic to work on.
 */
#include "seed.h"

#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "workflow.h"

#define BATCH 5000
#define MAX_UNITS 64

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
	return (int)(rng() % (unsigned long long)n);
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
static const char *const surnames[] = { "张", "王", "李", "赵", "刘", "陈", "杨", "黄", "孙", "周", "吴", "郑" };
static const char *const given[] = { "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰" };
static const char *const statuses[] = { "open", "rectifying", "verifying", "closed" };

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

int seed_run(struct db *db, long n, FILE *out, struct err *e)
{
	static const char q_domain[] = "SELECT id FROM domains WHERE code = ?1";
	static const char q_campaign[] = "SELECT id FROM campaigns WHERE code = ?1";
	static const char q_count[] = "SELECT count(*) FROM sources";
	static const char q_seq[] = "INSERT INTO ticket_seq (unit_id, year, next) VALUES (?1, 2023, 2) "
				    "ON CONFLICT (unit_id, year) DO UPDATE SET next = next + 1 RETURNING next - 1";
	static const char q_insert[] =
		"INSERT INTO tickets (code, campaign_id, source_id, category_id, domain_id, title, description, "
		"location_unit_id, address, reporter_name, reporter_phone, unit_id, responsible_unit_id, "
		"responsible_person, urgency, urgency_rank, measures, deadline, original_deadline, commitment, "
		"interim_measures, status, return_count, unsatisfied_count, callback_count, color, supervised, "
		"last_progress_on, closed_on, created_at, updated_at, unit_path, responsible_path, child_lists) VALUES "
		"(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, "
		"?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?29, ?30, ?30, 0)";
	static const char q_fts[] = "INSERT INTO tickets_fts (rowid, title, description, notes) "
				    "VALUES (?1, search_terms(?2), search_terms(?3), search_terms(?4))";
	static const char q_callback[] = "INSERT INTO callbacks (ticket_id, at, result, method) VALUES (?1, ?2, ?3, 'phone')";

	struct unit u[MAX_UNITS];
	int streets[MAX_UNITS], places[MAX_UNITS], ns, np;
	load_units(db, u, streets, &ns, places, &np);
	long long campaign = db_lookup_id(db, q_campaign, "SW2023");
	sqlite3_stmt *st = db_prepare(db, q_count);
	int nsources = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	db_done(st);
	if (ns == 0 || np == 0 || !campaign || nsources == 0) {
		err_set(e, 422, "no_demo", NULL, "请先用 ledger init --demo 建立演示区划和行动");
		return -1;
	}
	long long domain_ids[ARRAY_LEN(problems)];
	for (size_t i = 0; i < ARRAY_LEN(problems); i++)
		domain_ids[i] = db_lookup_id(db, q_domain, problems[i][0]);

	long start = date_parse_days("2023-08-01");
	struct actor seeder = { 0, "seed" };
	for (long done = 0; done < n;) {
		if (db_exec(db, "BEGIN IMMEDIATE", e) != 0)
			return -1;
		long end = done + BATCH < n ? done + BATCH : n;
		for (; done < end; done++) {
			int place = places[pick(np)];
			int street = u[place].parent >= 0 ? u[place].parent : streets[pick(ns)];
			int prob = pick((int)ARRAY_LEN(problems));
			long created = start + pick(60);
			long deadline = created + 7 + pick(40);
			int status = pick(100) < 15 ? 0 : pick(100) < 40 ? 1 : pick(100) < 20 ? 2 : 3;
			int urgency = pick(100) < 15 ? 0 : pick(100) < 10 ? 1 : 2;
			int unsat = status == 3 || status == 1 ? (pick(100) < 12 ? 1 + pick(2) : 0) : 0;
			int callbacks = status == 3 ? (pick(100) < 70 ? 1 + unsat : unsat) : unsat;
			const char *color = callback_color(unsat, callbacks);
			char code[64], title[256], desc[512], name[16], phone[16], d_created[11], d_deadline[11], d_last[11],
				d_closed[11], at[32];
			st = db_prepare(db, q_seq);
			sqlite3_bind_int64(st, 1, u[street].id);
			long long seq = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
			db_done(st);
			snprintf(code, sizeof code, "%s-2023-%06lld", u[street].code, seq);
			snprintf(title, sizeof title, "%s%s", u[place].name, problems[prob][1]);
			snprintf(desc, sizeof desc, "群众反映：%s%s，希望尽快解决。", u[place].name, problems[prob][1]);
			snprintf(name, sizeof name, "%s%s", surnames[pick(12)], given[pick(12)]);
			snprintf(phone, sizeof phone, "13%09d", pick(1000000000));
			time_format_date((time_t)created * 86400, d_created, sizeof d_created);
			time_format_date((time_t)deadline * 86400, d_deadline, sizeof d_deadline);
			time_format_date((time_t)(created + pick(30)) * 86400, d_last, sizeof d_last);
			/* closed some days before the deadline, but not before it was logged */
			long closed = deadline - pick(10);
			time_format_date((time_t)(closed > created ? closed : created) * 86400, d_closed, sizeof d_closed);
			snprintf(at, sizeof at, "%sT09:%02d:00+08:00", d_created, pick(60));
			long long dom = domain_ids[prob];

			st = db_prepare(db, q_insert);
			if (!st)
				goto dberr;
			sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(st, 2, campaign);
			sqlite3_bind_int64(st, 3, 1 + pick(nsources));
			sqlite3_bind_int64(st, 4, 1 + pick(3));
			sqlite3_bind_int64(st, 5, dom);
			sqlite3_bind_text(st, 6, title, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 7, desc, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(st, 8, u[place].id);
			sqlite3_bind_text(st, 9, "", -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 10, name, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 11, phone, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(st, 12, u[street].id);
			sqlite3_bind_text(st, 13, "", -1, SQLITE_STATIC);
			static const char *const urg[] = { "urgent", "complex", "normal" };
			sqlite3_bind_text(st, 14, urg[urgency], -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 15, urgency);
			sqlite3_bind_text(st, 16, "立即组织排查，制定整改方案", -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 17, d_deadline, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 18, d_deadline, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 19, urgency == 1 ? "限期内完成整改并向群众公开" : "", -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 20, urgency == 1 ? "先行采取临时措施" : "", -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 21, statuses[status], -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 22, status >= 1 ? pick(100) < 10 : 0);
			sqlite3_bind_int(st, 23, unsat);
			sqlite3_bind_int(st, 24, callbacks);
			if (color)
				sqlite3_bind_text(st, 25, color, -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 26, (color && !strcmp(color, "red")) || pick(100) < 5);
			sqlite3_bind_text(st, 27, d_last, -1, SQLITE_TRANSIENT);
			if (status == 3)
				sqlite3_bind_text(st, 28, d_closed, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 29, at, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 30, u[street].path, -1, SQLITE_TRANSIENT);
			if (sqlite3_step(st) != SQLITE_DONE) {
				db_done(st);
				goto dberr;
			}
			db_done(st);
			long long id = sqlite3_last_insert_rowid(db_handle(db));
			st = db_prepare(db, q_fts);
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_text(st, 2, title, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 3, desc, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 4, "", -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE) {
				db_done(st);
				goto dberr;
			}
			db_done(st);
			/* The callbacks behind the counters: the unsatisfied ones first, then a satisfied one. */
			for (int c = 0; c < callbacks; c++) {
				st = db_prepare(db, q_callback);
				sqlite3_bind_int64(st, 1, id);
				sqlite3_bind_text(st, 2, at, -1, SQLITE_TRANSIENT);
				sqlite3_bind_text(st, 3, c < unsat ? "unsatisfied" : pick(3) ? "satisfied" : "basically_satisfied", -1,
						  SQLITE_STATIC);
				if (sqlite3_step(st) != SQLITE_DONE) {
					db_done(st);
					goto dberr;
				}
				db_done(st);
			}
			json_t *after = json_pack("{s:s,s:s}", "code", code, "status", statuses[status]);
			long long ev = audit_append(db, &seeder, "ticket", id, "seed", NULL, after, e);
			json_decref(after);
			if (ev < 0) {
				db_exec(db, "ROLLBACK", NULL);
				return -1;
			}
		}
		if (db_exec(db, "COMMIT", e) != 0)
			return -1;
		if (done % 100000 == 0 || done == n) {
			fprintf(out, "已生成 %ld / %ld 个问题\n", done, n);
			fflush(out);
		}
	}
	/* The search index in one merged piece (see migration 011), then the planner statistics. */
	if (db_exec(db, "INSERT INTO tickets_fts (tickets_fts) VALUES ('optimize')", e) != 0)
		return -1;
	return db_stats_take(db, e);
dberr:
	err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(db)));
	db_exec(db, "ROLLBACK", NULL);
	return -1;
}
