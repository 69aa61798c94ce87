/*
 * The SSRF guard: every denied range and its edges, public addresses,
 * IPv4 hidden in IPv6 (mapped, compatible, NAT64, 6to4), the allow-list
 * and its CIDR parser.
 */
#include <stdio.h>
#include <string.h>

#include <netinet/in.h>

#include "guard.h"
#include "t.h"

/* The default policy's verdict on an address written as text. */
static const char *
cls(const char *text)
{
	struct sockaddr_storage ss;

	if (guard_parse_addr(text, &ss) == -1)
		return "(unparsable)";
	return guard_classify((const struct sockaddr *)&ss);
}

struct row {
	const char	*addr;
	const char	*why;		/* NULL: allowed */
};

static const struct row table[] = {
	/* 0/8 */
	{ "0.0.0.0", "unspecified" }, { "0.255.255.255", "unspecified" },
	{ "1.0.0.0", NULL },
	/* 10/8 */
	{ "9.255.255.255", NULL }, { "10.0.0.0", "private" },
	{ "10.255.255.255", "private" }, { "11.0.0.0", NULL },
	/* 100.64/10, with Alibaba's metadata address */
	{ "100.63.255.255", NULL }, { "100.64.0.0", "cgnat" },
	{ "100.127.255.255", "cgnat" }, { "100.128.0.0", NULL },
	{ "100.100.100.200", "metadata" }, { "100.100.100.199", "cgnat" },
	/* 127/8 */
	{ "126.255.255.255", NULL }, { "127.0.0.0", "loopback" },
	{ "127.0.0.1", "loopback" }, { "127.255.255.255", "loopback" },
	{ "128.0.0.0", NULL },
	/* 169.254/16, with the cloud metadata address */
	{ "169.253.255.255", NULL }, { "169.254.0.0", "link-local" },
	{ "169.254.169.254", "metadata" }, { "169.254.169.253", "link-local" },
	{ "169.254.255.255", "link-local" }, { "169.255.0.0", NULL },
	/* 172.16/12 */
	{ "172.15.255.255", NULL }, { "172.16.0.0", "private" },
	{ "172.31.255.255", "private" }, { "172.32.0.0", NULL },
	/* 192.0.0/24, 192.0.2/24 */
	{ "191.255.255.255", NULL }, { "192.0.0.0", "reserved" },
	{ "192.0.0.255", "reserved" }, { "192.0.1.0", NULL },
	{ "192.0.2.0", "documentation" }, { "192.0.2.255", "documentation" },
	{ "192.0.3.0", NULL },
	/* 192.88.99/24 */
	{ "192.88.98.255", NULL }, { "192.88.99.0", "reserved" },
	{ "192.88.99.255", "reserved" }, { "192.88.100.0", NULL },
	/* 192.168/16 */
	{ "192.167.255.255", NULL }, { "192.168.0.0", "private" },
	{ "192.168.255.255", "private" }, { "192.169.0.0", NULL },
	/* 198.18/15 */
	{ "198.17.255.255", NULL }, { "198.18.0.0", "reserved" },
	{ "198.19.255.255", "reserved" }, { "198.20.0.0", NULL },
	/* 198.51.100/24, 203.0.113/24 */
	{ "198.51.99.255", NULL }, { "198.51.100.0", "documentation" },
	{ "198.51.100.255", "documentation" }, { "198.51.101.0", NULL },
	{ "203.0.112.255", NULL }, { "203.0.113.0", "documentation" },
	{ "203.0.113.255", "documentation" }, { "203.0.114.0", NULL },
	/* 224/4, 240/4 */
	{ "223.255.255.255", NULL }, { "224.0.0.0", "multicast" },
	{ "239.255.255.255", "multicast" }, { "240.0.0.0", "reserved" },
	{ "255.255.255.255", "reserved" },
	/* public IPv4 */
	{ "8.8.8.8", NULL }, { "93.184.216.34", NULL }, { "1.1.1.1", NULL },
	{ "207.241.224.2", NULL },

	/* IPv6: ::, ::1 */
	{ "::", "unspecified" }, { "::1", "loopback" },
	/* 100::/64 */
	{ "ff::ffff", NULL }, { "100::", "reserved" },
	{ "100::ffff:ffff:ffff:ffff", "reserved" }, { "100:0:0:1::", NULL },
	/* 2001::/23 (Teredo 2001::/32 in it) */
	{ "2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL },
	{ "2001::", "reserved" }, { "2001:0:4136:e378::1", "reserved" },
	{ "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", "reserved" },
	{ "2001:200::", NULL },
	/* 2001:db8::/32 */
	{ "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", NULL },
	{ "2001:db8::", "documentation" },
	{ "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "documentation" },
	{ "2001:db9::", NULL },
	/* fc00::/7, with AWS's IPv6 metadata address */
	{ "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL },
	{ "fc00::", "private" }, { "fd00::1", "private" },
	{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "private" },
	{ "fd00:ec2::254", "metadata" }, { "fd00:ec2::253", "private" },
	/* fe80::/10, fec0::/10, ff00::/8 */
	{ "fe00::", NULL }, { "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL },
	{ "fe80::", "link-local" }, { "fe80::1%lo", "link-local" },
	{ "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "link-local" },
	{ "fec0::", "reserved" },
	{ "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "reserved" },
	{ "ff00::", "multicast" }, { "ff02::1", "multicast" },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "multicast" },
	/* public IPv6 */
	{ "2606:4700:4700::1111", NULL }, { "2a00:1450:4001:80b::200e", NULL },
	{ "2001:4860:4860::8888", NULL },

	/* IPv4 in IPv6: mapped ::ffff:0:0/96 */
	{ "::ffff:127.0.0.1", "loopback" }, { "::ffff:7f00:1", "loopback" },
	{ "::ffff:10.1.2.3", "private" }, { "::ffff:169.254.169.254",
	    "metadata" }, { "::ffff:0.0.0.0", "unspecified" },
	{ "::ffff:8.8.8.8", NULL },
	/* compatible ::/96 */
	{ "::127.0.0.1", "loopback" }, { "::192.168.1.1", "private" },
	{ "::0.0.0.2", "unspecified" }, { "::8.8.8.8", NULL },
	/* NAT64 64:ff9b::/96 */
	{ "64:ff9b::7f00:1", "loopback" }, { "64:ff9b::a9fe:a9fe", "metadata" },
	{ "64:ff9b::100.64.0.1", "cgnat" }, { "64:ff9b::8.8.8.8", NULL },
	/* 6to4 2002::/16 */
	{ "2002:7f00:1::", "loopback" }, { "2002:a00:1::1", "private" },
	{ "2002:c0a8:101::", "private" }, { "2002:e000::", "multicast" },
	{ "2002:808:808::", NULL },
};

TEST(ranges_and_edges)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const char *got = cls(table[i].addr);

		if (table[i].why == NULL ? got != NULL : got == NULL ||
		    strcmp(got, table[i].why) != 0)
			T_FAIL("%s: got %s, expected %s", table[i].addr,
			    got ? got : "(allowed)", table[i].why ?
			    table[i].why : "(allowed)");
	}
}

TEST(not_ip)
{
	struct sockaddr sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	T_EQ_STR(guard_classify(&sa), "not an IP address");
	T_EQ_STR(guard_classify(NULL), "not an IP address");
}

TEST(messages)
{
	struct sockaddr_storage	 ss;
	char			 buf[GUARD_MSG_MAX];

	T_EQ_INT(guard_parse_addr("127.0.0.1", &ss), 0);
	guard_message((struct sockaddr *)&ss, "loopback", buf, sizeof(buf));
	T_EQ_STR(buf, "refused by the SSRF guard: 127.0.0.1 is loopback");
	T_EQ_INT(guard_parse_addr("::ffff:127.0.0.1", &ss), 0);
	guard_message((struct sockaddr *)&ss, "loopback", buf, sizeof(buf));
	T_EQ_STR(buf, "refused by the SSRF guard: ::ffff:127.0.0.1 is "
	    "loopback");
	T_EQ_INT(guard_parse_addr("64:ff9b::7f00:1", &ss), 0);
	guard_message((struct sockaddr *)&ss, "loopback", buf, sizeof(buf));
	T_EQ_STR(buf, "refused by the SSRF guard: 64:ff9b::7f00:1 is "
	    "loopback (it stands for 127.0.0.1)");
	T_EQ_INT(guard_parse_addr("::1", &ss), 0);
	guard_message((struct sockaddr *)&ss, "loopback", buf, sizeof(buf));
	T_EQ_STR(buf, "refused by the SSRF guard: ::1 is loopback");
	T_EQ_INT(guard_parse_addr("127.1", &ss), -1);
	T_EQ_INT(guard_parse_addr("2130706433", &ss), -1);
	T_EQ_INT(guard_parse_addr("", &ss), -1);
}

/* Parses one network and prints it back ("" on error, why in *why). */
static const char *
net(const char *text, char *why, size_t len)
{
	static char		 out[80];
	struct guard_net	 n;

	*why = '\0';
	if (guard_parse_net(text, &n, why, len) == -1)
		return "";
	guard_net_str(&n, out, sizeof(out));
	return out;
}

TEST(cidr_parsing)
{
	char why[128];

	T_EQ_STR(net("127.0.0.0/8", why, sizeof(why)), "127.0.0.0/8");
	T_EQ_STR(net("10.1.2.3", why, sizeof(why)), "10.1.2.3/32");
	T_EQ_STR(net("0.0.0.0/0", why, sizeof(why)), "0.0.0.0/0");
	T_EQ_STR(net("192.168.1.0/24", why, sizeof(why)), "192.168.1.0/24");
	T_EQ_STR(net("::1/128", why, sizeof(why)), "::1/128");
	T_EQ_STR(net("::1", why, sizeof(why)), "::1/128");
	T_EQ_STR(net("FD00:EC2::/32", why, sizeof(why)), "fd00:ec2::/32");
	T_EQ_STR(net("::/0", why, sizeof(why)), "::/0");
	T_EQ_STR(net("2001:db8::/32", why, sizeof(why)), "2001:db8::/32");

	T_EQ_STR(net("10.0.0.0/33", why, sizeof(why)), "");
	T_EQ_STR(why, "prefix length must be 0 to 32 for IPv4");
	T_EQ_STR(net("::/129", why, sizeof(why)), "");
	T_EQ_STR(why, "prefix length must be 0 to 128 for IPv6");
	T_EQ_STR(net("10.0.0.0/", why, sizeof(why)), "");
	T_EQ_STR(why, "prefix length must be 0 to 32 for IPv4");
	T_EQ_STR(net("10.0.0.0/-1", why, sizeof(why)), "");
	T_EQ_STR(net("10.0.0.0/8x", why, sizeof(why)), "");
	T_EQ_STR(net("10.0.0.0/0008", why, sizeof(why)), "");
	T_EQ_STR(net("10.0.0.1/8", why, sizeof(why)), "");
	T_EQ_STR(why, "host bits are set (did you mean 10.0.0.0/8?)");
	T_EQ_STR(net("fe80::1/10", why, sizeof(why)), "");
	T_EQ_STR(why, "host bits are set (did you mean fe80::/10?)");
	T_EQ_STR(net("127.1", why, sizeof(why)), "");
	T_EQ_STR(why, "not an IPv4 or IPv6 address");
	T_EQ_STR(net("localhost", why, sizeof(why)), "");
	T_EQ_STR(net("10.0.0.256/32", why, sizeof(why)), "");
	T_EQ_STR(net("/8", why, sizeof(why)), "");
	T_EQ_STR(net("", why, sizeof(why)), "");
	T_EQ_STR(net("fe80::1%lo/128", why, sizeof(why)), "");
	T_EQ_STR(why, "not an IPv4 or IPv6 address (no %zone here)");
}

TEST(list_parsing)
{
	struct guard_list	 l = { NULL, 0 };
	char			 why[160];

	T_EQ_INT(guard_parse_list("127.0.0.0/8 ::1/128", &l, why,
	    sizeof(why)), 0);
	T_EQ_INT(l.n, 2);
	/* Lines add up. */
	T_EQ_INT(guard_parse_list("  10.0.0.0/8\t192.168.0.0/16 ", &l, why,
	    sizeof(why)), 0);
	T_EQ_INT(l.n, 4);
	T_EQ_INT(guard_parse_list("", &l, why, sizeof(why)), 0);
	T_EQ_INT(l.n, 4);
	/* One bad word refuses the whole line. */
	T_EQ_INT(guard_parse_list("172.16.0.0/12 10.0.0.0/33", &l, why,
	    sizeof(why)), -1);
	T_EQ_STR(why, "\"10.0.0.0/33\": prefix length must be 0 to 32 for "
	    "IPv4");
	T_EQ_INT(l.n, 4);
	T_EQ_INT(guard_parse_list("10.0.0.0/8,172.16.0.0/12", &l, why,
	    sizeof(why)), -1);
	T_EQ_STR(why, "\"10.0.0.0/8,172.16.0.0/12\": networks are separated "
	    "by spaces, not commas");
	guard_list_free(&l);
	T_EQ_INT(l.n, 0);
}

/* The policy g's verdict on text. */
static const char *
chk(const struct guard *g, const char *text)
{
	struct sockaddr_storage ss;

	if (guard_parse_addr(text, &ss) == -1)
		return "(unparsable)";
	return guard_check(g, (const struct sockaddr *)&ss);
}

TEST(allow_list_precedence)
{
	struct guard_list	 l = { NULL, 0 };
	struct guard		 g = { 1, &l };
	char			 why[160];

	T_EQ_INT(guard_parse_list("127.0.0.2/32 10.0.0.0/8 fd00::/8", &l,
	    why, sizeof(why)), 0);
	T_EQ_STR(chk(&g, "127.0.0.2"), NULL);
	T_EQ_STR(chk(&g, "127.0.0.1"), "loopback");
	T_EQ_STR(chk(&g, "127.0.0.3"), "loopback");
	T_EQ_STR(chk(&g, "10.9.8.7"), NULL);
	T_EQ_STR(chk(&g, "11.0.0.0"), NULL);
	T_EQ_STR(chk(&g, "192.168.0.1"), "private");
	/* The allow-list wins over the metadata rule too. */
	T_EQ_STR(chk(&g, "fd00:ec2::254"), NULL);
	T_EQ_STR(chk(&g, "fc00::1"), "private");
	/* An IPv4 network matches the IPv4-mapped spelling of its
	 * addresses (the same destination), not other embeddings. */
	T_EQ_STR(chk(&g, "::ffff:127.0.0.2"), NULL);
	T_EQ_STR(chk(&g, "64:ff9b::7f00:2"), "loopback");
	T_EQ_STR(chk(&g, "2002:7f00:2::"), "loopback");
	T_EQ_STR(chk(&g, "8.8.8.8"), NULL);

	/* guard = no: everything goes. */
	g.on = 0;
	T_EQ_STR(chk(&g, "127.0.0.1"), NULL);
	T_EQ_STR(chk(&g, "169.254.169.254"), NULL);
	/* The default policy without a config. */
	T_EQ_STR(chk(NULL, "127.0.0.2"), "loopback");
	T_EQ_STR(chk(NULL, "8.8.8.8"), NULL);
	guard_list_free(&l);
	/* guard on, empty list. */
	g.on = 1;
	T_EQ_STR(chk(&g, "127.0.0.2"), "loopback");
}

int
main(void)
{
	RUN(ranges_and_edges);
	RUN(not_ip);
	RUN(messages);
	RUN(cidr_parsing);
	RUN(list_parsing);
	RUN(allow_list_precedence);
	return t_done();
}
