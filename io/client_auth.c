/* client_auth.c — warpssh's identities and secrets: IdentityFile keys in order (unencrypted
 * openssh-key-v1 ed25519 read directly, encrypted ones signed by ssh-agent), then the agent's other
 * ed25519 keys unless IdentitiesOnly; the signer callback; the password prompt. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "io/client_internal.h"
#include "warpssh/log.h"

#define AGENT_MAX_KEYS 16u
#define KEY_FILE_MAX (64u * 1024u)
#define PEM_BEGIN "-----BEGIN OPENSSH PRIVATE KEY-----"
#define PEM_END "-----END OPENSSH PRIVATE KEY-----"

/* ---------------------------------------------------------------- openssh-key-v1 header */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	if (f == NULL)
		return NULL;
	char *text = malloc(KEY_FILE_MAX + 1);
	*len = text != NULL ? fread(text, 1, KEY_FILE_MAX, f) : 0;
	fclose(f);
	if (text != NULL)
		text[*len] = '\0';
	return text;
}

/* PROTOCOL.key: "openssh-key-v1\0" || string cipher || string kdf || string kdfoptions ||
 * uint32 nkeys || string publickey… — the public half and the cipher are readable without the
 * passphrase. */
static int parse_key_header(const uint8_t *bin, size_t len, struct ws_key *pub, bool *encrypted)
{
	static const char magic[] = "openssh-key-v1";
	struct ws_buf b;
	struct ws_bytes cipher, kdf, opts, blob;
	uint32_t nkeys;
	ws_buf_init_read(&b, bin, len);
	WS_ENSURE(len > sizeof(magic) && memcmp(bin, magic, sizeof(magic)) == 0, WS_ERR_KEY_FORMAT);
	WS_TRY(ws_buf_skip(&b, sizeof(magic)));
	WS_TRY(ws_buf_get_string(&b, &cipher, 256));
	WS_TRY(ws_buf_get_string(&b, &kdf, 256));
	WS_TRY(ws_buf_get_string(&b, &opts, 4096));
	WS_TRY(ws_buf_get_u32(&b, &nkeys));
	WS_ENSURE(nkeys == 1, WS_ERR_KEY_FORMAT);
	WS_TRY(ws_buf_get_string(&b, &blob, 4096));
	*encrypted = !ws_bytes_eq_str(cipher, "none");
	int rc = ws_key_from_blob(pub, blob.ptr, blob.len);
	return rc == WS_OK ? WS_OK : WS_ERR_KEY_TYPE;
}

/* Is the file an encrypted openssh-key-v1 key? If so, its public half. */
static int probe_key_file(const char *path, struct ws_key *pub, bool *encrypted)
{
	size_t len = 0, binlen = 0;
	*encrypted = false;
	char *text = slurp(path, &len);
	WS_ENSURE(text != NULL, WS_ERR_NOT_FOUND);
	int rc = WS_ERR_KEY_FORMAT;
	char *begin = strstr(text, PEM_BEGIN);
	char *end = begin != NULL ? strstr(begin, PEM_END) : NULL;
	uint8_t *bin = malloc(len + 1);
	if (begin != NULL && end != NULL && bin != NULL) {
		begin += strlen(PEM_BEGIN);
		if (sodium_base642bin(bin, len, begin, (size_t)(end - begin), "\r\n\t ", &binlen, NULL,
				      sodium_base64_VARIANT_ORIGINAL) == 0)
			rc = parse_key_header(bin, binlen, pub, encrypted);
	}
	if (bin != NULL)
		sodium_memzero(bin, len + 1);
	sodium_memzero(text, len);
	free(bin);
	free(text);
	return rc;
}

/* ---------------------------------------------------------------- identities */

static bool already_offered(const struct cli_auth *a, const struct ws_key *k)
{
	for (size_t i = 0; i < a->nkeys; i++)
		if (ws_key_equal_public(&a->keys[i], k))
			return true;
	return false;
}

static void offer(struct cli_auth *a, const struct ws_key *k, bool in_agent)
{
	if (a->nkeys == CLI_MAX_KEYS || already_offered(a, k))
		return;
	a->keys[a->nkeys] = *k;
	a->in_agent[a->nkeys] = in_agent;
	a->nkeys++;
}

static const struct ws_key *agent_has(const struct ws_key *agent_keys, size_t n, const struct ws_key *k)
{
	for (size_t i = 0; i < n; i++)
		if (ws_key_equal_public(&agent_keys[i], k))
			return &agent_keys[i];
	return NULL;
}

