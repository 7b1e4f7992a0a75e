/* port.c — the DPDK side of the stack: mbuf pools, port setup with the offloads the device has,
 * rx/tx bursts and the run-once loop step (rx burst -> stack input -> timers/output -> tx burst). */
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "warpssh/log.h"
#include "warpssh/net.h"

#define RX_BURST 64
#define TX_RETRIES 64

struct wsnet_port {
	uint16_t port_id;
	struct rte_mempool *pool;
	uint32_t offloads;
	uint8_t mac[6];
};

uint64_t wsnet_now_us(void)
{
	static uint64_t hz;
	if (hz == 0)
		hz = rte_get_tsc_hz();
	uint64_t t = rte_get_tsc_cycles();
	return (t / hz) * 1000000ull + (t % hz) * 1000000ull / hz;
}

struct rte_mempool *wsnet_pool_create(const char *name, unsigned n)
{
	return rte_pktmbuf_pool_create(name, n, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
}

static uint32_t pick_offloads(const struct rte_eth_dev_info *info, struct rte_eth_conf *conf)
{
	uint32_t off = 0;
	uint64_t tx = info->tx_offload_capa, rx = info->rx_offload_capa;
	if (tx & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) {
		conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
		off |= WSNET_OFF_MULTI_SEG;
	}
	if (tx & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) {
		conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
		off |= WSNET_OFF_IPV4_CKSUM;
	}
	if (tx & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) {
		conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
		off |= WSNET_OFF_TCP_CKSUM;
	}
	if (tx & RTE_ETH_TX_OFFLOAD_TCP_TSO) {
		conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
		off |= WSNET_OFF_TSO;
	}
	if ((rx & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) && (rx & RTE_ETH_RX_OFFLOAD_TCP_CKSUM)) {
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
		off |= WSNET_OFF_RX_CKSUM;
	}
	return off;
}

static int port_setup(struct wsnet_port *p, uint16_t nb_desc)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	memset(&conf, 0, sizeof(conf));
	WS_ENSURE(rte_eth_dev_info_get(p->port_id, &info) == 0, WS_ERR_IO);
	p->offloads = pick_offloads(&info, &conf);
	WS_ENSURE(rte_eth_dev_configure(p->port_id, 1, 1, &conf) == 0, WS_ERR_IO);
	uint16_t nrx = nb_desc, ntx = nb_desc;
	WS_ENSURE(rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nrx, &ntx) == 0, WS_ERR_IO);
	int sock = rte_eth_dev_socket_id(p->port_id);
	sock = sock < 0 ? (int)rte_socket_id() : sock;
	WS_ENSURE(rte_eth_rx_queue_setup(p->port_id, 0, nrx, (unsigned)sock, NULL, p->pool) == 0, WS_ERR_IO);
	struct rte_eth_txconf txc = info.default_txconf;
	txc.offloads = conf.txmode.offloads;
	WS_ENSURE(rte_eth_tx_queue_setup(p->port_id, 0, ntx, (unsigned)sock, &txc) == 0, WS_ERR_IO);
	WS_ENSURE(rte_eth_dev_start(p->port_id) == 0, WS_ERR_IO);
	struct rte_ether_addr mac;
	WS_ENSURE(rte_eth_macaddr_get(p->port_id, &mac) == 0, WS_ERR_IO);
	memcpy(p->mac, mac.addr_bytes, 6);
	return WS_OK;
}

int wsnet_port_open(uint16_t port_id, uint16_t nb_desc, struct rte_mempool *pool, struct wsnet_port **out)
{
	*out = NULL;
	WS_ENSURE(pool != NULL && rte_eth_dev_is_valid_port(port_id), WS_ERR_INVALID_ARG);
	struct wsnet_port *p = calloc(1, sizeof(*p));
	WS_ENSURE(p != NULL, WS_ERR_NO_MEMORY);
	p->port_id = port_id;
	p->pool = pool;
	int rc = port_setup(p, nb_desc);
	if (rc < 0) {
		ws_error("port %u: setup failed", port_id);
		free(p);
		return rc;
	}
	*out = p;
	return WS_OK;
}

void wsnet_port_fill_config(struct wsnet_port *p, struct wsnet_config *cfg)
{
	memcpy(cfg->mac, p->mac, 6);
	cfg->offloads = p->offloads;
	cfg->pool = p->pool;
	cfg->tx = wsnet_port_tx;
	cfg->tx_arg = p;
}

uint16_t wsnet_port_rx(struct wsnet_port *p, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_rx_burst(p->port_id, 0, pkts, n);
}

uint16_t wsnet_port_tx(void *port, struct rte_mbuf **pkts, uint16_t n)
{
	struct wsnet_port *p = port;
	uint16_t sent = 0;
	for (unsigned tries = 0; sent < n && tries < TX_RETRIES; tries++)
		sent = (uint16_t)(sent + rte_eth_tx_burst(p->port_id, 0, pkts + sent, (uint16_t)(n - sent)));
	return sent;
}

uint16_t wsnet_port_run_once(struct wsnet_port *p, struct wsnet_stack *st)
{
	struct rte_mbuf *pkts[RX_BURST];
	uint16_t n = rte_eth_rx_burst(p->port_id, 0, pkts, RX_BURST);
	uint64_t now = wsnet_now_us();
	if (n > 0)
		wsnet_input(st, pkts, n, now);
	wsnet_poll(st, now);
	return n;
}

void wsnet_port_close(struct wsnet_port *p)
{
	if (p == NULL)
		return;
	rte_eth_dev_stop(p->port_id);
	rte_eth_dev_close(p->port_id);
	free(p);
}
