/*
 * guard.c: the address policy of guard.h.
 *
 * The ranges are those of reliability.md 3.2 (IANA's special-purpose
 * registries): an address in one of them is never a public web site.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "guard.h"
#include "xmalloc.h"

struct range4 {
	uint32_t	 net;
	unsigned	 prefix;
	const char	*why;
};

struct range6 {
	uint8_t		 net[16];
	unsigned	 prefix;
	const char	*why;
};

/* Looked at in order: the first match gives the reason. */
static const struct range4 deny4[] = {
	{ 0xa9fea9feu, 32, "metadata" },	/* 169.254.169.254: AWS, GCP,
						   Azure, ... */
	{ 0x646464c8u, 32, "metadata" },	/* 100.100.100.200: Alibaba */
	{ 0x00000000u, 8, "unspecified" },	/* 0/8 "this network" */
	{ 0x0a000000u, 8, "private" },		/* 10/8 */
	{ 0x64400000u, 10, "cgnat" },		/* 100.64/10 */
	{ 0x7f000000u, 8, "loopback" },		/* 127/8 */
	{ 0xa9fe0000u, 16, "link-local" },	/* 169.254/16 */
	{ 0xac100000u, 12, "private" },		/* 172.16/12 */
	{ 0xc0000000u, 24, "reserved" },	/* 192.0.0/24 IETF protocol
						   assignments */
	{ 0xc0000200u, 24, "documentation" },	/* 192.0.2/24 TEST-NET-1 */
	{ 0xc0586300u, 24, "reserved" },	/* 192.88.99/24 6to4 relay */
	{ 0xc0a80000u, 16, "private" },		/* 192.168/16 */
	{ 0xc6120000u, 15, "reserved" },	/* 198.18/15 benchmarking */
	{ 0xc6336400u, 24, "documentation" },	/* 198.51.100/24 TEST-NET-2 */
	{ 0xcb007100u, 24, "documentation" },	/* 203.0.113/24 TEST-NET-3 */
	{ 0xe0000000u, 4, "multicast" },	/* 224/4 */
	{ 0xf0000000u, 4, "reserved" },		/* 240/4, broadcast too */
};

/* Exact addresses that would be taken for embedded IPv4 ones: first. */
static const struct range6 deny6_first[] = {
	{ { 0 }, 128, "unspecified" },				/* :: */
	{ { [15] = 1 }, 128, "loopback" },			/* ::1 */
	{ { 0xfd, 0x00, 0x0e, 0xc2, [14] = 0x02, [15] = 0x54 }, 128,
	    "metadata" },					/* fd00:ec2::254 */
};

static const struct range6 deny6[] = {
	{ { 0x01, 0x00 }, 64, "reserved" },		/* 100::/64 discard */
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32, "documentation" },	/* 2001:db8::/32 */
	{ { 0x20, 0x01 }, 23, "reserved" },		/* 2001::/23 IETF
							   protocol assignments
							   (Teredo too) */
	{ { 0xfc }, 7, "private" },			/* fc00::/7 unique local */
	{ { 0xfe, 0x80 }, 10, "link-local" },		/* fe80::/10 */
	{ { 0xfe, 0xc0 }, 10, "reserved" },		/* fec0::/10 site-local */
	{ { 0xff }, 8, "multicast" },			/* ff00::/8 */
};

