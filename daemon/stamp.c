/*
 * stamp.c: see stamp.h.  OpenSSL's TS API does the signature work
 * (TS_RESP_verify_response/TS_RESP_verify_token, which also check the ESS
 * signingCertificate attribute and the timestamping purpose); the imprint,
 * the nonce and the status are also checked here first, so that a refusal
 * says which one failed in words rather than as an OpenSSL error code.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "stamp.h"
#include "xmalloc.h"

static void	seterr(char *, size_t, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Bytes from a TSA or a certificate, made safe for one line of a log or a
 * terminal: control bytes become '?'; quotes are left alone.
 */
static void
clean(char *dst, size_t n, const char *src, size_t len)
{
	size_t	o = 0;

	if (n == 0)
		return;
	for (size_t i = 0; i < len && o + 1 < n; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	dst[o] = '\0';
}

/*
 * what, then the reasons OpenSSL queued (with their detail, such as the
 * certificate verify error), into err; the queue is emptied.
 */
static void
ossl_err(char *err, size_t errlen, const char *what)
{
	char		 buf[512];
	const char	*data, *reason;
	unsigned long	 e;
	size_t		 o;
	int		 flags;

	snprintf(buf, sizeof(buf), "%s", what);
	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
		o = strlen(buf);
		reason = ERR_reason_error_string(e);
		if (reason == NULL)
			reason = "unknown OpenSSL error";
		if (flags & ERR_TXT_STRING && data != NULL && *data != '\0')
			snprintf(buf + o, sizeof(buf) - o, ": %s (%s)", reason,
			    data);
		else
			snprintf(buf + o, sizeof(buf) - o, ": %s", reason);
	}
	seterr(err, errlen, "%s", buf);
}

/* The text a BIO collected, cleaned, into dst. */
static void
bio_text(BIO *b, char *dst, size_t n)
{
	char	*p;
	long	 len;

	len = BIO_get_mem_data(b, &p);
	clean(dst, n, p, len > 0 ? (size_t)len : 0);
}

/*
 * A GeneralizedTime as Unix ms.  RFC 3161 asks for "YYYYMMDDhhmmss[.s...]Z";
 * ASN1_TIME_to_tm() gives the whole seconds (it accepts and drops the
 * fraction), the milliseconds are read here.  0, or -1 if it is not a
 * valid time.
 */
static int
gen_time_ms(const ASN1_GENERALIZEDTIME *t, int64_t *ms)
{
	const unsigned char	*d;
	struct tm		 tm;
	int64_t			 frac = 0;
	int			 len, i, digits = 0;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	d = ASN1_STRING_get0_data(t);
	len = ASN1_STRING_length(t);
	if (len > 15 && d[14] == '.')
		for (i = 15; i < len && d[i] >= '0' && d[i] <= '9'; i++)
			if (digits < 3) {
				frac = frac * 10 + (d[i] - '0');
				digits++;
			}
	for (; digits < 3; digits++)
		frac *= 10;
	*ms = (int64_t)timegm(&tm) * 1000 + frac;
	return 0;
}

/* A name for display: the one line RFC 2253 form of a DN, else as printed. */
static void
name_text(GENERAL_NAME *gn, const X509_NAME *dn, char *dst, size_t n)
{
	BIO	*b;

	dst[0] = '\0';
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return;
	if (gn != NULL && gn->type == GEN_DIRNAME)
		dn = gn->d.directoryName;
	if (dn != NULL)
		X509_NAME_print_ex(b, dn, 0, XN_FLAG_RFC2253);
	else if (gn != NULL)
		GENERAL_NAME_print(b, gn);
	bio_text(b, dst, n);
	BIO_free(b);
}

