/* Private to libpodmem: the parsers, the file layout and the context. */
#ifndef PM_INTERNAL_H
#define PM_INTERNAL_H

#include <sys/types.h>

#include "podmem.h"

#define PM_ATTR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define PM_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#include <string.h>

/* Copies SRC into DST (CAP bytes), truncating; true when it had to truncate. */
static inline bool pm_copy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	bool cut = n >= cap;
	if (cut)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
	return cut;
}


/* ---- numbers (pm_num.c) ------------------------------------------------ */

/* Parses the decimal digits at S (at most LEN bytes) into *RET.
 * Returns the number of bytes used (> 0), or 0 when S holds no digit or the
 * value overflows 64 bits. A leading '-' is taken and the value clamped to 0,
 * as runc does for kernel bugs that print negative counters. */
size_t pm_parse_u64(const char *s, size_t len, uint64_t *ret);

/* A value at or above this is "unlimited" in a v1 limit file (kubelet,
 * containerd: anything > 1<<62 is the kernel's rounded PAGE_COUNTER_MAX). */
#define PM_UNLIMITED_MIN ((uint64_t)1 << 62)

/* ---- key tables and parsers (pm_parse.c) -------------------------------- */

/* A small open-addressing hash from a key ("total_rss") to a metric. */
#define PM_KEYTAB_SLOTS 128
struct pm_keytab {
	struct {
		const char *key; /* NULL: empty slot */
		uint8_t len;
		int16_t metric;
	} slot[PM_KEYTAB_SLOTS];
	unsigned n;
	bool kb; /* values may end in " kB", multiplied out (/proc/meminfo only) */
};

/* Adds KEY (LEN bytes, not copied) -> METRIC. -ENOSPC when full. */
int pm_keytab_add(struct pm_keytab *t, const char *key, size_t len, int metric);
/* The metric for KEY, or -1. */
int pm_keytab_find(const struct pm_keytab *t, const char *key, size_t len);

/* Parses "key value\n" lines (memory.stat, memory.events, oom_control),
 * "Key:   value kB" lines (/proc/meminfo; kB is multiplied out) and
 * "some avg10=.. total=N" lines (PSI: the total is the value). Keys not in T
 * are ignored, and so is any line that is not well formed. BUF need not be
 * NUL-terminated. Returns the number of values set in VALS. */
unsigned pm_parse_kv(const char *buf, size_t len, const struct pm_keytab *t, struct pm_values *vals);

/* Parses a one-value file ("123\n" or "max\n") into *RET. Returns 1 for a
 * number, 0 for "max" (unlimited), -EINVAL otherwise. */
int pm_parse_single(const char *buf, size_t len, uint64_t *ret);

/* ---- the per-version file layout (pm_layout.c) --------------------------- */

enum pm_file_kind { PM_FK_KV, PM_FK_SINGLE };

#define PM_MAX_FILES 16
struct pm_file_desc {
	char name[40];       /* "memory.stat" */
	enum pm_file_kind kind;
	int metric;          /* PM_FK_SINGLE: the metric it fills */
	struct pm_keytab keys; /* PM_FK_KV: its keys */
};

/* What to read on one cgroup version, built from the catalogue's sources. */
struct pm_layout {
	int version;
	unsigned n_files;
	struct pm_file_desc files[PM_MAX_FILES];
};

/* Builds the layout of VERSION (1 or 2) from the catalogue. 0 or -errno. */
int pm_layout_build(struct pm_layout *l, int version);
/* L's file called NAME ("memory.stat"), or NULL. */
const struct pm_file_desc *pm_layout_file(const struct pm_layout *l, const char *name);
/* Builds the /proc/meminfo key table from the catalogue's node sources. */
int pm_meminfo_keys(struct pm_keytab *t);

/* Fills what the files cannot give: working sets, kernel as the sum of its
 * parts, unaccounted; drops limits that mean unlimited. */
void pm_derive_cgroup(struct pm_values *v, int version);
/* whether M is a limit (absent when unlimited) */
bool pm_is_limit(enum pm_metric m);
void pm_derive_node(struct pm_values *v);

/* ---- reading (pm_read.c) ------------------------------------------------ */

/* Reads the whole of FD from offset 0 into BUF (CAP bytes) with pread.
 * When the file is larger than CAP, the result is cut at its last newline.
 * Returns the length, or -errno. */
ssize_t pm_pread_all(int fd, char *buf, size_t cap);
/* Opens NAME relative to DIRFD for reading, the one way podmem opens a file
 * it reads: O_NONBLOCK (a FIFO in place of a cgroup file never hangs the
 * open), O_NOFOLLOW (a symlink as the last component is refused, ELOOP) and
 * O_CLOEXEC; only a regular file is kept (kernfs and procfs files are
 * regular). The fd, or -errno: -EINVAL for a file that is not regular. */
