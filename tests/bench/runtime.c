/*
 * runtime: runs CMD with its output to /dev/null and prints, on stdout, its
 * wall time and its CPU time (user + system, from wait4's rusage), in ns:
 *   runtime CMD [ARG...]   ->   "WALL_NS CPU_NS"
 * Exits with CMD's status. The bench compares CPU times: on a machine shared
 * with other work, the wall time of a short command is mostly waiting for a
 * CPU, and its CPU time is not.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long ns(struct timespec t)
{
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	int status;
	if (argc < 2)
		return fprintf(stderr, "usage: runtime CMD [ARG...]\n"), 2;
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0)
		return perror("fork"), 2;
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(127);
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0)
		return perror("wait4"), 2;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long long cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
			(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
	printf("%lld %lld\n", ns(t1) - ns(t0), cpu);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