/* The certificate that signed token, found among those it carries. */
static X509 *
signer_cert(PKCS7 *token)
{
	STACK_OF(X509)	*s;
	X509		*x = NULL;

	/* Only the token's own certificates are searched (certs NULL). */
	s = PKCS7_get0_signers(token, NULL, 0);
	if (s != NULL && sk_X509_num(s) == 1)
		x = sk_X509_value(s, 0);
	sk_X509_free(s);
	ERR_clear_error();
	return x;
}

static void
fill_info(PKCS7 *token, TS_TST_INFO *tst, struct stamp_info *out)
{
	const ASN1_INTEGER	*serial;
	BIGNUM			*bn;
	char			*hex;
	X509			*x;

	memset(out, 0, sizeof(*out));
	gen_time_ms(TS_TST_INFO_get_time(tst), &out->gen_ms);
	if (TS_TST_INFO_get_tsa(tst) != NULL)
		name_text(TS_TST_INFO_get_tsa(tst), NULL, out->tsa,
		    sizeof(out->tsa));
	if ((x = signer_cert(token)) != NULL)
		name_text(NULL, X509_get_subject_name(x), out->signer,
		    sizeof(out->signer));
	serial = TS_TST_INFO_get_serial(tst);
	if (serial != NULL && (bn = ASN1_INTEGER_to_BN(serial, NULL)) != NULL) {
		if ((hex = BN_bn2hex(bn)) != NULL) {
			clean(out->serial, sizeof(out->serial), hex,
			    strlen(hex));
			OPENSSL_free(hex);
		}
		BN_free(bn);
	}
	if (TS_TST_INFO_get_policy_id(tst) != NULL)
		OBJ_obj2txt(out->policy, sizeof(out->policy),
		    TS_TST_INFO_get_policy_id(tst), 1);
}

/*
 * The token in der, which must be all of it, and its TSTInfo.  0, or -1
 * with the reason.
 */
static int
parse_token(const unsigned char *der, size_t len, PKCS7 **p7,
    TS_TST_INFO **tst, char *err, size_t errlen)
{
	const unsigned char	*p = der;

	*p7 = NULL;
	*tst = NULL;
	if (der == NULL || len == 0 || len > LONG_MAX) {
		seterr(err, errlen, "timestamp token: empty");
		return -1;
	}
	if ((*p7 = d2i_PKCS7(NULL, &p, (long)len)) == NULL) {
		ossl_err(err, errlen, "timestamp token: not DER CMS");
		return -1;
	}
	if (p != der + len) {
		seterr(err, errlen, "timestamp token: %zu bytes after its end",
		    len - (size_t)(p - der));
		goto fail;
	}
	/* Checks the SignedData and the id-smime-ct-TSTInfo content type. */
	if ((*tst = PKCS7_to_TS_TST_INFO(*p7)) == NULL) {
		ossl_err(err, errlen, "timestamp token: not a TimeStampToken");
		goto fail;
	}
	return 0;
fail:
	PKCS7_free(*p7);
	*p7 = NULL;
	return -1;
}

/*
 * The TSTInfo against what was asked: version, SHA-256 imprint of md, and
 * (unless nonce is NULL) the nonce.  0, or -1 with the reason.
 */
