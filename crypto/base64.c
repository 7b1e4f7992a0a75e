/* base64.c — RFC 4648 base64 with explicit size checks before every libsodium call
 * (libsodium aborts the process when an encode buffer is too small). */
#include <errno.h>
#include <sodium.h>

#include "crypto/base64.h"

static int variant(bool pad)
{
	return pad ? sodium_base64_VARIANT_ORIGINAL : sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
}

size_t ws_base64_encoded_len(size_t n, bool pad)
{
	/* sodium's length includes the terminating NUL */
	return sodium_base64_encoded_len(n, variant(pad)) - 1;
}

int ws_base64_encode(const uint8_t *in, size_t n, bool pad, char *out, size_t outsz)
{
	WS_ENSURE(n <= SIZE_MAX / 4 * 3 - 3, WS_ERR_TOO_LONG);
	if (outsz > 0)
		out[0] = '\0';
	WS_ENSURE(outsz > ws_base64_encoded_len(n, pad), WS_ERR_NO_SPACE);
	sodium_bin2base64(out, outsz, in, n, variant(pad));
	return WS_OK;
}

int ws_base64_decode(const char *in, size_t len, const char *ignore, uint8_t *out, size_t outsz,
		     size_t *outlen)
{
	*outlen = 0;
	errno = 0;
	if (sodium_base642bin(out, outsz, in, len, ignore, outlen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
		*outlen = 0;
		return errno == ERANGE ? WS_ERR_NO_SPACE : WS_ERR_FORMAT;
	}
	return WS_OK;
}
