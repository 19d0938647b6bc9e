/*
 * Names for the collectd front end, kept apart from collectd's headers:
 * plugin instances that fit collectd's identifier fields, and the name
 * patterns of the Namespace, IgnoreNamespace and Metrics options.
 */
#ifndef PM_CD_NAMES_H
#define PM_CD_NAMES_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Joins the non-empty PARTS with '_' into OUT (OUT_SIZE bytes, at least 24)
 * as collectd can carry it. Bytes that break identifiers, writers or their
 * protocols ('/', '"', '\\', blanks, control characters, invalid UTF-8) become
 * '_'. A name that had to change, or does not fit, keeps as many whole
 * characters as fit and ends in '~' and 16 hex digits of the SHA-256 of the
 * original: the same every time and on every node, and out of reach of a
 * tenant aiming at another pod's name. Kubernetes names never change,
 * unless HASH asks for the suffix anyway.
 */
void pm_cd_instance(char *out, size_t out_size, const char *const parts[], size_t n_parts, bool hash);

/* One pattern: "/regex/" (POSIX extended, unanchored) or an exact name. */
struct pm_cd_pat {
	char *text; /* exact name; NULL for a regex */
	regex_t re;
};

/* Compiles PATTERN into P. 0, or -1 with the reason in ERR (ERR_SIZE bytes). */
int pm_cd_pat_init(struct pm_cd_pat *p, const char *pattern, char *err, size_t err_size);
bool pm_cd_pat_match(const struct pm_cd_pat *p, const char *name);
void pm_cd_pat_free(struct pm_cd_pat *p);

/* A list of patterns; an empty list matches nothing. Zero it to start. */
struct pm_cd_pats {
	struct pm_cd_pat *v;
	size_t n;
};

/* Adds PATTERN to L. 0, or -1 with the reason in ERR. */
int pm_cd_pats_add(struct pm_cd_pats *l, const char *pattern, char *err, size_t err_size);
bool pm_cd_pats_match(const struct pm_cd_pats *l, const char *name);
void pm_cd_pats_free(struct pm_cd_pats *l); /* and zeroes L */

#endif