static int
check_tst(TS_TST_INFO *tst, const unsigned char md[32],
    const unsigned char *nonce, char *err, size_t errlen)
{
	TS_MSG_IMPRINT		*mi = TS_TST_INFO_get_msg_imprint(tst);
	X509_ALGOR		*alg;
	ASN1_OCTET_STRING	*msg;
	const ASN1_INTEGER	*got;
	ASN1_INTEGER		*want;
	BIGNUM			*bn;
	const ASN1_OBJECT	*oid;
	int			 ptype, same;

	if (TS_TST_INFO_get_version(tst) != 1) {
		seterr(err, errlen, "timestamp: TSTInfo version %ld, not 1",
		    TS_TST_INFO_get_version(tst));
		return -1;
	}
	alg = TS_MSG_IMPRINT_get_algo(mi);
	msg = TS_MSG_IMPRINT_get_msg(mi);
	X509_ALGOR_get0(&oid, &ptype, NULL, alg);
	if (OBJ_obj2nid(oid) != NID_sha256) {
		char name[80];

		OBJ_obj2txt(name, sizeof(name), oid, 0);
		seterr(err, errlen, "timestamp: the imprint is %s, not sha256",
		    name);
		return -1;
	}
	/* RFC 5754: absent or NULL parameters, nothing else. */
	if (ptype != V_ASN1_UNDEF && ptype != V_ASN1_NULL) {
		seterr(err, errlen, "timestamp: the imprint's algorithm has "
		    "parameters");
		return -1;
	}
	if (ASN1_STRING_length(msg) != 32 ||
	    memcmp(ASN1_STRING_get0_data(msg), md, 32) != 0) {
		seterr(err, errlen, "timestamp: the imprint is not the digest "
		    "(the token stamps other data)");
		return -1;
	}
	if (nonce == NULL)
		return 0;
	if ((got = TS_TST_INFO_get_nonce(tst)) == NULL) {
		seterr(err, errlen, "timestamp: the reply has no nonce");
		return -1;
	}
	bn = BN_bin2bn(nonce, 8, NULL);
	want = bn != NULL ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
	BN_free(bn);
	if (want == NULL) {
		ossl_err(err, errlen, "timestamp: the nonce");
		return -1;
	}
	same = ASN1_INTEGER_cmp(got, want) == 0;
	ASN1_INTEGER_free(want);
	if (!same) {
		seterr(err, errlen, "timestamp: the nonce is not the request's "
		    "(a reply to another request)");
		return -1;
	}
	return 0;
}

/* An AlgorithmIdentifier's parameters are absent or NULL. */
static int
no_params(const X509_ALGOR *a)
{
	int	ptype;

	X509_ALGOR_get0(NULL, &ptype, NULL, a);
	return ptype == V_ASN1_UNDEF || ptype == V_ASN1_NULL;
}

/*
 * The SignedData fields that no signature covers and OpenSSL does not
 * look at, held to what RFC 5652 and RFC 3161 ask, so that a changed byte
 * there is refused too: SignedData version 3 (the content is not id-data),
 * SignerInfo version 1 (issuerAndSerialNumber: all OpenSSL's PKCS7 reads),
 * digest algorithms without parameters, and a signature algorithm that
 * fits the signer's key and the digest.  0, or -1 with the reason.
 */
static int
check_form(PKCS7 *token, X509 *signer, char *err, size_t errlen)
{
	PKCS7_SIGNED		*sd = token->d.sign;
	PKCS7_SIGNER_INFO	*si;
	const ASN1_OBJECT	*oid;
	EVP_PKEY		*pk;
	int			 nid, mdnid = NID_undef, pknid, base;

	if (ASN1_INTEGER_get(sd->version) != 3) {
		seterr(err, errlen, "timestamp token: SignedData version %ld, "
		    "not 3", ASN1_INTEGER_get(sd->version));
		return -1;
	}
	for (int i = 0; i < sk_X509_ALGOR_num(sd->md_algs); i++)
		if (!no_params(sk_X509_ALGOR_value(sd->md_algs, i))) {
			seterr(err, errlen, "timestamp token: a digest "
			    "algorithm with parameters");
			return -1;
		}
	/* signer_cert() found exactly one SignerInfo */
	si = sk_PKCS7_SIGNER_INFO_value(sd->signer_info, 0);
	if (ASN1_INTEGER_get(si->version) != 1) {
		seterr(err, errlen, "timestamp token: SignerInfo version %ld, "
		    "not 1", ASN1_INTEGER_get(si->version));
		return -1;
	}
	if (!no_params(si->digest_alg)) {
		seterr(err, errlen, "timestamp token: the signer's digest "
		    "algorithm has parameters");
		return -1;
	}
	X509_ALGOR_get0(&oid, NULL, NULL, si->digest_enc_alg);
	nid = pknid = OBJ_obj2nid(oid);
	if (OBJ_find_sigid_algs(nid, &mdnid, &pknid) != 1)
		mdnid = NID_undef;	/* a bare key algorithm */
	pk = X509_get0_pubkey(signer);
	base = pk != NULL ? EVP_PKEY_get_base_id(pk) : NID_undef;
	if (nid == NID_undef || (pknid != base && !(pknid == NID_rsassaPss &&
	    (base == EVP_PKEY_RSA || base == EVP_PKEY_RSA_PSS))) ||
	    (mdnid != NID_undef &&
	    mdnid != OBJ_obj2nid(si->digest_alg->algorithm)) ||
	    (pknid != NID_rsassaPss && !no_params(si->digest_enc_alg))) {
		seterr(err, errlen, "timestamp token: the signature algorithm "
		    "does not fit the signer's key and digest");
		return -1;
	}
	return 0;
}

