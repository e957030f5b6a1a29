/* clock.c: monotonic and real time as seconds, for every room. */
#include <config.h>

#include <time.h>

#include "common/clock.h"

static double seconds (clockid_t id)
{
    struct timespec ts;
    /* Both clocks always exist on Linux; clock_gettime cannot fail here. */
    clock_gettime (id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double mb_clock_mono (void)
{
    return seconds (CLOCK_MONOTONIC);
}

double mb_clock_real (void)
{
    return seconds (CLOCK_REALTIME);
}
