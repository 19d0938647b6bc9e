/* pm_find_pod (a pod by namespace/name, name, UID; ambiguity; containers),
 * pm_files_scan on a fixture node (no processes, no kpagecgroup: what it
 * says), and pm_dir_list's flags. The real scans are in
 * tests/integration/cli_files_*.sh. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static struct pm_pod mkpod(const char *ns, const char *name, const char *uid, struct pm_container *ctrs, size_t n)
{
	struct pm_pod p = {.containers = ctrs, .n_containers = n};
	snprintf(p.ident.namespace_, sizeof p.ident.namespace_, "%s", ns);
	snprintf(p.ident.name, sizeof p.ident.name, "%s", name);
	snprintf(p.ident.uid, sizeof p.ident.uid, "%s", uid);
	return p;
}

START_TEST(find_pod)
{
	struct pm_container ctrs[2] = {0};
	snprintf(ctrs[0].ident.name, sizeof ctrs[0].ident.name, "app");
	snprintf(ctrs[1].ident.name, sizeof ctrs[1].ident.name, "POD");
	struct pm_pod pods[3] = {
		mkpod("default", "web-0", "2a3b4c5d-6e7f-4081-9293-0000000000b2", ctrs, 2),
		mkpod("staging", "web-0", "2a3b4c5d-6e7f-4081-9293-0000000000b3", NULL, 0),
		mkpod("batch", "job-1", "2a3b4c5d-6e7f-4081-9293-0000000000c1", NULL, 0),
	};
	struct pm_snapshot s = {.pods = pods, .n_pods = 3};
	const struct pm_pod *p;
	const struct pm_container *c;
	char err[256];

	ck_assert_int_eq(pm_find_pod(&s, "staging/web-0", NULL, &p, &c, err, sizeof err), 0);
	ck_assert_ptr_eq(p, &pods[1]);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(pm_find_pod(&s, "job-1", NULL, &p, NULL, err, sizeof err), 0);
	ck_assert_ptr_eq(p, &pods[2]);
	ck_assert_int_eq(pm_find_pod(&s, "2A3B4C5D-6E7F-4081-9293-0000000000B2", "app", &p, &c, err, sizeof err), 0);
	ck_assert_ptr_eq(p, &pods[0]);
	ck_assert_ptr_eq(c, &ctrs[0]);
	/* a name two namespaces have */
	ck_assert_int_eq(pm_find_pod(&s, "web-0", NULL, &p, NULL, err, sizeof err), -ENOTUNIQ);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(err, "pod name 'web-0' is in several namespaces: default, staging; give namespace/web-0");
	/* no such pod, namespace or container */
	ck_assert_int_eq(pm_find_pod(&s, "default/job-1", NULL, &p, NULL, err, sizeof err), -ENOENT);
	ck_assert_str_eq(err, "no pod 'default/job-1' (give namespace/pod, a pod name or a pod UID)");
	ck_assert_int_eq(pm_find_pod(&s, "/web-0", NULL, &p, NULL, err, sizeof err), -ENOENT);
	ck_assert_int_eq(pm_find_pod(&s, "default/web-0", "sidecar", &p, &c, err, sizeof err), -ENOENT);
	ck_assert_str_eq(err, "pod default/web-0 has no container 'sidecar'");
	ck_assert_ptr_null(p);
	ck_assert_ptr_null(c);
	/* an error too long for ERR is cut, NUL-terminated */
	ck_assert_int_eq(pm_find_pod(&s, "web-0", NULL, &p, NULL, err, 20), -ENOTUNIQ);
	ck_assert_uint_eq(strlen(err), 19);
}
END_TEST

