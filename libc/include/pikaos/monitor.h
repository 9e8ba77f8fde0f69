/*
 * pikaos/monitor.h - talking to the monitors (DESIGN 3).
 *
 * Every process can reach the monitor of its core over its monitor channel
 * (made on first use: SYS_monitor_connect); the monitors of all cores are
 * connected to each other. Names are per core: a service registers "kv" on
 * its core and clients find it as kv@CORE.
 *
 * The calls below are synchronous; notifications that arrive meanwhile (a
 * service being handed a new channel) are kept for mon_next_notification().
 * Results: >= 0, or -errno.
 */
#ifndef _PIKAOS_MONITOR_H
#define _PIKAOS_MONITOR_H

#include <pikaos/chan.h>
#include <pikaos/msg.h>
#include <pikaos/syscall.h>
#include <stdint.h>

#define MON_NAME_MAX 24
#define MON_SPAWN_MAX (MSG_REQ_MAX - 4)

/* Message types on monitor channels. */
enum {
	MON_REGISTER = 1, /* data: name                        -> status */
	MON_LOOKUP,       /* data: core (u32), name            -> status = pid */
	MON_BIND,         /* data: core (u32), name            -> data: va (u64), end (u32), peer core, peer pid */
	MON_SPAWN,        /* data: core (u32), "prog args"     -> status = pid */
	MON_PS,           /* data: core (u32)                  -> data: struct pika_proc_info[] */
	MON_SERVICES,     /* data: core (u32)                  -> data: struct mon_service[] */
	MON_STATS,        /* data: core (u32)                  -> data: struct pika_core_stats */
	MON_UNREGISTER,   /* data: name                        -> status */
	MON_DEVICE,       /* data: dev (u32): may I drive it?  -> status (0: granted) */
	MON_KILL,         /* data: core (u32), pid (i32)       -> status [the operator's shell only] */
	/* notification to a service: a client was bound to it */
	MON_NEW_CHAN = 32, /* data: va (u64), end (u32), client core (u32), client pid (i32), name */
	/* between monitors */
	MON_PEER_BIND = 64, /* data: id (u64), client core, client pid, name -> status */
	MON_PEER_CLOSED,    /* data: id (u64): an end of a channel you own was closed */
	MON_PEER_HELLO,     /* data: core: sent once at start */
};

/* The request of LOOKUP and BIND: a service name@core (and for BIND the
 * size of the channel, 1 page when 0). */
struct mon_name_req {
	uint16_t core;
	uint16_t pages;
	char name[MSG_DATA - 4];
};

struct mon_service {
	char name[MON_NAME_MAX];
	int32_t pid;
	uint32_t core;
};

struct mon_bind_data {
	uint64_t va;
	uint32_t end;
	uint32_t peer_core;
	int32_t peer_pid;
	char name[MON_NAME_MAX - 4];
};

struct mon_notification {
	uint32_t type;
	struct mon_bind_data bind;
};

/* The monitor channel of this process (connecting on first use), or NULL. */
struct chan *mon_chan(void);
int mon_register(const char *name);
int mon_unregister(const char *name);
int mon_lookup(const char *name, int core);             /* pid */
/* A channel to service name@core, attached as *out. */
int mon_bind(const char *name, int core, struct chan *out);
/* The same with a data area: pages - 1 pages after the rings (chan_data()). */
int mon_bind_pages(const char *name, int core, int pages, struct chan *out);
/* Starts a boot-module program on core; "prog arg arg..." up to
 * MON_SPAWN_MAX - 1 bytes (the kernel's limits: a name under 32 bytes,
 * arguments under 256). */
int mon_spawn(const char *prog_and_args, int core);     /* pid */
/* Ends process pid of core (status SIGKILL, 9). Only the shell the
 * monitor started may; -EPERM for anyone else or for a monitor. */
int mon_kill(int core, int pid);
/* Ask for the right to drive PCI function dev (pikaos/dev.h); the monitor
 * grants it to the programs named by drivers= (default: netd). */
int mon_device(int dev);
/* The bulk queries: bytes written to buf (whole records), or -errno. */
long mon_ps(int core, struct pika_proc_info *buf, int max);
long mon_services(int core, struct mon_service *buf, int max);
int mon_stats(int core, struct pika_core_stats *out);
/* Hands the monitor channel to an event loop (disp_adopt): the mon_*() calls
 * above stop working in this process. NULL without a monitor channel. */
struct chan *mon_release(void);
/* A notification received while waiting for replies: 1 and *n filled, 0 if none. */
int mon_next_notification(struct mon_notification *n);
/* Raw: send a request of `type` with data and collect the reply bytes. */
int mon_call(uint32_t type, const void *data, size_t len, void *reply, size_t max, size_t *got);

#endif
