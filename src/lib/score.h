/*
 * score.h — the arithmetic of an assessment (考评, SPEC section 11), as pure functions: the
 * points of one indicator, a unit's score, the ranking and its 红榜 and 黑榜.
 *
 *   rate   = num / den                      (no rate when den is 0: shown as —, never 0 %)
 *   points = weight × clamp((rate − floor) / (target − floor), 0, 1)
 *
 * For an indicator where lower is better the floor is the higher rate (回退率: floor 20 %,
 * target 0 %), and the same formula counts the points the other way round. A unit's score is
 * the sum of its points over the indicators that have a rate, out of the weights of those
 * indicators, on 100: with every rate present (the weights add up to 100) it is the plain
 * sum; a rate with no cases leaves its weight out rather than counting as 0 or as full marks.
 * A unit with no rate at all has no score and is not ranked.
 */
#ifndef LEDGER_SCORE_H
#define LEDGER_SCORE_H

#include <stddef.h>

/* One indicator of a scheme: its points at most, and the rates where points start and top out. */
struct score_rule {
	double weight, floor, target;
};

/* The points a rate earns under r (rate in 0..1). */
double score_points(const struct score_rule *r, double rate);

/* A scheme's problem, in Chinese, into msg; 0 when it is sound: each weight above 0, the
 * floors and targets within 0..1 and apart, a floor below its target (above it when
 * lower_is_better[i]), the weights adding up to 100. names[i] names rule i in the message. */
int score_scheme_check(const struct score_rule *rules, const int *lower_is_better, const char *const *names, size_t n,
		       char *msg, size_t msg_len);

/* Rounds to two decimals, as scores and points are shown and compared. */
double score_round(double x);

/*
 * Ranks n units by score (higher first; has_score[i] 0: not ranked, rank 0). Ties share a
 * place (1, 2, 2, 4). The lists are the first and last k places, k = min(5, ranked / 2),
 * ties at the edge included: list[i] is 'r' (红榜), 'b' (黑榜) or 0.
 */
void score_rank(const double *score, const int *has_score, size_t n, int *rank, char *list);

#endif
