/*
 * fuzz_warc.c: reading WARC files back (warcread.c), as `rotwatch verify`
 * does with a bundle someone hands over.  Properties: every record read
 * has a WARC/1.x head, a block of its Content-Length and a member of some
 * length; reading always moves forward (a damaged member is skipped by
 * resync, never read again), so any input ends.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warcread.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE		*f;
	struct warc_rec	 r;
	char		 err[512], why[512], buf[256];
	unsigned char	 md[32];
	int64_t		 last = -1;
	int		 rc;

	if (size == 0 || (f = fmemopen((void *)(uintptr_t)data, size,
	    "rb")) == NULL)
		return 0;
	for (;;) {
		rc = warcread_next(f, &r, err, sizeof(err));
		if (rc == 0)
			break;
		if (r.offset <= last)
			abort();		/* not moving forward */
		last = r.offset;
		if (rc == -1) {
			if (warcread_resync(f, r.offset + 1) != 1)
				break;
			continue;
		}
		if (r.length <= 0 || strncmp(r.head, "WARC/1.", 7) != 0 ||
		    warc_rec_field(&r, "Content-Length", buf, sizeof(buf)) ==
		    NULL || (size_t)atoll(buf) != r.blen)
			abort();
		(void)warc_rec_verify(&r, why, sizeof(why));
		(void)warc_rec_payload(&r, md);
		(void)warc_rec_field(&r, "WARC-Type", buf, sizeof(buf));
		warc_rec_free(&r);
	}
	fclose(f);
	return 0;
}
