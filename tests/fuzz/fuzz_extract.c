/*
 * fuzz_extract.c: finding the URLs of a citation list (HTML, Markdown,
 * plain text; the first byte picks the format).  Properties: every URL
 * found is normalised (normalises to itself), every line number is within
 * the input, every rejected candidate has a reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "url.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum extract_format fmts[] = { EXTRACT_AUTO,
	    EXTRACT_HTML, EXTRACT_MARKDOWN, EXTRACT_TEXT };
	struct extract_result	 res;
	size_t			 lines = 1;

	if (size < 1)
		return 0;
	for (size_t i = 1; i < size; i++)
		lines += data[i] == '\n' || data[i] == '\r';
	memset(&res, 0, sizeof(res));
	if (extract_buffer((const char *)data + 1, size - 1, fmts[data[0] % 4],
	    &res) == 0) {
		for (size_t i = 0; i < res.nitems; i++) {
			const char	*u = res.items[i].url;
			char		*o = NULL, *h = NULL;

			if (url_normalize(u, strlen(u), &o, &h) != URL_OK ||
			    strcmp(o, u) != 0)
				abort();
			if (res.items[i].line < 1 || res.items[i].line > lines)
				abort();
			free(o);
			free(h);
		}
		for (size_t i = 0; i < res.nrejects; i++)
			if (res.rejects[i].why == URL_OK ||
			    res.rejects[i].line > lines)
				abort();
	}
	extract_result_free(&res);
	return 0;
}
