/* err.h — the one error enum of warpssh and its guard macros.
 * Every fallible function returns int: WS_OK (0) or a negative enum ws_err. */
#ifndef WARPSSH_ERR_H
#define WARPSSH_ERR_H

#define WS_MUST_USE __attribute__((warn_unused_result))

enum ws_err {
	WS_OK = 0,
	/* usage and resources: -1 .. -9 */
	WS_ERR_INVALID_ARG = -1,
	WS_ERR_NO_MEMORY = -2,
	WS_ERR_INTERNAL = -3,
	WS_ERR_UNSUPPORTED = -4,
	WS_ERR_LIMIT = -5,          /* a configured resource limit bit */
	/* wire parsing: -10 .. -19 */
	WS_ERR_SHORT = -10,         /* truncated: fewer bytes than the field needs */
	WS_ERR_TOO_LONG = -11,      /* a length field over its cap */
	WS_ERR_FORMAT = -12,        /* malformed field */
	WS_ERR_NO_SPACE = -13,      /* output buffer full */
	/* crypto: -20 .. -29 */
	WS_ERR_MAC = -20,           /* MAC or AEAD tag did not verify */
	WS_ERR_CRYPTO = -21,        /* backend failure */
	WS_ERR_SIGNATURE = -22,     /* signature did not verify */
	WS_ERR_BAD_KEY = -23,       /* invalid public key / point */
	/* protocol: -30 .. -49 */
	WS_ERR_PROTOCOL = -30,      /* peer violated the protocol */
	WS_ERR_VERSION = -31,       /* bad or unsupported version line */
	WS_ERR_NO_ALG_MATCH = -32,  /* algorithm negotiation failed */
	WS_ERR_PACKET_SIZE = -33,   /* packet length out of range */
	WS_ERR_PADDING = -34,       /* padding rules violated */
	WS_ERR_UNEXPECTED_MSG = -35,/* message not allowed in this state */
	WS_ERR_PEER_DISCONNECT = -36,/* peer sent SSH_MSG_DISCONNECT */
	WS_ERR_HOSTKEY = -37,       /* host key not trusted / mismatch */
	WS_ERR_AUTH = -38,          /* authentication failed */
	WS_ERR_CHANNEL = -39,       /* channel protocol error */
	WS_ERR_CLOSED = -40,        /* connection already failed or closed */
	/* I/O and files: -50 .. -59 */
	WS_ERR_IO = -50,
	WS_ERR_EOF = -51,
	WS_ERR_AGAIN = -52,
	WS_ERR_TIMEOUT = -53,
	WS_ERR_KEY_FORMAT = -54,    /* key file not in a format we read */
	WS_ERR_KEY_ENCRYPTED = -55, /* key file is passphrase-protected */
	WS_ERR_KEY_TYPE = -56,      /* key type other than ssh-ed25519 */
	WS_ERR_CONFIG = -57,        /* bad configuration */
	WS_ERR_NOT_FOUND = -58,
	WS_ERR_KEY_PERMS = -59,     /* private key file readable by group/others */
};

/* A short human-readable description of an error code; never NULL. */
const char *ws_strerror(int err);

/* Propagate a failure: evaluates x once, returns it if negative. */
#define WS_TRY(x)                                                              \
	do {                                                                   \
		int ws_try_rc_ = (x);                                          \
		if (ws_try_rc_ < 0)                                            \
			return ws_try_rc_;                                     \
	} while (0)

/* Return err unless cond holds. */
#define WS_ENSURE(cond, err)                                                   \
	do {                                                                   \
		if (!(cond))                                                   \
			return (err);                                          \
	} while (0)

/* For functions holding resources: set rc and jump to the cleanup label `out`. */
#define WS_TRY_OUT(x)                                                          \
	do {                                                                   \
		rc = (x);                                                      \
		if (rc < 0)                                                    \
			goto out;                                              \
	} while (0)

#define WS_ENSURE_OUT(cond, err)                                               \
	do {                                                                   \
		if (!(cond)) {                                                 \
			rc = (err);                                            \
			goto out;                                              \
		}                                                              \
	} while (0)

#endif
