/*
 * stamp.h: RFC 3161 trusted timestamps of SHA-256 digests, with OpenSSL's
 * TS API.  Pure functions: no network, no files but an optional CA file,
 * no globals.  The caller sends the request to a TSA over HTTP
 * (Content-Type application/timestamp-query) and hands the answer
 * (application/timestamp-reply) to stamp_reply().
 *
 * What is stored is the TimeStampToken: the CMS ContentInfo (SignedData
 * over a TSTInfo) that carries the TSA's certificate.  It stands on its own:
 * `openssl ts -verify -digest HEX -in token.der -token_in -CAfile ca.pem`
 * checks it without rotwatch.
 *
 * What "the signature verifies" means here, for stamp_reply() and for
 * stamp_verify() without a CA file: the token has exactly one signer; the
 * token carries the signer's certificate; the SignerInfo's signature over
 * the signed attributes verifies with that certificate's public key, and
 * the messageDigest attribute is the digest of the TSTInfo it carries; the
 * ESS signingCertificate(V2) attribute names that very certificate (so the
 * certificate cannot be swapped); the certificate has the critical
 * extendedKeyUsage timeStamping (and no other) that RFC 3161 requires; it
 * was within its validity period at the token's genTime; the unsigned
 * fields of the SignedData are as RFC 5652 and RFC 3161 have them
 * (SignedData version 3, SignerInfo version 1, digest algorithms without
 * parameters, a signature algorithm that fits the key and the digest), so
 * that a single changed byte anywhere in the token is refused, except in
 * a certificate the TSA added beside its own, which only the chain check
 * of a CA file looks at, and only if the chain uses it.  It is NOT
 * checked that anyone trusts that certificate: anybody can make a key and
 * a certificate and sign a token with any time.  That is integrity, not
 * trust.
 *
 * With a CA file, stamp_verify() also builds the chain from the signer
 * (with the certificates in the token as intermediates) up to a
 * certificate of the CA file, checking each signature, that every CA
 * certificate is a CA, the timestamping purpose all along the chain, and
 * each certificate's validity period, all at the token's genTime rather
 * than now: a token stays verifiable after its TSA's certificate has
 * expired, as long-term timestamps must.  Revocation (CRL, OCSP) is not
 * checked.
 */
#ifndef STAMP_H
#define STAMP_H

#include <stddef.h>
#include <stdint.h>

/* A TimeStampReq, ready to POST, and what its reply must echo. */
struct stamp_req {
	unsigned char	*der;		/* the DER TimeStampReq (malloc'd) */
	size_t		 len;
	unsigned char	 md[32];	/* the SHA-256 digest it asks for */
	unsigned char	 nonce[8];	/* its nonce, big-endian */
};

/* What a token says, for display; strings are "" when absent. */
struct stamp_info {
	int64_t		 gen_ms;	/* genTime, Unix time in ms (UTC) */
	char		 tsa[256];	/* the TSTInfo's tsa name, one line */
	char		 signer[256];	/* the signing certificate's subject */
	char		 serial[84];	/* the TSTInfo's serialNumber, hex */
	char		 policy[64];	/* the TSA's policy OID, dotted */
};

/* A granted timestamp. */
struct stamp_token {
	unsigned char	*der;		/* the TimeStampToken (malloc'd) */
	size_t		 len;
	struct stamp_info info;
};

/*
 * A DER TimeStampReq (version 1) for the SHA-256 digest md, which is the
 * messageImprint as it is (it is not hashed again), with a fresh random
 * nonce of 63 bits (the top bit is clear, so the INTEGER takes 8 bytes:
 * some TSAs refuse longer nonces), certReq TRUE, no policy, no
 * extensions.  Returns 0 and fills out (free it with stamp_req_free()), or
 * -1 with the reason in err.
 */
int	stamp_request(const unsigned char md[32], struct stamp_req *out,
	    char *err, size_t errlen);
void	stamp_req_free(struct stamp_req *);

/*
 * Checks a TSA's DER TimeStampResp to the request req, in this order:
 * it parses as exactly one TimeStampResp; its status is granted or
 * grantedWithMods (else the message names the status, the TSA's text and
 * the failure info, e.g. "TSA refused: rejection: \"...\"
 * (unacceptedPolicy)"); the token's TSTInfo is version 1, its
 * messageImprint is SHA-256 of req->md, its nonce is req->nonce; the
 * signature verifies (see above: integrity, not trust).  Returns 0 and
 * fills out (free it with stamp_token_free()), or -1 with the reason in
 * err.  out->der is the token as re-encoded by OpenSSL in DER (i2d).
 */
int	stamp_reply(const unsigned char *der, size_t len,
	    const struct stamp_req *req, struct stamp_token *out, char *err,
	    size_t errlen);
void	stamp_token_free(struct stamp_token *);

/*
 * Checks a stored token against the SHA-256 digest md: it parses as
 * exactly one signed TimeStampToken (no byte after it); its TSTInfo is
 * version 1 with the messageImprint SHA-256 of md; the signature verifies;
 * with ca_file (a PEM file of one or more trusted certificates; NULL:
 * none), the signer chains to one of them with the timestamping purpose,
 * at genTime.  Returns 0 and sets *gen_ms (may be NULL) to genTime, or -1
 * with the reason in err.
 */
int	stamp_verify(const unsigned char *token, size_t len,
	    const unsigned char md[32], const char *ca_file, int64_t *gen_ms,
	    char *err, size_t errlen);

/*
 * What a stored token says (genTime, TSA, serial, policy), for display
 * only: nothing is verified.  0, or -1 with the reason in err if it does
 * not parse as a TimeStampToken.
 */
int	stamp_info(const unsigned char *token, size_t len,
	    struct stamp_info *out, char *err, size_t errlen);

#endif