#define PM_ENOTREG EINVAL
int pm_open_regular(int dirfd, const char *name);
/* Opens NAME relative to DIRFD (O_RDONLY|O_CLOEXEC) and reads it as above. */
ssize_t pm_read_at(int dirfd, const char *name, char *buf, size_t cap);
/* Reads a key-value file (memory.stat, memory.events, ...) from offset 0 to
 * its end, or about PM_KV_MAX_BYTES, through BUF (CAP bytes) a piece at a
 * time, and parses each piece's whole lines with pm_parse_kv (the file's last
 * line too, newline or not); a line that does not fit in CAP bytes with its
 * newline is skipped. So keys after a buffer's worth of other lines are still
 * found. Returns the bytes read, or -errno when the first read fails. */
#define PM_KV_MAX_BYTES (4u << 20)
ssize_t pm_pread_kv(int fd, char *buf, size_t cap, const struct pm_keytab *t, struct pm_values *vals);

/* ---- directories (pm_dir.c) --------------------------------------------- */

/* Called for each entry NAME of a directory; DIRFD is the directory's own fd,
 * to open NAME relative to. A non-zero return stops the listing. */
typedef int (*pm_dir_fn)(void *arg, int dirfd, const char *name);
/* Lists the directory PATH (relative to ATFD; AT_FDCWD for a plain path),
 * holding one fd while it does, and calls FN for each entry whose name does
 * not start with '.' (with SUBDIRS, only for subdirectories; symlinks are not
 * followed). Returns FN's first non-zero return, 0, or -errno when PATH
 * cannot be opened as a directory. */
int pm_dir_each(int atfd, const char *path, bool subdirs, pm_dir_fn fn, void *arg);
/* pm_dir_each() with FLAGS: PM_DIR_SUBDIRS (only subdirectories),
 * PM_DIR_HIDDEN (names starting with '.' too, but "." and ".."),
 * PM_DIR_NOFOLLOW (PATH itself is not opened through a symlink). */
enum { PM_DIR_SUBDIRS = 1, PM_DIR_HIDDEN = 2, PM_DIR_NOFOLLOW = 4 };
int pm_dir_list(int atfd, const char *path, unsigned flags, pm_dir_fn fn, void *arg);

/* ---- logging (pm_log.c) ------------------------------------------------- */

struct pm_logger {
	pm_log_fn fn;
	void *ud;
};
void pm_log(const struct pm_logger *lg, int level, const char *fmt, ...) PM_ATTR_PRINTF(3, 4);

/* ---- the root (pm_root.c) ----------------------------------------------- */

/* Finds the memory controller's mount in MOUNTINFO text (of LEN bytes):
 * the cgroup v1 hierarchy with the memory option, else a cgroup2 mount.
 * Copies its path into RET (CAP bytes). 0, or -ENOENT. */
int pm_find_memory_mount(const char *mountinfo, size_t len, char *ret, size_t cap);

/* The cgroup version of DIRFD's tree, from its files: 1 for
 * memory.usage_in_bytes, 2 for memory.current, memory.stat without total_
 * keys or cgroup.controllers naming memory; searched down to DEPTH levels.
 * 0 when there are no memory cgroup files in or under it. */
int pm_detect_version(int dirfd, int depth);

/* ---- names (pm_names.c) ------------------------------------------------- */

/* Parses a pod log directory name "<namespace>_<pod>_<uid>". 0 or -EINVAL. */
int pm_parse_pod_log_name(const char *s, char *ns, size_t ns_cap, char *pod, size_t pod_cap, char *uid,
			  size_t uid_cap);
/* Parses a container log link name "<pod>_<namespace>_<container>-<id>.log". 0 or -EINVAL. */
int pm_parse_container_log_name(const char *s, char *pod, size_t pod_cap, char *ns, size_t ns_cap,
				char *ctr, size_t ctr_cap, char *id, size_t id_cap);

/* ---- discovery (pm_discover.c) ------------------------------------------ */

/* Classifies one directory name inside a kubepods tree. */
enum pm_dir_class { PM_DIR_OTHER, PM_DIR_KUBEPODS, PM_DIR_QOS, PM_DIR_POD, PM_DIR_CONTAINER, PM_DIR_IGNORE };
/* Classifies NAME; for a QoS dir sets *RET_QOS, for a pod dir copies the
 * dashed UID into UID (PM_UID_MAX), for a container sets its ID and runtime. */
enum pm_dir_class pm_classify(const char *name, int in_pod, enum pm_qos *ret_qos, char *uid, char *id,
			      enum pm_runtime *ret_rt);

#endif
