/* clock.h: the one clock helper.  Two clocks, as seconds in a double:
 * monotonic for intervals and deadlines (timeouts, heartbeats, pacing),
 * real time for what is written down (journal and report times, the
 * start and end of attempts).  Never mix the two in one subtraction. */
#ifndef MB_CLOCK_H
#define MB_CLOCK_H

/* Seconds of CLOCK_MONOTONIC: only differences mean anything. */
double mb_clock_mono (void);

/* Seconds since the UNIX epoch (CLOCK_REALTIME), with nanoseconds. */
double mb_clock_real (void);

#endif
