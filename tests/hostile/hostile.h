/* hostile.h — the hostile-client test tool: options, loopback-only sockets with deadlines, the
 * result line, a small blocking SSH client on the warpssh engine, and one entry point per mode. */
#ifndef WS_HOSTILE_H
#define WS_HOSTILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "warpssh/auth.h"
#include "warpssh/keys.h"
#include "warpssh/transport.h"

/* Bounds on what one run may do, whatever the command line says. */
#define H_MAX_HALFOPEN 4096u
#define H_MAX_CHANNELS 1000000u
#define H_MAX_DRIP 255u
#define H_MAX_SECONDS 300u
#define H_ADDR_MAX 64u

/* Exit statuses: the action was performed / could not be performed / bad usage or address. */
enum { H_EXIT_DONE = 0, H_EXIT_FAILED = 1, H_EXIT_USAGE = 2 };

struct hopts {
	const char *mode;
	char host[H_ADDR_MAX]; /* numeric loopback address (127.0.0.0/8 or ::1) */
	uint16_t port;	       /* the server */
	unsigned count;	       /* halfopen: connections; channels: opens; drip: bytes */
	unsigned hold_s;       /* how long to hold what the attack built (SIGUSR1 ends it early) */
	unsigned limit_s;      /* overall bound on the run */
	unsigned interval_ms;  /* drip: delay between bytes */
	const char *key_file;  /* ed25519 private key for publickey auth */
	const char *user;
	const char *command;  /* nowindow: the command whose output is never read */
	uint32_t window;      /* nowindow: the channel window we grant and never adjust */
	uint16_t listen_port; /* macflip: the proxy's port (0: any, printed) */
	uint64_t flip_offset; /* macflip: flip the client-to-server byte at this offset */
	bool no_strict;	      /* terrapin: do not offer strict kex (the control run) */
};

/* ---- hnet.c: time, addresses, sockets ---- */
int64_t h_now_ms(void);
/* The run's overall deadline (set once by main). */
void h_set_deadline(int64_t deadline_ms);
int64_t h_deadline(void);
/* Milliseconds left until deadline (0 when passed), capped at cap_ms. */
int h_left_ms(int64_t deadline_ms, int cap_ms);
/* true if host is a numeric address in 127.0.0.0/8 or ::1. */
bool h_is_loopback(const char *host);
/* Non-blocking socket with connect() started; WS_OK or WS_ERR_IO. */
int h_connect_start(const char *host, uint16_t port, int *fd);
/* Wait for a started connect to finish (WS_OK, WS_ERR_IO refused, WS_ERR_TIMEOUT). */
int h_connect_wait(int fd, int64_t deadline_ms);
int h_connect(const char *host, uint16_t port, int64_t deadline_ms, int *fd);
/* Write all of len bytes to a non-blocking fd by the deadline. */
int h_write_all(int fd, const void *data, size_t len, int64_t deadline_ms);
/* Read what is there within wait_ms: bytes read, 0 on EOF, WS_ERR_AGAIN when nothing came,
 * WS_ERR_IO on a socket error (e.g. reset). */
int h_read_some(int fd, void *buf, size_t len, int wait_ms);
/* Listening socket on a loopback address; *port 0 picks one and writes it back. */
int h_listen(const char *host, uint16_t *port, int *fd);
/* SIGUSR1 ends holds early; SIGPIPE is ignored. */
void h_install_signals(void);
bool h_hold_interrupted(void);
/* Hold until hold_s pass, the overall deadline passes, or SIGUSR1; returns ms held. */
int64_t h_hold(unsigned hold_s);

/* The result line: "hostile mode=M key=value ...". */
void h_result(const char *mode, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- hssh.c: a blocking SSH client on the engine (transport + publickey auth) ---- */
struct hssh;
typedef void (*hssh_payload_fn)(struct hssh *h, const uint8_t *payload, size_t len, void *arg);

struct hssh_config {
	const struct hopts *o;
	bool strict;		    /* offer kex-strict-c-v00@openssh.com */
	bool inject_ignore;	    /* write a plaintext IGNORE right after our KEXINIT */
	const char *ciphers;	    /* NULL: the engine's defaults */
	bool authenticate;	    /* run publickey auth after the handshake */
	hssh_payload_fn on_payload; /* connection-protocol messages after auth */
	void *arg;
};

/* Connect and start the handshake (and the IGNORE injection) — no waiting for the server. */
int hssh_open(struct hssh **out, const struct hssh_config *cfg);
void hssh_close(struct hssh *h);
/* One round: write due output, wait up to wait_ms, read (only if read_input), handle events. */
int hssh_step(struct hssh *h, int wait_ms, bool read_input);
/* Step until the condition holds, the connection ends, or the deadline passes. */
bool hssh_wait(struct hssh *h, bool (*cond)(const struct hssh *h), int64_t deadline_ms);
/* Queue one payload; when the transport is full write output (reading nothing) until the
 * deadline. WS_ERR_TIMEOUT if it never fit. */
int hssh_send(struct hssh *h, const uint8_t *payload, size_t len, int64_t deadline_ms);
/* Write everything queued by the deadline without reading. */
int hssh_flush(struct hssh *h, int64_t deadline_ms);

bool hssh_handshake_done(const struct hssh *h);
bool hssh_authenticated(const struct hssh *h);
bool hssh_service_accepted(const struct hssh *h);
bool hssh_ended(const struct hssh *h); /* server closed or disconnected, or a local failure */
/* "eof", "disconnect:<reason>", "error:<message>" or "open". */
const char *hssh_end_reason(const struct hssh *h);
bool hssh_strict(const struct hssh *h);

/* ---- modes (hraw.c, hmodes.c, hproxy.c): each returns an H_EXIT_* status ---- */
int h_mode_halfopen(const struct hopts *o);
int h_mode_drip(const struct hopts *o);
int h_mode_hugelen(const struct hopts *o);
int h_mode_channels(const struct hopts *o);
int h_mode_nowindow(const struct hopts *o);
int h_mode_terrapin(const struct hopts *o);
int h_mode_macflip(const struct hopts *o);

#endif
