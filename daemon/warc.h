/*
 * warc.h: writing WARC/1.1 files (ISO 28500:2017).  Each record is a gzip
 * member of its own, so any record can be read alone from its offset and
 * length; a file opens with a warcinfo record and is rotated once it
 * reaches its size limit.  Block digests are SHA-256 in base32
 * ("sha256:..."), as the payload digests callers give.
 */
#ifndef WARC_H
#define WARC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct warc;

/* A named header of a record, besides the ones warc_write() adds. */
struct warc_field {
	const char	*name;
	const char	*value;
};

/*
 * A piece of a record's block; the block is the pieces in order.  With
 * file set, the piece is the file's first len bytes (data is not used).
 */
struct warc_part {
	const void	*data;
	size_t		 len;
	FILE		*file;
};

/* Where a record went. */
struct warc_loc {
	char		 file[64];	/* name, in the writer's folder */
	int64_t		 offset;	/* of its gzip member */
	int64_t		 length;	/* of its gzip member */
	char		 id[64];	/* its WARC-Record-ID, <urn:uuid:...> */
};

/*
 * A writer of files named PREFIX-YYYYMMDDhhmmss-NNNNN.warc.gz in dir (made
 * if missing), each closed once it reaches max_bytes.  software goes into
 * each warcinfo record.  NULL with the reason in err on error.
 */
struct warc	*warc_open(const char *dir, const char *prefix,
		    int64_t max_bytes, const char *software, char *err,
		    size_t errlen);
/*
 * Writes one record of type (response, request, revisit, metadata, ...)
 * dated at_ms (wall clock, ms): WARC-Type, WARC-Record-ID, WARC-Date,
 * WARC-Warcinfo-ID, WARC-Block-Digest and Content-Length are added to
 * fields.  Returns 0 and fills loc (may be NULL), or -1 with the reason in
 * err; a record is never half-written into the file (a failed write is cut
 * off again).
 */
int		 warc_write(struct warc *, const char *type, int64_t at_ms,
		    const struct warc_field *fields, size_t nfields,
		    const struct warc_part *parts, size_t nparts,
		    struct warc_loc *loc, char *err, size_t errlen);
/*
 * Appends a record read from another WARC file, its gzip member as it is
 * (len bytes), so that its id and digests stay what they were; the record
 * keeps the WARC-Warcinfo-ID of its first file.  0 or -1 as warc_write.
 */
int		 warc_copy(struct warc *, const void *member, size_t len,
		    int64_t at_ms, struct warc_loc *loc, char *err,
		    size_t errlen);
/*
 * Records written while held go into the current file whatever its size,
 * so that one check's records stay together: 0 takes hold (the next write
 * may still rotate first), 1 holds, -1 lets go.
 */
void		 warc_hold(struct warc *, int);
/* The name of the file being written ("" before the first record). */
const char	*warc_current(const struct warc *);
/* Makes every record written so far durable (fdatasync); 0 or -1. */
int		 warc_sync(struct warc *);
void		 warc_close(struct warc *);

/* "sha256:" + base32 of a 32-byte digest; out holds 64 bytes. */
void		 warc_digest(const unsigned char md[32], char out[64]);
/* A WARC-Date: UTC to the millisecond (WARC 1.1 allows the fraction). */
void		 warc_date(int64_t ms, char out[40]);
/* A new "<urn:uuid:...>" (random, version 4); out holds 64 bytes. */
void		 warc_record_id(char out[64]);

#endif
