/*
 * guard.h: the address policy against server-side request forgery.
 *
 * Every connection rotwatch makes (checks, the archive, webhooks, mail)
 * goes to an address this policy allows.  By default it refuses the
 * special-purpose ranges (loopback, private, link-local, carrier-grade
 * NAT, multicast, documentation, the cloud metadata addresses ...), also
 * when an IPv4 address hides in an IPv6 one (IPv4-mapped ::ffff:0:0/96,
 * IPv4-compatible ::/96, NAT64 64:ff9b::/96, 6to4 2002::/16).  The
 * operator's allow-list ([network] allow) is looked at first; [network]
 * guard = no turns the policy off.  Pure functions: no I/O.
 */
#ifndef GUARD_H
#define GUARD_H

#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

/*
 * A network of the allow-list, stored as IPv6: an IPv4 network is kept in
 * its IPv4-mapped form (::ffff:a.b.c.d, prefix + 96), so it also matches
 * that spelling of its addresses.
 */
struct guard_net {
	uint8_t		 addr[16];
	unsigned	 prefix;	/* 0..128, of the IPv6 form */
	int		 v4;		/* written as IPv4 */
};

struct guard_list {
	struct guard_net *v;
	size_t		  n;
};

/* The policy in force: on/off and the operator's allow-list (borrowed). */
struct guard {
	int			 on;
	const struct guard_list	*allow;
};

/* Longest message of guard_message(), NUL included. */
#define GUARD_MSG_MAX	160

/*
 * The default policy: NULL if the address may be connected to, else a
 * short reason ("loopback", "private", "link-local", "cgnat", "multicast",
 * "unspecified", "metadata", "reserved", "documentation", "not an IP
 * address"); a static string.
 */
const char	*guard_classify(const struct sockaddr *);

/*
 * The policy g (NULL: the default policy, no allow-list): the allow-list
 * first, then guard_classify() unless the guard is off.  Same return.
 */
const char	*guard_check(const struct guard *g, const struct sockaddr *);

/*
 * Writes "refused by the SSRF guard: ADDR is REASON" into buf (with the
 * embedded IPv4 address when it was the one judged).
 */
void		 guard_message(const struct sockaddr *, const char *reason,
		    char *buf, size_t len);

/* Writes the address (no port) of a sockaddr; "?" if not IP. */
void		 guard_addr_str(const struct sockaddr *, char *buf, size_t len);

/*
 * Parses an address as text (IPv4 dotted quad or IPv6, a "%zone" suffix
 * ignored) into ss.  Returns 0 or -1.
 */
int		 guard_parse_addr(const char *, struct sockaddr_storage *ss);

/*
 * Parses one network: "ADDR/PREFIX", or a bare address (one host).
 * Returns 0, or -1 with a short reason in why ("not an IPv4 or IPv6
 * address", "prefix length must be 0 to 32 for IPv4", "host bits set:
 * did you mean 10.0.0.0/8?" ...).
 */
int		 guard_parse_net(const char *, struct guard_net *,
		    char *why, size_t len);
/*
 * Parses a space-separated list of networks and appends them to l.
 * Returns 0, or -1 with the reason (naming the bad word) in why; then l is
 * unchanged.
 */
int		 guard_parse_list(const char *, struct guard_list *l,
		    char *why, size_t len);
void		 guard_list_free(struct guard_list *);
/* Writes a network as the operator wrote it ("10.0.0.0/8", "::1/128"). */
void		 guard_net_str(const struct guard_net *, char *buf, size_t len);
/* 1 if the address is in the network. */
int		 guard_net_match(const struct guard_net *,
		    const struct sockaddr *);

#endif
