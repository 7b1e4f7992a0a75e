/* fuzz_sshd_config.c — sshd_config parser and finish; the first input line also goes through the
 * -o entry point. Failures must leave a message in cfg->error. */
#include "keys_fuzz.h"
#include "warpssh/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ws_sshd_config c;
	char first[512];
	size_t n = 0;
	fuzz_setup();
	while (n < size && n < sizeof(first) - 1 && data[n] != '\n' && data[n] != '\0') {
		first[n] = (char)data[n];
		n++;
	}
	first[n] = '\0';
	ws_sshd_config_init(&c);
	if (ws_sshd_config_apply_option(&c, first) != WS_OK)
		FUZZ_ASSERT(c.error[0] != '\0');
	ws_sshd_config_init(&c);
	int rc = ws_sshd_config_parse(&c, (const char *)data, size, "fuzz");
	if (rc == WS_OK)
		rc = ws_sshd_config_finish(&c, fuzz_algs());
	FUZZ_ASSERT(rc == WS_OK || (rc == WS_ERR_CONFIG && c.error[0] != '\0'));
	if (rc == WS_OK) {
		FUZZ_ASSERT(c.nports > 0 && c.nhost_keys > 0 && c.ciphers[0] != '\0');
		char path[WS_CFG_PATH_MAX];
		for (unsigned i = 0; i < c.nauthorized_keys_files; i++) {
			int erc = ws_sshd_expand_authkeys_path(c.authorized_keys_files[i], "u", 1, "/h", path, sizeof(path));
			FUZZ_ASSERT(erc == WS_OK || erc == WS_ERR_CONFIG || erc == WS_ERR_NO_SPACE);
		}
	}
	return 0;
}
