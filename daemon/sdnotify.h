/*
 * sdnotify.h: the service manager's notification protocol (sd_notify(3)):
 * one datagram per message to the socket named by $NOTIFY_SOCKET, and the
 * watchdog interval from $WATCHDOG_USEC.  Without a service manager every
 * call does nothing.
 */
#ifndef SDNOTIFY_H
#define SDNOTIFY_H

#include <stdint.h>

/* Reads the environment; call once at start. */
void	sdn_init(void);
/* Sends "KEY=value\n..." lines; 0 if sent or nobody listens, -1 on error. */
int	sdn_send(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* The watchdog interval in ms for this process, or 0 if none. */
int64_t	sdn_watchdog_ms(void);

#endif
