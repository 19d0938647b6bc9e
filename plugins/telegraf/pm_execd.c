/*
 * podmem-execd: podmem's pod memory breakdown for Telegraf's inputs.execd
 * (InfluxDB line protocol) and node_exporter's textfile collector
 * (Prometheus text).
 *
 * Modes, as Telegraf's execd runs a program:
 *   (default)         signal = "STDIN": one batch for every line read on
 *                     stdin; exit 0 at end of input
 *   --interval D      signal = "none": one batch every D, on its own clock;
 *                     when stdin is a pipe, its end (Telegraf closes it to
 *                     stop the program) ends the program
 *   --once            one batch, then exit (cron, textfiles)
 * With --top-files N, a batch also holds the top N files of every pod
 * (podmem_file, pm_execd_files.h), from a file scan run before a batch at
 * most every --files-interval (default 5m); the batches between two scans
 * write the last scan's rows again.
 * A batch is written whole with one write loop, to stdout or (--output)
 * atomically to a file. A closed stdout (EPIPE), SIGTERM or SIGINT end the
 * program cleanly with exit 0, between batches, never with a partial line;
 * any other error writing stdout (ENOSPC, EIO, ...) ends it with one error
 * line and exit 1, in every mode.
 * Errors go to stderr, one line each, with Telegraf's level prefixes
 * ("E! ", "W! ", "I! ", "D! "). Exit 1 for a runtime error, 2 for a bad option.
 */
#define _GNU_SOURCE /* ppoll */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "pm_cmdline.h"
#include "pm_execd_format.h"
#include "podmem.h"

#define PROG "podmem-execd"
#define NS_PER_S 1000000000ull

enum { EXIT_USAGE = 2 };

/* batch() results besides 0: a failure logged (go on); stdout closed (stop,
 * exit 0); stdout unwritable (logged; stop, exit 1) */
enum { BATCH_FAILED = 1, BATCH_STOP, BATCH_FATAL };

struct execd {
	struct pm_ctx *ctx;
	struct pm_snapshot snap;
	struct execd_buf buf;
	enum execd_format format;
	const char *output; /* NULL: stdout */
	bool verbose;
	/* --top-files */
	struct execd_files files;
	uint64_t files_interval; /* ns */
	uint64_t files_at;       /* monotonic ns when the last scan started */
	bool files_scanned;
	unsigned files_need_said; /* PM_NEED_* warned of */
	bool files_charged_said, files_budget_said;
};

/* Set by SIGTERM and SIGINT: the one piece of state a signal handler needs. */
static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void vlog_line(int level, const char *fmt, va_list ap)
{
	static const char *const prefix[] = {"E! ", "E! ", "E! ", "E! ", "W! ", "I! ", "I! ", "D! "};
	char line[1024];
	int n = snprintf(line, sizeof line, "%s" PROG ": ", prefix[level < 0 ? 0 : level > 7 ? 7 : level]);

	vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	for (char *p = line; *p; p++) /* one line each, whatever the message holds */
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	size_t len = strlen(line);
	line[len++] = '\n';
	ssize_t ignored = write(STDERR_FILENO, line, len);
	(void)ignored;
}

__attribute__((format(printf, 2, 3))) static void log_line(int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog_line(level, fmt, ap);
	va_end(ap);
}

/* the core's log callback */
static void core_log(void *ud, int level, const char *fmt, va_list ap)
{
	const struct execd *x = ud;
	if (level < LOG_DEBUG || x->verbose)
		vlog_line(level, fmt, ap);
}

/* Writes all of P. 0 or -errno. */
static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Replaces PATH with P atomically: a hidden temporary file beside it
 * (".NAME.XXXXXX", which the textfile collector's *.prom glob skips),
 * mode 0644 so that node_exporter can read it as another user, then rename. */
static int write_file_atomic(const char *path, const char *p, size_t n)
{
	char tmp[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int dir_len = slash ? (int)(slash - path + 1) : 0;
	int err = 0;

	if (snprintf(tmp, sizeof tmp, "%.*s.%s.XXXXXX", dir_len, path, path + dir_len) >= (int)sizeof tmp)
		return -ENAMETOOLONG;
	int fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0644) < 0 || (err = write_all(fd, p, n)) < 0) {
		err = err ? err : -errno;
		close(fd);
		goto fail;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		err = -errno;
		goto fail;
	}
	return 0;
fail:
	unlink(tmp);
	return err;
}

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * NS_PER_S + (uint64_t)t.tv_nsec;
}

/* "namespace/pod", or a group's name */
static const char *pod_name(char *buf, size_t cap, const struct pm_pod *p)
{
	snprintf(buf, cap, "%s%s%s", p->ident.namespace_, *p->ident.namespace_ ? "/" : "", p->ident.name);
	return buf;
}

