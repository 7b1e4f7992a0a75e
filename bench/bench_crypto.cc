// bench_crypto.cc — throughput of the crypto burst API (seal/open per suite x payload x burst)
// beside OpenSSL EVP and libsodium doing the same SSH construction one packet at a time, raw
// ipsec-mb AES-GCM on the same buffers, and the burst API fed one packet per call.
#include <benchmark/benchmark.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "crypto/backend.h"
#include "warpssh/buf.h"
#include "warpssh/crypto.h"
}

namespace {

struct Suite {
	const char *label;
	ws_cipher_id cipher;
	int mac; // -1: AEAD
};

const Suite kSuites[] = {
    {"chacha20-poly1305", WS_CIPHER_CHACHA20_POLY1305, -1},
    {"aes128-gcm", WS_CIPHER_AES128_GCM, -1},
    {"aes256-gcm", WS_CIPHER_AES256_GCM, -1},
    {"aes128-ctr+hmac-sha2-256-etm", WS_CIPHER_AES128_CTR, WS_MAC_HMAC_SHA2_256_ETM},
    {"aes256-ctr+hmac-sha2-512-etm", WS_CIPHER_AES256_CTR, WS_MAC_HMAC_SHA2_512_ETM},
    {"aes128-ctr+hmac-sha2-256", WS_CIPHER_AES128_CTR, WS_MAC_HMAC_SHA2_256},
};
const size_t kSizes[] = {64, 1460, 16384, 32768, 262144};
const unsigned kBursts[] = {1, 8, 32};

void die(const char *what)
{
	std::fprintf(stderr, "bench_crypto: %s\n", what);
	std::exit(1);
}

const struct ws_mac_info *mac_of(const Suite &s)
{
	return s.mac < 0 ? nullptr : ws_mac_info(static_cast<ws_mac_id>(s.mac));
}

// Keys shared by our contexts and the reference implementations.
struct Keys {
	uint8_t key[WS_CRYPTO_MAX_KEY];
	uint8_t iv[WS_CRYPTO_MAX_IV];
	uint8_t mac_key[WS_CRYPTO_MAX_KEY];
	Keys()
	{
		randombytes_buf(key, sizeof(key));
		randombytes_buf(iv, sizeof(iv));
		randombytes_buf(mac_key, sizeof(mac_key));
	}
};

// `count` packets of one payload size, each with headroom and tag room, 64-byte aligned.
struct Packets {
	std::vector<uint8_t *> mem;
	std::vector<uint8_t *> buf;
	uint32_t len = 0;
	size_t stride = 0;

