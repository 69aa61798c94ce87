/*
 * http.c: curl multi_socket on libuv, after curl's multi-uv example with
 * its known pitfalls fixed: the info queue is drained after every action,
 * the timer finds its owner through ->data, libuv return codes are
 * checked, a poll is always stopped and closed on CURL_POLL_REMOVE, and
 * POLLERR is passed on as CURL_CSELECT_ERR.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "xmalloc.h"

struct http {
	uv_loop_t	*loop;
	CURLM		*multi;
	uv_timer_t	 timer;
	int		 running;	/* transfers added and not done */
	int		 freeing;
	struct guard	 guard;		/* the address policy */
};

struct sock {
	uv_poll_t	 poll;
	curl_socket_t	 fd;
	struct http	*h;
};

static void	check_info(struct http *);

static void
sock_closed(uv_handle_t *handle)
{
	free(handle->data);
}

static void
poll_cb(uv_poll_t *poll, int status, int events)
{
	struct sock	*s = poll->data;
	struct http	*h = s->h;
	int		 flags = 0, running;
	CURLMcode	 mc;

	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	mc = curl_multi_socket_action(h->multi, s->fd, flags, &running);
	if (mc != CURLM_OK)
		fatalx("curl_multi_socket_action: %s", curl_multi_strerror(mc));
	check_info(h);
}

static void
timer_cb(uv_timer_t *timer)
{
	struct http	*h = timer->data;
	int		 running;
	CURLMcode	 mc;

	mc = curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0,
	    &running);
	if (mc != CURLM_OK)
		fatalx("curl_multi_socket_action: %s", curl_multi_strerror(mc));
	check_info(h);
}

static int
socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct http	*h = userp;
	struct sock	*s = socketp;
	int		 events = 0, rc;

	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			uv_poll_stop(&s->poll);
			uv_close((uv_handle_t *)&s->poll, sock_closed);
			curl_multi_assign(h->multi, fd, NULL);
		}
		return 0;
	}
	if (s == NULL) {
		s = xcalloc(1, sizeof(*s));
		s->fd = fd;
		s->h = h;
		if ((rc = uv_poll_init_socket(h->loop, &s->poll, fd)) != 0) {
			log_error("cannot watch socket %d: %s", (int)fd,
			    uv_strerror(rc));
			free(s);
			return -1;	/* curl fails this transfer */
		}
		s->poll.data = s;
		curl_multi_assign(h->multi, fd, s);
	}
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		events |= UV_READABLE;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		events |= UV_WRITABLE;
	if ((rc = uv_poll_start(&s->poll, events, poll_cb)) != 0) {
		log_error("cannot poll socket %d: %s", (int)fd,
		    uv_strerror(rc));
		return -1;
	}
	return 0;
}

static int
timerfunc_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct http *h = userp;

	if (timeout_ms < 0)
		uv_timer_stop(&h->timer);
	else
		/* 0 means "soon", never from inside this callback. */
		uv_timer_start(&h->timer, timer_cb, timeout_ms ? (uint64_t)
		    timeout_ms : 1, 0);
	return 0;
}

/*
 * Every socket of a transfer is opened here, after the policy has seen
 * the address: every redirect hop and every address a name resolves to
 * (happy eyeballs included) passes, before any packet is sent.
 */
static curl_socket_t
opensocket_cb(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct http_req		*req = arg;
	const struct sockaddr	*sa = &a->addr;
	const char		*why;
	curl_socket_t		 fd;

	(void)purpose;
	if ((why = guard_check(&req->guard, sa)) != NULL) {
		req->refused++;
		req->hop_refused++;
		guard_message(sa, why, req->why, sizeof(req->why));
		log_debug("%s", req->why);
		errno = EACCES;
		return CURL_SOCKET_BAD;
	}
	if (req->socks == NULL) {
		fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
		if (fd != CURL_SOCKET_BAD)
			req->hop_opened++;
		return fd;
	}
	/* A transfer on a thread: its sockets are known, so that
	 * http_interrupt() can shut them down. */
	pthread_mutex_lock(&req->socks->mu);
	fd = CURL_SOCKET_BAD;
	if (!req->socks->interrupted && req->socks->n < HTTP_SOCKS_MAX &&
	    (fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol)) !=
	    CURL_SOCKET_BAD) {
		req->socks->fd[req->socks->n++] = fd;
		req->hop_opened++;
	}
	pthread_mutex_unlock(&req->socks->mu);
	return fd;
}

