/*
 * test_score.c — the points, the scheme check and the ranking of an assessment (src/lib/score.c),
 * against figures worked out by hand.
 */
#include <math.h>

#include "score.h"
#include "test.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

static void test_points(void)
{
	/* The demo scheme's 及时签收率: 10 points, floor 80 %, target 100 %. */
	struct score_rule sign = { 10, 0.8, 1.0 };
	CHECK(NEAR(score_points(&sign, 0.9), 5.0));  /* half way */
	CHECK(NEAR(score_points(&sign, 0.8), 0.0));  /* at the floor */
	CHECK(NEAR(score_points(&sign, 0.5), 0.0));  /* below it: no points, never negative */
	CHECK(NEAR(score_points(&sign, 1.0), 10.0)); /* the target */
	/* 满意率 35 points, floor 60 %: 3 of 4 satisfied = 75 % → 35 × 0.15 / 0.4 = 13.125. */
	struct score_rule sat = { 35, 0.6, 1.0 };
	CHECK(NEAR(score_points(&sat, 0.75), 13.125));
	CHECK(NEAR(score_round(13.125), 13.13));
	/* Lower is better: 回退率 10 points, floor 20 %, target 0 %: 5 % → 10 × 0.15 / 0.2 = 7.5. */
	struct score_rule ret = { 10, 0.2, 0.0 };
	CHECK(NEAR(score_points(&ret, 0.05), 7.5));
	CHECK(NEAR(score_points(&ret, 0.0), 10.0));
	CHECK(NEAR(score_points(&ret, 0.3), 0.0));
	struct score_rule flat = { 10, 0.5, 0.5 };
	CHECK(NEAR(score_points(&flat, 0.7), 0.0)); /* refused by the check; never a division by 0 */
}

static void test_scheme_check(void)
{
	const char *names[] = { "及时签收率", "按期办结率", "解决率", "满意率" };
	int lower[] = { 0, 0, 0, 0 };
	struct score_rule demo[] = { { 10, 0.8, 1 }, { 25, 0.6, 1 }, { 30, 0.6, 1 }, { 35, 0.6, 1 } };
	char msg[200];
	CHECK(score_scheme_check(demo, lower, names, 4, msg, sizeof msg) == 0);
	demo[3].weight = 30; /* 95 */
	CHECK(score_scheme_check(demo, lower, names, 4, msg, sizeof msg) == -1);
	CHECK(strstr(msg, "合计须为 100 分，现为 95 分") != NULL);
	demo[3].weight = 35;
	demo[1].floor = 1.0; /* floor above... at its target */
	CHECK(score_scheme_check(demo, lower, names, 4, msg, sizeof msg) == -1);
	CHECK(strstr(msg, "按期办结率") && strstr(msg, "下限须低于目标"));
	demo[1].floor = 0.6;
	demo[2].target = 1.5;
	CHECK(score_scheme_check(demo, lower, names, 4, msg, sizeof msg) == -1);
	CHECK(strstr(msg, "0% 到 100%") != NULL);
	demo[2].target = 1;
	demo[0].weight = 0;
	CHECK(score_scheme_check(demo, lower, names, 4, msg, sizeof msg) == -1);
	CHECK(strstr(msg, "分值须大于 0") != NULL);
	/* Lower is better: the floor is the higher rate. */
	const char *rn[] = { "满意率", "回退率" };
	int rl[] = { 0, 1 };
	struct score_rule r[] = { { 80, 0.6, 1 }, { 20, 0.2, 0 } };
	CHECK(score_scheme_check(r, rl, rn, 2, msg, sizeof msg) == 0);
	r[1] = (struct score_rule){ 20, 0, 0.2 };
	CHECK(score_scheme_check(r, rl, rn, 2, msg, sizeof msg) == -1);
	CHECK(strstr(msg, "回退率") && strstr(msg, "越低越好"));
	CHECK(score_scheme_check(r, rl, rn, 0, msg, sizeof msg) == -1);
}

static void test_rank(void)
{
	/* Twelve units, one without a score, two tied at the top and two at the bottom edge:
	 * k = min(5, 11 / 2) = 5. */
	double s[] = { 90, 90, 80, 70, 60, 50, 40, 30, 20, 20, 10, 0 };
	int has[] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0 };
	int rank[12];
	char list[12];
	score_rank(s, has, 12, rank, list);
	CHECK(rank[0] == 1 && rank[1] == 1 && rank[2] == 3); /* ties share a place */
	CHECK(rank[8] == 9 && rank[9] == 9 && rank[10] == 11);
	CHECK(rank[11] == 0 && list[11] == 0); /* no score: not ranked, on no list */
	CHECK(list[0] == 'r' && list[4] == 'r' && list[5] == 0);
	/* the bottom five: 10, 20, 20, 30, 40 */
	CHECK(list[10] == 'b' && list[9] == 'b' && list[8] == 'b' && list[7] == 'b' && list[6] == 'b');
	/* Three units: one on each list; one unit: none. */
	double t[] = { 50, 70, 60 };
	int th[] = { 1, 1, 1 };
	score_rank(t, th, 3, rank, list);
	CHECK(list[1] == 'r' && list[0] == 'b' && list[2] == 0);
	CHECK(rank[1] == 1 && rank[2] == 2 && rank[0] == 3);
	score_rank(t, th, 1, rank, list);
	CHECK(rank[0] == 1 && list[0] == 0);
	/* All tied: both lists would hold everyone; a unit on the red list is not also black. */
	double u[] = { 60, 60, 60, 60 };
	int uh[] = { 1, 1, 1, 1 };
	score_rank(u, uh, 4, rank, list);
	CHECK(list[0] == 'r' && list[3] == 'r' && rank[3] == 1);
}

int main(void)
{
	test_points();
	test_scheme_check();
	test_rank();
	return test_summary("test_score");
}
