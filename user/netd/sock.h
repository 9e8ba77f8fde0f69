/*
 * sock.h - the socket service's own state (sock.c: clients and their
 * messages; sockshm.c: the shared rings). Everything here is netd's private
 * memory: what netd published to a process and what it took from it, so a
 * value in the shared area is read once, checked against these and never
 * trusted (pikaos/sockproto.h).
 */
#ifndef USER_NETD_SOCK_H
#define USER_NETD_SOCK_H

#include <pikaos/sockproto.h>
#include <stdbool.h>
#include <stdint.h>

#include "net/net.h"

struct client;

/* A UDP socket's rings: netd's own ring bookkeeping over the client's pool
 * (the stack keeps datagrams as packets, not in rings). */
struct uring {
	uint32_t head, end;          /* stream offsets: [head, end) holds records */
	uint16_t slot[SOCK_SLOTS];   /* our copy; the entry's table mirrors it */
	volatile uint16_t *mirror;
};

/* A listen group: one stack listener and every socket (of any process on
 * this core) bound to its port with SO_REUSEPORT. Connections go to the
 * members' processes in turn. */
#define GROUP_MEMBERS 16
#define GROUP_RETURNED 64
#define GROUP_RECENT 8
/* A connection taken back from a process that did not claim it in time or
 * exited: offered again to another member, before new ones. */
struct returned {
	int nh;
	uint32_t addr;
	uint16_t port;
	uint64_t first_ns; /* when it was first offered (service time) */
};
struct group {
	int nh;                      /* the stack listener; also the group's number for processes */
	uint16_t port;               /* its port (0: an ephemeral one, not managed by the CM) */
	int n;
	struct { struct client *c; int id; } m[GROUP_MEMBERS];
	int next;                    /* round robin */
	bool backlog;                /* connections wait in the stack for a process with room */
	bool late;                   /* every member is late (cm.c told: new connections go elsewhere) */
	struct returned ret[GROUP_RETURNED];
	unsigned ret_head, ret_n;
	/* the newest connections offered, for the ages of those still open
	 * (the CM's floor: acceptors_check) */
	struct { struct client *c; uint16_t id; uint32_t gen; } recent[GROUP_RECENT];
	unsigned recent_pos;
	struct group *link;          /* in the list of groups with a backlog */
	struct group *all;           /* in the list of every group */
};

struct psock {
	int nh;                      /* the stack's handle; 0: the id is free */
	uint8_t kind;
	bool reuseport, connecting, ever, listening, hup;
	uint16_t port;
	struct group *grp;           /* a listener's group */
	uint32_t gen;
	/* what we published */
	uint32_t st, rx_tail, tx_limit, err_seq;
	/* what the process gave us (its rx_head / tx_tail, checked) */
	uint32_t rx_head, tx_tail;
	uint32_t credit;             /* send room to keep reserved ahead of tx_tail */
	bool asked;                  /* the process waits for send room (tx_want) */
	uint32_t ready_at;           /* 1 + ready-list index where we last listed it */
	bool dirty;
	struct uring *urx, *utx;     /* UDP */
	uint64_t offered_ns;         /* an accepted connection: when its accept record was written */
	uint16_t cm_port;            /* and its listener's port (service times for the CM) */
};

/* Why a client's channel was closed by netd (netstat: sock.bad.<reason>). */
enum bad_reason {
	BAD_AREA = 0,   /* the channel is too small for struct sock_area */
	BAD_RX_HEAD,    /* rx_head outside what it was given */
	BAD_TX_TAIL,    /* tx_tail outside the room it was given */
	BAD_KICK,       /* kick list index or id out of range */
	BAD_ACCEPT,     /* accept_tail outside the accept ring */
	BAD_READY,      /* ready_tail outside the ready list */
	BAD_DGRAM,      /* a UDP record with a bad length */
	BAD__COUNT
};

/* A connection offered to a process and maybe not claimed yet (the claim
 * word says), oldest first (struct client.off). */
struct offer {
	uint16_t id;
	uint16_t port;               /* its listen group's port ... */
	int grp_nh;                  /* ... and stack listener (the group may be gone) */
	uint32_t gen;
	uint64_t at;
};

struct client {
	struct disp_chan *dc;
	struct sock_area *a;
	uint8_t pool_state[64];
	struct net_pool *pool;
	uint16_t next[SOCK_BLOCKS];
	struct psock s[SOCK_MAX];
	uint32_t kick_tail, kick_all, accept_head, accept_tail, ready_head, ready_tail;
	struct offer off[SOCK_ACCEPTS]; /* [off_tail, accept_head): offers maybe not claimed */
	uint32_t off_tail;
	bool late;                   /* left an offer unclaimed past accept_timeout= ... */
	uint32_t announce_seen;      /* ... and has not announced itself since */
	uint32_t ready_lost;
	int nfree_hint;
	bool changed;                /* something was published this turn: notify */
	bool bad;                    /* closed for lying; gone at the end of the turn */
	uint16_t dirty[SOCK_MAX];
	int ndirty;
	struct client *link;         /* in the list of clients to look at this turn */
};

/* sock.c */
struct client *sock_client_of(struct disp_chan *dc);
void sock_map_put(int nh, struct client *c, int id);
void sock_map_del(int nh);
void sock_release(struct client *c, int id);
void sock_bad(struct client *c, enum bad_reason why);

/* sockshm.c */
void shm_init_client(struct client *c);
void shm_open_entry(struct client *c, int id, uint8_t kind, uint32_t st);
void shm_close_entry(struct client *c, int id);
void shm_dirty(struct client *c, int id);
void shm_sync(struct client *c, int id); /* take the process's rx_head / tx_tail */
void shm_sync_how(struct client *c, int id, bool send_now);
void shm_kicks(struct client *c);
void shm_publish(struct client *c);
void shm_publish_now(struct client *c, int id);
void shm_accept(struct group *g);
/* Can c be offered a connection now (not late, room in its rings)? */
bool shm_can_offer(struct client *c);
/* c's oldest offer it has not claimed (claimed and closed ones are passed
 * by); NULL when none. */
struct offer *shm_oldest_offer(struct client *c);
void shm_offer_pop(struct client *c);
/* Takes c's oldest offer back (CAS to REVOKED) into grp's returned queue:
 * 1; 0 when the process claimed it first (passed by); -1 when it cannot
 * move now (no room, no blocks: it stays offered to c). */
int shm_take_back(struct client *c, struct group *grp);
void shm_udp_free(struct client *c, struct psock *p);
void shm_udp_deliver(struct client *c, int id);
int shm_free_id(struct client *c);
uint64_t shm_accepted(void);
extern uint64_t shm_lost_nomem; /* taken back, and no stack block to hold its bytes: reset */
extern uint64_t shm_bad[BAD__COUNT];
extern uint64_t shm_copied_in, shm_copied_out; /* bytes netd's stack moved from / to process rings */

#endif
