/*
 * http.h: libcurl's multi-socket API driven by a libuv loop.
 *
 * The only module that touches curl_multi.  A transfer is an easy handle
 * plus a struct http_req that the caller owns and keeps alive until its
 * done callback runs; the callback gets the easy handle back, already
 * removed from the multi, and may reuse or clean it up.
 */
#ifndef HTTP_H
#define HTTP_H

#include <curl/curl.h>
#include <uv.h>

struct http;
struct http_req;

typedef void (*http_done_cb)(struct http_req *, CURLcode);

struct http_req {
	CURL		*easy;
	http_done_cb	 done;
	void		*arg;
};

/* maxconnects: size of the shared connection cache. */
struct http	*http_new(uv_loop_t *, long maxconnects);
/* Starts a transfer.  Returns 0, or -1 if curl refused the handle. */
int		 http_add(struct http *, struct http_req *);
/* Aborts a transfer without calling its done callback. */
void		 http_cancel(struct http *, struct http_req *);
/* Transfers running. */
int		 http_running(const struct http *);
/*
 * Cancels what is still running (no callbacks), cleans up the multi and
 * closes the handles; the loop must run again for the close callbacks,
 * after which the struct is freed.
 */
void		 http_free(struct http *);

#endif
