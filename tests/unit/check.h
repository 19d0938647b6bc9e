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

/* Writes a fixture node with tests/fixtures/mktree.sh into a new temp dir
 * (ARGS are mktree's options); returns the dir (static buffer). */
const char *fixture_make(const char *args);
void fixture_remove(const char *dir);

#endif
