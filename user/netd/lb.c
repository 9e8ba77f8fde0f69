/* PIKA's load balancer: see lb.h for the schemes and the contract. */
#include "user/netd/lb.h"

#include <errno.h>
#include <stddef.h>

#define W_ONE (1ull << 32) /* weight of a 1 us service time */

void lb_config_default(struct lb_config *c)
{
	c->scheme = LB_TOURNAMENT;
	c->tariff_pct = 200;
	c->high_pct = 100;
	c->low_pct = 80;
	c->default_us = 1000;
	c->sample_age = 0;
	c->out_pct = 400;
	c->in_pct = 300;
	c->probe = 0;
}

static bool prefix(const char **s, const char *p)
{
	const char *a = *s;
	while (*p)
		if (*a++ != *p++)
			return false;
	*s = a;
	return true;
}

/* T as percent: "2" -> 200, "1.5" -> 150, "1.25" -> 125 */
static int parse_tariff(const char *s, uint32_t *pct)
{
	uint32_t whole = 0, frac = 0;
	int nd = 0, nf = 0;
	for (; *s >= '0' && *s <= '9'; s++, nd++) {
		whole = whole * 10 + (uint32_t)(*s - '0');
		if (whole > 1000)
			return -EINVAL;
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, nf++) {
			if (nf == 2)
				return -EINVAL;
			frac = frac * 10 + (uint32_t)(*s - '0');
		}
		if (!nf)
			return -EINVAL;
		if (nf == 1)
			frac *= 10;
	}
	if (!nd || *s)
		return -EINVAL;
	uint32_t v = whole * 100 + frac;
	if (v < 100 || v > 100000)
		return -EINVAL;
	*pct = v;
	return 0;
}

int lb_parse(const char *s, struct lb_config *c)
{
	enum lb_scheme sch;
	if (!s)
		return -EINVAL;
	if (prefix(&s, "naive")) {
		if (*s)
			return -EINVAL;
		c->scheme = LB_NAIVE;
		return 0;
	}
	if (prefix(&s, "unfiltered:"))
		sch = LB_UNFILTERED;
	else if (prefix(&s, "filtered:"))
		sch = LB_FILTERED;
	else if (prefix(&s, "tournament:"))
		sch = LB_TOURNAMENT;
	else
		return -EINVAL;
	uint32_t t;
	if (parse_tariff(s, &t) < 0)
		return -EINVAL;
	c->scheme = sch;
	c->tariff_pct = t;
	return 0;
}

void lb_init(struct lb *lb, const struct lb_config *c, uint64_t seed)
{
	*lb = (struct lb){ .cfg = *c, .rng = seed ? seed : 0x9e3779b97f4a7c15ull };
	if (!lb->cfg.default_us)
		lb->cfg.default_us = 1;
	if (lb->cfg.low_pct > lb->cfg.high_pct)
		lb->cfg.low_pct = lb->cfg.high_pct;
	if (lb->cfg.in_pct > lb->cfg.out_pct)
		lb->cfg.in_pct = lb->cfg.out_pct;
}

void lb_now(struct lb *lb, uint64_t now) { lb->now = now; }

