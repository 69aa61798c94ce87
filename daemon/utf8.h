/*
 * utf8.h: UTF-8 checks and repair, for everything that ends up in JSON,
 * XML or mail, where one invalid byte spoils the whole document.
 */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>

#define UTF8_REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD */

/*
 * The length of the valid character at s[0..n); 0 if s is a valid but
 * unfinished start of one; -k if s[0..k) is an invalid maximal subpart
 * (one U+FFFD replaces it).  n > 0.
 */
int	 utf8_char(const unsigned char *s, size_t n);
/* A valid UTF-8 copy of s[0..n) (U+FFFD for what is not), or NULL if
 * s[0..n) is valid already. */
char	*utf8_repair(const char *s, size_t n);
/* A valid UTF-8 copy of the string s (malloc'd; "" for NULL). */
char	*utf8_clean(const char *s);
/* The length of s cut to at most max bytes, not inside a character. */
size_t	 utf8_cut(const char *s, size_t max);

#endif
