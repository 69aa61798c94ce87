/*
 * tlsinfo.c: see tlsinfo.h.  curl hands each certificate over as text
 * lines ("Subject:...", "Cert:-----BEGIN CERTIFICATE-----..."); only the
 * PEM line is read, and everything stored is taken from the parsed
 * certificate, so the fields and the fingerprint come from the same DER.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "tlsinfo.h"
#include "xmalloc.h"

static char *
name_text(const X509_NAME *n)
{
	BIO	*b = BIO_new(BIO_s_mem());
	char	*p, *s;
	long	 len;

	if (b == NULL)
		return xstrdup("");
	X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	len = BIO_get_mem_data(b, &p);
	s = xstrndup(p, len > 0 ? (size_t)len : 0);
	BIO_free(b);
	return s;
}

static int64_t
asn1_ms(const ASN1_TIME *t)
{
	struct tm	tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm) * 1000;
}

int
tlsinfo_pem(const char *pem, size_t len, struct tls_cert *c)
{
	BIO		*b;
	X509		*x;
	unsigned char	*der = NULL, md[32];
	int		 n;

	memset(c, 0, sizeof(*c));
	if ((b = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return -1;
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (x == NULL)
		return -1;
	if ((n = i2d_X509(x, &der)) <= 0) {
		X509_free(x);
		return -1;
	}
	c->der = xmalloc((size_t)n);
	memcpy(c->der, der, (size_t)n);
	c->derlen = (size_t)n;
	OPENSSL_free(der);
	EVP_Digest(c->der, c->derlen, md, NULL, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(c->sha256 + 2 * i, 3, "%02x", md[i]);
	c->subject = name_text(X509_get_subject_name(x));
	c->issuer = name_text(X509_get_issuer_name(x));
	c->not_before = asn1_ms(X509_get0_notBefore(x));
	c->not_after = asn1_ms(X509_get0_notAfter(x));
	X509_free(x);
	return 0;
}

struct tls_chain *
tlsinfo_get(CURL *e)
{
	struct curl_certinfo	*ci = NULL;
	struct tls_chain	*ch;

	if (curl_easy_getinfo(e, CURLINFO_CERTINFO, &ci) != CURLE_OK ||
	    ci == NULL || ci->num_of_certs <= 0)
		return NULL;
	ch = xcalloc(1, sizeof(*ch));
	ch->certs = xcalloc((size_t)ci->num_of_certs, sizeof(*ch->certs));
	for (int i = 0; i < ci->num_of_certs; i++) {
		for (struct curl_slist *l = ci->certinfo[i]; l; l = l->next) {
			if (strncmp(l->data, "Cert:", 5) != 0)
				continue;
			if (tlsinfo_pem(l->data + 5, strlen(l->data + 5),
			    &ch->certs[ch->n]) == 0)
				ch->n++;
			break;
		}
	}
	if (ch->n == 0) {
		tls_chain_free(ch);
		return NULL;
	}
	return ch;
}

struct tls_chain *
tls_chain_dup(const struct tls_chain *ch)
{
	struct tls_chain	*d = xcalloc(1, sizeof(*d));

	d->n = ch->n;
	d->certs = xcalloc(ch->n, sizeof(*d->certs));
	for (size_t i = 0; i < ch->n; i++) {
		d->certs[i] = ch->certs[i];
		d->certs[i].subject = xstrdup(ch->certs[i].subject);
		d->certs[i].issuer = xstrdup(ch->certs[i].issuer);
		d->certs[i].der = xmalloc(ch->certs[i].derlen);
		memcpy(d->certs[i].der, ch->certs[i].der, ch->certs[i].derlen);
	}
	return d;
}

void
tls_chain_free(struct tls_chain *ch)
{
	if (ch == NULL)
		return;
	for (size_t i = 0; i < ch->n; i++) {
		free(ch->certs[i].subject);
		free(ch->certs[i].issuer);
		free(ch->certs[i].der);
	}
	free(ch->certs);
	free(ch);
}