static bool is_default_identity(const char *path)
{
	const char *home = getenv("HOME");
	char def[WS_CFG_PATH_MAX];
	snprintf(def, sizeof(def), "%s/.ssh/id_ed25519", home != NULL ? home : "");
	return strcmp(path, def) == 0;
}

static void load_identity(struct cli_auth *a, const char *path, const struct ws_key *agent_keys, size_t nagent)
{
	struct ws_key key;
	bool encrypted;
	struct stat st;
	if (stat(path, &st) != 0) {
		if (!is_default_identity(path))
			ws_error("Warning: Identity file %s not accessible: No such file or directory.", path);
		return;
	}
	int rc = probe_key_file(path, &key, &encrypted);
	const struct ws_key *held = rc == WS_OK ? agent_has(agent_keys, nagent, &key) : NULL;
	if (held != NULL) {
		ws_verbose("Will use identity %s (ssh-agent holds it)", path);
		offer(a, held, true);
		return;
	}
	if (rc == WS_OK && encrypted) {
		ws_error("Load key \"%s\": the key is encrypted and %s; warpssh signs with encrypted keys "
			 "only through ssh-agent (ssh-add %s)", path,
			 a->agent != NULL ? "the ssh-agent does not hold it" : "no ssh-agent is running (SSH_AUTH_SOCK)",
			 path);
		return;
	}
	if (ws_key_load_private_file(&key, path) != WS_OK)
		return; /* the key file reader named the file and the reason */
	ws_verbose("Will use identity %s", path);
	offer(a, &key, false);
	ws_key_wipe(&key);
}

static void list_agent(struct cli_auth *a, struct ws_key *keys, size_t *n)
{
	*n = 0;
	int rc = ws_agent_connect(&a->agent, NULL);
	if (rc == WS_ERR_NOT_FOUND)
		return;
	if (rc != WS_OK) {
		ws_verbose("ssh-agent not reachable: %s", ws_strerror(rc));
		return;
	}
	if ((rc = ws_agent_list(a->agent, keys, AGENT_MAX_KEYS, n)) != WS_OK) {
		ws_verbose("ssh-agent listing failed: %s", ws_strerror(rc));
		ws_agent_close(a->agent);
		a->agent = NULL;
		*n = 0;
	}
	ws_verbose("ssh-agent holds %zu ed25519 key(s)", *n);
}

int cli_auth_load(struct cli_auth *a, const struct ws_client_options *opt)
{
	struct ws_key agent_keys[AGENT_MAX_KEYS];
	size_t nagent;
	memset(a, 0, sizeof(*a));
	a->opt = opt;
	list_agent(a, agent_keys, &nagent);
	for (unsigned i = 0; i < opt->cfg.nidentity_files; i++)
		load_identity(a, opt->cfg.identity_files[i], agent_keys, nagent);
	for (size_t i = 0; i < nagent && !opt->cfg.identities_only; i++)
		offer(a, &agent_keys[i], true);
	return WS_OK;
}

void cli_auth_free(struct cli_auth *a)
{
	for (size_t i = 0; i < a->nkeys; i++)
		ws_key_wipe(&a->keys[i]);
	ws_agent_close(a->agent);
	a->agent = NULL;
	a->nkeys = 0;
}

/* ---------------------------------------------------------------- callbacks */

int cli_auth_sign(void *arg, const struct ws_key *key, const uint8_t *data, size_t len, struct ws_buf *sig)
{
	struct cli_rt *rt = arg;
	struct cli_auth *a = &rt->auth;
	for (size_t i = 0; i < a->nkeys; i++) {
		if (!ws_key_equal_public(&a->keys[i], key))
			continue;
		if (!a->in_agent[i])
			return ws_key_sign(&a->keys[i], data, len, sig);
		WS_ENSURE(a->agent != NULL, WS_ERR_NOT_FOUND);
		int rc = ws_agent_sign(a->agent, key, data, len, sig);
		if (rc != WS_OK)
			ws_error("ssh-agent refused to sign with %s: %s", key->comment, ws_strerror(rc));
		return rc;
	}
	return WS_ERR_NOT_FOUND;
}

int cli_auth_password(void *arg, const char *user, char *out, size_t outsz)
{
	struct cli_rt *rt = arg;
	char prompt[2 * WS_CFG_NAME_MAX + 32];
	if (rt->auth.password_prompts++ > 0)
		ws_error("Permission denied, please try again.");
	snprintf(prompt, sizeof(prompt), "%s@%s's password: ", user, rt->opt->cfg.hostname);
	return cli_read_secret(prompt, rt->opt->cfg.batch_mode, out, outsz) ? WS_OK : WS_ERR_AUTH;
}
