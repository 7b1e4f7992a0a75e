/* mini_io.h — a minimal blocking runtime for the transport interop programs: one connection on a
 * kernel socket, poll(2) with a deadline, events handed to a callback. Test-only. */
#ifndef WS_MINI_IO_H
#define WS_MINI_IO_H

#include "warpssh/transport.h"

/* Called for every event; return < 0 to stop with failure, 1 to stop with success, 0 to go on. */
typedef int (*mini_event_fn)(struct ws_transport *t, const struct ws_transport_event *ev, void *arg);

/* Run until the callback stops, the connection closes, or timeout_ms pass. Returns 1 on callback
 * success, 0 when the peer closed, < 0 on error/timeout. Pending output is flushed before return. */
int mini_run(int fd, struct ws_transport *t, mini_event_fn fn, void *arg, int timeout_ms);
/* Read a whole small file into a NUL-terminated malloc'd buffer. */
char *mini_read_file(const char *path, size_t *len);
/* Print the negotiated algorithms as "kex=... cipher_c2s=... mac_c2s=..." on stdout. */
void mini_print_algs(const struct ws_transport *t);

#endif
