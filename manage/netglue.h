/* Between the manager and net/: a container's network request as it is
 * kept in its record, the paths its spec names (the pinned namespace and
 * the /etc files, known before the start), and the attach before each
 * start and detach after each end, for foreground and detached runs
 * alike. */
#ifndef CSPAWN_NETGLUE_H
#define CSPAWN_NETGLUE_H

#include <jansson.h>
#include <stdbool.h>

#include "manage/paths.h"
#include "net/net.h"
#include "spawn/options.h"

/* The request of --net NAME, --ip, -p, --dns, --dns-search, --add-host as
 * JSON for the record; NULL when the container joins no network. */
json_t *netglue_request(const struct spawn_opts *o);
/* Points the spec at the attachment of container name: o->netns_path and
 * the binds of /etc/hosts, /etc/hostname, /etc/resolv.conf. No network
 * (none, host): nothing. */
int netglue_spec(struct spawn_opts *o, const char *name, struct spawn_error *e);

struct netglue {
	struct cspawn_roots paths;
	struct net_roots roots;
	struct net_attachment a;
	struct net_port *ports;
	bool attached;
};

/* Attaches container name as req (a record's "network") asks. */
int netglue_attach(struct netglue *g, const json_t *req, const char *name, struct spawn_error *e);
/* After a run: lets go, and removes the attachment; release: the lease too
 * (the container is gone for good). */
void netglue_detach(struct netglue *g, const char *name, bool release);
/* The descriptor an attachment holds while its container lives (-1:
 * none), and the same attachment taken up again from it by a later
 * program image of the monitor (manage/monitor.h), for netglue_detach. */
int netglue_lock_fd(const struct netglue *g);
void netglue_adopt(struct netglue *g, int lockfd);
/* For `rm` of a container with no monitor: its attachment and lease. */
int netglue_release(const char *name, struct spawn_error *e);

#endif
