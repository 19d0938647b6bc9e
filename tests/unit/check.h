/* The unit suites, all run by one srunner in check_main.c. */
#ifndef PM_CHECK_H
#define PM_CHECK_H

#include <check.h>

#include "pm_internal.h"

Suite *suite_parse(void);
Suite *suite_layout(void);
Suite *suite_discover(void);
Suite *suite_ctx(void);
Suite *suite_execd_text(void);
Suite *suite_cd_names(void);
Suite *suite_explain(void);
Suite *suite_files(void);

/* Writes a fixture node with tests/fixtures/mktree.sh into a new temp dir
 * (ARGS are mktree's options); returns the dir (static buffer). */
const char *fixture_make(const char *args);
void fixture_remove(const char *dir);

/* Counts the allocations made between the two calls (the sanitizer
 * allocator's hooks: the unit runner is always built with ASan). No
 * ck_assert in between: Check itself allocates for each. */
void alloc_count_start(void);
size_t alloc_count_stop(void);

#endif
