/*
 * secrets.h: the web archive's keys.
 *
 * From [archive] keys_file, which must be owned by the user running
 * rotwatch and readable by nobody else (mode 0600 or 0400), or from
 * systemd's $CREDENTIALS_DIRECTORY/ia-keys.  The file holds one line,
 * ACCESS:SECRET.  The keys are never logged, stored or sent anywhere but to
 * the configured archive endpoint.
 */
#ifndef SECRETS_H
#define SECRETS_H

#include <stddef.h>

#include "config.h"

/*
 * Reads the keys into *keys ("ACCESS:SECRET", malloc'd; free with
 * secrets_free()).  Returns 1 when read, 0 when none is configured or
 * provided, -1 on error with the reason (naming the file) in err.
 */
int	secrets_load(const struct config *, char **keys, char *err,
	    size_t errlen);
/* Overwrites and frees keys. */
void	secrets_free(char *keys);

#endif
