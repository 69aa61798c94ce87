/*
 * Every documented status_ext code of Save Page Now 2 has a class, and a
 * code nobody documented is retried later.
 */
#include "archive.h"
#include "t.h"

static const char *const retry[] = {
	"error:celery", "error:job-failed", "error:internal-server-error",
	"error:proxy-error", "error:no-browsers-available",
	"error:browsing-timeout", "error:capture-location-error",
	"error:cannot-fetch", "error:soft-time-limit-exceeded",
	"error:redis-error", "error:bad-gateway", "error:gateway-timeout",
	"error:service-unavailable", "error:read-timeout",
	"error:protocol-error", "error:invalid-server-response",
	"error:too-many-requests", "error:bandwidth-limit-exceeded",
	"error:no-captures", "error:something-new-next-year", NULL,
};

static const char *const permanent[] = {
	"error:blocked-url", "error:filesize-limit", "error:invalid-url-syntax",
	"error:bad-request", "error:not-found", "error:no-access",
	"error:unauthorized", "error:method-not-allowed",
	"error:not-implemented", "error:http-version-not-supported",
	"error:network-authentication-required", "error:blocked",
	"error:blocked-client-ip", "error:invalid-host-resolution",
	"error:too-many-redirects", "error:ftp-access-denied",
};

TEST(retry_later_codes_and_unknown_codes)
{
	for (int i = 0; retry[i]; i++)
		if (spn_classify(retry[i]) != SPN_RETRY)
			T_FAIL("%s is not retried", retry[i]);
	T_EQ_INT(spn_classify(NULL), SPN_RETRY);
}

TEST(permanent_codes)
{
	for (size_t i = 0; i < sizeof(permanent) / sizeof(permanent[0]); i++)
		if (spn_classify(permanent[i]) != SPN_PERMANENT)
			T_FAIL("%s is not permanent", permanent[i]);
}

TEST(quota_today_and_throttle)
{
	T_EQ_INT(spn_classify("error:too-many-daily-captures"), SPN_TODAY);
	T_EQ_INT(spn_classify("error:max-daily-bandwidth"), SPN_QUOTA);
	T_EQ_INT(spn_classify("error:max-daily-bandwidth-from-ip"), SPN_QUOTA);
	T_EQ_INT(spn_classify("error:max-daily-bandwidth-host"), SPN_QUOTA);
	T_EQ_INT(spn_classify("error:user-session-limit"), SPN_THROTTLE);
}

int
main(void)
{
	RUN(retry_later_codes_and_unknown_codes);
	RUN(permanent_codes);
	RUN(quota_today_and_throttle);
	return t_done();
}
