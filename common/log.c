/* log.c — the process-wide log level and sink. */
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>

#include "warpssh/log.h"

static enum ws_log_level g_level = WS_LOG_INFO;
static ws_log_sink g_sink;
static void *g_sink_arg;

void ws_log_set_level(enum ws_log_level level) { g_level = level; }
enum ws_log_level ws_log_get_level(void) { return g_level; }

void ws_log_set_sink(ws_log_sink sink, void *arg)
{
	g_sink = sink;
	g_sink_arg = arg;
}

int ws_log_level_from_name(const char *name)
{
	static const struct { const char *name; enum ws_log_level level; } map[] = {
		{"QUIET", WS_LOG_ERROR}, {"FATAL", WS_LOG_ERROR}, {"ERROR", WS_LOG_ERROR},
		{"INFO", WS_LOG_INFO}, {"VERBOSE", WS_LOG_VERBOSE}, {"DEBUG", WS_LOG_DEBUG},
		{"DEBUG1", WS_LOG_DEBUG}, {"DEBUG2", WS_LOG_DEBUG}, {"DEBUG3", WS_LOG_DEBUG},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(name, map[i].name) == 0)
			return (int)map[i].level;
	return -1;
}

void ws_log(enum ws_log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = {"error", "info", "verbose", "debug"};
	char msg[1024];
	va_list ap;

	if (level > g_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (g_sink != NULL) {
		g_sink(level, msg, g_sink_arg);
		return;
	}
	fprintf(stderr, "%s: %s\n", prefix[level], msg);
}
