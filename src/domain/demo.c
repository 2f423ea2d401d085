/*
 * demo.c — the demo district. The names follow the seeds: 枣庄高新区 and its 社会事务综合服务中心
 * issue the water-affairs "双月攻坚" campaign (seed 000) to the street offices.
 */
#include "demo.h"

#include <stdlib.h>
#include <string.h>

#include "org.h"

static const struct {
	const char *code, *name, *kind, *parent;
} demo_units[] = {
	{ "GX", "高新区", "district", NULL },
	{ "XR", "兴仁街道", "street", "GX" },
	{ "XC", "兴城街道", "street", "GX" },
	{ "ZF", "张范街道", "street", "GX" },
	{ "SWZX", "区社会事务综合服务中心", "department", "GX" },
	{ "DCKH", "区督查考核办", "department", "GX" },
	{ "SWJ", "区城乡水务局", "department", "GX" },
	{ "XR01", "光明路社区", "community", "XR" },
	{ "XR02", "复元社区", "community", "XR" },
	{ "XR03", "前进村", "village", "XR" },
	{ "XC01", "长江路社区", "community", "XC" },
	{ "XC02", "泰山路社区", "community", "XC" },
	{ "XC03", "蒋庄村", "village", "XC" },
	{ "ZF01", "张范社区", "community", "ZF" },
	{ "ZF02", "古邵村", "village", "ZF" },
	{ "ZF03", "孙庄村", "village", "ZF" },
};

static const struct {
	const char *login, *name, *phone, *role, *unit, *what;
} demo_users[] = {
	{ "admin", "系统管理员", "", "admin", "GX", "系统管理员" },
	{ "zhongxin", "王主任", "13800000001", "reviewer", "SWZX", "区社会事务综合服务中心（派单、调度）" },
	{ "ducha", "李督导", "13800000002", "supervisor", "DCKH", "督导验收（验收、回访）" },
	{ "xingren", "张专员", "13800000003", "staff", "XR", "兴仁街道工作专班" },
	{ "xingcheng", "赵专员", "13800000004", "staff", "XC", "兴城街道工作专班" },
};

/* Seed 000: 自查 until 09-05 (ledger due), 集中整改 09-06 – 09-25 (progress report due),
 * 督导验收 09-05 – 10-15, 巩固提升 10-16 – 10-31. The directive is dated 2023-08-31. */
static const struct phase {
	const char *name, *kind;
	char start[11], end[11], due[64];
} demo_phases[] = {
	{ "街道全面自查", "self_check", "2023-08-31", "2023-09-05", "9月5日前报送问题台账" },
	{ "集中整改", "rectify", "2023-09-06", "2023-09-25", "9月25日前报送整改进展" },
	{ "督导验收", "verify", "2023-09-05", "2023-10-15", "" },
	{ "巩固提升", "consolidate", "2023-10-16", "2023-10-31", "" },
};

#define DEMO_CAMPAIGN_CODE "SW2023"
#define DEMO_CAMPAIGN_NAME "水务系统群众满意度“双月攻坚”行动"

static int insert_campaign(struct db *db, const char *code, const char *name, const struct phase *phases, size_t n,
			   struct err *e)
{
	static const char q_campaign[] = "INSERT INTO campaigns (code, name, unit_id) "
					 "SELECT ?1, ?2, id FROM units WHERE code = 'SWZX'";
	static const char q_phase[] = "INSERT INTO campaign_phases (campaign_id, seq, name, kind, start_date, end_date, "
				      "due_note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
	sqlite3_stmt *st = db_prepare(db, q_campaign);
	if (!st)
		goto dberr;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	db_done(st);
	if (rc != SQLITE_DONE)
		goto dberr;
	long long cid = sqlite3_last_insert_rowid(db_handle(db));
	for (size_t i = 0; i < n; i++) {
		st = db_prepare(db, q_phase);
		if (!st)
			goto dberr;
		sqlite3_bind_int64(st, 1, cid);
		sqlite3_bind_int(st, 2, (int)i + 1);
		sqlite3_bind_text(st, 3, phases[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, phases[i].kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, phases[i].start, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, phases[i].end, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, phases[i].due, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		db_done(st);
		if (rc != SQLITE_DONE)
			goto dberr;
	}
	return 0;
dberr:
	err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(db)));
	return -1;
}

static void day_text(long day, char *out, size_t n)
{
	time_format_date((time_t)day * 86400, out, n);
}

/*
 * A campaign of seed 000's shape that is under way today: its self-inspection ended five days
 * ago (the ledger was due then), its rectification runs for another sixteen days, supervision
 * began with the end of self-inspection and overlaps it, consolidation follows. Only when today
 * lies outside seed 000's own dates (which then are history); inside them, that campaign is
 * the current one.
 */
