/* Error reporting for libdlab.
 *
 * Library code never exits or aborts on bad input. A failing call returns -1
 * (or NULL) and leaves a message for the calling thread that names the file
 * or argument and what is wrong with it, e.g.
 *   "data/MNIST/raw/train-images-idx3-ubyte: truncated: 47040016 bytes expected, 1000 found"
 * The message is thread-local, so the GUI's worker thread and main thread
 * never overwrite each other's errors. */
#ifndef DLAB_ERROR_H
#define DLAB_ERROR_H

#ifdef __GNUC__
#define DLAB_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define DLAB_PRINTF(f, a)
#endif

/* Sets the calling thread's message (printf-style) and returns -1, so that
 * `return dlab_error("...")` reads naturally. */
int dlab_error(const char *fmt, ...) DLAB_PRINTF(1, 2);

/* Puts "PREFIX: " in front of the current message, for callers that add
 * context (the file name) to an error raised deeper down. Returns -1. */
int dlab_error_prefix(const char *fmt, ...) DLAB_PRINTF(1, 2);

/* The calling thread's last message; "" if none. */
const char *dlab_error_message(void);

void dlab_error_clear(void);

#endif
