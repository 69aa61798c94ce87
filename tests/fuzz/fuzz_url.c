/*
 * fuzz_url.c: URL normalisation.  Properties: a URL it accepts comes out
 * with a host, no longer than URL_MAX_LEN, normalises to itself again,
 * and parses with curl's URL parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "url.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*out = NULL, *host = NULL, *out2 = NULL, *host2 = NULL;
	CURLU	*u;

	if (url_normalize((const char *)data, size, &out, &host) != URL_OK) {
		if (out || host)
			abort();	/* nothing handed back on failure */
		return 0;
	}
	if (out == NULL || host == NULL || *host == '\0' ||
	    strlen(out) > URL_MAX_LEN)
		abort();
	if (url_normalize(out, strlen(out), &out2, &host2) != URL_OK ||
	    strcmp(out, out2) != 0 || strcmp(host, host2) != 0)
		abort();		/* not idempotent */
	u = curl_url();
	if (curl_url_set(u, CURLUPART_URL, out, 0) != CURLUE_OK)
		abort();
	curl_url_cleanup(u);
	free(out);
	free(host);
	free(out2);
	free(host2);
	return 0;
}
