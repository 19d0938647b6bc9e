/*
 * podmem-agentx: PODMEM-MIB served by a net-snmp AgentX subagent.
 *
 * It samples every -i seconds (a net-snmp alarm, run between requests) and
 * answers every request from the latest snapshot, or from the one before
 * for the rest of an SNMP request that one began (the master sends a
 * GETBULK as one AgentX request per repetition: see pm_snmp_tree.h), so one
 * PDU never mixes two samples and a request never reads a cgroup file. It
 * waits in poll() between events (loop_turn), and net-snmp's AgentX ping
 * re-connects it when the master restarts. Logging is net-snmp's (-L, as
 * snmpd's): stderr with -f, syslog otherwise; never stdout unless asked for.
 *
 * Signals: TERM and INT stop it; HUP reopens log files, rediscovers every
 * cgroup and samples at once. They reach the loop through a pipe that the
 * loop watches, so none is lost between two waits.
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <net-snmp/library/large_fd_set.h>

#include "podmem.h"
#include "pm_cmdline.h"
#include "pm_snmp_tree.h"

#define APP "podmem-agentx"
#define DEFAULT_INTERVAL 10u /* seconds between samples */
#define PING_INTERVAL 5      /* seconds between AgentX pings and reconnection attempts */

struct agent {
	struct pm_opts opts;
	struct pm_ctx *ctx;
	struct pm_snapshot snap[2]; /* sampled in turn: the tree keeps the one before (pm_snmp_tree.h) */
	int last;                   /* snap[last] is the latest */
	struct pm_tree *tree;
	const char *socket; /* -x, or NULL for net-snmp's default */
	const char *pidfile;
	unsigned interval;
	bool foreground;
	bool log_set; /* -L was given */
	bool retry_pending;  /* a sample waits (on_alarm) */
	unsigned waited_ms;  /* for so long */
};

/* the signal handlers' only way in: flags and the write end of a pipe */
static volatile sig_atomic_t got_stop, got_hup;
static int wake_fd = -1;

static void on_signal(int sig)
{
	int saved = errno;
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_stop = 1;
	if (write(wake_fd, "", 1) < 0) {
		/* the pipe is full, so the loop is awake anyway */
	}
	errno = saved;
}

static void drain(int fd, void *data)
{
	char buf[64];
	(void)data;
	while (read(fd, buf, sizeof buf) > 0)
		;
}

static int signals_init(void)
{
	int p[2];
	struct sigaction sa = {.sa_handler = on_signal};

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	wake_fd = p[1];
	register_readfd(p[0], drain, NULL);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a write to a master that went away */
	return 0;
}

/* the core's log callback: its debug lines under the "podmem" debug token (-Dpodmem) */
static void log_core(void *ud, int level, const char *fmt, va_list ap)
{
	char buf[1024];
	(void)ud;
	vsnprintf(buf, sizeof buf, fmt, ap);
	if (level >= LOG_DEBUG)
		DEBUGMSGTL(("podmem", "%s\n", buf));
	else
		snmp_log(level, "%s\n", buf);
}

static void sample(struct agent *a)
{
	struct pm_snapshot *snap = &a->snap[a->last = !a->last];
	int rc = pm_sample(a->ctx, snap);
	if (rc < 0)
		snmp_log(LOG_ERR, "cannot sample: %s\n", strerror(-rc));
	if (pm_tree_build(a->tree, snap, pm_ctx_root(a->ctx)) < 0)
		snmp_log(LOG_ERR, "cannot build the tables: %s; answering with none\n", strerror(ENOMEM));
}

/* A sample waits while the tables of the one before still answer an SNMP
 * request that began on them (a GETBULK the master is still sending, one
 * AgentX request per repetition): it would replace them in the middle of
 * that PDU. It looks again every BUSY_RETRY_MS, for at most BUSY_MAX_MS or
 * an interval, whichever is longer. Only requests begun before the last
 * sample keep them busy, so a sample waits at most as long as one takes. */
