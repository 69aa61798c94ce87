/*
 * fuzz_spn.c: reading the archive's JSON answers (Save Page Now 2 submit
 * and status, the user's status, CDX).  Properties: a job has a non-empty
 * id, a success a 14-digit timestamp, a CDX capture a timestamp and an
 * original URL; an error code the archive has not published reads as
 * "retry later", never as a permanent failure.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "spnread.h"
#include "xmalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char			*body = xmalloc(size + 1), ts[32], *orig, *code;
	struct spn_reply	 r;
	struct spn_user		 u;
	int			 n;

	memcpy(body, data, size);
	body[size] = '\0';
	spn_read_submit(body, &r);
	if (r.kind == SPN_R_JOB && (r.job_id == NULL || *r.job_id == '\0'))
		abort();
	if (r.kind == SPN_R_ERROR)
		(void)spn_classify(r.status_ext);
	spn_reply_clear(&r);
	spn_read_status(body, &r);
	if (r.kind == SPN_R_SUCCESS && !spn_ts_ok(r.timestamp))
		abort();
	spn_reply_clear(&r);
	(void)spn_read_user(body, &u);
	n = spn_read_cdx(body, ts, sizeof(ts), &orig);
	if (n == 1 && (!spn_ts_ok(ts) || orig == NULL))
		abort();
	if (n != 1 && orig != NULL)
		abort();
	free(orig);
	/* An unpublished code: never permanent, never a quota. */
	code = xasprintf("error:zz-%s", body);
	if (spn_classify(code) != SPN_RETRY)
		abort();
	free(code);
	free(body);
	return 0;
}
