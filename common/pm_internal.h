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
/* The same for hexadecimal digits (no "0x", no sign): /proc/iomem, block_size_bytes. */
size_t pm_parse_hex(const char *s, size_t len, uint64_t *ret);

/* A + B, saturating: hostile files can hold 2^63 and more */
static inline uint64_t pm_add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

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
	bool kb;  /* values may end in " kB", multiplied out (/proc/meminfo only) */
	bool add; /* values are added to VALS' (saturating), not set: one file of several summed */
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

#define PM_MAX_FILES 32
struct pm_file_desc {
	char name[40];       /* "memory.stat" */
	enum pm_file_kind kind;
	bool apart;          /* in the second hierarchy (v1's hugetlb), below the layout's apart_fd */
	int metric;          /* PM_FK_SINGLE: the metric it sets, or -1 */
	int sum;             /* PM_FK_SINGLE: the metric its value is added to (one page size of all), or -1 */
	struct pm_keytab keys; /* PM_FK_KV: its keys (keys.add: added to the sums, as SUM is) */
};

/* What to read on one cgroup version, built from the catalogue's sources. */
struct pm_layout {
	int version;
	unsigned n_files;
	struct pm_file_desc files[PM_MAX_FILES];
	int apart_fd; /* the directory of the second hierarchy that matches the cgroup root, or -1 (not owned) */
	bool kernfs;  /* the cgroup root (and apart_fd) are on cgroup file systems: see pm_open_cg_file */
};

/* The huge page sizes a layout reads the hugetlb controller's files for,
 * named as the kernel names them ("2MB", "1GB"; see pm_huge_sizes). */
#define PM_HUGE_SIZES 6
#define PM_HUGE_NAME 20
struct pm_huge_sizes {
	unsigned n;
	char name[PM_HUGE_SIZES][PM_HUGE_NAME];
};

/* Builds the layout of VERSION (1 or 2) from the catalogue, but for the
 * hugetlb controller's files (pm_layout_hugetlb). 0 or -errno. */
int pm_layout_build(struct pm_layout *l, int version);
/* Adds the hugetlb controller's files to L: for each catalogue source
 * "hugetlb.<size>.<file>" of a size in HS, that file; for "hugetlb.*.<file>",
 * that file of every size in HS, summed. On v1 they are in the hugetlb
 * hierarchy: APART_FD is its directory at the cgroup root's path (L keeps
 * it, not owning it), and with APART_FD < 0 none is added. 0 or -errno. */
int pm_layout_hugetlb(struct pm_layout *l, const struct pm_huge_sizes *hs, int apart_fd);
/* L's file called NAME ("memory.stat"), or NULL. */
const struct pm_file_desc *pm_layout_file(const struct pm_layout *l, const char *name);
/* Builds the /proc/meminfo key table from the catalogue's node sources. */
int pm_meminfo_keys(struct pm_keytab *t);
/* Builds the layout of the node's other files below the proc root, from
 * the catalogue's node sources "file:key" (pressure/memory). 0 or -errno. */
int pm_node_layout(struct pm_layout *l);

/* Fills what the files cannot give: working sets, kernel as the sum of its
 * parts, unaccounted; drops limits that mean unlimited. On v2 a hugetlb in V
 * is memory.stat's, there only when memory.current counts it. */
void pm_derive_cgroup(struct pm_values *v, int version);
/* Lays SUMS (every page size's hugetlb files, summed) over V, after
 * pm_derive_cgroup: a summed limit at or past PM_UNLIMITED_MIN is none. */
void pm_derive_sums(struct pm_values *v, const struct pm_values *sums);
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
/* Whether FD is on a cgroup file system (v1 or v2): kernfs, where every file
 * is a regular file and no one can make a FIFO, a device or a symlink. */
bool pm_is_cgroupfs(int fd);
/* pm_open_regular() for a cgroup's file, cheaper on a cgroup file system:
 * with *KERNFS (DIRFD is on one), one openat2 that refuses to cross a mount
 * point (RESOLVE_NO_XDEV) with the same flags, so the file is on that cgroup
 * file system, a regular file, and no fstat is needed. Where it would cross
 * one (a bind mount over a cgroup directory) or openat2 is not there, it
 * clears *KERNFS and does the whole of pm_open_regular(). The fd, or -errno. */
int pm_open_cg_file(int dirfd, const char *name, bool *kernfs);
/* Opens the directory PATH below ATFD (O_RDONLY|O_DIRECTORY|O_CLOEXEC); with
 * *KERNFS, without crossing a mount point, else (a mount crossed) clearing
 * *KERNFS, so that the files opened below it get the whole check. The fd, or
 * -errno. */
int pm_open_cg_dir(int atfd, const char *path, bool *kernfs);
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
/* The same for the cgroup v1 hierarchy of CONTROLLER ("hugetlb") alone. */
int pm_find_v1_mount(const char *mountinfo, size_t len, const char *controller, char *ret, size_t cap);

/* ---- the node's RAM and huge page sizes (pm_sys.c) ----------------------- */