#define BUSY_NS 250000000u /* the previous tables answered within 250 ms */
#define BUSY_RETRY_MS 50
#define BUSY_MAX_MS 10000u

static void on_alarm(unsigned int reg, void *arg);

static void on_retry(unsigned int reg, void *arg)
{
	struct agent *a = arg;
	a->retry_pending = false;
	on_alarm(reg, arg);
}

static void on_alarm(unsigned int reg, void *arg)
{
	struct agent *a = arg;
	unsigned max_ms = a->interval * 1000u > BUSY_MAX_MS ? a->interval * 1000u : BUSY_MAX_MS;
	(void)reg;
	if (a->retry_pending)
		return; /* the retry samples */
	if (pm_tree_busy(a->tree, BUSY_NS) && a->waited_ms < max_ms) {
		struct timeval t = {0, BUSY_RETRY_MS * 1000};
		if (snmp_alarm_register_hr(t, 0, on_retry, a)) {
			a->retry_pending = true;
			a->waited_ms += BUSY_RETRY_MS;
			return;
		}
	}
	a->waited_ms = 0;
	sample(a);
}

/* SIGHUP: reopen log files, rediscover everything, sample now */
static void reload(struct agent *a)
{
	struct pm_ctx *ctx;

	netsnmp_logging_restart();
	if (pm_ctx_open(&ctx, &a->opts) < 0) {
		snmp_log(LOG_WARNING, "reload: keeping the cgroups found so far\n");
	} else {
		pm_ctx_close(a->ctx);
		a->ctx = ctx;
	}
	sample(a);
	snmp_log(LOG_INFO, "reloaded: %zu pods\n", a->snap[a->last].n_pods);
}

/*
 * net-snmp's event loop, one turn at a time: agent_check_and_process(1)'s
 * steps, but waiting in poll() on the few fds net-snmp watches (the AgentX
 * socket, the signal pipe) rather than in select() up to the highest, with
 * fd sets that live across turns. The AgentX socket is opened after the
 * cgroups' kept-open files (9 a cgroup on v1, 13 on v2), so at 1000
 * containers its number is some 12,000: agent_check_and_process() makes
 * its three sets FD_SETSIZE wide at every turn and widens them to that one
 * bit at a time (some 30,000 bit operations per request), and select()
 * then scans them all. That made a walk several times slower than the
 * master allows, and slower per value as the tables grew.
 */
#define LOOP_FDS 64 /* more to watch than this: select() */

struct loop {
	netsnmp_large_fd_set rd, wr, ex;
	struct pollfd p[LOOP_FDS]; /* the fds of the last poll(), and so the only ones set */
	size_t n;
	bool dirty; /* the sets may hold others (after a select()) */
};

static void loop_init(struct loop *l)
{
	netsnmp_large_fd_set_init(&l->rd, FD_SETSIZE);
	netsnmp_large_fd_set_init(&l->wr, FD_SETSIZE);
	netsnmp_large_fd_set_init(&l->ex, FD_SETSIZE);
	l->n = 0;
	l->dirty = true;
}

static void loop_free(struct loop *l)
{
	netsnmp_large_fd_set_cleanup(&l->rd);
	netsnmp_large_fd_set_cleanup(&l->wr);
	netsnmp_large_fd_set_cleanup(&l->ex);
}

/* empties the sets: the fds of the last poll(), or all of them */
static void loop_clear(struct loop *l)
{
	if (l->dirty) {
		NETSNMP_LARGE_FD_ZERO(&l->rd);
		NETSNMP_LARGE_FD_ZERO(&l->wr);
		NETSNMP_LARGE_FD_ZERO(&l->ex);
		l->dirty = false;
		return;
	}
	for (size_t k = 0; k < l->n; k++) {
		NETSNMP_LARGE_FD_CLR(l->p[k].fd, &l->rd);
		NETSNMP_LARGE_FD_CLR(l->p[k].fd, &l->wr);
		NETSNMP_LARGE_FD_CLR(l->p[k].fd, &l->ex);
	}
}

