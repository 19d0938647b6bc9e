/* Numbers, key tables, the line parsers, the piecewise reader and durations. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

#define S(lit) lit, sizeof(lit) - 1

/* FIPS 180-4 test vectors, one of them crossing a block, and the 16-digit prefix */
START_TEST(sha256_vectors)
{
	static const struct {
		const char *in, *hex;
	} v[] = {
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
		{"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		 "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		unsigned char d[32];
		char hex[65], short_hex[17];
		pm_sha256(v[i].in, strlen(v[i].in), d);
		for (int j = 0; j < 32; j++)
			snprintf(hex + 2 * j, 3, "%02x", d[j]);
		ck_assert_str_eq(hex, v[i].hex);
		pm_hash_hex(v[i].in, strlen(v[i].in), short_hex);
		ck_assert_int_eq(strncmp(short_hex, v[i].hex, 16), 0);
		ck_assert_uint_eq(strlen(short_hex), 16);
	}
}
END_TEST

START_TEST(u64_strict)
{
	uint64_t v = 7;
	ck_assert_uint_eq(pm_parse_u64(S("1234"), &v), 4);
	ck_assert_uint_eq(v, 1234);
	ck_assert_uint_eq(pm_parse_u64(S("18446744073709551615"), &v), 20);
	ck_assert_uint_eq(v, UINT64_MAX);
	v = 7;
	ck_assert_uint_eq(pm_parse_u64(S("18446744073709551616"), &v), 0); /* overflow */
	ck_assert_uint_eq(v, 7);
	ck_assert_uint_eq(pm_parse_u64(S(""), &v), 0);
	ck_assert_uint_eq(pm_parse_u64(S("x1"), &v), 0);
	ck_assert_uint_eq(pm_parse_u64(S("-"), &v), 0);
	ck_assert_uint_eq(pm_parse_u64(S("-4096"), &v), 5); /* kernel bug: clamp to 0 */
	ck_assert_uint_eq(v, 0);
	ck_assert_uint_eq(pm_parse_u64(S("12 kB"), &v), 2); /* stops at the first non-digit */
	ck_assert_uint_eq(pm_parse_u64("123456", 3, &v), 3); /* length-bounded */
	ck_assert_uint_eq(v, 123);
}
END_TEST

START_TEST(single_values)
{
	uint64_t v = 0;
	ck_assert_int_eq(pm_parse_single(S("104857600\n"), &v), 1);
	ck_assert_uint_eq(v, 104857600);
	ck_assert_int_eq(pm_parse_single(S("max\n"), &v), 0);
	ck_assert_int_eq(pm_parse_single(S("9223372036854771712\n"), &v), 1);
	ck_assert_int_eq(pm_parse_single(S("12x\n"), &v), -EINVAL);
	ck_assert_int_eq(pm_parse_single(S(""), &v), -EINVAL);
	ck_assert_int_eq(pm_parse_single(S("\n"), &v), -EINVAL);
	ck_assert_int_eq(pm_parse_single(S("maximum\n"), &v), -EINVAL);
}
END_TEST

START_TEST(keytab)
{
	static struct pm_keytab t;
	memset(&t, 0, sizeof t);
	ck_assert_int_eq(pm_keytab_add(&t, S("anon"), PM_M_ANON), 0);
	ck_assert_int_eq(pm_keytab_add(&t, S("file"), PM_M_FILE), 0);
	ck_assert_int_eq(pm_keytab_add(&t, S("anon"), PM_M_FILE), -EEXIST);
	ck_assert_int_eq(pm_keytab_find(&t, S("anon")), PM_M_ANON);
	ck_assert_int_eq(pm_keytab_find(&t, S("file")), PM_M_FILE);
	ck_assert_int_eq(pm_keytab_find(&t, S("ano")), -1);
	ck_assert_int_eq(pm_keytab_find(&t, S("anonx")), -1);
	ck_assert_int_eq(pm_keytab_find(&t, S("")), -1);
	/* it refuses to fill beyond half, so probes stay short and lookups end */
	char keys[PM_KEYTAB_SLOTS][8];
	int added = 0, r = 0;
	for (int i = 0; i < PM_KEYTAB_SLOTS && r == 0; i++) {
		int n = snprintf(keys[i], sizeof keys[i], "k%d", i);
		r = pm_keytab_add(&t, keys[i], (size_t)n, PM_M_SHMEM);
		added += r == 0;
	}
	ck_assert_int_eq(r, -ENOSPC);
	ck_assert_int_lt(added + 2, PM_KEYTAB_SLOTS / 2 + 1);
	ck_assert_int_eq(pm_keytab_find(&t, S("nothere")), -1);
}
END_TEST

static struct pm_layout l1, l2;

static const struct pm_file_desc *file(const struct pm_layout *l, const char *name)
{
	const struct pm_file_desc *f = pm_layout_file(l, name);
	ck_assert_msg(f != NULL, "no file %s in the v%d layout", name, l->version);
	return f;
}

START_TEST(kv_v1_stat)
{
	static const char stat[] = "cache 11\nrss 22\ntotal_cache 1136361472\ntotal_rss 1708032\n"
				   "total_unknown_key 5\nhierarchical_memory_limit 9223372036854771712\n"
				   "total_inactive_file 1014255616\ntotal_active_file 122101760\n"
				   "total_shmem\ntotal_dirty 12x\n total_swap 9\ntotal_pgfault 779354";
	struct pm_values v = {0};
	ck_assert_int_eq(pm_layout_build(&l1, 1), 0);
	unsigned n = pm_parse_kv(stat, sizeof stat - 1, &file(&l1, "memory.stat")->keys, &v);
	ck_assert_uint_eq(n, 5);
	ck_assert_uint_eq(v.v[PM_M_FILE], 1136361472); /* total_*, not the local key */
	ck_assert_uint_eq(v.v[PM_M_ANON], 1708032);
	ck_assert_uint_eq(v.v[PM_M_INACTIVE_FILE], 1014255616);
	ck_assert_uint_eq(v.v[PM_M_ACTIVE_FILE], 122101760);
	ck_assert_uint_eq(v.v[PM_M_PGFAULT], 779354); /* last line without a newline */
	ck_assert(!pm_has(&v, PM_M_SHMEM));           /* no value */
	ck_assert(!pm_has(&v, PM_M_FILE_DIRTY));      /* trailing junk */
	ck_assert(!pm_has(&v, PM_M_SWAP));            /* leading space: not the key */
}
END_TEST

START_TEST(kv_v2_stat_events_psi)
{
	static const char stat[] = "anon 2471755776\nfile 100\nkernel 33\nnewkey_from_the_future 1\nsock 4\n"
				   "workingset_refault 77\npgmajfault 3\n";
	static const char events[] = "low 0\nhigh 5\nmax 6\noom 1\noom_kill 2\noom_group_kill 0\n";
	static const char psi[] = "some avg10=0.00 avg60=0.12 avg300=1.50 total=123456\n"
				  "full avg10=0.00 avg60=0.00 avg300=0.25 total=654\n";
	struct pm_values v = {0};
	ck_assert_int_eq(pm_layout_build(&l2, 2), 0);
	pm_parse_kv(stat, sizeof stat - 1, &file(&l2, "memory.stat")->keys, &v);
	pm_parse_kv(events, sizeof events - 1, &file(&l2, "memory.events")->keys, &v);
	pm_parse_kv(psi, sizeof psi - 1, &file(&l2, "memory.pressure")->keys, &v);
	ck_assert_uint_eq(v.v[PM_M_ANON], 2471755776);
	ck_assert_uint_eq(v.v[PM_M_KERNEL], 33);
	ck_assert_uint_eq(v.v[PM_M_SOCK], 4);
	ck_assert_uint_eq(v.v[PM_M_WORKINGSET_REFAULT_FILE], 77); /* before 5.9 */
	ck_assert_uint_eq(v.v[PM_M_EVENTS_HIGH], 5);
	ck_assert_uint_eq(v.v[PM_M_EVENTS_MAX], 6);
	ck_assert_uint_eq(v.v[PM_M_EVENTS_OOM], 1);
	ck_assert_uint_eq(v.v[PM_M_EVENTS_OOM_KILL], 2);
	ck_assert_uint_eq(v.v[PM_M_PRESSURE_SOME], 123456);
	ck_assert_uint_eq(v.v[PM_M_PRESSURE_FULL], 654);
}
END_TEST

START_TEST(kv_meminfo)
{
	static const char mi[] = "MemTotal:       24568836 kB\nMemFree:        18123456 kB\n"
				 "HugePages_Total:       0\nActive(anon):     987654 kB\nVmallocTotal:   34359738367 kB\n"
				 "Slab:             345678 kB\nBogus:            1 MB\n";
	struct pm_keytab t;
	struct pm_values v = {0};
	ck_assert_int_eq(pm_meminfo_keys(&t), 0);
	pm_parse_kv(mi, sizeof mi - 1, &t, &v);
	ck_assert_uint_eq(v.v[PM_M_TOTAL], 24568836ull * 1024);
	ck_assert_uint_eq(v.v[PM_M_FREE], 18123456ull * 1024);
	ck_assert_uint_eq(v.v[PM_M_ACTIVE_ANON], 987654ull * 1024);
	ck_assert_uint_eq(v.v[PM_M_SLAB], 345678ull * 1024);
	pm_derive_node(&v);
	ck_assert_uint_eq(v.v[PM_M_USAGE], (24568836ull - 18123456) * 1024);
	ck_assert_uint_eq(v.v[PM_M_KERNEL], 345678ull * 1024);
	ck_assert_uint_eq(v.v[PM_M_APP], 0);
	ck_assert_uint_eq(v.v[PM_M_UNACCOUNTED], (24568836ull - 18123456 - 345678) * 1024);
}
END_TEST

/* every prefix of a well-formed file parses without reading past it, and
 * gives exactly the numbers whose digits it holds (a cut last line too) */
START_TEST(kv_every_truncation)
{
	static const char stat[] = "total_cache 1136361472\ntotal_rss 1708032\ntotal_inactive_file 1014255616\n";
	static const struct {
		const char *key;
		enum pm_metric m;
	} keys[] = {{"total_cache ", PM_M_FILE}, {"total_rss ", PM_M_ANON}, {"total_inactive_file ", PM_M_INACTIVE_FILE}};
	ck_assert_int_eq(pm_layout_build(&l1, 1), 0);
	for (size_t len = 0; len <= sizeof stat - 1; len++) {
		char *copy = malloc(len ? len : 1); /* exact size: ASan catches any overread */
		memcpy(copy, stat, len);
		struct pm_values v = {0};
		pm_parse_kv(copy, len, &file(&l1, "memory.stat")->keys, &v);
		for (size_t k = 0; k < PM_ARRAY_LEN(keys); k++) {
			const char *at = strstr(stat, keys[k].key), *digits = at + strlen(keys[k].key);
			size_t have = len > (size_t)(digits - stat) ? len - (size_t)(digits - stat) : 0;
			size_t ndig = strcspn(digits, "\n");
			if (have > ndig)
				have = ndig;
			ck_assert_msg(pm_has(&v, keys[k].m) == (have > 0), "%s at length %zu", keys[k].key, len);
			if (have)
				ck_assert_uint_eq(v.v[keys[k].m], strtoull(strndupa(digits, have), NULL, 10));
		}
		free(copy);
	}
}
END_TEST

/* a memfd holding LEN bytes of TEXT */
static int memfd_with(const char *text, size_t len)
{
	int fd = memfd_create("kv", 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	return fd;
}

/* Reading in pieces: a line longer than the buffer is skipped, and keys after
 * 64 KiB of other lines are found, at every buffer size; what it finds is
 * what parsing the whole text finds, but for the long line. */
START_TEST(kv_pread_pieces)
{
	size_t cap_text = 256 * 1024, n = 0;
	char *text = malloc(cap_text);
	ck_assert_int_eq(pm_layout_build(&l2, 2), 0);
	const struct pm_keytab *t = &file(&l2, "memory.stat")->keys;
	n += (size_t)sprintf(text + n, "anon 11\nshmem ");
	memset(text + n, '0', 70000); /* 5, in a line longer than any buffer below: skipped */
	n += 70000;
	text[n - 1] = '5';
	n += (size_t)sprintf(text + n, "\nfile 22\n");
	while (n < 140 * 1024)
		n += (size_t)sprintf(text + n, "zswapped_future_key_%zu 1\n", n);
	n += (size_t)sprintf(text + n, "sock 33\npgfault 44"); /* after 64 KiB; the last line without a newline */
	int fd = memfd_with(text, n);
	static const size_t caps[] = {61, 4096, 64 * 1024};
	for (size_t i = 0; i < PM_ARRAY_LEN(caps); i++) {
		char *buf = malloc(caps[i]);
		struct pm_values v = {0};
		ck_assert_int_eq(pm_pread_kv(fd, buf, caps[i], t, &v), (ssize_t)n);
		ck_assert_uint_eq(v.v[PM_M_ANON], 11);
		ck_assert_uint_eq(v.v[PM_M_FILE], 22);
		ck_assert_msg(pm_has(&v, PM_M_SOCK) && v.v[PM_M_SOCK] == 33, "sock after 64 KiB, buffer %zu", caps[i]);
		ck_assert_msg(pm_has(&v, PM_M_PGFAULT) && v.v[PM_M_PGFAULT] == 44, "last line, buffer %zu", caps[i]);
		ck_assert_msg(!pm_has(&v, PM_M_SHMEM), "the overlong line, buffer %zu", caps[i]);
		/* the same as parsing the whole text, the long line aside */
		struct pm_values whole = {0};
		pm_parse_kv(text, n, t, &whole);
		pm_unset(&whole, PM_M_SHMEM);
		ck_assert(!memcmp(&whole, &v, sizeof v));
		free(buf);
	}
	close(fd);
	/* a read error on the first read is the error */
	struct pm_values v = {0};
	char buf[64];
	ck_assert_int_eq(pm_pread_kv(-1, buf, sizeof buf, t, &v), -EBADF);
	free(text);
}
END_TEST

START_TEST(mountinfo)
{
	static const char hybrid[] =
		"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
		"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
		"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
		"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n";
	static const char v2[] = "30 23 0:27 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n";
	static const char escaped[] = "35 31 0:32 / /mnt/my\\040cgroups rw - cgroup cgroup rw,memory,hugetlb\n";
	static const char none[] = "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
				   "32 31 0:29 / /sys/fs/cgroup/memoryx rw - cgroup cgroup rw,memoryx\n";
	char out[256];
	ck_assert_int_eq(pm_find_memory_mount(hybrid, sizeof hybrid - 1, out, sizeof out), 0);
	ck_assert_str_eq(out, "/sys/fs/cgroup/memory"); /* v1 memory wins over the v2 mount */
	ck_assert_int_eq(pm_find_memory_mount(v2, sizeof v2 - 1, out, sizeof out), 0);
	ck_assert_str_eq(out, "/sys/fs/cgroup");
	ck_assert_int_eq(pm_find_memory_mount(escaped, sizeof escaped - 1, out, sizeof out), 0);
	ck_assert_str_eq(out, "/mnt/my cgroups");
	ck_assert_int_eq(pm_find_memory_mount(none, sizeof none - 1, out, sizeof out), -ENOENT);
	ck_assert_int_eq(pm_find_memory_mount("", 0, out, sizeof out), -ENOENT);
	/* an empty mount point (two spaces) is no mount: the root it named was "" (seen while
	 * fuzz_mountinfo's reference was checked); the next line's is taken */
	static const char empty[] = "35 31 0:32 /  rw - cgroup cgroup rw,memory\n"
				    "36 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
	ck_assert_int_eq(pm_find_memory_mount(empty, sizeof empty - 1, out, sizeof out), 0);
	ck_assert_str_eq(out, "/sys/fs/cgroup/memory");
	/* the hugetlb hierarchy: its own mount, or the memory one when they share it; never cgroup2 */
	static const char both[] = "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
				   "36 31 0:33 / /sys/fs/cgroup/hugetlb rw,relatime - cgroup cgroup rw,hugetlb\n";
	ck_assert_int_eq(pm_find_v1_mount(both, sizeof both - 1, "hugetlb", out, sizeof out), 0);
	ck_assert_str_eq(out, "/sys/fs/cgroup/hugetlb");
	ck_assert_int_eq(pm_find_v1_mount(escaped, sizeof escaped - 1, "hugetlb", out, sizeof out), 0);
	ck_assert_str_eq(out, "/mnt/my cgroups");
	ck_assert_int_eq(pm_find_v1_mount(hybrid, sizeof hybrid - 1, "hugetlb", out, sizeof out), -ENOENT);
	ck_assert_int_eq(pm_find_v1_mount(v2, sizeof v2 - 1, "hugetlb", out, sizeof out), -ENOENT);
}
END_TEST

/* /proc/iomem: the top-level System RAM ranges, inclusive; what an unprivileged reader sees is no answer */
START_TEST(iomem_ram)
{
	static const char pc[] = "00000000-00000fff : Reserved\n"
				 "00001000-0009fbff : System RAM\n"
				 "000f0000-000fffff : System ROM\n"
				 "00100000-bfffffff : System RAM\n"
				 "  01000000-01ffffff : Kernel code\n"
				 "  02000000-02ffffff : System RAM\n" /* nested: never counted twice */
				 "c0000000-febfffff : PCI Bus 0000:00\n"
				 "100000000-63fffffff : System RAM\n"
				 "640000000-6bfffffff : System RAM (hotplug)\n"
				 "6c0000000-6c0000fff : System RAM"; /* no newline at the end */
	uint64_t ram = 0;
	ck_assert_int_eq(pm_ram_iomem(pc, sizeof pc - 1, &ram), 0);
	ck_assert_uint_eq(ram, 0x9ec00 + 0xbff00000ull + 0x540000000ull + 0x1000);
	static const char hidden[] = "00000000-00000000 : Reserved\n00000000-00000000 : System RAM\n"
				     "00000000-00000000 : System RAM\n";
	ck_assert_int_eq(pm_ram_iomem(hidden, sizeof hidden - 1, &ram), -EPERM);
	static const char bad[] = "zz-ff : System RAM\n0009fbff-00001000 : System RAM\n00001000 : System RAM\n"
				  "00001000-0009fbff :  System RAM\n";
	ck_assert_int_eq(pm_ram_iomem(bad, sizeof bad - 1, &ram), -ENOENT);
	ck_assert_int_eq(pm_ram_iomem("", 0, &ram), -ENOENT);
	/* ranges past 2^64 in all: saturated */
	static const char huge[] = "0-fffffffffffffffe : System RAM\n0-fffffffffffffffe : System RAM\n";
	ck_assert_int_eq(pm_ram_iomem(huge, sizeof huge - 1, &ram), 0);
	ck_assert_uint_eq(ram, UINT64_MAX);
	/* one range of all 2^64 bytes: last - start + 1 wrapped to 0 (fuzz_iomem's reference) */
	static const char all[] = "0-ffffffffffffffff : System RAM\n";
	ck_assert_int_eq(pm_ram_iomem(all, sizeof all - 1, &ram), 0);
	ck_assert_uint_eq(ram, UINT64_MAX);
}
END_TEST

START_TEST(hex_and_page_sizes)
{
	uint64_t v = 0;
	ck_assert_uint_eq(pm_parse_hex("8000000\n", 8, &v), 7);
	ck_assert_uint_eq(v, 134217728);
	ck_assert_uint_eq(pm_parse_hex("ffffffffffffffff", 16, &v), 16);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_uint_eq(pm_parse_hex("10000000000000000", 17, &v), 0); /* 2^64 */
	ck_assert_uint_eq(pm_parse_hex("", 0, &v), 0);
	ck_assert_uint_eq(pm_parse_hex("-1", 2, &v), 0);
	ck_assert_uint_eq(pm_parse_hex("0x10", 4, &v), 1);
	ck_assert_uint_eq(pm_parse_hex("AbC", 2, &v), 2); /* LEN bounds it */
	ck_assert_uint_eq(v, 0xab);
	/* the hugetlb controller's names (mm/hugetlb_cgroup.c mem_fmt) */
	static const struct {
		uint64_t kb;
		const char *name;
	} sizes[] = {{64, "64KB"}, {512, "512KB"}, {2048, "2MB"}, {32768, "32MB"}, {524288, "512MB"},
		     {1048576, "1GB"}, {16777216, "16GB"}, {3072, "3MB"}};
	for (size_t i = 0; i < PM_ARRAY_LEN(sizes); i++) {
		char buf[PM_HUGE_NAME];
		pm_huge_size_name(sizes[i].kb, buf, sizeof buf);
		ck_assert_str_eq(buf, sizes[i].name);
	}
}
END_TEST

/* Go-style durations: podmem-execd's and podmem's --interval */
#define SEC 1000000000ull
static const struct {
	const char *in;
	int err;
	unsigned long long ns;
} durations[] = {
	{"10s", 0, 10 * SEC},
	{"1m", 0, 60 * SEC},
	{"500ms", 0, 500000000},
	{"1h30m", 0, 5400 * SEC},
	{"1m30s", 0, 90 * SEC},
	{"1.5s", 0, 1500000000},
	{".25s", 0, 250000000},
	{"250us", 0, 250000},
	{"250\xc2\xb5s", 0, 250000},
	{"250\xce\xbcs", 0, 250000},
	{"100ns", 0, 100},
	{"+2s", 0, 2 * SEC},
	{"", -EINVAL, 0},
	{"10", -EINVAL, 0}, /* Go wants a unit */
	{"s", -EINVAL, 0},
	{"abc", -EINVAL, 0},
	{"1x", -EINVAL, 0},
	{"10 s", -EINVAL, 0},
	{"-1s", -EINVAL, 0},
	{"0s", -EINVAL, 0}, /* not a usable interval */
	{"0", -EINVAL, 0},
	{"1s2", -EINVAL, 0},
	{"99999999999999999999s", -ERANGE, 0},
	{"6000000h", -ERANGE, 0},
	/* found by tests/fuzz/fuzz_duration: the overflow check refused values
	 * within 64 bits whose last digit would not overflow */
	{"18446744073709551615ns", 0, 18446744073709551615ull},
	{"1844674407370955161ns", 0, 1844674407370955161ull},
	{"18446744073709551616ns", -ERANGE, 0},
	{"0.999999999999999999h", 0, 3599999999999ull}, /* the fraction's nanoseconds rounded down, exactly */
};

START_TEST(duration)
{
	uint64_t ns = 0;

	ck_assert_msg(pm_parse_duration(durations[_i].in, &ns) == durations[_i].err, "\"%s\"", durations[_i].in);
	if (!durations[_i].err)
		ck_assert_uint_eq(ns, durations[_i].ns);
}
END_TEST

/* the word-at-a-time parser against the plain one it replaced (kept here
 * as the reference: a key to the first ' ', ':' or tab; the value after
 * blanks, '-' clamped to 0, "total=" for PSI, " kB" with KB; nothing else
 * on the line), on random lines built from the bytes that matter: keys of
 * the table and not, separators, controls, digits, signs, long numbers,
 * and every cut of each buffer so that no read passes its end (ASan) */
static int ref_line_value(const char *p, const char *le, bool kb, uint64_t *ret)
{
	uint64_t v;
	size_t n;
	while (p < le && (*p == ' ' || *p == '\t'))
		p++;
	n = pm_parse_u64(p, (size_t)(le - p), &v);
	if (!n) {
		const char *t = memmem(p, (size_t)(le - p), "total=", 6);
		if (!t)
			return -1;
		p = t + 6;
		n = pm_parse_u64(p, (size_t)(le - p), &v);
		if (!n)
			return -1;
	}
	p += n;
	if (kb && le - p == 3 && !memcmp(p, " kB", 3)) {
		if (v > UINT64_MAX / 1024)
			return -1;
		v *= 1024;
		p = le;
	}
	if (p != le)
		return -1;
	*ret = v;
	return 0;
}

static unsigned ref_parse_kv(const char *buf, size_t len, const struct pm_keytab *t, struct pm_values *vals)
{
	const char *p = buf, *end = buf + len;
	unsigned n = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *k = p;
		while (p < le && *p != ' ' && *p != ':' && *p != '\t')
			p++;
		int m = p > k ? pm_keytab_find(t, k, (size_t)(p - k)) : -1;
		uint64_t v;
		if (m >= 0 && p < le && ref_line_value(*p == ':' ? p + 1 : p, le, t->kb, &v) == 0) {
			if (t->add && pm_has(vals, (enum pm_metric)m))
				v = pm_add_sat(vals->v[m], v);
			pm_set(vals, (enum pm_metric)m, v);
			n++;
		}
		p = le + 1;
	}
	return n;
}

START_TEST(kv_matches_reference)
{
	static const char *const pieces[] = {
		"total_rss", "total_cache", "rss", "cache", "total_inactive_file", "anon", "file", "x", "total_",
		"Active(anon)", "MemTotal", "some", "total_rss_huge_and_more_than_twenty_four", " ", "  ", ":", ": ",
		"\t", "\r", "\001", "\n", "\n", "\n", "0", "1", "42", "-7", "18446744073709551615",
		"18446744073709551616", "1234567890123456789", "12345678901234567890", " kB", "kB", "total=9",
		"avg10=0.00 ", "\xc3\xa9", "\x80", "-", "9"};
	struct pm_keytab t[3];
	static const char *const keys[] = {"total_rss", "total_cache", "rss", "anon", "Active(anon)", "MemTotal",
					   "total_inactive_file", "x", "some", "total_rss_huge_and_more_than_twenty_four"};
	for (int j = 0; j < 3; j++) {
		memset(&t[j], 0, sizeof t[j]);
		t[j].kb = j == 1;
		t[j].add = j == 2;
		for (size_t i = 0; i < PM_ARRAY_LEN(keys); i++)
			ck_assert_int_eq(pm_keytab_add(&t[j], keys[i], strlen(keys[i]), (int)i), 0);
	}
	srandom(13);
	char buf[512];
	unsigned bad = 0;
	for (int round = 0; round < 500; round++) {
		size_t len = 0;
		int n = 1 + (int)(random() % 24);
		for (int i = 0; i < n; i++) {
			const char *pc = pieces[random() % PM_ARRAY_LEN(pieces)];
			size_t l = strlen(pc);
			if (!strcmp(pc, "\001"))
				l = 1;
			if (len + l > sizeof buf)
				break;
			memcpy(buf + len, pc, l);
			len += l;
		}
		const struct pm_keytab *tab = &t[round % 3];
		for (size_t cut = len > 40 ? len - 40 : 0; cut <= len; cut++) {
			/* the buffer ends exactly at CUT: a heap copy, so ASan sees a read past it */
			char *copy = malloc(cut ? cut : 1);
			memcpy(copy, buf, cut);
			struct pm_values a = {0}, b = {0};
			unsigned na = pm_parse_kv(copy, cut, tab, &a), nb = ref_parse_kv(copy, cut, tab, &b);
			bad += na != nb || memcmp(&a, &b, sizeof a) != 0;
			free(copy);
		}
	}
	ck_assert_uint_eq(bad, 0);
}
END_TEST

Suite *suite_parse(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("parse");
	tcase_set_timeout(tc, 60); /* kv_matches_reference parses some 20,000 buffers under ASan */
	tcase_add_test(tc, sha256_vectors);
	tcase_add_test(tc, u64_strict);
	tcase_add_test(tc, single_values);
	tcase_add_test(tc, keytab);
	tcase_add_test(tc, kv_v1_stat);
	tcase_add_test(tc, kv_v2_stat_events_psi);
	tcase_add_test(tc, kv_meminfo);
	tcase_add_test(tc, kv_every_truncation);
	tcase_add_test(tc, kv_pread_pieces);
	tcase_add_test(tc, kv_matches_reference);
	tcase_add_test(tc, mountinfo);
	tcase_add_test(tc, iomem_ram);
	tcase_add_test(tc, hex_and_page_sizes);
	tcase_add_loop_test(tc, duration, 0, (int)(sizeof durations / sizeof durations[0]));
	suite_add_tcase(s, tc);
	return s;
}
