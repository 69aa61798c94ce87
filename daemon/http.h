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

#include <pthread.h>

#include <curl/curl.h>
#include <uv.h>

#include "guard.h"

struct http;
struct http_req;

#define HTTP_SOCKS_MAX	8
/* The open sockets of a transfer on a thread of its own. */
struct http_socks {
	pthread_mutex_t	 mu;
	curl_socket_t	 fd[HTTP_SOCKS_MAX];
	int		 n;
	int		 interrupted;
};

typedef void (*http_done_cb)(struct http_req *, CURLcode);

struct http_req {
	CURL		*easy;
	http_done_cb	 done;
	void		*arg;
	struct http	*http;		/* set by http_add() */
	/*
	 * Set by the http layer (the address guard's account): blocked is 1
	 * when the transfer failed because every connect of its last
	 * request (the last redirect hop) was refused by the policy; why
	 * then says which address and why.
	 */
	int		 refused;	/* connects refused, in all */
	int		 hop_refused;	/* ... and sockets opened, since the */
	int		 hop_opened;	/*     last request was sent */
	int		 blocked;
	char		 why[GUARD_MSG_MAX];
	struct guard	 guard;		/* the policy when it started */
	struct http_socks *socks;	/* http_prepare_thread() */
};

/*
 * maxconnects: size of the shared connection cache.  Every connection
 * of every transfer goes through the policy g (copied; its allow-list is
 * borrowed and must outlive the struct).
 */
struct http	*http_new(uv_loop_t *, long maxconnects, const struct guard *g);
/* A new address policy (g->allow must outlive it) for connections made
 * from now on. */
void		 http_set_guard(struct http *, const struct guard *g);
/*
 * Starts a transfer.  Returns 0, or -1 if curl refused the handle.  It
 * sets the handle's CURLOPT_OPENSOCKETFUNCTION, CURLOPT_PREREQFUNCTION,
 * CURLOPT_PRIVATE and CURLOPT_PROXY ("": no proxy from the environment).
 */
int		 http_add(struct http *, struct http_req *);
/*
 * The error of a failed transfer in words: the guard's message if it
 * blocked the transfer, else errbuf (the handle's CURLOPT_ERRORBUFFER)
 * if not empty, else curl's text for rc.
 */
const char	*http_error(const struct http_req *, CURLcode rc,
		    const char *errbuf);
/*
 * For a transfer that libcurl would run partly blocking inside the multi
 * (SMTP waits for the answer to the end of DATA that way):
 * http_prepare_thread() on the loop's thread sets what http_add() sets,
 * with the address policy of now; http_perform() then runs it to its end
 * on a thread of its own and returns curl's code, the guard's account set
 * as for http_add().  http_interrupt(), from any thread, shuts its sockets
 * down so that it ends at once; http_req_release() frees what
 * http_prepare_thread() took, once the transfer is over.
 */
void		 http_prepare(struct http *, struct http_req *);
void		 http_prepare_thread(struct http *, struct http_req *);
CURLcode	 http_perform(struct http_req *);
void		 http_interrupt(struct http_req *);
void		 http_req_release(struct http_req *);
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
