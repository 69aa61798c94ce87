/*
 * warcread.h: reading WARC records back, one gzip member at a time, and
 * checking them: the block digest over the record's block, and for a
 * response its payload digest over the HTTP body.
 */
#ifndef WARCREAD_H
#define WARCREAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define WARCREAD_MAX	((size_t)1 << 31)	/* bytes in one record */

struct warc_rec {
	int64_t		 offset, length;	/* of the gzip member */
	char		*head;		/* the header lines, NUL-terminated */
	unsigned char	*block;		/* Content-Length bytes */
	size_t		 blen;
	unsigned char	*raw;		/* the gzip member as stored */
};

/*
 * The next record of f, read from its current position: 1, 0 at the end
 * of the file, -1 with the reason in err (a damaged member, a record that
 * is not WARC/1.x, a block shorter than its Content-Length).
 */
int		 warcread_next(FILE *, struct warc_rec *, char *err,
		    size_t errlen);
/*
 * The record whose gzip member is at off, len bytes long (len < 0: of
 * whatever length it has); 0 or -1.
 */
int		 warcread_at(const char *path, int64_t off, int64_t len,
		    struct warc_rec *, char *err, size_t errlen);
/*
 * After a damaged member: moves f to the next gzip header after offset
 * from; 1, 0 if there is none, -1 on error.
 */
int		 warcread_resync(FILE *, int64_t from);
void		 warc_rec_free(struct warc_rec *);
/* A header's value (first of that name, case-insensitive), or NULL. */
char		*warc_rec_field(const struct warc_rec *, const char *name,
		    char *buf, size_t len);
/*
 * The SHA-256 of a response's or resource's payload (the HTTP body of an
 * application/http block, else the block): 0, or -1 for other records.
 */
int		 warc_rec_payload(const struct warc_rec *,
		    unsigned char md[32]);
/*
 * Recomputes the block digest, and the payload digest of a response (or
 * a resource); 0, or -1 with what does not match in why.
 */
int		 warc_rec_verify(const struct warc_rec *, char *why,
		    size_t whylen);

#endif