/*
 * Readies ctx for the signature check of token (whose genTime is gen_ms):
 * the certificates in the token as intermediates, and a store of the CA
 * file's certificates or, without one, of the signer's own certificate,
 * trusted as it is (X509_V_FLAG_PARTIAL_CHAIN): OpenSSL's TS check insists
 * on a store, and this way it still checks the signature, the ESS
 * signingCertificate attribute, the timestamping purpose and the validity
 * period without trusting anything beyond the certificate the token
 * carries.  Validity is checked at genTime, not now.  0, or -1 with the
 * reason.
 */
static int
ready_ctx(TS_VERIFY_CTX *ctx, PKCS7 *token, int64_t gen_ms,
    const char *ca_file, char *err, size_t errlen)
{
	X509_STORE	*store;
	STACK_OF(X509)	*certs = NULL;
	X509		*signer;

	if (!PKCS7_type_is_signed(token) || token->d.sign == NULL) {
		seterr(err, errlen, "timestamp token: not SignedData");
		return -1;
	}
	if ((signer = signer_cert(token)) == NULL) {
		seterr(err, errlen, "timestamp token: it does not carry the "
		    "TSA's certificate (or has not exactly one signer)");
		return -1;
	}
	if (check_form(token, signer, err, errlen) == -1)
		return -1;
	if ((store = X509_STORE_new()) == NULL) {
		ossl_err(err, errlen, "timestamp");
		return -1;
	}
	TS_VERIFY_CTX_set_store(ctx, store);	/* ctx owns it now */
	if (ca_file != NULL) {
		FILE *f;

		/* errno says it better than OpenSSL's "system lib" */
		if ((f = fopen(ca_file, "r")) == NULL) {
			seterr(err, errlen, "CA file %s: %s", ca_file,
			    strerror(errno));
			return -1;
		}
		fclose(f);
		if (X509_STORE_load_file(store, ca_file) != 1) {
			char what[300];

			snprintf(what, sizeof(what), "CA file %s", ca_file);
			ossl_err(err, errlen, what);
			return -1;
		}
	} else {
		if (X509_STORE_add_cert(store, signer) != 1) {
			ossl_err(err, errlen, "timestamp");
			return -1;
		}
		X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
	}
	X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store),
	    (time_t)(gen_ms / 1000));
	/*
	 * OpenSSL 3.0 looks for intermediates in ctx's certificates only:
	 * give it those of the token (a copy: ctx frees them).
	 */
	if (token->d.sign->cert != NULL &&
	    (certs = X509_chain_up_ref(token->d.sign->cert)) == NULL) {
		ossl_err(err, errlen, "timestamp");
		return -1;
	}
	TS_VERIFY_CTX_set_certs(ctx, certs);
	return 0;
}

