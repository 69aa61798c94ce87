/*
 * xmalloc.h: allocation helpers that never return NULL.  On failure they
 * print "rotwatch: out of memory" to stderr and abort().  Memory they return
 * is owned by the caller and released with free().
 */
#ifndef XMALLOC_H
#define XMALLOC_H

#include <stddef.h>

/* malloc(n); a request of 0 bytes still returns a unique pointer. */
void	*xmalloc(size_t n);

/* calloc(nmemb, size), with the product checked for overflow. */
void	*xcalloc(size_t nmemb, size_t size);

/* realloc(p, n); p may be NULL.  The old pointer is invalid afterwards. */
void	*xrealloc(void *p, size_t n);

/* Copy of the NUL-terminated string s. */
char	*xstrdup(const char *s);

/* Copy of at most n bytes of s, always NUL-terminated. */
char	*xstrndup(const char *s, size_t n);

/* Newly allocated string formatted as by printf(3). */
char	*xasprintf(const char *fmt, ...)
	    __attribute__((__format__(__printf__, 1, 2)));

#endif
