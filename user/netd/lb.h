/*
 * lb - PIKA's load balancer (PIKA 3.3), the decision part of a connection
 * manager: which application gets the next incoming connection of a port.
 *
 * A CM keeps its local applications (acceptors) with a moving median of
 * their service times (connection offered until closed, reported by the
 * transport server), and the latest offer of every other CM (the service
 * time of its best application and that application's handle). A pick
 * weights every candidate by its inverse service time, penalises offers by
 * a multiplicative tariff, and depending on the scheme:
 *   naive          local applications only (offers only when none is local)
 *   unfiltered:T   one round over local applications and every offer
 *   filtered:T     one round over local applications and the offers that
 *                  beat the best local one after the tariff (the filter)
 *   tournament:T   the filter, then three rounds: one among the local
 *                  applications, one among the filtered offers, and a final
 *                  between the two winners, so the weight of locality does not
 *                  shrink as the number of CMs grows; a local application
 *                  that the tariffed best offer beats by more than out_pct
 *                  sits the final out (back in below in_pct) but for
 *                  probe connections, the first cfg.probe after it left and
 *                  each twice as far from the previous one up to
 *                  LB_PROBE_BACKOFF periods, so a server that stays slow
 *                  gets a few connections instead of its weight's share
 *                  (PIKA's 8 web servers made a slow core's share small; at
 *                  4 cores it is a quarter)
 * An application's service time is the median of its samples younger than
 * cfg.sample_age (its newest sample when all are older: no news is not
 * good news), at least the least of its LB_NEWEST newest samples when they
 * are all young (a server that got slow shows it after three connections,
 * not half a window), raised to the floor the CM sets from its connections
 * still waiting or open (lb_app_floor).
 * The filter has high and low watermarks: an offer passes once it beats
 * the best local application by the high mark, and is filtered again only
 * when it falls below the low mark (no thrashing between the two).
 * A CM with no local application passes every connection to an offer.
 *
 * Pure computation on caller-owned state: no I/O, no allocation, integer
 * arithmetic only (netd is built without floating point). One struct lb per
 * listening port per CM; not shared between cores.
 */
#ifndef USER_NETD_LB_H
#define USER_NETD_LB_H

#include <stdbool.h>
#include <stdint.h>

#define LB_APPS_MAX 16   /* local applications of one port on one core */
#define LB_OFFERS_MAX 64 /* other CMs */
#define LB_WINDOW 31     /* service times in the moving median (odd) */
#define LB_NEWEST 3      /* a service time is at least the least of the newest this many */
#define LB_PROBE_BACKOFF 4 /* probes of a server sitting out: every cfg.probe, doubling up to this many times it */

enum lb_scheme { LB_NAIVE, LB_UNFILTERED, LB_FILTERED, LB_TOURNAMENT };

struct lb_config {
	enum lb_scheme scheme;
	uint32_t tariff_pct;  /* tariff in percent: 200 = "T=2" */
	uint32_t high_pct;    /* an offer passes when best_local / (tariff * offer) exceeds this (100 = 1.0) */
	uint32_t low_pct;     /* and is filtered again below this */
	uint32_t default_us;  /* service time assumed for an application without samples */
	uint64_t sample_age;  /* samples older than this (caller's clock units) no longer count; 0: never old */
	uint32_t out_pct;     /* tournament: a local application beaten by the best offer by more than this sits out */
	uint32_t in_pct;      /* and takes part again below this */
	uint64_t probe;       /* one connection for a sitting-out application this often (caller's clock); 0: never */
};

struct lb_app {
	uint32_t handle;
	uint32_t win[LB_WINDOW];
	uint64_t at[LB_WINDOW]; /* when each was reported (lb.now) */
	uint8_t n, pos; /* samples held, next slot */
	uint32_t floor_us; /* a lower bound from outside (connections waiting for it: lb_app_floor) */
	bool used;
	bool paused;    /* not claiming what it was given (PIKA: dropped from the acceptors) */
	bool out;       /* sitting the tournament's final out (out_pct) */
	uint64_t probed; /* when it was last given a connection while out */
	uint64_t probe_gap; /* the time from that one to the next */
};

struct lb_offer {
	uint32_t handle;     /* the remote application, as its CM named it */
	uint32_t service_us; /* its median service time */
	uint64_t at;         /* when the offer arrived (caller's clock) */
	bool used;
	bool passed;         /* through the filter (watermark state) */
};

struct lb_stats {
	uint64_t picks_local, picks_remote, picks_none;
	uint64_t filter_in, filter_out; /* watermark crossings */
	uint64_t sat_out, came_back, probes; /* local applications leaving and rejoining the final, probes given */
};

struct lb {
	struct lb_config cfg;
	uint64_t rng;
	struct lb_app apps[LB_APPS_MAX];
	struct lb_offer offers[LB_OFFERS_MAX]; /* indexed by the offering CM (core) */
	struct lb_stats st;
	uint64_t now;   /* the caller's clock, as lb_now last set it */
};

/* the answer of lb_pick: a local application, or a remote CM's one */
struct lb_choice {
	bool local;
	uint16_t core;   /* remote: the CM to hand the connection to */
	uint32_t handle; /* the application */
};

/* "naive", "unfiltered:T", "filtered:T", "tournament:T" with T a tariff
 * such as 2 or 1.5 (at most two decimals, 1 <= T <= 1000). -EINVAL otherwise;
 * c keeps the defaults for what the string does not say. */
int lb_parse(const char *s, struct lb_config *c);
void lb_config_default(struct lb_config *c); /* tournament:2, marks 1.0 / 0.8 */
void lb_init(struct lb *lb, const struct lb_config *c, uint64_t seed);
/* The time the next calls see (samples are stamped with it, and those older
 * than cfg.sample_age are left out of the median: a server that recovered,
 * or got slow, is seen so within sample_age, however few connections it
 * gets). */
void lb_now(struct lb *lb, uint64_t now);

/* local applications: -ENOSPC when full, -EEXIST, -ENOENT */
int lb_app_add(struct lb *lb, uint32_t handle);
int lb_app_remove(struct lb *lb, uint32_t handle);
int lb_app_report(struct lb *lb, uint32_t handle, uint32_t service_us);
/* A paused application gets no connection and is not offered (its samples
 * stay): PIKA drops an acceptor that did not claim in time, until it
 * announces itself again. -ENOENT */
int lb_app_pause(struct lb *lb, uint32_t handle, bool paused);
/* The application's service time is at least us for now (the CM's view of
 * connections waiting for it to claim them: a queue in front of it shows at
 * once, before their service times are known). -ENOENT */
int lb_app_floor(struct lb *lb, uint32_t handle, uint32_t us);
/* its service time: the median of its recent samples (the newest when all
 * are old, cfg.default_us without any), or its floor when that is higher */
uint32_t lb_app_service(const struct lb *lb, uint32_t handle);
/* what this CM offers the others: its fastest application; false when none */
bool lb_best_local(const struct lb *lb, uint32_t *handle, uint32_t *service_us);

/* another CM's offer (replaces its previous one); -EINVAL for a core out of
 * range or a zero service time */
int lb_offer_update(struct lb *lb, uint16_t core, uint32_t handle, uint32_t service_us, uint64_t now);
int lb_offer_withdraw(struct lb *lb, uint16_t core);
/* forget offers older than max_age (their CM stopped offering) */
void lb_offers_expire(struct lb *lb, uint64_t now, uint64_t max_age);

/* the next connection's destination; -ENOENT when there is nobody */
int lb_pick(struct lb *lb, struct lb_choice *out);

#endif