	Packets(size_t payload, unsigned count, uint32_t block, uint32_t aad)
	{
		size_t unpadded = 5 + payload - aad;
		size_t pad = block - unpadded % block;
		if (pad < 4)
			pad += block;
		len = static_cast<uint32_t>(5 + payload + pad);
		stride = (64 + len + WS_CRYPTO_MAX_TAG + 63) & ~size_t(63);
		for (unsigned i = 0; i < count; i++) {
			uint8_t *m = static_cast<uint8_t *>(std::aligned_alloc(64, stride));
			if (m == nullptr)
				die("out of memory");
			uint8_t *b = m + 64;
			randombytes_buf(b, len);
			ws_store_be32(b, len - 4);
			b[4] = static_cast<uint8_t>(pad);
			mem.push_back(m);
			buf.push_back(b);
		}
	}
	~Packets()
	{
		for (uint8_t *m : mem)
			std::free(m);
	}
	Packets(const Packets &) = delete;
	Packets &operator=(const Packets &) = delete;
	size_t wire() const { return len + WS_CRYPTO_MAX_TAG; }
};

struct Engine {
	ws_crypto_engine *eng = nullptr;
	Engine()
	{
		if (ws_crypto_engine_new(&eng) != WS_OK)
			die("engine");
	}
	~Engine() { ws_crypto_engine_free(eng); }
};

ws_cipher_ctx *new_ctx(const Suite &s, ws_dir dir, const Keys &k)
{
	ws_cipher_ctx *ctx = nullptr;
	if (ws_cipher_ctx_new(&ctx, ws_cipher_info(s.cipher), mac_of(s), dir, k.key, k.iv,
			      k.mac_key) != WS_OK)
		die("ctx");
	return ctx;
}

void fill_burst(ws_crypto_pkt *pk, unsigned burst, ws_cipher_ctx *ctx, Packets &p, uint32_t *seq)
{
	for (unsigned i = 0; i < burst; i++)
		pk[i] = ws_crypto_pkt{ctx, p.buf[i], p.len, (*seq)++, 0};
}

// Bytes of payload+framing processed: the packet, not the tag.
void set_bytes(benchmark::State &st, const Packets &p, unsigned burst)
{
	st.SetBytesProcessed(static_cast<int64_t>(st.iterations()) * burst * p.len);
}

void BM_SealBurst(benchmark::State &st, Suite s, size_t payload, unsigned burst)
{
	Engine e;
	Keys k;
	ws_cipher_ctx *ctx = new_ctx(s, WS_DIR_SEAL, k);
	Packets p(payload, burst, ws_cipher_ctx_block_size(ctx), ws_cipher_ctx_aad_len(ctx));
	ws_crypto_pkt pk[WS_CRYPTO_MAX_BURST];
	uint32_t seq = 0;
	for (auto _ : st) {
		fill_burst(pk, burst, ctx, p, &seq);
		if (ws_crypto_seal_burst(e.eng, pk, burst) != burst)
			die("seal failed");
		benchmark::ClobberMemory();
	}
	set_bytes(st, p, burst);
	ws_cipher_ctx_free(ctx);
}

// Open needs fresh ciphertext every iteration: a pool of P bursts is sealed once (one running
// sequence), opened burst by burst, and restored from a sealed copy (with the receive ctx's running
// IV) only when used up, with the timer paused. P keeps the pool near 256 KiB so it stays in cache
// like the seal benchmark's buffers, and amortises the pause.
void BM_OpenBurst(benchmark::State &st, Suite s, size_t payload, unsigned burst)
{
	Engine e;
	Keys k;
	ws_cipher_ctx *seal = new_ctx(s, WS_DIR_SEAL, k);
	ws_cipher_ctx *open = new_ctx(s, WS_DIR_OPEN, k);
	uint32_t block = ws_cipher_ctx_block_size(seal), aad = ws_cipher_ctx_aad_len(seal);
	Packets probe(payload, 1, block, aad);
	size_t pool = (256u * 1024u) / (burst * probe.stride);
	pool = pool < 1 ? 1 : pool > 64 ? 64 : pool;
	Packets p(payload, static_cast<unsigned>(pool * burst), block, aad);
	Packets sealed(payload, static_cast<unsigned>(pool * burst), block, aad);
	ws_crypto_pkt pk[WS_CRYPTO_MAX_BURST];
	uint32_t seq = 0;
	for (size_t j = 0; j < pool * burst; j++) {
		pk[0] = ws_crypto_pkt{seal, p.buf[j], p.len, seq++, 0};
		if (ws_crypto_seal_burst(e.eng, pk, 1) != 1)
			die("seal failed");
		std::memcpy(sealed.buf[j], p.buf[j], p.wire());
	}
	uint8_t iv0[WS_CRYPTO_MAX_IV];
	std::memcpy(iv0, open->iv, sizeof(iv0));
	size_t j = 0;
	for (auto _ : st) {
		for (unsigned i = 0; i < burst; i++) {
			size_t idx = j * burst + i;
			pk[i] = ws_crypto_pkt{open, p.buf[idx], p.len, static_cast<uint32_t>(idx), 0};
		}
		if (ws_crypto_open_burst(e.eng, pk, burst) != burst)
			die("open failed");
		if (++j == pool) {
			st.PauseTiming();
			for (size_t x = 0; x < pool * burst; x++)
				std::memcpy(p.buf[x], sealed.buf[x], p.wire());
			std::memcpy(open->iv, iv0, sizeof(iv0));
			j = 0;
			st.ResumeTiming();
		}
	}
	set_bytes(st, p, burst);
	ws_cipher_ctx_free(seal);
	ws_cipher_ctx_free(open);
}

// The burst API fed one packet per call: what batching buys.
void BM_SealOneByOne(benchmark::State &st, Suite s, size_t payload, unsigned burst)
{
	Engine e;
	Keys k;
	ws_cipher_ctx *ctx = new_ctx(s, WS_DIR_SEAL, k);
	Packets p(payload, burst, ws_cipher_ctx_block_size(ctx), ws_cipher_ctx_aad_len(ctx));
	ws_crypto_pkt pk[WS_CRYPTO_MAX_BURST];
	uint32_t seq = 0;
	for (auto _ : st) {
		fill_burst(pk, burst, ctx, p, &seq);
		for (unsigned i = 0; i < burst; i++)
			if (ws_crypto_seal_burst(e.eng, &pk[i], 1) != 1)
				die("seal failed");
		benchmark::ClobberMemory();
	}
	set_bytes(st, p, burst);
	ws_cipher_ctx_free(ctx);
}

// ---- OpenSSL EVP, one packet at a time, the same SSH constructions ----

struct EvpSealer {
	Suite s;
	Keys k;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	EVP_MAC *mac = nullptr;
	EVP_MAC_CTX *mctx = nullptr;