/* Scans every pod's files when --files-interval has passed since the last
 * scan (or there was none), and says once what the scans could not do. */
static void files_scan_due(struct execd *x)
{
	static const struct {
		unsigned bit;
		const char *what;
	} needs[] = {
		{PM_NEED_PTRACE, "CAP_SYS_PTRACE: other processes' open files and mounts"},
		{PM_NEED_DAC_READ_SEARCH, "CAP_DAC_READ_SEARCH: files and directories it may not open"},
		{PM_NEED_SYS_ADMIN, "CAP_SYS_ADMIN: /proc/PID/map_files and which cgroup pages are charged to"},
	};
	uint64_t start = now_ns();
	if (x->files_scanned && start - x->files_at < x->files_interval)
		return;
	x->files_scanned = true;
	x->files_at = start;

	struct execd_files_stats st;
	char name[PM_NS_MAX + PM_NAME_MAX];
	int err = execd_files_scan(&x->files, x->ctx, &x->snap, &st);
	if (err < 0)
		log_line(LOG_ERR, "file scan incomplete: %s; writing the files of %zu pods", strerror(-err),
			 x->files.n_pods);
	if (x->verbose)
		log_line(LOG_DEBUG, "file scan: %zu pods, %zu files, %zu directory entries walked, %zu rows, %.3f s",
			 st.pods, st.files, st.walked, st.rows, (double)(now_ns() - start) / NS_PER_S);
	for (size_t i = 0; i < sizeof needs / sizeof needs[0]; i++)
		if ((st.need & needs[i].bit) && !(x->files_need_said & needs[i].bit)) {
			x->files_need_said |= needs[i].bit;
			log_line(LOG_WARNING, "file scan: needs %s ('podmem files POD' says what it missed)",
				 needs[i].what);
		}
	if (st.uncharged && !x->files_charged_said) {
		x->files_charged_said = true;
		log_line(LOG_WARNING, "file scan of %s: charged bytes unknown (%s): files ranked by cached bytes",
			 pod_name(name, sizeof name, st.uncharged), st.charged_why);
	}
	if (st.budget_hit && (!x->files_budget_said || x->verbose))
		log_line(x->files_budget_said ? LOG_DEBUG : LOG_WARNING,
			 "file scan of %s: the directory walks stopped at --max-files %zu",
			 pod_name(name, sizeof name, st.budget_hit),
			 x->files.opts.max_files ? x->files.opts.max_files : (size_t)PM_FILES_MAX_DEFAULT);
	x->files_budget_said |= st.budget_hit != NULL;
}

/* Takes one sample and writes it as one batch. 0, BATCH_FAILED (logged),
 * BATCH_STOP when stdout is closed, or BATCH_FATAL (logged) when it cannot
 * be written. */
static int batch(struct execd *x)
{
	int rc = 0;
	int err = pm_sample(x->ctx, &x->snap);
	if (err < 0) {
		log_line(LOG_ERR, "sample incomplete: %s; writing what it has", strerror(-err));
		rc = BATCH_FAILED;
	}
	if (x->files.top)
		files_scan_due(x);
	execd_buf_reset(&x->buf);
	execd_format_batch(&x->buf, &x->snap, x->files.top ? &x->files : NULL, x->format);
	if (x->buf.oom) {
		log_line(LOG_ERR, "out of memory: batch cut to its first %zu bytes", x->buf.len);
		rc = BATCH_FAILED;
	}
	if (x->output) {
		err = write_file_atomic(x->output, x->buf.p, x->buf.len);
		if (err < 0) {
			log_line(LOG_ERR, "cannot write '%s': %s", x->output, strerror(-err));
			rc = BATCH_FAILED;
		}
		return rc;
	}
	err = write_all(STDOUT_FILENO, x->buf.p, x->buf.len);
	if (err == -EPIPE)
		return BATCH_STOP; /* the reader is gone: a clean end, nothing to say */
	if (err < 0) {
		log_line(LOG_ERR, "cannot write to stdout: %s", strerror(-err));
		return BATCH_FATAL;
	}
	return rc;
}

/* signal = "STDIN": a batch per line. Exit status. */
static int run_stdin(struct execd *x)
{
	char *line = NULL;
	size_t cap = 0;
	int rc = 0, r = 0;

	while (!stop_requested && getline(&line, &cap, stdin) >= 0)
		if ((r = batch(x)) == BATCH_STOP || r == BATCH_FATAL)
			break;
	if (r == BATCH_FATAL) {
		rc = 1;
	} else if (ferror(stdin) && !stop_requested) {
		log_line(LOG_ERR, "cannot read stdin: %s", strerror(errno));
		rc = 1;
	}
	free(line);
	return rc;
}

