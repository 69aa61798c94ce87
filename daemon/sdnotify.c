/*
 * sdnotify.c: sd_notify(3) without libsystemd: the protocol is one
 * AF_UNIX datagram of "KEY=value" lines.  An address starting with '@' is
 * in the abstract namespace.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sdnotify.h"

static struct sockaddr_un	 sn_addr;
static socklen_t		 sn_len;
static int			 sn_fd = -1;
static int64_t			 sn_watchdog_ms;

void
sdn_init(void)
{
	const char	*path = getenv("NOTIFY_SOCKET");
	const char	*us = getenv("WATCHDOG_USEC");
	const char	*pid = getenv("WATCHDOG_PID");
	size_t		 n;
	static int	 done;

	if (done++)
		return;
	if (us && *us && (pid == NULL || *pid == '\0' ||
	    strtol(pid, NULL, 10) == (long)getpid())) {
		long long v = strtoll(us, NULL, 10);

		sn_watchdog_ms = v > 0 ? v / 1000 : 0;
	}
	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    (n = strlen(path)) >= sizeof(sn_addr.sun_path))
		return;
	memset(&sn_addr, 0, sizeof(sn_addr));
	sn_addr.sun_family = AF_UNIX;
	memcpy(sn_addr.sun_path, path, n);
	if (path[0] == '@')
		sn_addr.sun_path[0] = '\0';
	sn_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (path[0] == '@' ? 0 : 1));
	if ((sn_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		log_warn("NOTIFY_SOCKET: cannot make a socket: %s",
		    strerror(errno));
}

int
sdn_send(const char *fmt, ...)
{
	char	buf[1024];
	va_list	ap;
	int	n;

	if (sn_fd == -1)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	if (sendto(sn_fd, buf, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)
	    &sn_addr, sn_len) == -1) {
		log_warn("NOTIFY_SOCKET: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int64_t
sdn_watchdog_ms(void)
{
	return sn_watchdog_ms;
}
