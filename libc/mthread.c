/* mthread.c - see pikaos/mthread.h. */
#include <pikaos/mthread.h>
#include <stdlib.h>

void mthread_switch(void **save_sp, void *new_sp);
void mthread_entry(void);

static struct mthread *free_list;
static struct mthread *running;
static void *caller_sp; /* where mthread_run came from */

struct mthread *mthread_self(void) { return running; }

struct mthread *mthread_create(void (*fn)(void *), void *arg)
{
	struct mthread *t = free_list;
	if (t) {
		free_list = t->next;
	} else {
		t = malloc(sizeof(*t));
		if (!t)
			return NULL;
		t->stack = malloc(MTHREAD_STACK);
		if (!t->stack) {
			free(t);
			return NULL;
		}
	}
	t->fn = fn;
	t->arg = arg;
	t->done = 0;
	t->next = NULL;
	/* the frame mthread_switch pops: r15 r14 r13 r12 rbx rbp, return address */
	uint64_t *sp = (uint64_t *)((uintptr_t)(t->stack + MTHREAD_STACK) & ~(uintptr_t)15);
	*--sp = (uint64_t)mthread_entry; /* popped by ret: rsp is then 16-byte aligned */
	*--sp = 0;                 /* rbp */
	*--sp = 0;                 /* rbx */
	*--sp = (uint64_t)fn;      /* r12 */
	*--sp = (uint64_t)arg;     /* r13 */
	*--sp = 0;                 /* r14 */
	*--sp = 0;                 /* r15 */
	t->sp = sp;
	return t;
}

int mthread_run(struct mthread *t)
{
	struct mthread *prev = running;
	void *prev_caller = caller_sp;
	running = t;
	mthread_switch(&caller_sp, t->sp);
	running = prev;
	caller_sp = prev_caller;
	if (t->done) {
		t->next = free_list;
		free_list = t;
		return 1;
	}
	return 0;
}

void mthread_yield(void)
{
	struct mthread *t = running;
	mthread_switch(&t->sp, caller_sp);
}

void mthread_finish(void)
{
	struct mthread *t = running;
	t->done = 1;
	void *dummy;
	mthread_switch(&dummy, caller_sp);
}