/* Waits until the monotonic time DEADLINE. With WATCH_STDIN, reads and drops
 * what comes on stdin meanwhile. Returns false when it is time to stop:
 * a signal, or the end of stdin. */
static bool wait_until(uint64_t deadline, bool watch_stdin)
{
	while (!stop_requested) {
		uint64_t now = now_ns();
		if (now >= deadline)
			return true;
		uint64_t left = deadline - now;
		struct timespec ts = {(time_t)(left / NS_PER_S), (long)(left % NS_PER_S)};
		struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
		int n = ppoll(&pfd, watch_stdin ? 1 : 0, &ts, NULL);
		if (n > 0) {
			char drop[4096];
			ssize_t r = read(STDIN_FILENO, drop, sizeof drop);
			if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
				return false;
		}
	}
	return false;
}

/* signal = "none": a batch every INTERVAL ns, on the monotonic clock,
 * skipping ticks missed while a batch took longer. Exit status. */
static int run_interval(struct execd *x, uint64_t interval)
{
	struct stat st;
	bool watch = fstat(STDIN_FILENO, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
	uint64_t next = now_ns();

	do {
		int r = batch(x);
		if (r == BATCH_FATAL)
			return 1;
		if (r == BATCH_STOP)
			break;
		uint64_t now = now_ns();
		next += interval;
		if (next <= now)
			next += (now - next) / interval * interval + interval;
	} while (wait_until(next, watch));
	return 0;
}

static void usage(void)
{
	printf("usage: " PROG " [OPTION]...\n"
	       "Writes podmem's per-pod and per-container memory breakdown as InfluxDB line protocol\n"
	       "(for Telegraf's inputs.execd) or Prometheus text (for node_exporter's textfile collector).\n"
	       "\n"
	       "  --format FORMAT      influx (default) or prometheus\n"
	       "  --once               write one batch and exit\n"
	       "  --interval DURATION  write a batch every DURATION (10s, 1m, 500ms); Telegraf signal = \"none\"\n"
	       "                       default: a batch for every line read on stdin (Telegraf signal = \"STDIN\")\n"
	       "  --output FILE        replace FILE atomically with each batch instead of writing to stdout\n"
	       "  --top-files N        also write every pod's top N files by charged (or cached) bytes, 1 to %d\n"
	       "                       (measurement podmem_file; default: none)\n"
	       "  --files-interval DURATION\n"
	       "                       scan the files at most every DURATION (default 5m); other batches repeat\n"
	       "                       the last scan's files\n"
	       "  --max-files N        each pod's scan walks at most N directory entries (default %d)\n"
	       "  --kubelet-dir DIR    where the pods' volumes are (default /var/lib/kubelet)\n"
	       "  --verbose            also log debug messages\n",
	       EXECD_TOP_FILES_MAX, PM_FILES_MAX_DEFAULT);
	pm_cmdline_usage(stdout, 2, 23);
	printf("  --help               show this help\n"
	       "  --version            show the version\n");
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog_line(LOG_ERR, fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

/* getopt values: ours, then OPT_CORE + i for core option i */
enum opt {
	OPT_FORMAT = 1000,
	OPT_ONCE,
	OPT_INTERVAL,
	OPT_OUTPUT,
	OPT_VERBOSE,
	OPT_HELP,
	OPT_VERSION,
	OPT_TOP_FILES,
	OPT_FILES_INTERVAL,
	OPT_MAX_FILES,
	OPT_KUBELET_DIR,
	OPT_CORE
};

/* ARG as a whole number from MIN to MAX, or -1 */
static long long number_arg(const char *arg, long long min, long long max)
{
	char *end;
	errno = 0;
	long long v = strtoll(arg, &end, 10);
	return arg[0] < '0' || arg[0] > '9' || errno || *end || v < min || v > max ? -1 : v;
}

/* Parses the command line into X, *RET_INTERVAL and *RET_ONCE.
 * Returns -1 to go on, else the exit status (0 after --help or --version). */
static int parse_args(int argc, char **argv, struct execd *x, struct pm_opts *po, uint64_t *ret_interval,
		      bool *ret_once)
{
	struct option longopts[PM_CMDLINE_OPTS(11)] = {
		{"format", required_argument, NULL, OPT_FORMAT},
		{"once", no_argument, NULL, OPT_ONCE},
		{"interval", required_argument, NULL, OPT_INTERVAL},
		{"output", required_argument, NULL, OPT_OUTPUT},
		{"verbose", no_argument, NULL, OPT_VERBOSE},
		{"help", no_argument, NULL, OPT_HELP},
		{"version", no_argument, NULL, OPT_VERSION},
		{"top-files", required_argument, NULL, OPT_TOP_FILES},
		{"files-interval", required_argument, NULL, OPT_FILES_INTERVAL},
		{"max-files", required_argument, NULL, OPT_MAX_FILES},
		{"kubelet-dir", required_argument, NULL, OPT_KUBELET_DIR},
	};
	pm_cmdline_longopts(longopts, sizeof longopts / sizeof longopts[0], 11, OPT_CORE);
	const char *files_opt = NULL; /* a --top-files option given, which needs --top-files */
	long long n;
	int c, idx = -1;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, &idx)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			if (!strcmp(optarg, "influx"))
				x->format = EXECD_INFLUX;
			else if (!strcmp(optarg, "prometheus"))
				x->format = EXECD_PROMETHEUS;
			else
				return usage_error("bad value '%s' for --format: expected influx or prometheus", optarg);
			break;
		case OPT_ONCE:
			*ret_once = true;
			break;
		case OPT_INTERVAL: {
			int err = pm_parse_duration(optarg, ret_interval);
			if (err < 0)
				return usage_error("bad value '%s' for --interval: expected a positive duration such as "
						   "10s, 1m or 500ms", optarg);
			break;
		}
		case OPT_OUTPUT:
			x->output = optarg;
			break;
		case OPT_TOP_FILES:
			if ((n = number_arg(optarg, 1, EXECD_TOP_FILES_MAX)) < 0)
				return usage_error("bad value '%s' for --top-files: expected a number of files per pod from 1 "
						   "to %d", optarg, EXECD_TOP_FILES_MAX);
			x->files.top = (unsigned)n;
			break;
		case OPT_FILES_INTERVAL:
			if (pm_parse_duration(optarg, &x->files_interval) < 0)
				return usage_error("bad value '%s' for --files-interval: expected a positive duration such as "
						   "5m, 30s or 1h", optarg);
			files_opt = "--files-interval";
			break;
		case OPT_MAX_FILES:
			if ((n = number_arg(optarg, 1, LLONG_MAX)) < 0)
				return usage_error("bad value '%s' for --max-files: expected a positive number of directory "
						   "entries", optarg);
			x->files.opts.max_files = (size_t)n;
			files_opt = "--max-files";
			break;
		case OPT_KUBELET_DIR:
			if (!*optarg)
				return usage_error("bad value '' for --kubelet-dir: expected a directory");
			x->files.opts.kubelet_dir = optarg;
			files_opt = "--kubelet-dir";
			break;
		case OPT_VERBOSE:
			x->verbose = true;
			break;
		case 'h':
		case OPT_HELP:
			usage();
			return 0;
		case OPT_VERSION:
			printf(PROG " %s\n", PODMEM_VERSION);
			return 0;
		case ':':
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		case '?':
			if (optopt)
				return usage_error("unknown option '-%c' (see --help)", optopt);
			return usage_error("unknown option '%s' (see --help)", argv[optind - 1]);
		default: /* a core option */
			if (pm_cmdline_take(po, c, OPT_CORE, optarg) < 0)
				return usage_error("bad value '%s' for --%s", optarg, longopts[idx].name);
			break;
		}
		idx = -1;
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s' (see --help)", argv[optind]);
	if (*ret_once && *ret_interval)
		return usage_error("--once and --interval exclude each other");
	if (files_opt && !x->files.top)
		return usage_error("%s needs --top-files", files_opt);
	return -1;
}

int main(int argc, char **argv)
{
	struct execd x = {.format = EXECD_INFLUX, .files_interval = 300 * NS_PER_S};
	struct pm_opts po = PM_OPTS_INIT;
	uint64_t interval = 0;
	bool once = false;

	int rc = parse_args(argc, argv, &x, &po, &interval, &once);
	if (rc >= 0)
		return rc;

	/* no SA_RESTART: a blocked read returns, and the loop sees the request */
	struct sigaction sa = {.sa_handler = on_stop_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a closed stdout is EPIPE, a clean end */

	po.log = core_log;
	po.log_ud = &x;
	pm_raise_nofile();
	if (pm_ctx_open(&x.ctx, &po) < 0)
		return 1; /* the core logged why */

	if (once) {
		int r = batch(&x);
		rc = r == BATCH_FAILED || r == BATCH_FATAL;
	} else if (interval) {
		rc = run_interval(&x, interval);
	} else {
		rc = run_stdin(&x);
	}

	execd_buf_free(&x.buf);
	execd_files_free(&x.files);
	pm_snapshot_free(&x.snap);
	pm_ctx_close(x.ctx);
	return rc;
}