/* Sets L's poll list to the fds below NUMFDS in its sets, false when they
 * do not fit. An fd set is a bitmap of unsigned longs (select()'s ABI), and
 * only net-snmp's external fds (register_writefd, ...) go in the write and
 * exception sets: without any, the read set alone is scanned. */
static bool loop_list(struct loop *l, int numfds)
{
	netsnmp_large_fd_set *sets[] = {&l->rd, &l->wr, &l->ex};
	static const short events[] = {POLLIN, POLLOUT, POLLPRI};
	static const unsigned long zero[64];
	const size_t bits = 8 * sizeof(unsigned long);
	int n_sets = external_writefdlen || external_exceptfdlen ? 3 : 1;

	l->n = 0;
	for (int s = 0; s < n_sets; s++) {
		netsnmp_large_fd_set *set = sets[s];
		if ((int)set->lfs_setsize < numfds && !netsnmp_large_fd_set_resize(set, numfds))
			return false;
		const unsigned long *w = (const unsigned long *)(const void *)set->lfs_setptr;
		size_t words = ((size_t)numfds + bits - 1) / bits;
		for (size_t i = 0; i < words; i++) {
			/* the empty words 64 at a time: memcmp() is vectorized */
			while (i + 64 <= words && !memcmp(w + i, zero, sizeof zero))
				i += 64;
			if (i >= words || !w[i])
				continue;
			for (unsigned long b = w[i]; b; b &= b - 1) {
				int fd = (int)(i * bits) + __builtin_ctzl(b);
				size_t k = 0;
				while (k < l->n && l->p[k].fd != fd)
					k++;
				if (k == l->n) {
					if (l->n == LOOP_FDS)
						return false;
					l->p[l->n++] = (struct pollfd){.fd = fd};
				}
				l->p[k].events |= events[s];
			}
		}
	}
	return true;
}

/* select() on L's sets, through poll(): the number of fds ready, as select() counts them */
static int loop_wait(struct loop *l, int numfds, const struct timeval *tv)
{
	struct timespec ts, *tsp = NULL;
	int count = 0, r;

	if (!loop_list(l, numfds)) {
		struct timeval t, *tp = NULL;
		if (tv)
			t = *tv, tp = &t;
		l->dirty = true;
		return netsnmp_large_fd_set_select(numfds, &l->rd, &l->wr, &l->ex, tp);
	}
	if (tv) {
		ts.tv_sec = tv->tv_sec;
		ts.tv_nsec = tv->tv_usec * 1000;
		tsp = &ts;
	}
	r = ppoll(l->p, l->n, tsp, NULL);
	loop_clear(l);
	if (r <= 0)
		return r;
	for (size_t k = 0; k < l->n; k++) {
		short ev = l->p[k].events, re = l->p[k].revents;
		/* as select(): end of file, an error or a closed fd is "readable" */
		if ((ev & POLLIN) && (re & (POLLIN | POLLHUP | POLLERR | POLLNVAL)))
			NETSNMP_LARGE_FD_SET(l->p[k].fd, &l->rd), count++;
		if ((ev & POLLOUT) && (re & (POLLOUT | POLLERR | POLLNVAL)))
			NETSNMP_LARGE_FD_SET(l->p[k].fd, &l->wr), count++;
		if ((ev & POLLPRI) && (re & POLLPRI))
			NETSNMP_LARGE_FD_SET(l->p[k].fd, &l->ex), count++;
	}
	return count;
}

