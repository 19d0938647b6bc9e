#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

const char *fixture_make(const char *args)
{
	static char dir[256];
	char cmd[1024];
	const char *src = getenv("PODMEM_SRC");

	snprintf(dir, sizeof dir, "/tmp/podmem-unit.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cmd, sizeof cmd, "%s/tests/fixtures/mktree.sh %s/n %s", src ? src : ".", dir, args);
	ck_assert_int_eq(system(cmd), 0);
	strcat(dir, "/n");
	return dir;
}

void fixture_remove(const char *dir)
{
	char cmd[512];
	int n = (int)strlen(dir) - 2; /* without the "/n" fixture_make added */
	snprintf(cmd, sizeof cmd, "rm -rf '%.*s'", n, dir);
	ck_assert_int_eq(system(cmd), 0);
}

int main(void)
{
	SRunner *sr = srunner_create(suite_parse());
	srunner_add_suite(sr, suite_layout());
	srunner_add_suite(sr, suite_discover());
	srunner_add_suite(sr, suite_ctx());
	srunner_add_suite(sr, suite_execd_text());
	srunner_add_suite(sr, suite_cd_names());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