int
stamp_request(const unsigned char md[32], struct stamp_req *out, char *err,
    size_t errlen)
{
	TS_REQ		*req = NULL;
	TS_MSG_IMPRINT	*mi = NULL;
	X509_ALGOR	*alg = NULL;
	ASN1_INTEGER	*nonce = NULL;
	BIGNUM		*bn = NULL;
	unsigned char	*p;
	int		 n, rc = -1;

	memset(out, 0, sizeof(*out));
	ERR_clear_error();
	memcpy(out->md, md, 32);
	if (RAND_bytes(out->nonce, sizeof(out->nonce)) != 1) {
		ossl_err(err, errlen, "timestamp request: no random nonce");
		return -1;
	}
	/* 63 bits: the INTEGER fits in 8 bytes, no leading zero needed. */
	out->nonce[0] &= 0x7f;
	if ((req = TS_REQ_new()) == NULL || (mi = TS_MSG_IMPRINT_new()) ==
	    NULL || (alg = X509_ALGOR_new()) == NULL ||
	    (bn = BN_bin2bn(out->nonce, 8, NULL)) == NULL ||
	    (nonce = BN_to_ASN1_INTEGER(bn, NULL)) == NULL)
		goto fail;
	/*
	 * sha256 with NULL parameters, as `openssl ts -query` and most
	 * clients send it; RFC 5754 has verifiers accept NULL or absent.
	 */
	if (X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) !=
	    1 || TS_MSG_IMPRINT_set_algo(mi, alg) != 1 ||
	    TS_MSG_IMPRINT_set_msg(mi, out->md, 32) != 1 ||
	    TS_REQ_set_version(req, 1) != 1 ||
	    TS_REQ_set_msg_imprint(req, mi) != 1 ||
	    TS_REQ_set_nonce(req, nonce) != 1 ||
	    TS_REQ_set_cert_req(req, 1) != 1)
		goto fail;
	if ((n = i2d_TS_REQ(req, NULL)) <= 0)
		goto fail;
	out->der = p = xmalloc((size_t)n);
	if (i2d_TS_REQ(req, &p) != n)
		goto fail;
	out->len = (size_t)n;
	rc = 0;
fail:
	if (rc == -1) {
		ossl_err(err, errlen, "timestamp request");
		stamp_req_free(out);
	}
	TS_REQ_free(req);
	TS_MSG_IMPRINT_free(mi);	/* the setters copied them */
	X509_ALGOR_free(alg);
	ASN1_INTEGER_free(nonce);
	BN_free(bn);
	return rc;
}

void
stamp_req_free(struct stamp_req *r)
{
	if (r == NULL)
		return;
	free(r->der);
	r->der = NULL;
	r->len = 0;
}

/* PKIStatus values (RFC 3161 2.4.2), indexed by their value. */
static const char *const statuses[] = {
	"granted", "grantedWithMods", "rejection", "waiting",
	"revocationWarning", "revocationNotification"
};

/* PKIFailureInfo bits. */
static const struct {
	int		 bit;
	const char	*name;
} failures[] = {
	{ TS_INFO_BAD_ALG, "badAlg" },
	{ TS_INFO_BAD_REQUEST, "badRequest" },
	{ TS_INFO_BAD_DATA_FORMAT, "badDataFormat" },
	{ TS_INFO_TIME_NOT_AVAILABLE, "timeNotAvailable" },
	{ TS_INFO_UNACCEPTED_POLICY, "unacceptedPolicy" },
	{ TS_INFO_UNACCEPTED_EXTENSION, "unacceptedExtension" },
	{ TS_INFO_ADD_INFO_NOT_AVAILABLE, "addInfoNotAvailable" },
	{ TS_INFO_SYSTEM_FAILURE, "systemFailure" },
};

/*
 * The status of a reply: 0 if granted (with or without modifications),
 * else -1 with "TSA refused: STATUS: "TEXT" (FAILURES)" in err.
 */