/* waits for the next event (a request, an alarm, a signal) and handles it */
static void loop_turn(struct loop *l)
{
	struct timeval timeout = {LONG_MAX, 0}, *tvp = &timeout;
	int numfds = 0, block = 0, count;

	loop_clear(l);
	snmp_select_info2(&numfds, &l->rd, tvp, &block);
	if (block)
		tvp = NULL; /* no alarm due: wait for a packet or a signal */
	netsnmp_external_event_info2(&numfds, &l->rd, &l->wr, &l->ex);
	count = loop_wait(l, numfds, tvp);
	if (count > 0) {
		netsnmp_dispatch_external_events2(&count, &l->rd, &l->wr, &l->ex);
		if (count > 0)
			snmp_read2(&l->rd);
	} else if (count == 0) {
		snmp_timeout();
	} else if (errno != EINTR) {
		snmp_log_perror("poll");
		return;
	}
	run_alarms();
	netsnmp_check_outstanding_agent_requests();
}

/* -x: set after the configuration files are read, so it wins over their agentXSocket */
static int set_socket(int major, int minor, void *server_arg, void *client_arg)
{
	(void)major, (void)minor, (void)server_arg;
	netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET, client_arg);
	return SNMP_ERR_NOERROR;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " APP " [-f] [-x SOCKET] [-i SECONDS] [-p PIDFILE] [-L LOGOPTS] [-D TOKENS] [OPTIONS]\n"
		"Serves PODMEM-MIB (each pod's and container's memory) as an AgentX subagent of snmpd.\n\n"
		"  -x, --agentx-socket SOCKET  the master's AgentX address (default: net-snmp's, /var/agentx/master)\n"
		"  -f, --foreground            stay in the foreground (log to stderr unless -L says otherwise)\n"
		"  -i, --interval SECONDS      sample every SECONDS (1..86400, default %u)\n"
		"  -p, --pidfile FILE          write the process ID to FILE\n"
		"  -L LOGOPTS                  net-snmp logging, as snmpd's: -Le, -Lf FILE, -Ls daemon, ...\n"
		"  -D TOKENS                   net-snmp debug output for TOKENS (podmem, agentx, ...)\n",
		DEFAULT_INTERVAL);
	pm_cmdline_usage(f, 6, 30);
	fprintf(f, "  -h, --help\n  -V, --version\n\n"
		   "AgentX settings such as agentxPingInterval can also go in " APP ".conf in\n"
		   "net-snmp's configuration path (see snmp_config(5)).\n");
}

/* Parses the command line into A; returns -1 to exit 0 (help), 0 to run, 2 on a bad option. */
static int parse_args(struct agent *a, int argc, char **argv)
{
	static const struct option ours[] = {
		{"agentx-socket", required_argument, NULL, 'x'}, {"foreground", no_argument, NULL, 'f'},
		{"interval", required_argument, NULL, 'i'},      {"pidfile", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},                {"version", no_argument, NULL, 'V'},
	};
	enum { N_OURS = sizeof ours / sizeof ours[0], CORE = 256 };
	struct option longopts[PM_CMDLINE_OPTS(N_OURS)] = {{0}};
	char *end;
	unsigned long n;
	int c, r;

	memcpy(longopts, ours, sizeof ours);
	pm_cmdline_longopts(longopts, sizeof longopts / sizeof longopts[0], N_OURS, CORE);

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":x:fi:p:L:D:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'x':
			a->socket = optarg;
			break;
		case 'f':
			a->foreground = true;
			break;
		case 'i':
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || *optarg == '-' || n < 1 || n > 86400) {
				fprintf(stderr, APP ": bad --interval '%s': give whole seconds, 1 to 86400\n", optarg);
				return 2;
			}
			a->interval = (unsigned)n;
			break;
		case 'p':
			a->pidfile = optarg;
			break;
		case 'L':
			if (snmp_log_options(optarg, argc, argv) < 0) {
				fprintf(stderr, APP ": bad -L '%s'\n", optarg);
				return 2;
			}
			a->log_set = true;
			break;
		case 'D':
			debug_register_tokens(optarg);
			snmp_set_do_debugging(1);
			break;
		case 'h':
			usage(stdout);
			return -1;
		case 'V':
			printf(APP " %s (net-snmp %s)\n", PODMEM_VERSION, netsnmp_get_version());
			return -1;
		default:
			r = pm_cmdline_take(&a->opts, c, CORE, optarg);
			if (r > 0)
				break;
			if (r < 0)
				fprintf(stderr, APP ": bad --%s '%s'\n", pm_core_opts[c - CORE].long_name, optarg);
			else if (c == ':')
				fprintf(stderr, APP ": option '%s' needs a value\n", argv[optind - 1]);
			else if (optopt)
				fprintf(stderr, APP ": unknown option '-%c' (see --help)\n", optopt);
			else
				fprintf(stderr, APP ": unknown option '%s' (see --help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, APP ": unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	return 0;
}

