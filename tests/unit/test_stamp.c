/*
 * test_stamp.c: RFC 3161 timestamps against a real local TSA, the openssl
 * command (`openssl ca` issues the TSA's certificate, `openssl ts -reply`
 * answers requests): a granted stamp verifies with and without the CA
 * file, and with `openssl ts -verify` on its own; a different digest, any
 * one-byte change of the token, a reply to another request, a refusal, a
 * CA that did not sign the TSA, a TSA certificate expired at genTime and
 * garbage are refused with the reason; a token stays verifiable once the
 * TSA's certificate has expired.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include "../../daemon/stamp.h"
#include "../../daemon/xmalloc.h"
#include "t.h"

static char		dir[64];
static int		ready;		/* the TSA could be set up */
static unsigned char	md1[32], md2[32];

static int	run(const char *, ...)
		    __attribute__((__format__(__printf__, 1, 2)));

/* Runs a shell command in dir (output: dir/openssl.log); 0 if it exits 0. */
static int
run(const char *fmt, ...)
{
	va_list	 ap;
	char	 cmd[2048], full[2300];

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "cd %s && { %s; } >>openssl.log 2>&1",
	    dir, cmd);
	return system(full) == 0 ? 0 : -1;
}

static int
put(const char *name, const void *p, size_t n)
{
	char	*path = xasprintf("%s/%s", dir, name);
	FILE	*f = fopen(path, "wb");
	int	 rc = -1;

	free(path);
	if (f == NULL)
		return -1;
	if (fwrite(p, 1, n, f) == n)
		rc = 0;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

/* A file of dir, malloc'd, or NULL. */
static unsigned char *
get(const char *name, size_t *n)
{
	char		*path = xasprintf("%s/%s", dir, name);
	FILE		*f = fopen(path, "rb");
	unsigned char	*b;
	long		 len;

	free(path);
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	b = xmalloc((size_t)len);
	*n = fread(b, 1, (size_t)len, f);
	fclose(f);
	return b;
}

static void
hex(const unsigned char *md, char out[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* ASN.1 time "YYYYMMDDhhmmssZ" of t. */
static void
asn1_time(time_t t, char out[16])
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(out, 16, "%Y%m%d%H%M%SZ", &tm);
}

/*
 * A CA (RSA), a TSA key (RSA) with certificates issued by `openssl ca`, and
 * an unrelated CA (EC): the TSA configuration is the [tsa] section of
 * t.cnf.  Returns 0 or -1.
 */
static int
setup(void)
{
	FILE	*f;
	char	*path;

	snprintf(dir, sizeof(dir), "/tmp/rotwatch-stamp-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	path = xasprintf("%s/t.cnf", dir);
	f = fopen(path, "w");
	free(path);
	if (f == NULL)
		return -1;
	fprintf(f,
	    "[ ca ]\ndefault_ca = testca\n"
	    "[ testca ]\ndir = %s\ndatabase = $dir/index.txt\n"
	    "new_certs_dir = $dir/newcerts\ncertificate = $dir/ca.pem\n"
	    "private_key = $dir/ca.key\nserial = $dir/ca.srl\n"
	    "default_md = sha256\npolicy = anything\nunique_subject = no\n"
	    "email_in_dn = no\n"
	    "[ anything ]\ncommonName = supplied\n"
	    "[ tsa_ext ]\nbasicConstraints = critical,CA:FALSE\n"
	    "keyUsage = critical,digitalSignature,nonRepudiation\n"
	    "extendedKeyUsage = critical,timeStamping\n"
	    "subjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n"
	    "[ tsa ]\ndefault_tsa = tsa1\n"
	    "[ tsa1 ]\ndir = %s\nserial = $dir/tsa.srl\n"
	    "crypto_device = builtin\nsigner_cert = $dir/tsa.pem\n"
	    "signer_key = $dir/tsa.key\nsigner_digest = sha256\n"
	    "default_policy = 1.2.3.4.1\nother_policies = 1.2.3.4.5\n"
	    "digests = sha256, sha384, sha512\naccuracy = secs:1\n"
	    "clock_precision_digits = 3\nordering = no\ntsa_name = yes\n"
	    "ess_cert_id_chain = no\ness_cert_id_alg = sha256\n"
	    /* the same TSA key under other certificates */
	    "[ tsa_old ]\ndir = %s\nserial = $dir/tsa.srl\n"
	    "crypto_device = builtin\nsigner_cert = $dir/old.pem\n"
	    "signer_key = $dir/tsa.key\nsigner_digest = sha256\n"
	    "default_policy = 1.2.3.4.1\ndigests = sha256\n"
	    "ess_cert_id_alg = sha256\n"
	    "[ tsa_ec ]\ndir = %s\nserial = $dir/tsa.srl\n"
	    "crypto_device = builtin\nsigner_cert = $dir/tsaec.pem\n"
	    "signer_key = $dir/tsaec.key\nsigner_digest = sha256\n"
	    "default_policy = 1.2.3.4.1\ndigests = sha256\n"
	    "accuracy = secs:1\ntsa_name = no\n"
	    "ess_cert_id_alg = sha1\n"
	    "[ tsa_short ]\ndir = %s\nserial = $dir/tsa.srl\n"
	    "crypto_device = builtin\nsigner_cert = $dir/short.pem\n"
	    "signer_key = $dir/tsa.key\nsigner_digest = sha256\n"
	    "default_policy = 1.2.3.4.1\ndigests = sha256\n"
	    "ess_cert_id_alg = sha256\n", dir, dir, dir, dir, dir);
	if (fclose(f) != 0)
		return -1;
	if (run("openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key "
	    "-out ca.pem -days 3 -subj '/CN=rotwatch test CA' "
	    "-addext basicConstraints=critical,CA:TRUE "
	    "-addext keyUsage=critical,keyCertSign,cRLSign") == -1 ||
	    run("openssl req -x509 -newkey ec -pkeyopt "
	    "ec_paramgen_curve:prime256v1 -nodes -keyout other.key "
	    "-out other.pem -days 3 -subj '/CN=rotwatch other CA' "
	    "-addext basicConstraints=critical,CA:TRUE") == -1 ||
	    run("touch index.txt && mkdir newcerts && echo 01 >ca.srl") ==
	    -1 ||
	    run("openssl req -new -newkey rsa:2048 -nodes -keyout tsa.key "
	    "-out tsa.csr -subj '/CN=rotwatch test TSA'") == -1 ||
	    run("openssl ca -batch -config t.cnf -extensions tsa_ext -days 2 "
	    "-notext -in tsa.csr -out tsa.pem") == -1 ||
	    /* an ECDSA TSA that names itself only by its certificate */
	    run("openssl req -new -newkey ec -pkeyopt "
	    "ec_paramgen_curve:prime256v1 -nodes -keyout tsaec.key "
	    "-out tsaec.csr -subj '/CN=rotwatch test EC TSA'") == -1 ||
	    run("openssl ca -batch -config t.cnf -extensions tsa_ext -days 2 "
	    "-notext -in tsaec.csr -out tsaec.pem") == -1 ||
	    /* expired long before any genTime of this test */
	    run("openssl ca -batch -config t.cnf -extensions tsa_ext "
	    "-startdate 20200101000000Z -enddate 20200102000000Z "
	    "-notext -in tsa.csr -out old.pem") == -1)
		return -1;
	EVP_Digest("first document", 14, md1, NULL, EVP_sha256(), NULL);
	EVP_Digest("second document", 15, md2, NULL, EVP_sha256(), NULL);
	return 0;
}

static void
cleanup(void)
{
	char	cmd[128];

	if (dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("  cleanup failed\n");
}

/*
 * The local TSA's reply (its configuration section) to the request in q,
 * malloc'd, or NULL.
 */
static unsigned char *
tsa(const char *section, const void *q, size_t qlen, size_t *rlen)
{
	if (put("q.tsq", q, qlen) == -1 ||
	    run("rm -f r.tsr && openssl ts -reply -config t.cnf -section %s "
	    "-queryfile q.tsq -out r.tsr", section) == -1)
		return NULL;
	return get("r.tsr", rlen);
}

/* A granted token for md from the TSA section; 0 or -1. */
static int
stamp(const char *section, const unsigned char md[32], struct stamp_token *tok,
    char *err, size_t errlen)
{
	struct stamp_req	 req;
	unsigned char		*r;
	size_t			 rlen = 0;
	int			 rc;

	if (stamp_request(md, &req, err, errlen) == -1)
		return -1;
	if ((r = tsa(section, req.der, req.len, &rlen)) == NULL) {
		snprintf(err, errlen, "the local TSA did not answer");
		stamp_req_free(&req);
		return -1;
	}
	rc = stamp_reply(r, rlen, &req, tok, err, errlen);
	free(r);
	stamp_req_free(&req);
	return rc;
}

TEST(request_is_what_rfc3161_asks)
{
	struct stamp_req	 a, b;
	const unsigned char	*p;
	TS_REQ			*r;
	TS_MSG_IMPRINT		*mi;
	const ASN1_OBJECT	*oid;
	char			 err[256];
	int			 ok;

	T_ASSERT(stamp_request(md1, &a, err, sizeof(err)) == 0);
	T_ASSERT(stamp_request(md1, &b, err, sizeof(err)) == 0);
	T_ASSERT(memcmp(a.nonce, b.nonce, 8) != 0);
	T_ASSERT((a.nonce[0] & 0x80) == 0);
	p = a.der;
	r = d2i_TS_REQ(NULL, &p, (long)a.len);
	T_ASSERT(r != NULL);
	T_ASSERT(p == a.der + a.len);
	mi = TS_REQ_get_msg_imprint(r);
	X509_ALGOR_get0(&oid, NULL, NULL, TS_MSG_IMPRINT_get_algo(mi));
	ok = TS_REQ_get_version(r) == 1 && TS_REQ_get_cert_req(r) == 1 &&
	    TS_REQ_get_policy_id(r) == NULL && TS_REQ_get_exts(r) == NULL &&
	    OBJ_obj2nid(oid) == NID_sha256 &&
	    ASN1_STRING_length(TS_MSG_IMPRINT_get_msg(mi)) == 32 &&
	    memcmp(ASN1_STRING_get0_data(TS_MSG_IMPRINT_get_msg(mi)), md1,
	    32) == 0;
	TS_REQ_free(r);
	T_ASSERT(ok);
	stamp_req_free(&a);
	stamp_req_free(&b);
	T_ASSERT(a.der == NULL);
}

TEST(nonce_round_trips)
{
	struct stamp_req	 a;
	const unsigned char	*p;
	TS_REQ			*r;
	BIGNUM			*bn;
	unsigned char		 nb[8];
	char			 err[256];
	int			 n;

	for (int i = 0; i < 50; i++) {
		T_ASSERT(stamp_request(md2, &a, err, sizeof(err)) == 0);
		p = a.der;
		T_ASSERT((r = d2i_TS_REQ(NULL, &p, (long)a.len)) != NULL);
		bn = ASN1_INTEGER_to_BN(TS_REQ_get_nonce(r), NULL);
		n = BN_bn2binpad(bn, nb, 8);
		BN_free(bn);
		TS_REQ_free(r);
		T_EQ_INT(n, 8);
		T_ASSERT(memcmp(nb, a.nonce, 8) == 0);
		stamp_req_free(&a);
	}
}

TEST(granted_stamp_verifies)
{
	struct stamp_token	 tok;
	struct stamp_info	 info;
	char			 err[512], h[65], *ca;
	int64_t			 before, after, ms = 0;
	int			 rc;

	if (!ready)
		T_FAIL("no local TSA");
	before = (int64_t)time(NULL) * 1000;
	if (stamp("tsa1", md1, &tok, err, sizeof(err)) == -1)
		T_FAIL("stamp: %s", err);
	after = (int64_t)time(NULL) * 1000 + 1000;
	T_ASSERT(tok.der != NULL && tok.len > 500);
	T_ASSERT(tok.info.gen_ms >= before - 2000 && tok.info.gen_ms <= after);
	T_EQ_STR(tok.info.tsa, "CN=rotwatch test TSA");
	T_EQ_STR(tok.info.signer, "CN=rotwatch test TSA");
	T_EQ_STR(tok.info.policy, "1.2.3.4.1");
	T_ASSERT(tok.info.serial[0] != '\0');

	if (stamp_verify(tok.der, tok.len, md1, NULL, &ms, err,
	    sizeof(err)) == -1)
		T_FAIL("verify without CA: %s", err);
	T_EQ_INT(ms, tok.info.gen_ms);
	ms = 0;
	ca = xasprintf("%s/ca.pem", dir);
	rc = stamp_verify(tok.der, tok.len, md1, ca, &ms, err, sizeof(err));
	free(ca);
	if (rc == -1)
		T_FAIL("verify with CA: %s", err);
	T_EQ_INT(ms, tok.info.gen_ms);
	T_ASSERT(stamp_info(tok.der, tok.len, &info, err, sizeof(err)) == 0);
	T_ASSERT(memcmp(&info, &tok.info, sizeof(info)) == 0);

	/* openssl's own verdict on what we store */
	hex(md1, h);
	T_ASSERT(put("token.der", tok.der, tok.len) == 0);
	T_ASSERT(run("openssl ts -verify -digest %s -in token.der -token_in "
	    "-CAfile ca.pem -untrusted tsa.pem", h) == 0);
	/* it carries the TSA's certificate: no -untrusted needed */
	T_ASSERT(run("openssl ts -verify -digest %s -in token.der -token_in "
	    "-CAfile ca.pem", h) == 0);
	/* and openssl agrees the other digest is not it */
	hex(md2, h);
	T_ASSERT(run("openssl ts -verify -digest %s -in token.der -token_in "
	    "-CAfile ca.pem", h) == -1);
	stamp_token_free(&tok);
	T_ASSERT(tok.der == NULL);
}

TEST(other_digest_fails)
{
	struct stamp_token	tok;
	char			err[512];

	if (!ready)
		T_FAIL("no local TSA");
	if (stamp("tsa1", md1, &tok, err, sizeof(err)) == -1)
		T_FAIL("stamp: %s", err);
	err[0] = '\0';
	T_EQ_INT(stamp_verify(tok.der, tok.len, md2, NULL, NULL, err,
	    sizeof(err)), -1);
	printf("  other digest: %s\n", err);
	T_ASSERT(strstr(err, "imprint") != NULL);
	stamp_token_free(&tok);
}

/*
 * Every single-byte change of a stored token is refused, wherever it
 * falls: in the TSTInfo, the signed attributes, the signature, the
 * certificate (its ESS hash is signed) or the DER framing.
 */
static void
flip_each(const char *section)
{
	struct stamp_token	 tok;
	unsigned char		*t;
	char			 err[512];
	size_t			 passed = 0, at = 0;

	if (!ready)
		T_FAIL("no local TSA");
	if (stamp(section, md1, &tok, err, sizeof(err)) == -1)
		T_FAIL("stamp: %s", err);
	t = xmalloc(tok.len);
	for (size_t i = 0; i < tok.len; i++) {
		memcpy(t, tok.der, tok.len);
		t[i] ^= 0x01;
		if (stamp_verify(t, tok.len, md1, NULL, NULL, err,
		    sizeof(err)) == 0 && passed++ == 0)
			at = i;
	}
	printf("  %s: %zu positions tried\n", section, tok.len);
	free(t);
	stamp_token_free(&tok);
	if (passed)
		T_FAIL("%s: %zu changed tokens verify (first at byte %zu)",
		    section, passed, at);
}

TEST(any_byte_changed_fails)
{
	flip_each("tsa1");
	if (t_cur_failed)
		return;
	flip_each("tsa_ec");
}

/* ECDSA, ESS signingCertificate (v1, SHA-1), no tsa name in the TSTInfo. */
TEST(ecdsa_tsa)
{
	struct stamp_token	 tok;
	char			 err[512], h[65], *ca;
	int64_t			 ms = 0;
	int			 rc;

	if (!ready)
		T_FAIL("no local TSA");
	if (stamp("tsa_ec", md2, &tok, err, sizeof(err)) == -1)
		T_FAIL("stamp: %s", err);
	T_EQ_STR(tok.info.tsa, "");
	T_EQ_STR(tok.info.signer, "CN=rotwatch test EC TSA");
	ca = xasprintf("%s/ca.pem", dir);
	rc = stamp_verify(tok.der, tok.len, md2, ca, &ms, err, sizeof(err));
	free(ca);
	if (rc == -1)
		T_FAIL("verify with CA: %s", err);
	T_EQ_INT(ms, tok.info.gen_ms);
	hex(md2, h);
	T_ASSERT(put("token.der", tok.der, tok.len) == 0);
	T_ASSERT(run("openssl ts -verify -digest %s -in token.der -token_in "
	    "-CAfile ca.pem", h) == 0);
	stamp_token_free(&tok);
}

TEST(reply_to_another_request_is_refused)
{
	struct stamp_req	 a, b, c;
	struct stamp_token	 tok;
	unsigned char		*r;
	size_t			 rlen = 0;
	char			 err[512];

	if (!ready)
		T_FAIL("no local TSA");
	T_ASSERT(stamp_request(md1, &a, err, sizeof(err)) == 0);
	T_ASSERT(stamp_request(md1, &b, err, sizeof(err)) == 0);
	T_ASSERT(stamp_request(md2, &c, err, sizeof(err)) == 0);
	T_ASSERT((r = tsa("tsa1", a.der, a.len, &rlen)) != NULL);
	/* same digest, other nonce: a replayed or crossed reply */
	T_EQ_INT(stamp_reply(r, rlen, &b, &tok, err, sizeof(err)), -1);
	printf("  other nonce: %s\n", err);
	T_ASSERT(strstr(err, "nonce") != NULL);
	T_ASSERT(tok.der == NULL);
	T_EQ_INT(stamp_reply(r, rlen, &c, &tok, err, sizeof(err)), -1);
	printf("  other digest: %s\n", err);
	T_ASSERT(strstr(err, "imprint") != NULL);
	T_EQ_INT(stamp_reply(r, rlen, &a, &tok, err, sizeof(err)), 0);
	stamp_token_free(&tok);
	free(r);
	stamp_req_free(&a);
	stamp_req_free(&b);
	stamp_req_free(&c);
}

TEST(refusal_names_the_status)
{
	struct stamp_req	 req;
	struct stamp_token	 tok;
	TS_RESP			*resp;
	TS_STATUS_INFO		*si;
	unsigned char		*r, *q = NULL;
	size_t			 rlen = 0, qlen = 0;
	char			 err[512], h[65];
	int			 n;

	if (!ready)
		T_FAIL("no local TSA");
	T_ASSERT(stamp_request(md1, &req, err, sizeof(err)) == 0);
	/* a policy this TSA does not serve */
	hex(md1, h);
	T_ASSERT(run("openssl ts -query -digest %s -sha256 -tspolicy 1.9.9.9 "
	    "-cert -out bad.tsq", h) == 0);
	T_ASSERT((q = get("bad.tsq", &qlen)) != NULL);
	T_ASSERT((r = tsa("tsa1", q, qlen, &rlen)) != NULL);
	free(q);
	q = NULL;	/* i2d_TS_RESP() allocates it below */
	T_EQ_INT(stamp_reply(r, rlen, &req, &tok, err, sizeof(err)), -1);
	free(r);
	printf("  policy: %s\n", err);
	T_ASSERT(strstr(err, "rejection") != NULL);
	T_ASSERT(strstr(err, "unacceptedPolicy") != NULL);
	T_ASSERT(strstr(err, "Requested policy is not supported") != NULL);

	/* not a request at all: the TSA says badDataFormat */
	T_ASSERT((r = tsa("tsa1", "garbage\n", 8, &rlen)) != NULL);
	T_EQ_INT(stamp_reply(r, rlen, &req, &tok, err, sizeof(err)), -1);
	free(r);
	printf("  garbage request: %s\n", err);
	T_ASSERT(strstr(err, "rejection") != NULL);
	T_ASSERT(strstr(err, "badDataFormat") != NULL);

	/* made with the API: "waiting", no text */
	resp = TS_RESP_new();
	si = TS_STATUS_INFO_new();
	TS_STATUS_INFO_set_status(si, TS_STATUS_WAITING);
	TS_RESP_set_status_info(resp, si);
	TS_STATUS_INFO_free(si);
	n = i2d_TS_RESP(resp, &q);
	TS_RESP_free(resp);
	T_ASSERT(n > 0);
	T_EQ_INT(stamp_reply(q, (size_t)n, &req, &tok, err, sizeof(err)), -1);
	OPENSSL_free(q);
	printf("  waiting: %s\n", err);
	T_EQ_STR(err, "TSA refused: waiting");
	stamp_req_free(&req);
}

TEST(ca_that_did_not_sign_fails)
{
	struct stamp_token	 tok;
	char			 err[512], *other;
	int			 rc;

	if (!ready)
		T_FAIL("no local TSA");
	if (stamp("tsa1", md1, &tok, err, sizeof(err)) == -1)
		T_FAIL("stamp: %s", err);
	other = xasprintf("%s/other.pem", dir);
	rc = stamp_verify(tok.der, tok.len, md1, other, NULL, err,
	    sizeof(err));
	free(other);
	T_EQ_INT(rc, -1);
	printf("  other CA: %s\n", err);
	T_ASSERT(strstr(err, "CA file") != NULL);
	T_ASSERT(strstr(err, "local issuer") != NULL);
	/* a CA file that is not there */
	T_EQ_INT(stamp_verify(tok.der, tok.len, md1, "/nonexistent/ca.pem",
	    NULL, err, sizeof(err)), -1);
	printf("  missing CA file: %s\n", err);
	T_ASSERT(strstr(err, "/nonexistent/ca.pem") != NULL);
	stamp_token_free(&tok);
}

/* Certificates are judged at genTime: expired then is refused. */
TEST(certificate_expired_at_gentime_fails)
{
	struct stamp_token	tok;
	char			err[512];

	if (!ready)
		T_FAIL("no local TSA");
	T_EQ_INT(stamp("tsa_old", md1, &tok, err, sizeof(err)), -1);
	printf("  expired TSA certificate: %s\n", err);
	T_ASSERT(strstr(err, "expired") != NULL);
}

/* ... and a token outlives its TSA's certificate. */
TEST(token_outlives_certificate)
{
	struct stamp_token	 tok;
	char			 err[512], *ca, start[16], end[16];
	time_t			 until = time(NULL) + 3;
	int			 rc;

	if (!ready)
		T_FAIL("no local TSA");
	/* the TSA's certificate, valid for 3 s from now */
	asn1_time(time(NULL) - 60, start);
	asn1_time(until, end);
	T_ASSERT(run("openssl ca -batch -config t.cnf -extensions tsa_ext "
	    "-startdate %s -enddate %s -notext -in tsa.csr -out short.pem",
	    start, end) == 0);
	if (stamp("tsa_short", md2, &tok, err, sizeof(err)) == -1) {
		/* a slow machine: the certificate expired before */
		printf("  skipped: %s\n", err);
		return;
	}
	while (time(NULL) <= until + 1)
		sleep(1);
	ca = xasprintf("%s/ca.pem", dir);
	rc = stamp_verify(tok.der, tok.len, md2, ca, NULL, err, sizeof(err));
	free(ca);
	stamp_token_free(&tok);
	if (rc == -1)
		T_FAIL("verify after expiry: %s", err);
}

TEST(garbage_is_refused)
{
	struct stamp_req	 req;
	struct stamp_token	 tok;
	struct stamp_info	 info;
	unsigned char		*t;
	char			 err[512];

	T_ASSERT(stamp_request(md1, &req, err, sizeof(err)) == 0);
	T_EQ_INT(stamp_reply((const unsigned char *)"not DER", 7, &req, &tok,
	    err, sizeof(err)), -1);
	printf("  garbage reply: %s\n", err);
	T_ASSERT(strstr(err, "not a TimeStampResp") != NULL);
	T_EQ_INT(stamp_reply(NULL, 0, &req, &tok, err, sizeof(err)), -1);
	T_EQ_INT(stamp_verify((const unsigned char *)"x", 1, md1, NULL, NULL,
	    err, sizeof(err)), -1);
	T_EQ_INT(stamp_info((const unsigned char *)"x", 1, &info, err,
	    sizeof(err)), -1);
	if (!ready) {
		stamp_req_free(&req);
		T_FAIL("no local TSA");
	}
	if (stamp("tsa1", md1, &tok, err, sizeof(err)) == -1)
		T_FAIL("stamp: %s", err);
	/* cut short, and one byte too many */
	T_EQ_INT(stamp_verify(tok.der, tok.len - 1, md1, NULL, NULL, err,
	    sizeof(err)), -1);
	t = xmalloc(tok.len + 1);
	memcpy(t, tok.der, tok.len);
	t[tok.len] = 0;
	T_EQ_INT(stamp_verify(t, tok.len + 1, md1, NULL, NULL, err,
	    sizeof(err)), -1);
	printf("  trailing byte: %s\n", err);
	T_ASSERT(strstr(err, "after its end") != NULL);
	/* the request itself is not a token */
	T_EQ_INT(stamp_verify(req.der, req.len, md1, NULL, NULL, err,
	    sizeof(err)), -1);
	free(t);
	stamp_token_free(&tok);
	stamp_req_free(&req);
}

int
main(void)
{
	if (setup() == 0)
		ready = 1;
	else
		printf("cannot set up a local TSA with openssl (see %s/"
		    "openssl.log)\n", dir);
	RUN(request_is_what_rfc3161_asks);
	RUN(nonce_round_trips);
	RUN(granted_stamp_verifies);
	RUN(other_digest_fails);
	RUN(any_byte_changed_fails);
	RUN(ecdsa_tsa);
	RUN(reply_to_another_request_is_refused);
	RUN(refusal_names_the_status);
	RUN(ca_that_did_not_sign_fails);
	RUN(certificate_expired_at_gentime_fails);
	RUN(token_outlives_certificate);
	RUN(garbage_is_refused);
	if (t_failed == 0)
		cleanup();
	else
		printf("files left in %s\n", dir);
	return t_done();
}