static uint64_t rng_next(struct lb *lb)
{
	/* xorshift64* */
	uint64_t x = lb->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	lb->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* ---------------------------------------------------------------- local applications */
static struct lb_app *app_find(struct lb *lb, uint32_t handle)
{
	for (unsigned i = 0; i < LB_APPS_MAX; i++)
		if (lb->apps[i].used && lb->apps[i].handle == handle)
			return &lb->apps[i];
	return NULL;
}

int lb_app_add(struct lb *lb, uint32_t handle)
{
	if (app_find(lb, handle))
		return -EEXIST;
	for (unsigned i = 0; i < LB_APPS_MAX; i++)
		if (!lb->apps[i].used) {
			lb->apps[i] = (struct lb_app){ .handle = handle, .used = true };
			return 0;
		}
	return -ENOSPC;
}

int lb_app_remove(struct lb *lb, uint32_t handle)
{
	struct lb_app *a = app_find(lb, handle);
	if (!a)
		return -ENOENT;
	a->used = false;
	return 0;
}

int lb_app_pause(struct lb *lb, uint32_t handle, bool paused)
{
	struct lb_app *a = app_find(lb, handle);
	if (!a)
		return -ENOENT;
	a->paused = paused;
	return 0;
}

int lb_app_report(struct lb *lb, uint32_t handle, uint32_t service_us)
{
	struct lb_app *a = app_find(lb, handle);
	if (!a)
		return -ENOENT;
	a->win[a->pos] = service_us ? service_us : 1;
	a->at[a->pos] = lb->now;
	a->pos = (uint8_t)((a->pos + 1) % LB_WINDOW);
	if (a->n < LB_WINDOW)
		a->n++;
	return 0;
}

int lb_app_floor(struct lb *lb, uint32_t handle, uint32_t us)
{
	struct lb_app *a = app_find(lb, handle);
	if (!a)
		return -ENOENT;
	a->floor_us = us;
	return 0;
}

/* The median of the recent samples (the newest alone when none is recent),
 * at least the least of the newest LB_NEWEST when they are all recent (a
 * server that got slow shows it after LB_NEWEST slow connections instead of
 * half a window; one long connection among short ones does not count), and
 * at least the floor. */
static uint32_t service_of(const struct lb *lb, const struct lb_app *a)
{
	uint32_t v[LB_WINDOW];
	unsigned n = 0;
	for (unsigned i = 0; i < a->n; i++) {
		if (lb->cfg.sample_age && lb->now - a->at[i] > lb->cfg.sample_age)
			continue;
		uint32_t x = a->win[i];
		unsigned j = n;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
		n++;
	}
	if (!n && a->n)
		v[n++] = a->win[(a->pos + LB_WINDOW - 1) % LB_WINDOW];
	uint32_t m = n ? (uint32_t)(((uint64_t)v[(n - 1) / 2] + v[n / 2]) / 2) : lb->cfg.default_us;
	if (a->n >= LB_NEWEST) {
		uint32_t least = UINT32_MAX;
		for (unsigned k = 1; k <= LB_NEWEST; k++) {
			unsigned i = (a->pos + LB_WINDOW - k) % LB_WINDOW;
			if (lb->cfg.sample_age && lb->now - a->at[i] > lb->cfg.sample_age) {
				least = 0;
				break;
			}
			if (a->win[i] < least)
				least = a->win[i];
		}
		m = least > m ? least : m;
	}
	return m > a->floor_us ? m : a->floor_us;
}

uint32_t lb_app_service(const struct lb *lb, uint32_t handle)
{
	for (unsigned i = 0; i < LB_APPS_MAX; i++)
		if (lb->apps[i].used && lb->apps[i].handle == handle)
			return service_of(lb, &lb->apps[i]);
	return 0;
}

bool lb_best_local(const struct lb *lb, uint32_t *handle, uint32_t *service_us)
{
	bool any = false;
	uint32_t best = 0;
	for (unsigned i = 0; i < LB_APPS_MAX; i++) {
		if (!lb->apps[i].used || lb->apps[i].paused)
			continue;
		uint32_t s = service_of(lb, &lb->apps[i]);
		if (!any || s < best) {
			best = s;
			if (handle)
				*handle = lb->apps[i].handle;
			any = true;
		}
	}
	if (any && service_us)
		*service_us = best;
	return any;
}

/* ---------------------------------------------------------------- offers */
int lb_offer_update(struct lb *lb, uint16_t core, uint32_t handle, uint32_t service_us, uint64_t now)
{
	if (core >= LB_OFFERS_MAX || !service_us)
		return -EINVAL;
	struct lb_offer *o = &lb->offers[core];
	bool keep = o->used && o->handle == handle; /* watermark state belongs to one application */
	o->handle = handle;
	o->service_us = service_us;
	o->at = now;
	o->passed = keep && o->passed;
	o->used = true;
	return 0;
}

int lb_offer_withdraw(struct lb *lb, uint16_t core)
{
	if (core >= LB_OFFERS_MAX)
		return -EINVAL;
	if (!lb->offers[core].used)
		return -ENOENT;
	lb->offers[core].used = false;
	return 0;
}

void lb_offers_expire(struct lb *lb, uint64_t now, uint64_t max_age)
{
	for (unsigned i = 0; i < LB_OFFERS_MAX; i++)
		if (lb->offers[i].used && now - lb->offers[i].at > max_age)
			lb->offers[i].used = false;
}

/* ---------------------------------------------------------------- picking */
static uint64_t w_local(uint32_t s)
{
	return W_ONE / (s ? s : 1);
}

static uint64_t w_offer(const struct lb *lb, uint32_t s)
{
	/* 1 / (T * s) */
	uint64_t d = (uint64_t)(s ? s : 1) * lb->cfg.tariff_pct;
	uint64_t w = W_ONE * 100 / d;
	return w ? w : 1;
}

/* the filter with watermarks: best_local / (T * s) against high and low */
static bool filter(struct lb *lb, struct lb_offer *o, bool have_local, uint32_t best_local)
{
	if (!have_local)
		return true; /* nobody here: every offer is better than nothing */
	uint64_t ratio = (uint64_t)best_local * 10000 / ((uint64_t)o->service_us * lb->cfg.tariff_pct);
	if (!o->passed && ratio > lb->cfg.high_pct) {
		o->passed = true;
		lb->st.filter_in++;
	} else if (o->passed && ratio < lb->cfg.low_pct) {
		o->passed = false;
		lb->st.filter_out++;
	}
	return o->passed;
}

struct cand {
	bool local;
	uint16_t idx; /* app or offer index */
	uint32_t s;   /* its service time */
	uint64_t w;
};

static int draw(struct lb *lb, const struct cand *c, unsigned n)
{
	uint64_t total = 0;
	for (unsigned i = 0; i < n; i++)
		total += c[i].w;
	if (!total)
		return -1;
	uint64_t r = rng_next(lb) % total;
	for (unsigned i = 0; i < n; i++) {
		if (r < c[i].w)
			return (int)i;
		r -= c[i].w;
	}
	return (int)n - 1;
}

static void choose(struct lb *lb, const struct cand *c, struct lb_choice *out)
{
	out->local = c->local;
	if (c->local) {
		out->core = 0;
		out->handle = lb->apps[c->idx].handle;
		lb->st.picks_local++;
	} else {
		out->core = c->idx;
		out->handle = lb->offers[c->idx].handle;
		lb->st.picks_remote++;
	}
}

/*
 * Tournament: the local applications that the best offer, tariff included,
 * beats by more than out_pct leave loc (watermarks: they come back below
 * in_pct). One that is due a probe gets this connection instead: true, and
 * *out says so.
 */
static bool sit_out(struct lb *lb, struct cand *loc, unsigned *nl, const struct cand *rem, unsigned nr,
		    struct lb_choice *out)
{
	uint32_t rbest = rem[0].s;
	for (unsigned i = 1; i < nr; i++)
		if (rem[i].s < rbest)
			rbest = rem[i].s;
	unsigned n = 0;
	for (unsigned i = 0; i < *nl; i++) {
		struct lb_app *a = &lb->apps[loc[i].idx];
		uint64_t ratio = (uint64_t)loc[i].s * 10000 / ((uint64_t)rbest * lb->cfg.tariff_pct);
		if (!a->out && ratio > lb->cfg.out_pct) {
			a->out = true;
			a->probed = lb->now;
			a->probe_gap = lb->cfg.probe;
			lb->st.sat_out++;
		} else if (a->out && ratio < lb->cfg.in_pct) {
			a->out = false;
			lb->st.came_back++;
		}
		if (!a->out) {
			loc[n++] = loc[i];
			continue;
		}
		if (lb->cfg.probe && lb->now - a->probed >= a->probe_gap) {
			/* one that stays slow is asked less and less often */
			a->probed = lb->now;
			if (a->probe_gap < LB_PROBE_BACKOFF * lb->cfg.probe)
				a->probe_gap *= 2;
			lb->st.probes++;
			choose(lb, &loc[i], out);
			return true;
		}
	}
	*nl = n;
	return false;
}

int lb_pick(struct lb *lb, struct lb_choice *out)
{
	struct cand loc[LB_APPS_MAX], rem[LB_OFFERS_MAX], all[LB_APPS_MAX + LB_OFFERS_MAX];
	unsigned nl = 0, nr = 0;
	uint32_t best = 0;
	for (unsigned i = 0; i < LB_APPS_MAX; i++) {
		if (!lb->apps[i].used || lb->apps[i].paused)
			continue;
		uint32_t s = service_of(lb, &lb->apps[i]);
		if (!nl || s < best)
			best = s;
		loc[nl++] = (struct cand){ true, (uint16_t)i, s, w_local(s) };
	}
	bool use_filter = lb->cfg.scheme == LB_FILTERED || lb->cfg.scheme == LB_TOURNAMENT;
	if (lb->cfg.scheme != LB_NAIVE || !nl) {
		for (unsigned i = 0; i < LB_OFFERS_MAX; i++) {
			struct lb_offer *o = &lb->offers[i];
			if (!o->used)
				continue;
			if (use_filter && !filter(lb, o, nl > 0, best))
				continue;
			rem[nr++] = (struct cand){ false, (uint16_t)i, o->service_us, w_offer(lb, o->service_us) };
		}
	}
	if (!nl && !nr) {
		lb->st.picks_none++;
		return -ENOENT;
	}
	if (lb->cfg.scheme == LB_TOURNAMENT && nl && nr) {
		if (sit_out(lb, loc, &nl, rem, nr, out))
			return 0; /* a probe */
		if (!nl) {
			choose(lb, &rem[draw(lb, rem, nr)], out);
			return 0;
		}
		/* round 1 among the local applications, round 2 among the offers,
		 * round 3 between the two winners */
		struct cand fin[2] = { loc[draw(lb, loc, nl)], rem[draw(lb, rem, nr)] };
		choose(lb, &fin[draw(lb, fin, 2)], out);
		return 0;
	}
	unsigned n = 0;
	for (unsigned i = 0; i < nl; i++)
		all[n++] = loc[i];
	for (unsigned i = 0; i < nr; i++)
		all[n++] = rem[i];
	choose(lb, &all[draw(lb, all, n)], out);
	return 0;
}