/* The huge page sizes below SYS (the sysfs root: SYS/kernel/mm/hugepages/
 * hugepages-<kB>kB), smallest first, the first PM_HUGE_SIZES, into HS:
 * named as the hugetlb controller names them ("64KB", "2MB", "1GB"). */
void pm_huge_sizes(const char *sys, struct pm_huge_sizes *hs);
/* The hugetlb controller's name of a huge page of KB kilobytes, into BUF. */
void pm_huge_size_name(uint64_t kb, char *buf, size_t cap);

/* Physical RAM: the online memory blocks below SYS
 * (SYS/devices/system/memory: memoryN/state "online", times
 * block_size_bytes). *RET_BLOCKS and *RET_BLOCK get the count and the size.
 * 0, or -errno (-ENOENT: no memory block directory). */
int pm_ram_blocks(const char *sys, uint64_t *ret, uint64_t *ret_blocks, uint64_t *ret_block);
/* Physical RAM from /proc/iomem's text (LEN bytes): the top-level "System
 * RAM" ranges, summed. 0; -ENOENT when there are none; -EPERM when their
 * addresses read as 0 (an unprivileged reader). */
int pm_ram_iomem(const char *text, size_t len, uint64_t *ret);

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

/* Why S (LEN bytes) is not a Kubernetes name, or NULL when it is: a DNS-1123
 * label (1 to 63 of a-z, 0-9 and '-', starting and ending with a letter or
 * digit: namespaces, containers), or with SUBDOMAIN a DNS-1123 subdomain (1
 * to 253: such labels joined by '.', as Kubernetes checks pod names). */
const char *pm_k8s_name_invalid(const char *s, size_t len, bool subdomain);
/* Whether the names of a pod log directory (S) or a container log link are
 * trusted: 0 when they are, 1 when S holds no names (no UID or ID in it:
 * the old layout, another file), -EINVAL when a name is not a Kubernetes
 * name, and then WHY (WHY_CAP bytes, unless NULL) says which and why. */
int pm_check_pod_log_name(const char *s, char *why, size_t why_cap);
int pm_check_container_log_name(const char *s, char *why, size_t why_cap);

/* ---- discovery (pm_discover.c) ------------------------------------------ */

/* Classifies one directory name inside a kubepods tree. */
enum pm_dir_class { PM_DIR_OTHER, PM_DIR_KUBEPODS, PM_DIR_QOS, PM_DIR_POD, PM_DIR_CONTAINER, PM_DIR_IGNORE };
/* Classifies NAME; for a QoS dir sets *RET_QOS, for a pod dir copies the
 * dashed UID into UID (PM_UID_MAX), for a container sets its ID and runtime. */
enum pm_dir_class pm_classify(const char *name, int in_pod, enum pm_qos *ret_qos, char *uid, char *id,
			      enum pm_runtime *ret_rt);

/* ---- the lines podmem files reads (pm_files.c) ---------------------------- */

/* Strips " (deleted)" off PATH (LEN bytes, NUL-terminated: a /proc/PID/fd
 * link target or a maps path); true when it was there. */
bool pm_strip_deleted(char *path, size_t *len);

/* One line of /proc/PID/maps, without its newline (N bytes):
 * "start-end perms offset maj:min inode   /path[ (deleted)]", numbers in hex
 * but the inode. For a mapping of a file (inode not 0, a path from '/') fills
 * *RET, its path pointing into LINE with " (deleted)" cut off in place, and
 * returns 0; anything else (anonymous, [heap], malformed) is -EINVAL. */
struct pm_maps_line {
	char range[64]; /* "start-end", the map_files name */
	unsigned maj, min;
	uint64_t ino;
	char *path;
	size_t len;
	bool deleted;
};
int pm_maps_line(char *line, size_t n, struct pm_maps_line *ret);

/* One line of /proc/PID/mountinfo, cut into fields in place (strtok: spaces);
 * root and mount point with their octal escapes undone. 0, or -EINVAL
 * without a "maj:min" in decimal or the fields after the " - " separator. */
struct pm_mount_line {
	unsigned maj, min;
	char *root, *mp, *fstype, *super; /* super: the super options, "rw,lowerdir=...,upperdir=..." */
};
int pm_mountinfo_line(char *line, struct pm_mount_line *ret);
/* One line of cgroup.procs (N bytes, its newline or not): a process ID,
 * decimal, 1 to INT_MAX, into *RET: 0, or -EINVAL (fscanf's "%d" took signs
 * and overflowed). */
int pm_procs_line(const char *line, size_t n, int *ret);
/* mountinfo's octal escapes (\040 for a space), undone in place */
void pm_unescape_octal(char *str);
/* The value of the option "upperdir=" among the comma-separated OPTS
 * (an overlay's super options), unescaped, into DIR (CAP bytes): 0,
 * -ENOENT, or -ENAMETOOLONG. */
int pm_overlay_upper(const char *opts, char *dir, size_t cap);

#endif
