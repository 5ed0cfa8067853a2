/*
 * test_threads.c: instances of one region run on several threads at once.
 *
 *   - Four threads, each with two instances of its own in a shared region,
 *     run 20,000 rounds each, alternating instances; every result is checked
 *     (each instance counts its own calls in its heap, so a mixed-up heap or
 *     a lost run shows).
 *   - Four threads create, run and release instances concurrently in a
 *     four-slot region, 5,000 times each; every creation must find a slot
 *     and every result must be right, and the region ends empty.
 *
 * Guest: core_trivial.so.
 */
#include <pthread.h>

#include "ctest.h"

#define THREADS 4
#define ROUNDS 20000
#define CHURN 5000

static struct lucet_dl_module *mod;
static struct lucet_region *shared_region;

struct worker {
    pthread_t thread;
    int id;
    int failures;
    char first_failure[256];
};

/* Records a failure of a worker, keeping the first explanation. */
static void worker_fail(struct worker *w, const char *what, int round)
{
    if (w->failures++ == 0)
        snprintf(w->first_failure, sizeof w->first_failure, "thread %d round %d: %s (%s)", w->id,
                 round, what, lucet_error_message());
}

/* Runs bump(x) and returns its result, or INT32_MIN on failure. */
static int32_t bump(struct lucet_instance *inst, int32_t x)
{
    struct lucet_state st;
    int32_t v;

    if (lucet_instance_run(inst, "bump", 1, (struct lucet_val[]){ LUCET_VAL_I32(x) }) !=
            lucet_error_ok ||
        lucet_instance_state(inst, &st) != lucet_error_ok)
        return INT32_MIN;
    v = LUCET_UNTYPED_RETVAL_TO_I32(st.val.returned);
    lucet_state_release(&st);
    return v;
}

static int64_t scale(struct lucet_instance *inst, int64_t a, double b)
{
    struct lucet_state st;
    int64_t v;

    if (lucet_instance_run(inst, "scale", 2,
                           (struct lucet_val[]){ LUCET_VAL_I64(a), LUCET_VAL_F64(b) }) !=
            lucet_error_ok ||
        lucet_instance_state(inst, &st) != lucet_error_ok)
        return INT64_MIN;
    v = LUCET_UNTYPED_RETVAL_TO_I64(st.val.returned);
    lucet_state_release(&st);
    return v;
}

static void *run_own_instances(void *arg)
{
    struct worker *w = arg;
    struct lucet_instance *inst[2] = { NULL, NULL };
    /* Instance k of thread id adds (id * 2 + k + 1) per call. */
    int32_t step[2] = { w->id * 2 + 1, w->id * 2 + 2 };

    for (int k = 0; k < 2; k++)
        if (lucet_region_new_instance(shared_region, mod, &inst[k]) != lucet_error_ok) {
            worker_fail(w, "new instance", -1);
            goto out;
        }
    for (int round = 1; round <= ROUNDS; round++) {
        for (int k = 0; k < 2; k++) {
            int32_t got = bump(inst[k], step[k]);

            if (got != step[k] * round)
                worker_fail(w, "bump result", round);
        }
        if (scale(inst[round % 2], (int64_t)round * 1000 + w->id, 0.5) !=
            ((int64_t)round * 1000 + w->id) / 2)
            worker_fail(w, "scale result", round);
    }
out:
    for (int k = 0; k < 2; k++)
        lucet_instance_release(inst[k]);
    return NULL;
}

/* Runs `body` on THREADS workers at once; a worker's failures fail the case. */
static void run_workers(void *(*body)(void *))
{
    struct worker workers[THREADS];

    memset(workers, 0, sizeof workers);
    for (int i = 0; i < THREADS; i++) {
        workers[i].id = i;
        CHECK_EQ_INT(pthread_create(&workers[i].thread, NULL, body, &workers[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        CHECK_EQ_INT(pthread_join(workers[i].thread, NULL), 0);
        if (workers[i].failures != 0) {
            printf("    %d failures, first: %s\n", workers[i].failures, workers[i].first_failure);
            ctest_case_failed = 1;
        }
    }
}

static void concurrent_runs_in_shared_region(void)
{
    run_workers(run_own_instances);
}

static struct lucet_region *churn_region;

static void *churn(void *arg)
{
    struct worker *w = arg;

    for (int round = 0; round < CHURN; round++) {
        struct lucet_instance *inst = NULL;
        int32_t x = w->id * 100000 + round;

        /* Each thread holds at most one instance, so a slot is always free. */
        if (lucet_region_new_instance(churn_region, mod, &inst) != lucet_error_ok) {
            worker_fail(w, "new instance", round);
            continue;
        }
        if (bump(inst, x) != x)
            worker_fail(w, "bump result on a fresh instance", round);
        lucet_instance_release(inst);
    }
    return NULL;
}

static void concurrent_create_and_release(void)
{
    struct lucet_instance *insts[THREADS + 1];

    CHECK_OK(lucet_mmap_region_create(THREADS, NULL, &churn_region));
    run_workers(churn);
    /* Every slot is free again. */
    for (int i = 0; i < THREADS; i++)
        CHECK_OK(lucet_region_new_instance(churn_region, mod, &insts[i]));
    CHECK_ERR(lucet_region_new_instance(churn_region, mod, &insts[THREADS]),
              lucet_error_region_full);
    for (int i = 0; i < THREADS; i++)
        lucet_instance_release(insts[i]);
    lucet_region_release(churn_region);
}

int main(void)
{
    if (lucet_dl_module_load(ctest_guest_path("core_trivial.so"), &mod) != lucet_error_ok ||
        lucet_mmap_region_create(2 * THREADS, NULL, &shared_region) != lucet_error_ok) {
        printf("FAIL setup: %s\n", lucet_error_message());
        return 1;
    }
    RUN_CASE(concurrent_runs_in_shared_region);
    RUN_CASE(concurrent_create_and_release);
    lucet_region_release(shared_region);
    lucet_dl_module_release(mod);
    CTEST_EXIT();
}
