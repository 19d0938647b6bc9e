/* Shared by the bench programs: a monotonic clock and the median of a series. */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_MAX_SERIES 1024

static inline double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline int bench_cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* the median of the N (at most BENCH_MAX_SERIES) values at V, which stay as they are */
static inline double median(const double *v, int n)
{
	double s[BENCH_MAX_SERIES];
	if (n <= 0)
		return 0;
	if (n > BENCH_MAX_SERIES)
		n = BENCH_MAX_SERIES;
	memcpy(s, v, (size_t)n * sizeof *s);
	qsort(s, (size_t)n, sizeof *s, bench_cmp_d);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
#endif
