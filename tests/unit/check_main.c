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

/* from the sanitizer runtime */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
					      void (*free_hook)(const volatile void *));

static size_t allocations;

static void on_malloc(const volatile void *p, size_t n)
{
	(void)p;
	(void)n;
	allocations++;
}

static void on_free(const volatile void *p)
{
	(void)p;
}

void alloc_count_start(void)
{
	allocations = 0;
	__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
}

size_t alloc_count_stop(void)
{
	__sanitizer_install_malloc_and_free_hooks(NULL, NULL);
	return allocations;
}

int main(void)
{
	SRunner *sr = srunner_create(suite_parse());
	srunner_add_suite(sr, suite_layout());
	srunner_add_suite(sr, suite_discover());
	srunner_add_suite(sr, suite_ctx());
	srunner_add_suite(sr, suite_execd_text());
	srunner_add_suite(sr, suite_cd_names());
	srunner_add_suite(sr, suite_explain());
	srunner_add_suite(sr, suite_files());
	srunner_run_all(sr, CK_ENV);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