/* 1 if the first prefix bits of a and b are equal. */
static int
prefix_eq(const uint8_t *a, const uint8_t *b, unsigned prefix)
{
	unsigned	 full = prefix / 8, rest = prefix % 8;
	uint8_t		 mask;

	if (memcmp(a, b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

/* The address as IPv6 bytes (IPv4 as ::ffff:a.b.c.d); -1 if not IP. */
static int
to16(const struct sockaddr *sa, uint8_t out[16])
{
	if (sa == NULL)
		return -1;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &s4->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		memcpy(out, &s6->sin6_addr, 16);
		return 0;
	}
	return -1;
}

static const uint8_t zero12[12];
static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
static const uint8_t nat64[12] = { 0x00, 0x64, 0xff, 0x9b };

/*
 * The IPv4 address an IPv6 one stands for, if any: IPv4-mapped,
 * IPv4-compatible, NAT64 (64:ff9b::/96) or 6to4 (2002::/16).  *kind
 * tells which (1: mapped).  Returns 1 if found.
 */
static int
embedded_v4(const uint8_t a[16], uint32_t *v4, int *kind)
{
	const uint8_t *p;

	if (memcmp(a, mapped, 12) == 0) {
		p = a + 12;
		*kind = 1;
	} else if (memcmp(a, zero12, 12) == 0 || memcmp(a, nat64, 12) == 0) {
		p = a + 12;
		*kind = 2;
	} else if (a[0] == 0x20 && a[1] == 0x02) {
		p = a + 2;
		*kind = 3;
	} else
		return 0;
	*v4 = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	return 1;
}

static const char *
classify4(uint32_t a)
{
	for (size_t i = 0; i < sizeof(deny4) / sizeof(deny4[0]); i++) {
		uint32_t mask = deny4[i].prefix == 0 ? 0 :
		    0xffffffffu << (32 - deny4[i].prefix);

		if ((a & mask) == deny4[i].net)
			return deny4[i].why;
	}
	return NULL;
}

/* The reason of the exact addresses looked at before any unwrapping. */
static const char *
first6(const uint8_t a[16])
{
	for (size_t i = 0; i < sizeof(deny6_first) / sizeof(deny6_first[0]);
	    i++)
		if (prefix_eq(a, deny6_first[i].net, deny6_first[i].prefix))
			return deny6_first[i].why;
	return NULL;
}

static const char *
classify16(const uint8_t a[16])
{
	const char	*why;
	uint32_t	 v4;
	int		 kind;
	size_t		 i;

	if ((why = first6(a)) != NULL)
		return why;
	if (embedded_v4(a, &v4, &kind))
		return classify4(v4);
	for (i = 0; i < sizeof(deny6) / sizeof(deny6[0]); i++)
		if (prefix_eq(a, deny6[i].net, deny6[i].prefix))
			return deny6[i].why;
	return NULL;
}

const char *
guard_classify(const struct sockaddr *sa)
{
	uint8_t a[16];

	if (to16(sa, a) == -1)
		return "not an IP address";
	return classify16(a);
}

int
guard_net_match(const struct guard_net *n, const struct sockaddr *sa)
{
	uint8_t a[16];

	return to16(sa, a) == 0 && prefix_eq(a, n->addr, n->prefix);
}

const char *
guard_check(const struct guard *g, const struct sockaddr *sa)
{
	if (g != NULL && g->allow != NULL)
		for (size_t i = 0; i < g->allow->n; i++)
			if (guard_net_match(&g->allow->v[i], sa))
				return NULL;
	if (g != NULL && !g->on)
		return NULL;
	return guard_classify(sa);
}

void
guard_addr_str(const struct sockaddr *sa, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN];

	if (sa != NULL && sa->sa_family == AF_INET &&
	    inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)
	    sa)->sin_addr, s, sizeof(s)) != NULL)
		snprintf(buf, len, "%s", s);
	else if (sa != NULL && sa->sa_family == AF_INET6 &&
	    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)
	    sa)->sin6_addr, s, sizeof(s)) != NULL)
		snprintf(buf, len, "%s", s);
	else
		snprintf(buf, len, "?");
}

void
guard_message(const struct sockaddr *sa, const char *reason, char *buf,
    size_t len)
{
	char		 addr[INET6_ADDRSTRLEN];
	uint8_t		 a[16];
	uint32_t	 v4;
	int		 kind;

	guard_addr_str(sa, addr, sizeof(addr));
	/* NAT64, 6to4 and IPv4-compatible forms hide the address judged. */
	if (sa != NULL && sa->sa_family == AF_INET6 && to16(sa, a) == 0 &&
	    first6(a) == NULL && embedded_v4(a, &v4, &kind) && kind != 1)
		snprintf(buf, len, "refused by the SSRF guard: %s is %s (it "
		    "stands for %u.%u.%u.%u)", addr, reason, v4 >> 24,
		    (v4 >> 16) & 0xff, (v4 >> 8) & 0xff, v4 & 0xff);
	else
		snprintf(buf, len, "refused by the SSRF guard: %s is %s", addr,
		    reason);
}