static int insert_current_campaign(struct db *db, struct err *e)
{
	long today = date_today_days();
	if (today >= date_parse_days(demo_phases[0].start) && today <= date_parse_days(demo_phases[3].end))
		return 0;
	struct phase p[] = {
		{ demo_phases[0].name, "self_check", "", "", "" }, { demo_phases[1].name, "rectify", "", "", "" },
		{ demo_phases[2].name, "verify", "", "", "" },	   { demo_phases[3].name, "consolidate", "", "", "" },
	};
	const long bounds[][2] = { { -56, -5 }, { -4, 16 }, { -5, 36 }, { 37, 52 } };
	for (size_t i = 0; i < ARRAY_LEN(p); i++) {
		day_text(today + bounds[i][0], p[i].start, sizeof p[i].start);
		day_text(today + bounds[i][1], p[i].end, sizeof p[i].end);
	}
	snprintf(p[0].due, sizeof p[0].due, "%d月%d日前报送问题台账", atoi(p[0].end + 5), atoi(p[0].end + 8));
	snprintf(p[1].due, sizeof p[1].due, "%d月%d日前报送整改进展", atoi(p[1].end + 5), atoi(p[1].end + 8));
	static const char *const seasons[] = { "冬季", "冬季", "春季", "春季", "春季", "夏季",
					       "夏季", "夏季", "秋季", "秋季", "秋季", "冬季" };
	char t[11], code[16], name[160];
	day_text(today, t, sizeof t);
	int year = atoi(t), month = atoi(t + 5);
	snprintf(code, sizeof code, "SW%04d%02d", year, month);
	snprintf(name, sizeof name, "%d年%s%s", year, seasons[month - 1], DEMO_CAMPAIGN_NAME);
	return insert_campaign(db, code, name, p, ARRAY_LEN(p), e);
}

void demo_print_logins(FILE *out)
{
	fprintf(out, "演示账号（密码均为 %s）：\n", DEMO_PASSWORD);
	for (size_t i = 0; i < ARRAY_LEN(demo_users); i++)
		fprintf(out, "  %-10s %-10s %s\n", demo_users[i].login, demo_users[i].role, demo_users[i].what);
}

int demo_install(struct db *db, FILE *out, struct err *e)
{
	static const char q_exists[] = "SELECT 1 FROM units WHERE code = 'GX'";
	sqlite3_stmt *st = db_prepare(db, q_exists);
	if (!st) {
		err_set(e, 500, "db_error", NULL, "数据库错误：%s", sqlite3_errmsg(db_handle(db)));
		return -1;
	}
	int exists = sqlite3_step(st) == SQLITE_ROW;
	db_done(st);
	if (exists)
		return 0;

	if (db_exec(db, "BEGIN IMMEDIATE", e) != 0)
		return -1;
	for (size_t i = 0; i < ARRAY_LEN(demo_units); i++)
		if (org_unit_add(db, &ACTOR_SYSTEM, demo_units[i].code, demo_units[i].name, demo_units[i].kind, demo_units[i].parent,
				 (int)i, e) < 0)
			goto fail;
	if (insert_campaign(db, DEMO_CAMPAIGN_CODE, DEMO_CAMPAIGN_NAME, demo_phases, ARRAY_LEN(demo_phases), e) != 0 ||
	    insert_current_campaign(db, e) != 0)
		goto fail;
	/* Water problems usually go to the water bureau (seed 000). */
	if (db_exec(db, "UPDATE domains SET default_unit_id = (SELECT id FROM units WHERE code = 'SWJ') "
			"WHERE code IN ('rural_water', 'river_lake', 'urban_water')",
		    e) != 0)
		goto fail;
	/* The district's assessment scheme (SPEC section 11): 100 points over four indicators. */
	if (db_exec(db, "INSERT INTO assessment_weights (campaign_id, indicator, weight, floor, target) VALUES "
			"(0, 'sign_on_time', 10, 0.8, 1), (0, 'on_time', 25, 0.6, 1), (0, 'resolved', 30, 0.6, 1), "
			"(0, 'satisfied', 35, 0.6, 1)",
		    e) != 0)
		goto fail;
	for (size_t i = 0; i < ARRAY_LEN(demo_users); i++)
		if (org_user_add(db, &ACTOR_SYSTEM, demo_users[i].login, demo_users[i].name, demo_users[i].phone, demo_users[i].role,
				 demo_users[i].unit, DEMO_PASSWORD, e) < 0)
			goto fail;
	if (db_exec(db, "COMMIT", e) != 0)
		goto fail;
	fprintf(out, "已创建演示数据：高新区（GX）及其街道、部门、社区，%s（2023 年，作为范本和历史）", DEMO_CAMPAIGN_NAME);
	static const char q_current[] = "SELECT name FROM campaigns WHERE code <> '" DEMO_CAMPAIGN_CODE "'";
	sqlite3_stmt *cur = db_prepare(db, q_current);
	if (cur && sqlite3_step(cur) == SQLITE_ROW)
		fprintf(out, "，以及正在进行的%s", db_text(cur, 0));
	db_done(cur);
	fprintf(out, "。\n");
	demo_print_logins(out);
	return 1;
fail:
	db_exec(db, "ROLLBACK", NULL);
	return -1;
}