static int
check_status(TS_RESP *resp, char *err, size_t errlen)
{
	TS_STATUS_INFO			*si = TS_RESP_get_status_info(resp);
	const STACK_OF(ASN1_UTF8STRING)	*text;
	const ASN1_BIT_STRING		*fi;
	const ASN1_UTF8STRING		*s;
	char				 msg[512], line[256], st[32];
	size_t				 o;
	long				 v;
	int				 first = 1;

	v = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si));
	if (v == TS_STATUS_GRANTED || v == TS_STATUS_GRANTED_WITH_MODS)
		return 0;
	if (v >= 0 && v < (long)(sizeof(statuses) / sizeof(statuses[0])))
		snprintf(st, sizeof(st), "%s", statuses[v]);
	else
		snprintf(st, sizeof(st), "status %ld", v);
	snprintf(msg, sizeof(msg), "TSA refused: %s", st);
	text = TS_STATUS_INFO_get0_text(si);
	for (int i = 0; i < sk_ASN1_UTF8STRING_num(text); i++) {
		s = sk_ASN1_UTF8STRING_value(text, i);
		clean(line, sizeof(line), (const char *)ASN1_STRING_get0_data(s),
		    (size_t)ASN1_STRING_length(s));
		o = strlen(msg);
		snprintf(msg + o, sizeof(msg) - o, "%s\"%s\"",
		    i == 0 ? ": " : ", ", line);
	}
	if ((fi = TS_STATUS_INFO_get0_failure_info(si)) != NULL) {
		for (size_t i = 0; i < sizeof(failures) / sizeof(failures[0]);
		    i++) {
			if (!ASN1_BIT_STRING_get_bit(fi, failures[i].bit))
				continue;
			o = strlen(msg);
			snprintf(msg + o, sizeof(msg) - o, "%s%s",
			    first ? " (" : ", ", failures[i].name);
			first = 0;
		}
		if (!first) {
			o = strlen(msg);
			snprintf(msg + o, sizeof(msg) - o, ")");
		}
	}
	seterr(err, errlen, "%s", msg);
	return -1;
}

int
stamp_reply(const unsigned char *der, size_t len, const struct stamp_req *req,
    struct stamp_token *out, char *err, size_t errlen)
{
	const unsigned char	*p = der;
	TS_RESP			*resp = NULL;
	TS_REQ			*treq = NULL;
	TS_VERIFY_CTX		*ctx = NULL;
	PKCS7			*token;
	TS_TST_INFO		*tst;
	unsigned char		*q;
	int64_t			 gen_ms;
	int			 n, rc = -1;

	memset(out, 0, sizeof(*out));
	ERR_clear_error();
	if (der == NULL || len == 0 || len > LONG_MAX) {
		seterr(err, errlen, "TSA reply: empty");
		return -1;
	}
	/*
	 * OpenSSL's decoder also refuses a granted reply without a token
	 * and a refused one with a token.
	 */
	if ((resp = d2i_TS_RESP(NULL, &p, (long)len)) == NULL) {
		ossl_err(err, errlen, "TSA reply: not a TimeStampResp");
		goto done;
	}
	if (p != der + len) {
		seterr(err, errlen, "TSA reply: %zu bytes after the "
		    "TimeStampResp", len - (size_t)(p - der));
		goto done;
	}
	if (check_status(resp, err, errlen) == -1)
		goto done;
	token = TS_RESP_get_token(resp);
	tst = TS_RESP_get_tst_info(resp);
	if (token == NULL || tst == NULL) {
		seterr(err, errlen, "TSA reply: granted, but no token");
		goto done;
	}
	if (check_tst(tst, req->md, req->nonce, err, errlen) == -1)
		goto done;
	if (gen_time_ms(TS_TST_INFO_get_time(tst), &gen_ms) == -1) {
		seterr(err, errlen, "timestamp: genTime is not a time");
		goto done;
	}
	/*
	 * The request's own terms (version, imprint, nonce) for OpenSSL's
	 * check too, plus the signature.
	 */
	p = req->der;
	if (req->der == NULL || req->len > LONG_MAX ||
	    (treq = d2i_TS_REQ(NULL, &p, (long)req->len)) == NULL ||
	    (ctx = TS_REQ_to_TS_VERIFY_CTX(treq, NULL)) == NULL) {
		ossl_err(err, errlen, "timestamp request");
		goto done;
	}
	TS_VERIFY_CTX_add_flags(ctx, TS_VFY_SIGNATURE);
	if (ready_ctx(ctx, token, gen_ms, NULL, err, errlen) == -1)
		goto done;
	if (TS_RESP_verify_response(ctx, resp) != 1) {
		ossl_err(err, errlen, "timestamp: the token does not verify");
		goto done;
	}
	if ((n = i2d_PKCS7(token, NULL)) <= 0) {
		ossl_err(err, errlen, "timestamp token");
		goto done;
	}
	out->der = q = xmalloc((size_t)n);
	if (i2d_PKCS7(token, &q) != n) {
		ossl_err(err, errlen, "timestamp token");
		stamp_token_free(out);
		goto done;
	}
	out->len = (size_t)n;
	fill_info(token, tst, &out->info);
	rc = 0;
done:
	TS_VERIFY_CTX_free(ctx);
	TS_REQ_free(treq);
	TS_RESP_free(resp);
	ERR_clear_error();
	return rc;
}

