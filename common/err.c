/* err.c — descriptions for enum ws_err. */
#include "warpssh/err.h"

const char *ws_strerror(int err)
{
	switch ((enum ws_err)err) {
	case WS_OK: return "success";
	case WS_ERR_INVALID_ARG: return "invalid argument";
	case WS_ERR_NO_MEMORY: return "out of memory";
	case WS_ERR_INTERNAL: return "internal error";
	case WS_ERR_UNSUPPORTED: return "not supported";
	case WS_ERR_LIMIT: return "resource limit reached";
	case WS_ERR_SHORT: return "truncated data";
	case WS_ERR_TOO_LONG: return "length field too large";
	case WS_ERR_FORMAT: return "malformed data";
	case WS_ERR_NO_SPACE: return "buffer full";
	case WS_ERR_MAC: return "message authentication failed";
	case WS_ERR_CRYPTO: return "cryptographic backend failure";
	case WS_ERR_SIGNATURE: return "signature verification failed";
	case WS_ERR_BAD_KEY: return "invalid key";
	case WS_ERR_PROTOCOL: return "protocol error";
	case WS_ERR_VERSION: return "bad protocol version";
	case WS_ERR_NO_ALG_MATCH: return "no matching algorithm";
	case WS_ERR_PACKET_SIZE: return "bad packet length";
	case WS_ERR_PADDING: return "bad packet padding";
	case WS_ERR_UNEXPECTED_MSG: return "unexpected message";
	case WS_ERR_PEER_DISCONNECT: return "disconnected by peer";
	case WS_ERR_HOSTKEY: return "host key verification failed";
	case WS_ERR_AUTH: return "authentication failed";
	case WS_ERR_CHANNEL: return "channel error";
	case WS_ERR_CLOSED: return "connection closed";
	case WS_ERR_IO: return "I/O error";
	case WS_ERR_EOF: return "end of file";
	case WS_ERR_AGAIN: return "try again";
	case WS_ERR_TIMEOUT: return "timed out";
	case WS_ERR_KEY_FORMAT: return "unsupported key file format";
	case WS_ERR_KEY_ENCRYPTED: return "key file is encrypted";
	case WS_ERR_KEY_TYPE: return "unsupported key type";
	case WS_ERR_CONFIG: return "configuration error";
	case WS_ERR_NOT_FOUND: return "not found";
	case WS_ERR_KEY_PERMS: return "key file permissions are too open";
	}
	return "unknown error";
}
