/* version.c — the protocol version exchange of RFC 4253 §4.2: our identification line, and reading
 * the peer's (with the banner lines a server may send first, bounded in count and size). */
#include <stdio.h>
#include <string.h>

#include "engine/transport_int.h"

void ws_version_make(char *out, size_t outsz)
{
	snprintf(out, outsz, "SSH-2.0-warpssh_%s", WS_VERSION);
}

int ws_version_classify(const char *line, size_t len)
{
	static const char v2[] = "SSH-2.0-", v199[] = "SSH-1.99-", v1[] = "SSH-1.";
	if (len < 4 || strncmp(line, "SSH-", 4) != 0)
		return 0;
	/* RFC 4253 §5.1: a server that supports 1.99 is compatible with SSH-2 clients */
	if ((len > sizeof(v2) - 1 && strncmp(line, v2, sizeof(v2) - 1) == 0) ||
	    (len > sizeof(v199) - 1 && strncmp(line, v199, sizeof(v199) - 1) == 0))
		return 1;
	if (len >= sizeof(v1) - 1 && strncmp(line, v1, sizeof(v1) - 1) == 0)
		return -1;
	return -2;
}

/* Length of the next line in [p, p+n) without its LF (and CR); -1 if no LF yet. */
static long line_length(const uint8_t *p, size_t n, size_t *consumed)
{
	const uint8_t *lf = memchr(p, '\n', n);
	if (lf == NULL)
		return -1;
	size_t len = (size_t)(lf - p);
	*consumed = len + 1;
	if (len > 0 && p[len - 1] == '\r')
		len--;
	return (long)len;
}

/* RFC 4253 §4.2: the version string consists of printable US-ASCII characters (and spaces). */
static bool printable(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return false;
	return true;
}

static int take_version(struct ws_transport *t, const uint8_t *p, size_t len)
{
	int kind;
	memcpy(t->peer_version, p, len); /* len < WS_VERSION_MAX: the line search is bounded */
	t->peer_version[len] = '\0';
	kind = ws_version_classify(t->peer_version, len);
	if (kind == -1)
		return ws_transport_fail(t, WS_ERR_VERSION, 0,
					 "peer speaks SSH-1 (\"%.40s\"), only SSH-2 is supported",
					 t->peer_version);
	if (kind < 0 || !printable(p, len))
		return ws_transport_fail(t, WS_ERR_VERSION, 0, "unsupported protocol version line");
	t->version_done = true;
	return 1;
}

int ws_version_read(struct ws_transport *t)
{
	struct ws_rx_ring *rx = &t->rx;
	while (!t->version_done) {
		const uint8_t *p = rx->raw + rx->raw_r;
		size_t avail = rx->raw_w - rx->raw_r, consumed = 0;
		long len = line_length(p, avail < WS_VERSION_MAX ? avail : WS_VERSION_MAX, &consumed);
		if (len < 0) {
			if (avail >= WS_VERSION_MAX)
				return ws_transport_fail(t, WS_ERR_VERSION, 0,
							 "peer line longer than 255 bytes");
			return 0;
		}
		rx->raw_r += consumed;
		if (ws_version_classify((const char *)p, (size_t)len) != 0)
			return take_version(t, p, (size_t)len);
		/* Only a server may send other lines first (§4.2); a client's first line must be it. */
		if (t->role == WS_ROLE_SERVER)
			return ws_transport_fail(t, WS_ERR_VERSION, 0, "client sent no version line");
		t->banner_lines++;
		t->banner_bytes += consumed;
		if (t->banner_lines > WS_BANNER_MAX_LINES || t->banner_bytes > WS_BANNER_MAX_BYTES)
			return ws_transport_fail(t, WS_ERR_VERSION, 0,
						 "too many lines before the version line");
	}
	return 1;
}
