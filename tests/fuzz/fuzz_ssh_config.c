/* fuzz_ssh_config.c — ssh_config parser and finish for two host aliases. Failures must leave a
 * message in cfg->error; success must yield a host name and a port. */
#include "keys_fuzz.h"
#include "warpssh/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const aliases[] = {"web1", "db.example.com"};
	static struct ws_ssh_config c;
	fuzz_setup();
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		struct ws_ssh_config_env env = {aliases[i], "me", "/home/me", fuzz_algs()};
		ws_ssh_config_init(&c);
		int rc = ws_ssh_config_parse(&c, (const char *)data, size, "fuzz", aliases[i]);
		if (rc == WS_OK)
			rc = ws_ssh_config_finish(&c, &env);
		FUZZ_ASSERT(rc == WS_OK || (rc == WS_ERR_CONFIG && c.error[0] != '\0'));
		if (rc == WS_OK)
			FUZZ_ASSERT(c.hostname[0] != '\0' && c.port != 0 && c.nidentity_files > 0);
	}
	return 0;
}
