/*
 * fuzz_text.c: text extraction from HTML or plain text, fed in chunks
 * whose sizes the input chooses (as a transfer delivers them), then the
 * volatile-part scanner, hash and sketch.  Properties: the same document
 * whatever the chunking; text is NUL-terminated at len, its words within
 * its length, no host list over 32.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct text_doc *
parse(enum text_kind kind, const uint8_t *d, size_t n, size_t step)
{
	struct text_parser *p = text_parser_new(kind, 1 << 16);

	for (size_t o = 0; o < n; o += step)
		text_parser_feed(p, (const char *)d + o, n - o < step ? n - o :
		    step);
	return text_parser_finish(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct text_doc		*a, *b;
	struct text_rules	*rules;
	struct text_sketch	 sk;
	enum text_kind		 kind;
	char			*st, hash[65];
	size_t			 step;

	if (size < 2)
		return 0;
	kind = data[0] & 1 ? TEXT_HTML : TEXT_PLAIN;
	step = (size_t)data[1] % 64 + 1;
	data += 2;
	size -= 2;
	a = parse(kind, data, size, size ? size : 1);
	b = parse(kind, data, size, step);
	if (a->len != strlen(a->text) || a->words > a->len + 1 ||
	    a->nhosts > 32 || a->nres > a->nhosts)
		abort();
	if (strcmp(a->text, b->text) != 0 || strcmp(a->title, b->title) != 0)
		abort();		/* chunking changed the document */
	rules = text_rules_new();
	st = text_stable(rules, a->text, a->len);
	text_hash(rules, a->title, a->text, a->len, hash);
	text_sketch(a->text, a->len, &sk);
	if (text_similarity(&sk, &sk) != 1.0)
		abort();
	free(st);
	text_rules_free(rules);
	text_doc_free(a);
	text_doc_free(b);
	return 0;
}
