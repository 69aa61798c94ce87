/*
 * utf8.c: see utf8.h.  Invalid sequences are replaced as the Unicode
 * standard's "maximal subpart" practice says (one U+FFFD each).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "xmalloc.h"

int
utf8_char(const unsigned char *s, size_t n)
{
	unsigned	c = s[0], lo = 0x80, hi = 0xbf;
	int		len, i;

	if (c < 0x80)
		return 1;
	if (c < 0xc2)
		return -1;
	if (c < 0xe0)
		len = 2;
	else if (c < 0xf0) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c < 0xf5) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return -1;
	for (i = 1; i < len; i++) {
		if ((size_t)i == n)
			return 0;
		if (s[i] < lo || s[i] > hi)
			return -i;
		lo = 0x80;
		hi = 0xbf;
	}
	return len;
}

char *
utf8_repair(const char *str, size_t n)
{
	const unsigned char	*s = (const unsigned char *)str;
	char			*out = NULL;
	size_t			 i = 0, from = 0, o = 0;
	uint64_t		 v;
	int			 r;

	while (i < n) {
		if (s[i] < 0x80) {
			/* eight ASCII bytes at a time */
			if (i + 8 <= n) {
				memcpy(&v, s + i, 8);
				if ((v & 0x8080808080808080ULL) == 0) {
					i += 8;
					continue;
				}
			}
			i++;
			continue;
		}
		if ((r = utf8_char(s + i, n - i)) > 0) {
			i += (size_t)r;
			continue;
		}
		/* Each invalid byte becomes at most three. */
		if (out == NULL)
			out = xmalloc(3 * n + 1);
		memcpy(out + o, str + from, i - from);
		o += i - from;
		memcpy(out + o, UTF8_REPLACEMENT, 3);
		o += 3;
		i += r == 0 ? n - i : (size_t)-r;
		from = i;
	}
	if (out == NULL)
		return NULL;
	memcpy(out + o, str + from, n - from);
	out[o + n - from] = '\0';
	return out;
}

char *
utf8_clean(const char *s)
{
	char *r;

	if (s == NULL)
		return xstrdup("");
	r = utf8_repair(s, strlen(s));
	return r ? r : xstrdup(s);
}

size_t
utf8_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}
