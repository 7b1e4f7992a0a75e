/* agent.c — the ssh-agent protocol client (draft-miller-ssh-agent): REQUEST_IDENTITIES (11) /
 * IDENTITIES_ANSWER (12) and SIGN_REQUEST (13) / SIGN_RESPONSE (14) over SSH_AUTH_SOCK, with every
 * message framed as uint32 length || byte type || contents, and a deadline on each exchange. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "warpssh/agent.h"
#include "warpssh/log.h"

struct ws_agent {
	int fd;
	uint8_t *msg; /* WS_AGENT_MAX_MSG bytes for requests and replies */
};

int ws_agent_connect(struct ws_agent **out, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	*out = NULL;
	if (path == NULL)
		path = getenv("SSH_AUTH_SOCK");
	if (path == NULL || path[0] == '\0')
		return WS_ERR_NOT_FOUND;
	WS_ENSURE(strlen(path) < sizeof(sa.sun_path), WS_ERR_TOO_LONG);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	struct ws_agent *a = calloc(1, sizeof(*a));
	WS_ENSURE(a != NULL, WS_ERR_NO_MEMORY);
	a->msg = malloc(WS_AGENT_MAX_MSG);
	a->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (a->msg == NULL || a->fd < 0 || connect(a->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int rc = a->msg == NULL ? WS_ERR_NO_MEMORY : WS_ERR_IO;
		ws_verbose("agent: cannot connect to %s: %s", path, strerror(errno));
		ws_agent_close(a);
		return rc;
	}
	*out = a;
	return WS_OK;
}

void ws_agent_close(struct ws_agent *a)
{
	if (a == NULL)
		return;
	if (a->fd >= 0)
		close(a->fd);
	free(a->msg);
	free(a);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Wait for ev on fd until the deadline; WS_ERR_TIMEOUT when it passes. */
static int wait_fd(int fd, short ev, uint64_t deadline)
{
	for (;;) {
		uint64_t now = now_ms();
		WS_ENSURE(now < deadline, WS_ERR_TIMEOUT);
		struct pollfd p = {.fd = fd, .events = ev};
		int n = poll(&p, 1, (int)(deadline - now));
		if (n > 0)
			return WS_OK;
		WS_ENSURE(n == 0 || errno == EINTR, WS_ERR_IO);
	}
}

static int write_all(int fd, const uint8_t *p, size_t len, uint64_t deadline)
{
	while (len > 0) {
		WS_TRY(wait_fd(fd, POLLOUT, deadline));
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		WS_ENSURE(n > 0, WS_ERR_IO);
		p += n;
		len -= (size_t)n;
	}
	return WS_OK;
}

static int read_all(int fd, uint8_t *p, size_t len, uint64_t deadline)
{
	while (len > 0) {
		WS_TRY(wait_fd(fd, POLLIN, deadline));
		ssize_t n = recv(fd, p, len, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		WS_ENSURE(n >= 0, WS_ERR_IO);
		WS_ENSURE(n > 0, WS_ERR_EOF);
		p += n;
		len -= (size_t)n;
	}
	return WS_OK;
}

/* Send the framed request in a->msg[0..len) (length prefix included) and read one reply body
 * into a->msg; *reply_len is its length (type byte first). */
static int exchange(struct ws_agent *a, size_t len, size_t *reply_len)
{
	uint8_t hdr[4];
	uint64_t deadline = now_ms() + WS_AGENT_TIMEOUT_MS;
	*reply_len = 0;
	WS_TRY(write_all(a->fd, a->msg, len, deadline));
	WS_TRY(read_all(a->fd, hdr, sizeof(hdr), deadline));
	uint32_t n = ws_load_be32(hdr);
	WS_ENSURE(n >= 1 && n <= WS_AGENT_MAX_MSG, WS_ERR_TOO_LONG);
	WS_TRY(read_all(a->fd, a->msg, n, deadline));
	*reply_len = n;
	return WS_OK;
}

/* ---------------------------------------------------------------- message bodies */

int ws_agent_parse_identities(const uint8_t *msg, size_t len, struct ws_key *keys, size_t max, size_t *n)
{
	struct ws_buf r;
	uint8_t type;
	uint32_t count;
	struct ws_bytes blob, comment;
	*n = 0;
	ws_buf_init_read(&r, msg, len);
	WS_TRY(ws_buf_get_u8(&r, &type));
	WS_ENSURE(type == WS_AGENT_IDENTITIES_ANSWER, type == WS_AGENT_FAILURE ? WS_ERR_NOT_FOUND : WS_ERR_PROTOCOL);
	WS_TRY(ws_buf_get_u32(&r, &count));
	WS_ENSURE(count <= len / 8u, WS_ERR_FORMAT); /* each entry holds two strings */
	for (uint32_t i = 0; i < count; i++) {
		WS_TRY(ws_buf_get_string(&r, &blob, WS_AGENT_MAX_MSG));
		WS_TRY(ws_buf_get_string(&r, &comment, WS_AGENT_MAX_MSG));
		if (*n == max || ws_key_from_blob(&keys[*n], blob.ptr, blob.len) != WS_OK)
			continue; /* other key types (or too many): not ours to use */
		size_t clen = comment.len < WS_KEY_COMMENT_MAX - 1 ? comment.len : WS_KEY_COMMENT_MAX - 1;
		memcpy(keys[*n].comment, comment.ptr, clen);
		keys[*n].comment[clen] = '\0';
		if (memchr(keys[*n].comment, '\0', clen) != NULL)
			keys[*n].comment[0] = '\0';
		(*n)++;
	}
	return ws_buf_avail(&r) == 0 ? WS_OK : WS_ERR_FORMAT;
}

int ws_agent_build_sign_request(struct ws_buf *out, const struct ws_key *key, const uint8_t *data, size_t len)
{
	uint8_t blob_mem[WS_KEY_BLOB_LEN];
	struct ws_buf blob;
	uint8_t *frame;
	ws_buf_init_write(&blob, blob_mem, sizeof(blob_mem));
	WS_TRY(ws_key_put_blob(key, &blob));
	size_t start = out->wpos;
	WS_TRY(ws_buf_reserve(out, 4, &frame));
	WS_TRY(ws_buf_put_u8(out, WS_AGENTC_SIGN_REQUEST));
	WS_TRY(ws_buf_put_string(out, blob.data, blob.wpos));
	WS_TRY(ws_buf_put_string(out, data, len));
	WS_TRY(ws_buf_put_u32(out, 0)); /* flags: none apply to ssh-ed25519 */
	ws_store_be32(frame, (uint32_t)(out->wpos - start - 4u));
	return WS_OK;
}

int ws_agent_parse_sign_response(const uint8_t *msg, size_t len, struct ws_buf *sig_out)
{
	struct ws_buf r;
	uint8_t type;
	struct ws_bytes sig;
	ws_buf_init_read(&r, msg, len);
	WS_TRY(ws_buf_get_u8(&r, &type));
	WS_ENSURE(type == WS_AGENT_SIGN_RESPONSE, type == WS_AGENT_FAILURE ? WS_ERR_NOT_FOUND : WS_ERR_PROTOCOL);
	WS_TRY(ws_buf_get_string(&r, &sig, WS_AGENT_MAX_MSG));
	WS_ENSURE(ws_buf_avail(&r) == 0, WS_ERR_FORMAT);
	/* RFC 8709 §6: string "ssh-ed25519" || string signature (64 bytes) */
	WS_ENSURE(sig.len == WS_KEY_SIG_BLOB_LEN, WS_ERR_FORMAT);
	return ws_buf_put_bytes(sig_out, sig.ptr, sig.len);
}

/* ---------------------------------------------------------------- requests */

int ws_agent_list(struct ws_agent *a, struct ws_key *keys, size_t max, size_t *n)
{
	static const uint8_t req[5] = {0, 0, 0, 1, WS_AGENTC_REQUEST_IDENTITIES};
	size_t reply_len;
	*n = 0;
	memcpy(a->msg, req, sizeof(req));
	WS_TRY(exchange(a, sizeof(req), &reply_len));
	return ws_agent_parse_identities(a->msg, reply_len, keys, max, n);
}

int ws_agent_sign(struct ws_agent *a, const struct ws_key *key, const uint8_t *data, size_t len,
		  struct ws_buf *sig_out)
{
	struct ws_buf w;
	size_t reply_len;
	ws_buf_init_write(&w, a->msg, WS_AGENT_MAX_MSG);
	WS_TRY(ws_agent_build_sign_request(&w, key, data, len));
	int rc = exchange(a, w.wpos, &reply_len);
	if (rc == WS_OK)
		rc = ws_agent_parse_sign_response(a->msg, reply_len, sig_out);
	sodium_memzero(a->msg, WS_AGENT_MAX_MSG < w.wpos ? WS_AGENT_MAX_MSG : w.wpos);
	return rc;
}
