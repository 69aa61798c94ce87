/*
 * notify.h: the alert outbox.  Which events become alerts for which
 * channel (queued in the transaction that stores the event), and their
 * delivery to webhooks: JSON POSTs signed with HMAC-SHA256, retried with
 * exponential backoff until the receiver answers 2xx.  Delivery is at
 * least once: an alert is marked sent only after that answer, so one sent
 * just before a crash is sent again; its uid lets receivers drop repeats.
 */
#ifndef NOTIFY_H
#define NOTIFY_H

#include <stdint.h>

#include <uv.h>

#include "config.h"
#include "http.h"
#include "store.h"

struct notifier;

/*
 * Inside the transaction that stored event e as event_id: queues an alert
 * for every channel that wants it.  Returns the number queued, or -1.
 */
int		 notify_event(const struct config *, struct store *,
		    int64_t event_id, const struct event *e, int64_t now);

/* The alert kind of an event (enum alert_kind), or -1 for none. */
int		 notify_kind(const struct event *);

/* What an alert says, as lines a person reads (malloc'd). */
char		*notify_details(struct store *, const struct alert_row *);

struct notifier	*notifier_new(uv_loop_t *, struct http *, struct store *,
		    const struct config *);
/* Looks for due alerts soon (after a commit queued some). */
void		 notifier_kick(struct notifier *);
/*
 * New channels (cfg must outlive the notifier): deliveries in flight
 * finish first, no new one starts until then.
 */
void		 notifier_reload(struct notifier *, const struct config *);
/* Aborts deliveries in flight; their alerts stay pending. */
void		 notifier_stop(struct notifier *);
void		 notifier_free(struct notifier *);

#endif
