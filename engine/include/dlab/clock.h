/* The engine's clock: monotonic seconds (never stepped by the time of
 * day), for timing steps, epochs and benchmarks and for pacing work. */
#ifndef DLAB_CLOCK_H
#define DLAB_CLOCK_H

/* Seconds since an arbitrary start, with nanosecond resolution; only
 * differences mean anything. */
double dlab_now_seconds(void);

#endif
