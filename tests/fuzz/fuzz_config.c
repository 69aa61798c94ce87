/*
 * fuzz_config.c: the configuration parser.  Properties: a file it accepts
 * prints (config-check's dump) as a file it accepts again, once the
 * secrets the dump leaves out are put back, and that prints the same; a
 * file it refuses says why with FILE:LINE.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "xmalloc.h"

/* The same length: the line is replaced in place. */
#define SECRET_NOTE	"; secret: set (not shown)"
#define SECRET_LINE	"secret = xxxxxxxxxxxxxxxx"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char *
dump(const struct config *cf, size_t *len)
{
	char	*s = NULL;
	FILE	*f = open_memstream(&s, len);

	config_dump(cf, f);
	fclose(f);
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE		*in, *err;
	struct config	*cf, *cf2;
	char		*e = NULL, *d1, *d2, *back;
	size_t		 elen = 0, l1, l2;

	if (size == 0 || (in = fmemopen((void *)(uintptr_t)data, size,
	    "r")) == NULL)
		return 0;
	err = open_memstream(&e, &elen);
	cf = config_read(in, "/fuzz/rotwatch.conf", err);
	fclose(in);
	fclose(err);
	if (cf == NULL) {
		if (strncmp(e, "/fuzz/rotwatch.conf:", 20) != 0)
			abort();	/* an error that does not say where */
		free(e);
		return 0;
	}
	free(e);
	d1 = dump(cf, &l1);
	/*
	 * A relative path is printed resolved, so a line at the longest a
	 * file may have (inih: 198 characters) can come out longer: such a
	 * dump is not read back.  Known, and said by the error if tried.
	 */
	for (char *p = d1, *nl; *p; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p) - 1;
		if (nl - p > 198) {
			free(d1);
			config_free(cf);
			return 0;
		}
	}
	/* Webhooks need a secret: the dump says one was set. */
	back = xstrdup(d1);
	for (char *p = back; (p = strstr(p, "\n" SECRET_NOTE "\n")) != NULL;
	    p++)
		memcpy(p + 1, SECRET_LINE, strlen(SECRET_NOTE));
	in = fmemopen(back, strlen(back), "r");
	err = fopen("/dev/null", "w");
	cf2 = config_read(in, "/fuzz/rotwatch.conf", err);
	fclose(in);
	fclose(err);
	if (cf2 == NULL)
		abort();		/* its own dump refused */
	d2 = dump(cf2, &l2);
	if (l1 != l2 || memcmp(d1, d2, l1) != 0)
		abort();		/* the dump does not round-trip */
	free(d1);
	free(d2);
	free(back);
	config_free(cf);
	config_free(cf2);
	return 0;
}