	explicit EvpSealer(Suite su) : s(su)
	{
		const struct ws_cipher_info *ci = ws_cipher_info(s.cipher);
		if (s.cipher == WS_CIPHER_AES128_GCM || s.cipher == WS_CIPHER_AES256_GCM) {
			EVP_EncryptInit_ex(c, ci->key_len == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm(),
					   nullptr, k.key, nullptr);
		} else if (!ci->aead) {
			const EVP_CIPHER *ctr = ci->key_len == 16 ? EVP_aes_128_ctr() : EVP_aes_256_ctr();
			EVP_EncryptInit_ex(c, ctr, nullptr, k.key, k.iv);
			mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
			mctx = EVP_MAC_CTX_new(mac);
			const struct ws_mac_info *mi = mac_of(s);
			char digest[16];
			std::snprintf(digest, sizeof(digest), "%s", mi->mac_len == 64 ? "SHA512" : "SHA256");
			OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
					       OSSL_PARAM_construct_end()};
			EVP_MAC_init(mctx, k.mac_key, mi->key_len, params);
		} else {
			mac = EVP_MAC_fetch(nullptr, "POLY1305", nullptr);
			mctx = EVP_MAC_CTX_new(mac);
		}
	}
	~EvpSealer()
	{
		EVP_CIPHER_CTX_free(c);
		EVP_MAC_CTX_free(mctx);
		EVP_MAC_free(mac);
	}

	void chacha(const uint8_t *key, uint32_t seq, uint32_t ctr, uint8_t *p, size_t n)
	{
		uint8_t iv[16] = {0};
		std::memcpy(iv, &ctr, 4); // little-endian host
		ws_store_be64(iv + 8, seq);
		int outl = 0;
		EVP_EncryptInit_ex(c, EVP_chacha20(), nullptr, key, iv);
		EVP_EncryptUpdate(c, p, &outl, p, static_cast<int>(n));
	}

	void seal(uint8_t *buf, uint32_t len, uint32_t seq)
	{
		int outl = 0;
		size_t macl = 0;
		if (s.cipher == WS_CIPHER_CHACHA20_POLY1305) {
			uint8_t pk[32] = {0};
			chacha(k.key, seq, 0, pk, 32);
			chacha(k.key + 32, seq, 0, buf, 4);
			chacha(k.key, seq, 1, buf + 4, len - 4);
			EVP_MAC_init(mctx, pk, 32, nullptr);
			EVP_MAC_update(mctx, buf, len);
			EVP_MAC_final(mctx, buf + len, &macl, 16);
			return;
		}
		if (mctx == nullptr) { // GCM
			ws_store_be32(k.iv + 4, seq);
			EVP_EncryptInit_ex(c, nullptr, nullptr, nullptr, k.iv);
			EVP_EncryptUpdate(c, nullptr, &outl, buf, 4);
			EVP_EncryptUpdate(c, buf + 4, &outl, buf + 4, static_cast<int>(len - 4));
			EVP_EncryptFinal_ex(c, buf + len, &outl);
			EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, buf + len);
			return;
		}
		bool etm = mac_of(s)->etm;
		ws_store_be32(buf - 4, seq);
		if (etm)
			EVP_EncryptUpdate(c, buf + 4, &outl, buf + 4, static_cast<int>(len - 4));
		EVP_MAC_init(mctx, nullptr, 0, nullptr);
		EVP_MAC_update(mctx, buf - 4, len + 4);
		EVP_MAC_final(mctx, buf + len, &macl, 64);
		if (!etm)
			EVP_EncryptUpdate(c, buf, &outl, buf, static_cast<int>(len));
	}
};

void BM_OpenSSL_Seal(benchmark::State &st, Suite s, size_t payload, unsigned burst)
{
	EvpSealer ev(s);
	const struct ws_cipher_info *ci = ws_cipher_info(s.cipher);
	const struct ws_mac_info *mi = mac_of(s);
	Packets p(payload, burst, ci->block_size, (ci->aead || mi->etm) ? 4 : 0);
	uint32_t seq = 0;
	for (auto _ : st) {
		for (unsigned i = 0; i < burst; i++)
			ev.seal(p.buf[i], p.len, seq++);
		benchmark::ClobberMemory();
	}
	set_bytes(st, p, burst);
}

