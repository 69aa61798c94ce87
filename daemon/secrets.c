/*
 * secrets.c: loading the archive keys with the file checks of OpenSMTPD's
 * check_file_secrecy().
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secrets.h"
#include "xmalloc.h"

static int
load_file(const char *path, int must_exist, char **keys, char *err,
    size_t errlen)
{
	struct stat	 sb;
	char		 buf[1024];
	ssize_t		 n;
	size_t		 len;
	int		 fd;
	char		*colon;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (!must_exist && errno == ENOENT)
			return 0;
		snprintf(err, errlen, "archive keys file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "archive keys file %s: not a regular "
		    "file", path);
		goto bad;
	}
	/* A credential's directory is the unit's alone (systemd may grant
	 * it by an ACL, not by owner and mode). */
	if (must_exist && sb.st_uid != geteuid()) {
		snprintf(err, errlen, "archive keys file %s: owned by uid %u, "
		    "not by the user running rotwatch (uid %u)", path,
		    (unsigned)sb.st_uid, (unsigned)geteuid());
		goto bad;
	}
	if (must_exist && (sb.st_mode & (S_IRWXG | S_IRWXO))) {
		snprintf(err, errlen, "archive keys file %s: mode %04o lets "
		    "others read it; run: chmod 600 %s", path,
		    (unsigned)(sb.st_mode & 07777), path);
		goto bad;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "archive keys file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	buf[n] = '\0';
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	if (!must_exist && (len == 0 || strcmp(buf, "none") == 0)) {
		/* The unit's fallback when no keys were installed. */
		explicit_bzero(buf, sizeof(buf));
		return 0;
	}
	colon = strchr(buf, ':');
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)buf[i] <= 0x20 || buf[i] == 0x7f)
			colon = NULL;
	if (colon == NULL || colon == buf || colon[1] == '\0') {
		snprintf(err, errlen, "archive keys file %s: expected one line "
		    "ACCESS:SECRET", path);
		explicit_bzero(buf, sizeof(buf));
		return -1;
	}
	*keys = xstrdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return 1;
bad:
	close(fd);
	return -1;
}

int
secrets_load(const struct config *cfg, char **keys, char *err, size_t errlen)
{
	const char	*dir = getenv("CREDENTIALS_DIRECTORY");
	char		 path[4096];

	*keys = NULL;
	if (cfg->archive_keys_file)
		return load_file(cfg->archive_keys_file, 1, keys, err, errlen);
	if (dir == NULL || *dir == '\0')
		return 0;
	snprintf(path, sizeof(path), "%s/ia-keys", dir);
	return load_file(path, 0, keys, err, errlen);
}

void
secrets_free(char *keys)
{
	if (keys) {
		explicit_bzero(keys, strlen(keys));
		free(keys);
	}
}