void
stamp_token_free(struct stamp_token *t)
{
	if (t == NULL)
		return;
	free(t->der);
	t->der = NULL;
	t->len = 0;
}

int
stamp_verify(const unsigned char *token, size_t len,
    const unsigned char md[32], const char *ca_file, int64_t *gen_ms,
    char *err, size_t errlen)
{
	PKCS7		*p7 = NULL;
	TS_TST_INFO	*tst = NULL;
	TS_VERIFY_CTX	*ctx = NULL;
	unsigned char	*imprint;
	int64_t		 ms;
	int		 rc = -1;

	ERR_clear_error();
	if (parse_token(token, len, &p7, &tst, err, errlen) == -1)
		return -1;
	if (check_tst(tst, md, NULL, err, errlen) == -1)
		goto done;
	if (gen_time_ms(TS_TST_INFO_get_time(tst), &ms) == -1) {
		seterr(err, errlen, "timestamp: genTime is not a time");
		goto done;
	}
	if ((ctx = TS_VERIFY_CTX_new()) == NULL ||
	    (imprint = OPENSSL_memdup(md, 32)) == NULL) {
		ossl_err(err, errlen, "timestamp");
		goto done;
	}
	TS_VERIFY_CTX_set_imprint(ctx, imprint, 32);	/* ctx frees it */
	TS_VERIFY_CTX_set_flags(ctx, TS_VFY_SIGNATURE | TS_VFY_VERSION |
	    TS_VFY_IMPRINT);
	if (ready_ctx(ctx, p7, ms, ca_file, err, errlen) == -1)
		goto done;
	if (TS_RESP_verify_token(ctx, p7) != 1) {
		ossl_err(err, errlen, ca_file != NULL ? "timestamp: the token "
		    "does not verify against the CA file" :
		    "timestamp: the token does not verify");
		goto done;
	}
	if (gen_ms != NULL)
		*gen_ms = ms;
	rc = 0;
done:
	TS_VERIFY_CTX_free(ctx);
	TS_TST_INFO_free(tst);
	PKCS7_free(p7);
	ERR_clear_error();
	return rc;
}

int
stamp_info(const unsigned char *token, size_t len, struct stamp_info *out,
    char *err, size_t errlen)
{
	PKCS7		*p7;
	TS_TST_INFO	*tst;

	memset(out, 0, sizeof(*out));
	ERR_clear_error();
	if (parse_token(token, len, &p7, &tst, err, errlen) == -1)
		return -1;
	fill_info(p7, tst, out);
	TS_TST_INFO_free(tst);
	PKCS7_free(p7);
	return 0;
}