static int
closesocket_cb(void *arg, curl_socket_t fd)
{
	struct http_socks *s = arg;

	pthread_mutex_lock(&s->mu);
	for (int i = 0; i < s->n; i++)
		if (s->fd[i] == fd) {
			s->fd[i] = s->fd[--s->n];
			break;
		}
	close(fd);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

void
http_interrupt(struct http_req *req)
{
	if (req->socks == NULL)
		return;
	pthread_mutex_lock(&req->socks->mu);
	req->socks->interrupted = 1;
	for (int i = 0; i < req->socks->n; i++)
		shutdown(req->socks->fd[i], SHUT_RDWR);
	pthread_mutex_unlock(&req->socks->mu);
}

void
http_req_release(struct http_req *req)
{
	if (req->socks == NULL)
		return;
	pthread_mutex_destroy(&req->socks->mu);
	free(req->socks);
	req->socks = NULL;
}

/*
 * Runs once a connection is ready for a request, new or reused: a second
 * look at the address actually connected to.  A new request starts a new
 * hop.
 */
static int
prereq_cb(void *arg, char *ip, char *local_ip, int port, int local_port)
{
	struct http_req		*req = arg;
	struct sockaddr_storage	 ss;
	const char		*why;

	(void)local_ip;
	(void)port;
	(void)local_port;
	req->hop_refused = req->hop_opened = 0;
	if (guard_parse_addr(ip ? ip : "", &ss) == -1) {
		if (!req->guard.on)
			return CURL_PREREQFUNC_OK;
		snprintf(req->why, sizeof(req->why), "refused by the SSRF "
		    "guard: \"%.40s\" is not an IP address", ip ? ip : "");
	} else if ((why = guard_check(&req->guard, (struct sockaddr *)&ss)) !=
	    NULL)
		guard_message((struct sockaddr *)&ss, why, req->why,
		    sizeof(req->why));
	else
		return CURL_PREREQFUNC_OK;
	req->refused++;
	req->blocked = 1;
	log_debug("%s (on a connection already open)", req->why);
	return CURL_PREREQFUNC_ABORT;
}

/* No socket opened for the last request, and the guard refused one: the
 * policy, not the network, failed it. */
static void
settle(struct http_req *req, CURLcode rc)
{
	if (rc == CURLE_COULDNT_CONNECT && req->hop_refused > 0 &&
	    req->hop_opened == 0)
		req->blocked = 1;
	if (rc == CURLE_OK)
		req->blocked = 0;
}

/* Hands every finished transfer to its owner. */
static void
check_info(struct http *h)
{
	CURLMsg		*msg;
	int		 left;
	struct http_req	*req;
	CURL		*easy;
	CURLcode	 rc;

	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		easy = msg->easy_handle;
		rc = msg->data.result;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&req);
		curl_multi_remove_handle(h->multi, easy);
		h->running--;
		settle(req, rc);
		req->done(req, rc);
	}
}

void
http_set_guard(struct http *h, const struct guard *g)
{
	h->guard = *g;
}

struct http *
http_new(uv_loop_t *loop, long maxconnects, const struct guard *g)
{
	struct http *h = xcalloc(1, sizeof(*h));

	h->loop = loop;
	h->guard = *g;
	if ((h->multi = curl_multi_init()) == NULL)
		fatalx("curl_multi_init failed");
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, timerfunc_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, maxconnects);
	uv_timer_init(loop, &h->timer);
	h->timer.data = h;
	return h;
}

void
http_prepare(struct http *h, struct http_req *req)
{
	curl_easy_setopt(req->easy, CURLOPT_PRIVATE, req);
	req->http = h;
	req->guard = h->guard;
	req->refused = req->hop_refused = req->hop_opened = req->blocked = 0;
	req->why[0] = '\0';
	curl_easy_setopt(req->easy, CURLOPT_OPENSOCKETFUNCTION, opensocket_cb);
	curl_easy_setopt(req->easy, CURLOPT_OPENSOCKETDATA, req);
	curl_easy_setopt(req->easy, CURLOPT_PREREQFUNCTION, prereq_cb);
	curl_easy_setopt(req->easy, CURLOPT_PREREQDATA, req);
	curl_easy_setopt(req->easy, CURLOPT_PROXY, "");
}

void
http_prepare_thread(struct http *h, struct http_req *req)
{
	http_prepare(h, req);
	if (req->socks == NULL) {
		req->socks = xcalloc(1, sizeof(*req->socks));
		pthread_mutex_init(&req->socks->mu, NULL);
	}
	curl_easy_setopt(req->easy, CURLOPT_CLOSESOCKETFUNCTION,
	    closesocket_cb);
	curl_easy_setopt(req->easy, CURLOPT_CLOSESOCKETDATA, req->socks);
}

CURLcode
http_perform(struct http_req *req)
{
	CURLcode rc = curl_easy_perform(req->easy);

	settle(req, rc);
	return rc;
}

int
http_add(struct http *h, struct http_req *req)
{
	CURLMcode mc;

	http_prepare(h, req);
	if ((mc = curl_multi_add_handle(h->multi, req->easy)) != CURLM_OK) {
		log_error("curl_multi_add_handle: %s", curl_multi_strerror(mc));
		return -1;
	}
	h->running++;
	return 0;
}

void
http_cancel(struct http *h, struct http_req *req)
{
	if (curl_multi_remove_handle(h->multi, req->easy) == CURLM_OK)
		h->running--;
}

const char *
http_error(const struct http_req *req, CURLcode rc, const char *errbuf)
{
	if (req->blocked && req->why[0])
		return req->why;
	if (errbuf != NULL && *errbuf != '\0')
		return errbuf;
	return curl_easy_strerror(rc);
}

int
http_running(const struct http *h)
{
	return h->running;
}

static void
timer_closed(uv_handle_t *handle)
{
	free(handle->data);
}

void
http_free(struct http *h)
{
	/* curl_multi_cleanup may still call socket_cb: h stays alive. */
	curl_multi_cleanup(h->multi);
	uv_close((uv_handle_t *)&h->timer, timer_closed);
}