int
guard_parse_addr(const char *text, struct sockaddr_storage *ss)
{
	char	 buf[INET6_ADDRSTRLEN + 8];
	size_t	 n = strcspn(text, "%");

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, text, n);
	buf[n] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, buf, &((struct sockaddr_in *)(void *)ss)->
	    sin_addr) == 1) {
		ss->ss_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, &((struct sockaddr_in6 *)(void *)ss)->
	    sin6_addr) == 1) {
		ss->ss_family = AF_INET6;
		return 0;
	}
	return -1;
}

void
guard_net_str(const struct guard_net *n, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN];

	if (n->v4 && inet_ntop(AF_INET, n->addr + 12, s, sizeof(s)) != NULL)
		snprintf(buf, len, "%s/%u", s, n->prefix - 96);
	else if (inet_ntop(AF_INET6, n->addr, s, sizeof(s)) != NULL)
		snprintf(buf, len, "%s/%u", s, n->prefix);
	else
		snprintf(buf, len, "?");
}

int
guard_parse_net(const char *text, struct guard_net *out, char *why,
    size_t len)
{
	char		 buf[INET6_ADDRSTRLEN + 8], net[80];
	const char	*slash = strchr(text, '/');
	size_t		 n = slash ? (size_t)(slash - text) : strlen(text);
	unsigned	 max, prefix, i;
	struct guard_net g;

	memset(&g, 0, sizeof(g));
	if (strchr(text, ',') != NULL) {
		snprintf(why, len, "networks are separated by spaces, not "
		    "commas");
		return -1;
	}
	if (n == 0 || n >= sizeof(buf)) {
		snprintf(why, len, "not an IPv4 or IPv6 address");
		return -1;
	}
	memcpy(buf, text, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, g.addr + 12) == 1) {
		g.addr[10] = g.addr[11] = 0xff;
		g.v4 = 1;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, g.addr) == 1)
		max = 128;
	else {
		snprintf(why, len, "not an IPv4 or IPv6 address%s",
		    strchr(buf, '%') ? " (no %zone here)" : "");
		return -1;
	}
	prefix = max;
	if (slash != NULL) {
		const char *p = slash + 1;

		if (*p == '\0' || strlen(p) > 3 || strspn(p, "0123456789") !=
		    strlen(p) || (prefix = (unsigned)atoi(p)) > max) {
			snprintf(why, len, "prefix length must be 0 to %u for "
			    "%s", max, g.v4 ? "IPv4" : "IPv6");
			return -1;
		}
	}
	g.prefix = prefix + (g.v4 ? 96 : 0);
	for (i = g.prefix; i < 128; i++)
		if (g.addr[i / 8] & (0x80 >> (i % 8))) {
			for (; i < 128; i++)
				g.addr[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
			guard_net_str(&g, net, sizeof(net));
			snprintf(why, len, "host bits are set (did you mean "
			    "%s?)", net);
			return -1;
		}
	*out = g;
	return 0;
}

int
guard_parse_list(const char *text, struct guard_list *l, char *why,
    size_t len)
{
	struct guard_net	*v = NULL;
	size_t			 n = 0;
	const char		*p = text;
	char			 word[128], reason[128];

	for (;;) {
		size_t wl;

		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		wl = strcspn(p, " \t\r\n");
		snprintf(word, sizeof(word), "%.*s", (int)wl, p);
		p += wl;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		if (wl >= sizeof(word) || guard_parse_net(word, &v[n], reason,
		    sizeof(reason)) == -1) {
			snprintf(why, len, "\"%.60s\": %s", word, wl >=
			    sizeof(word) ? "not an IPv4 or IPv6 address" :
			    reason);
			free(v);
			return -1;
		}
		n++;
	}
	if (n > 0) {
		l->v = xrealloc(l->v, (l->n + n) * sizeof(*l->v));
		memcpy(l->v + l->n, v, n * sizeof(*v));
		l->n += n;
	}
	free(v);
	return 0;
}

void
guard_list_free(struct guard_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
