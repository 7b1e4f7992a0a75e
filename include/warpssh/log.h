/* log.h — levelled logging with a replaceable sink. Never pass secrets (keys, passwords,
 * session identifiers) to it: no level prints them. */
#ifndef WARPSSH_LOG_H
#define WARPSSH_LOG_H

enum ws_log_level { WS_LOG_ERROR, WS_LOG_INFO, WS_LOG_VERBOSE, WS_LOG_DEBUG };

typedef void (*ws_log_sink)(enum ws_log_level level, const char *msg, void *arg);

void ws_log_set_level(enum ws_log_level level);
enum ws_log_level ws_log_get_level(void);
/* Replace the sink (default: stderr with a level prefix). NULL restores the default. */
void ws_log_set_sink(ws_log_sink sink, void *arg);
/* Parse "QUIET|FATAL|ERROR|INFO|VERBOSE|DEBUG|DEBUG1..3" (sshd's LogLevel words); -1 if unknown. */
int ws_log_level_from_name(const char *name);

void ws_log(enum ws_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define ws_error(...) ws_log(WS_LOG_ERROR, __VA_ARGS__)
#define ws_info(...) ws_log(WS_LOG_INFO, __VA_ARGS__)
#define ws_verbose(...) ws_log(WS_LOG_VERBOSE, __VA_ARGS__)
#define ws_debug(...) ws_log(WS_LOG_DEBUG, __VA_ARGS__)

#endif