START_TEST(scan_fixture)
{
	const char *dir = fixture_make("--version 2");
	char cg[512], proc[512], kube[512];
	snprintf(cg, sizeof cg, "%s/cgroup", dir);
	snprintf(proc, sizeof proc, "%s/proc", dir);
	snprintf(kube, sizeof kube, "%s/kubelet", dir);
	struct pm_opts o = {.cgroup_root = cg, .proc_root = proc};
	struct pm_ctx *ctx;
	struct pm_snapshot s = {0};
	struct pm_files f = {0};
	const struct pm_pod *p;
	char err[256];

	ck_assert_int_eq(pm_ctx_open(&ctx, &o), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert_int_eq(pm_find_pod(&s, "2a3b4c5d-6e7f-4081-9293-0000000000b2", NULL, &p, NULL, err, sizeof err), 0);
	/* a volume directory with one file in it, and a symlink out of it that is not followed */
	char vol[768], path[1024];
	snprintf(vol, sizeof vol, "%s/pods/%s/volumes/kubernetes.io~empty-dir/cache", kube, p->ident.uid);
	char cmd[3072];
	snprintf(cmd, sizeof cmd, "mkdir -p '%s' && head -c 10000 /dev/zero > '%s/blob' && ln -s /etc '%s/out'", vol, vol, vol);
	ck_assert_int_eq(system(cmd), 0);
	struct pm_files_opts fo = {.kubelet_dir = kube, .residency = PM_RES_MINCORE};
	ck_assert_int_eq(pm_files_scan(ctx, p, &fo, &f), 0);
	ck_assert_str_eq(f.residency, "mincore");
	ck_assert(!f.charged_known);
	ck_assert_ptr_nonnull(strstr(f.charged_why, "kpagecgroup"));
	ck_assert_uint_eq(f.n_procs, 0);
	ck_assert_uint_eq(f.n_files, 1);
	snprintf(path, sizeof path, "%s/blob", vol);
	ck_assert_str_eq(f.files[0].path, path);
	ck_assert_uint_eq(f.files[0].size, 10000);
	ck_assert_uint_eq(f.files[0].from, PM_FROM_VOLUME);
	ck_assert(!f.files[0].states_known && !f.files[0].deleted);
	ck_assert(f.pod_cache_known);
	ck_assert_uint_eq(f.pod_cache, p->val.v[PM_M_FILE]);
	ck_assert_uint_eq(f.walked, 4); /* kubernetes.io~empty-dir, cache, blob, out */
	int says_no_process = 0;
	for (unsigned i = 0; i < f.n_notes; i++)
		says_no_process += strstr(f.notes[i], "no process runs") != NULL;
	ck_assert_int_eq(says_no_process, 1);
	/* the budget: hit, and said */
	fo.max_files = 2;
	ck_assert_int_eq(pm_files_scan(ctx, p, &fo, &f), 0);
	ck_assert(f.budget_hit);
	ck_assert_uint_eq(f.walked, 2);
	ck_assert_uint_eq(f.n_files, 0);
	/* a container it does not have; a pod the context does not know */
	fo.container = "nope";
	ck_assert_int_eq(pm_files_scan(ctx, p, &fo, &f), -ENOENT);
	struct pm_pod stranger = mkpod("x", "y", "00000000-0000-4000-8000-000000000000", NULL, 0);
	fo.container = NULL;
	ck_assert_int_eq(pm_files_scan(ctx, &stranger, &fo, &f), -ENOENT);
	pm_files_free(&f);
	pm_files_free(&f); /* zeroed: safe twice */
	pm_files_free(NULL);
	pm_snapshot_free(&s);
	pm_ctx_close(ctx);
	fixture_remove(dir);
}
END_TEST

static int count(void *arg, int dirfd, const char *name)
{
	(void)dirfd, (void)name;
	++*(int *)arg;
	return 0;
}

START_TEST(dir_list_flags)
{
	char dir[] = "/tmp/podmem-dirlist.XXXXXX", path[64];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/.hidden", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/file", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	snprintf(path, sizeof path, "%s/link", dir);
	ck_assert_int_eq(symlink(".hidden", path), 0);
	int n = 0;
	ck_assert_int_eq(pm_dir_list(AT_FDCWD, dir, 0, count, &n), 0);
	ck_assert_int_eq(n, 2); /* file, link */
	n = 0;
	ck_assert_int_eq(pm_dir_list(AT_FDCWD, dir, PM_DIR_HIDDEN, count, &n), 0);
	ck_assert_int_eq(n, 3); /* and .hidden, never . or .. */
	n = 0;
	ck_assert_int_eq(pm_dir_list(AT_FDCWD, dir, PM_DIR_HIDDEN | PM_DIR_SUBDIRS, count, &n), 0);
	ck_assert_int_eq(n, 1);
	/* a symlink to a directory: listed by default, refused with NOFOLLOW */
	n = 0;
	ck_assert_int_eq(pm_dir_list(AT_FDCWD, path, 0, count, &n), 0);
	ck_assert_int_lt(pm_dir_list(AT_FDCWD, path, PM_DIR_NOFOLLOW, count, &n), 0); /* ENOTDIR (O_DIRECTORY) */
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* A FIFO in place of the pod's and its containers' cgroup.procs: the scan
 * skips them and returns, rather than hanging in open (read_procs opened it
 * without O_NONBLOCK; the test's timeout is the hang) */
START_TEST(scan_fifo_procs)
{
	const char *dir = fixture_make("--version 2");
	char cg[512], proc[512], kube[512], cmd[2048];
	snprintf(cg, sizeof cg, "%s/cgroup", dir);
	snprintf(proc, sizeof proc, "%s/proc", dir);
	snprintf(kube, sizeof kube, "%s/kubelet", dir);
	struct pm_opts o = {.cgroup_root = cg, .proc_root = proc};
	struct pm_ctx *ctx;
	struct pm_snapshot s = {0};
	struct pm_files f = {0};
	const struct pm_pod *p;
	char err[256];
	ck_assert_int_eq(pm_ctx_open(&ctx, &o), 0);
	ck_assert_int_eq(pm_sample(ctx, &s), 0);
	ck_assert_int_eq(pm_find_pod(&s, "2a3b4c5d-6e7f-4081-9293-0000000000b2", NULL, &p, NULL, err, sizeof err), 0);
	snprintf(cmd, sizeof cmd,
		 "n=0; for f in $(find '%s' -path '*2a3b4c5d?6e7f?4081?9293?0000000000b2*' -name cgroup.procs); do "
		 "rm \"$f\" && mkfifo \"$f\" && n=$((n+1)); done; [ $n -ge 2 ]", cg);
	ck_assert_int_eq(system(cmd), 0);
	struct pm_files_opts fo = {.kubelet_dir = kube, .residency = PM_RES_MINCORE};
	ck_assert_int_eq(pm_files_scan(ctx, p, &fo, &f), 0);
	ck_assert_uint_eq(f.n_procs, 0);
	pm_files_free(&f);
	pm_snapshot_free(&s);
	pm_ctx_close(ctx);
	fixture_remove(dir);
}
END_TEST

/* ---- the lines a file scan reads (pm_maps_line, pm_mountinfo_line,
 * pm_overlay_upper, pm_strip_deleted; tests/fuzz/fuzz_files_lines) ---- */

START_TEST(maps_lines)
{
	struct pm_maps_line ml;
	char ok[] = "7f00a000-7f00b000 rw-s 00000000 00:1a 4242                       /dev/shm/blob (deleted)";
	ck_assert_int_eq(pm_maps_line(ok, strlen(ok), &ml), 0);
	ck_assert_str_eq(ml.range, "7f00a000-7f00b000");
	ck_assert_uint_eq(ml.maj, 0);
	ck_assert_uint_eq(ml.min, 0x1a);
	ck_assert_uint_eq(ml.ino, 4242);
	ck_assert_str_eq(ml.path, "/dev/shm/blob");
	ck_assert_uint_eq(ml.len, strlen("/dev/shm/blob"));
	ck_assert(ml.deleted);
	char lib[] = "7f1c00000000-7f1c00022000 r--p 00001000 fd:01 131 /usr/lib/x86_64-linux-gnu/libc.so.6";
	ck_assert_int_eq(pm_maps_line(lib, strlen(lib), &ml), 0);
	ck_assert_uint_eq(ml.maj, 0xfd);
	ck_assert(!ml.deleted);
	/* sscanf("%x:%x %llu") took signs and 0x prefixes: a device "-1:2" or an inode "-5" is not one */
	static const char *const bad[] = {
		"7f00a000-7f00b000 rw-p 00000000 -1:02 42 /x", "7f00a000-7f00b000 rw-p 00000000 08:01 -5 /x",
		"7f00a000-7f00b000 rw-p 00000000 0x8:01 42 /x", "7f00a000-7f00b000 rw-p 0000zz00 08:01 42 /x",
		"7f00a000-7f00b000 rw-p 00000000 08:01 0 /x",   "7f00a000-7f00b000 rw-p 00000000 08:01 42 [heap]",
		"7f00a000-7f00b000 rw-p 00000000 08:01 42",     "7f00a000-7f00b000 rw-p 00000000 08:01 42x /x",
		"7f00a000-7f00b000 rw-p 00000000 08:100000000 42 /x",
	};
	/* leading zeros are only zeros, however many (a device field was cut at 48 bytes; fuzz_files_lines) */
	char zeros[] = "0b000 rw-s 00000000 000000000000000000000000000000000000000000000000000000000008:2a 424 /dev/s";
	ck_assert_int_eq(pm_maps_line(zeros, strlen(zeros), &ml), 0);
	ck_assert_uint_eq(ml.maj, 8);
	ck_assert_uint_eq(ml.min, 0x2a);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char line[128];
		snprintf(line, sizeof line, "%s", bad[i]);
		ck_assert_msg(pm_maps_line(line, strlen(line), &ml) == -EINVAL, "taken: %s", bad[i]);
	}
}
END_TEST

START_TEST(mountinfo_lines)
{
	struct pm_mount_line ml;
	char tmpfs[] = "44 30 0:61 /pods/a\\040b /dev/shm\\040x rw,nosuid shared:5 - tmpfs shm rw,size=65536k";
	ck_assert_int_eq(pm_mountinfo_line(tmpfs, &ml), 0);
	ck_assert_uint_eq(ml.maj, 0);
	ck_assert_uint_eq(ml.min, 61);
	ck_assert_str_eq(ml.root, "/pods/a b");
	ck_assert_str_eq(ml.mp, "/dev/shm x");
	ck_assert_str_eq(ml.fstype, "tmpfs");
	ck_assert_str_eq(ml.super, "rw,size=65536k");
	char neg[] = "44 30 -1:61 / /dev/shm rw - tmpfs shm rw";
	ck_assert_int_eq(pm_mountinfo_line(neg, &ml), -EINVAL);
	char short_[] = "44 30 0:61 / /dev/shm rw - tmpfs shm";
	ck_assert_int_eq(pm_mountinfo_line(short_, &ml), -EINVAL);
}
END_TEST

/* An overlay's upperdir is the option named so, not the first "upperdir="
 * inside another option's value: a lower layer's path held one, and the real
 * upper directory was missed */
START_TEST(overlay_upper)
{
	char dir[64];
	ck_assert_int_eq(pm_overlay_upper("rw,lowerdir=/l1/upperdir=x:/l2,upperdir=/var/up\\040per,workdir=/w", dir, sizeof dir), 0);
	ck_assert_str_eq(dir, "/var/up per");
	ck_assert_int_eq(pm_overlay_upper("upperdir=/u", dir, sizeof dir), 0);
	ck_assert_str_eq(dir, "/u");
	ck_assert_int_eq(pm_overlay_upper("rw,xupperdir=/u,lowerdir=/l", dir, sizeof dir), -ENOENT);
	ck_assert_int_eq(pm_overlay_upper("rw,upperdir=", dir, sizeof dir), -ENOENT);
	ck_assert_int_eq(pm_overlay_upper("upperdir=/0123456789012345678901234567890123456789012345678901234567890123", dir,
					  sizeof dir), -ENAMETOOLONG);
}
END_TEST

START_TEST(procs_lines)
{
	int pid = 0;
	ck_assert_int_eq(pm_procs_line("1234\n", 5, &pid), 0);
	ck_assert_int_eq(pid, 1234);
	ck_assert_int_eq(pm_procs_line("2147483647", 10, &pid), 0);
	ck_assert_int_eq(pid, 2147483647);
	/* fscanf("%d") took these: a sign, an overflow (undefined), and 0 */
	static const char *const bad[] = {"-1\n", "+5\n", "2147483648\n", "99999999999999999999\n", "0\n", "\n", "12 \n", "1x\n"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(pm_procs_line(bad[i], strlen(bad[i]), &pid) == -EINVAL, "taken: %s", bad[i]);
}
END_TEST

START_TEST(fd_targets)
{
	char a[] = "/tmp/x (deleted)", b[] = "socket:[1234]", c[] = " (deleted)";
	size_t n = strlen(a);
	ck_assert(pm_strip_deleted(a, &n));
	ck_assert_str_eq(a, "/tmp/x");
	ck_assert_uint_eq(n, 6);
	n = strlen(b);
	ck_assert(!pm_strip_deleted(b, &n));
	ck_assert_uint_eq(n, strlen(b));
	n = strlen(c);
	ck_assert(pm_strip_deleted(c, &n));
	ck_assert_uint_eq(n, 0);
}
END_TEST

Suite *suite_files(void)
{
	Suite *s = suite_create("files");
	TCase *tc = tcase_create("files");
	tcase_set_timeout(tc, 60); /* a fixture tree and a scan each: seconds on a busy machine; a hang is forever */
	tcase_add_test(tc, find_pod);
	tcase_add_test(tc, scan_fixture);
	tcase_add_test(tc, dir_list_flags);
	tcase_add_test(tc, maps_lines);
	tcase_add_test(tc, mountinfo_lines);
	tcase_add_test(tc, overlay_upper);
	tcase_add_test(tc, fd_targets);
	tcase_add_test(tc, procs_lines);
	tcase_add_test(tc, scan_fifo_procs);
	suite_add_tcase(s, tc);
	return s;
}