// ---- libsodium doing chacha20-poly1305@openssh.com, one packet at a time ----

void BM_Sodium_ChachaPoly(benchmark::State &st, size_t payload, unsigned burst)
{
	Keys k;
	Packets p(payload, burst, 8, 4);
	uint32_t seq = 0;
	for (auto _ : st) {
		for (unsigned i = 0; i < burst; i++) {
			uint8_t *b = p.buf[i];
			uint8_t nonce[8], pk[32];
			ws_store_be64(nonce, seq++);
			crypto_stream_chacha20(pk, sizeof(pk), nonce, k.key);
			crypto_stream_chacha20_xor_ic(b, b, 4, nonce, 0, k.key + 32);
			crypto_stream_chacha20_xor_ic(b + 4, b + 4, p.len - 4, nonce, 1, k.key);
			crypto_onetimeauth_poly1305(b + p.len, b, p.len, pk);
		}
		benchmark::ClobberMemory();
	}
	set_bytes(st, p, burst);
}

// ---- raw ipsec-mb single-buffer AES-GCM on the same buffers: the ceiling for our GCM path ----

void BM_IpsecMb_RawGcm(benchmark::State &st, unsigned key_bytes, size_t payload, unsigned burst)
{
	Engine e;
	Keys k;
	IMB_MGR *m = e.eng->mgr;
	alignas(64) static gcm_key_data gkey;
	alignas(64) static gcm_context_data gctx;
	if (key_bytes == 16)
		IMB_AES128_GCM_PRE(m, k.key, &gkey);
	else
		IMB_AES256_GCM_PRE(m, k.key, &gkey);
	Packets p(payload, burst, 16, 4);
	for (auto _ : st) {
		for (unsigned i = 0; i < burst; i++) {
			uint8_t *b = p.buf[i];
			if (key_bytes == 16)
				IMB_AES128_GCM_ENC(m, &gkey, &gctx, b + 4, b + 4, p.len - 4, k.iv, b, 4,
						   b + p.len, 16);
			else
				IMB_AES256_GCM_ENC(m, &gkey, &gctx, b + 4, b + 4, p.len - 4, k.iv, b, 4,
						   b + p.len, 16);
		}
		benchmark::ClobberMemory();
	}
	set_bytes(st, p, burst);
}

std::string name3(const char *bm, const char *suite, size_t size, unsigned burst)
{
	return std::string(bm) + "/" + suite + "/" + std::to_string(size) + "/" + std::to_string(burst);
}

void register_all()
{
	for (const Suite &s : kSuites)
		for (size_t size : kSizes)
			for (unsigned burst : kBursts) {
				benchmark::RegisterBenchmark(name3("BM_SealBurst", s.label, size, burst).c_str(),
							     BM_SealBurst, s, size, burst);
				benchmark::RegisterBenchmark(name3("BM_OpenBurst", s.label, size, burst).c_str(),
							     BM_OpenBurst, s, size, burst);
			}
	for (const Suite &s : kSuites)
		for (size_t size : kSizes)
			benchmark::RegisterBenchmark(name3("BM_OpenSSL_Seal", s.label, size, 8).c_str(),
						     BM_OpenSSL_Seal, s, size, 8u);
	for (size_t size : kSizes)
		benchmark::RegisterBenchmark(name3("BM_Sodium_ChachaPoly", "chacha20-poly1305", size, 8).c_str(),
					     BM_Sodium_ChachaPoly, size, 8u);
	for (unsigned kb : {16u, 32u})
		for (size_t size : kSizes)
			for (unsigned burst : {1u, 32u})
				benchmark::RegisterBenchmark(
				    name3("BM_IpsecMb_RawGcm", kb == 16 ? "aes128-gcm" : "aes256-gcm", size, burst)
					.c_str(),
				    BM_IpsecMb_RawGcm, kb, size, burst);
	for (const Suite &s : kSuites)
		for (size_t size : {size_t(64), size_t(1460), size_t(16384)})
			benchmark::RegisterBenchmark(name3("BM_SealOneByOne", s.label, size, 32).c_str(),
						     BM_SealOneByOne, s, size, 32u);
}

} // namespace

int main(int argc, char **argv)
{
	if (sodium_init() < 0)
		die("sodium_init");
	register_all();
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