static int write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f)) {
		snmp_log(LOG_ERR, "cannot write '%s': %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Connects to the master and registers; the tree is ready before the first request. */
static int agent_start(struct agent *a)
{
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
	/* a subagent has no state to keep: never read or write /var/lib/snmp */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	/* nor does it need MIBs: load none (rather than net-snmp's default list,
	 * whichever snmp.conf is found) unless the environment names some */
	setenv("MIBS", "", /* overwrite = */ 0);
	/* net-snmp frees a callback's argument at shutdown: hand it a copy */
	if (a->socket)
		netsnmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_POST_READ_CONFIG, set_socket,
					  strdup(a->socket), NETSNMP_CALLBACK_HIGHEST_PRIORITY);
	SOCK_STARTUP;
	if (init_agent(APP)) {
		snmp_log(LOG_ERR, "cannot initialise the agent library\n");
		return -1;
	}
	/* after init_agent, which resets it; agentxPingInterval in APP.conf still wins */
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL, PING_INTERVAL);
	if (pm_tree_register(a->tree) < 0)
		return -1;
	sample(a);
	init_snmp(APP);
	if (!snmp_alarm_register(a->interval, SA_REPEAT, on_alarm, a)) {
		snmp_log(LOG_ERR, "cannot register the sampling alarm\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct agent a = {.opts = PM_OPTS_INIT, .interval = DEFAULT_INTERVAL};
	struct loop loop;
	int rc = parse_args(&a, argc, argv);

	if (rc)
		return rc < 0 ? 0 : rc;
	if (!a.log_set)
		snmp_enable_stderrlog(); /* until daemonized, errors go to the terminal */
	a.opts.log = log_core;
	pm_raise_nofile();
	if (pm_ctx_open(&a.ctx, &a.opts) < 0)
		return 1; /* logged */
	if (!a.foreground) {
		if (!a.log_set) {
			snmp_disable_stderrlog();
			snmp_enable_syslog_ident(APP, LOG_DAEMON);
		}
		if (netsnmp_daemonize(1, snmp_stderrlog_status()) < 0)
			return 1;
	}
	rc = 1;
	if (a.pidfile && write_pidfile(a.pidfile) < 0)
		goto out;
	if (!(a.tree = pm_tree_new(a.interval)) || signals_init() < 0) {
		snmp_log(LOG_ERR, "cannot start: %s\n", strerror(errno));
		goto out;
	}
	if (agent_start(&a) < 0)
		goto out;
	snmp_log(LOG_INFO, APP " %s: %zu pods under %s, sampling every %us\n", PODMEM_VERSION, a.snap[a.last].n_pods,
		 pm_ctx_root(a.ctx), a.interval);
	loop_init(&loop);
	while (!got_stop) {
		loop_turn(&loop);
		if (got_hup) {
			got_hup = 0;
			reload(&a);
		}
	}
	loop_free(&loop);
	snmp_log(LOG_INFO, "stopping\n");
	rc = 0;
	snmp_shutdown(APP);
	SOCK_CLEANUP;
out:
	if (a.pidfile && rc == 0)
		unlink(a.pidfile);
	pm_tree_free(a.tree);
	pm_snapshot_free(&a.snap[0]);
	pm_snapshot_free(&a.snap[1]);
	pm_ctx_close(a.ctx);
	return rc;
}
