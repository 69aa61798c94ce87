/*
 * tlsinfo.h: the certificate chain a server presented, as evidence: for
 * each certificate, leaf first, its subject, issuer, validity and the
 * SHA-256 of its DER encoding (the fingerprint browsers show), and the DER
 * itself.  Read from libcurl's CURLINFO_CERTINFO.
 */
#ifndef TLSINFO_H
#define TLSINFO_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

struct tls_cert {
	char		 sha256[65];	/* hex, lowercase, of the DER */
	char		*subject;	/* RFC 2253 */
	char		*issuer;
	int64_t		 not_before;	/* ms since the epoch */
	int64_t		 not_after;
	unsigned char	*der;
	size_t		 derlen;
};

struct tls_chain {
	size_t		 n;
	struct tls_cert	*certs;		/* leaf first */
};

/*
 * The chain of a finished https transfer made with CURLOPT_CERTINFO, or
 * NULL when there is none (plain http, a failed handshake, a connection
 * reused from an earlier transfer: curl gives its chain only once).
 */
struct tls_chain	*tlsinfo_get(CURL *);
/* One certificate from PEM text; 0, or -1 if it is not one. */
int			 tlsinfo_pem(const char *pem, size_t len,
			    struct tls_cert *);
struct tls_chain	*tls_chain_dup(const struct tls_chain *);
void			 tls_chain_free(struct tls_chain *);

#endif
