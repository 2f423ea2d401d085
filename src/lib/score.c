/*
 * score.c — see score.h.
 */
#include "score.h"

#include <math.h>
#include <stdio.h>

#define LISTED 5

double score_points(const struct score_rule *r, double rate)
{
	double span = r->target - r->floor;
	if (span == 0)
		return 0;
	double x = (rate - r->floor) / span;
	if (x < 0)
		x = 0;
	if (x > 1)
		x = 1;
	return r->weight * x;
}

double score_round(double x)
{
	return round(x * 100.0) / 100.0;
}

int score_scheme_check(const struct score_rule *rules, const int *lower_is_better, const char *const *names, size_t n,
		       char *msg, size_t msg_len)
{
	double sum = 0;
	if (n == 0) {
		snprintf(msg, msg_len, "考评方案至少要有一项指标");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct score_rule *r = &rules[i];
		if (!(r->weight > 0) || r->weight > 100) {
			snprintf(msg, msg_len, "“%s”的分值须大于 0、不超过 100", names[i]);
			return -1;
		}
		if (!(r->floor >= 0 && r->floor <= 1 && r->target >= 0 && r->target <= 1)) {
			snprintf(msg, msg_len, "“%s”的下限和目标须在 0%% 到 100%% 之间", names[i]);
			return -1;
		}
		if (lower_is_better[i] ? r->floor <= r->target : r->floor >= r->target) {
			snprintf(msg, msg_len,
				 lower_is_better[i] ? "“%s”越低越好，下限（开始得分的比率）须高于目标"
						    : "“%s”的下限须低于目标（下限高于目标时无法计分）",
				 names[i]);
			return -1;
		}
		sum += r->weight;
	}
	if (fabs(sum - 100.0) > 1e-6) {
		snprintf(msg, msg_len, "各项指标分值合计须为 100 分，现为 %g 分", score_round(sum));
		return -1;
	}
	return 0;
}

void score_rank(const double *score, const int *has_score, size_t n, int *rank, char *list)
{
	size_t ranked = 0;
	for (size_t i = 0; i < n; i++)
		ranked += has_score[i] != 0;
	size_t k = ranked / 2 < LISTED ? ranked / 2 : LISTED;
	for (size_t i = 0; i < n; i++) {
		rank[i] = 0;
		list[i] = 0;
		if (!has_score[i])
			continue;
		size_t above = 0, below = 0;
		for (size_t j = 0; j < n; j++) {
			if (!has_score[j] || j == i)
				continue;
			above += score[j] > score[i];
			below += score[j] < score[i];
		}
		rank[i] = (int)above + 1;
		if (above < k)
			list[i] = 'r';
		else if (below < k)
			list[i] = 'b';
	}
}
