/* SPDX-License-Identifier: BSD-3-Clause */
/* Fixture plugins for the loader's tests, written in C99 against plugin_api.h (which also proves
 * the header compiles as C). One source, built several ways with -DFIXTURE_<VARIANT>:
 * GOOD, WRONG_ABI, MISSING_SYMBOL, SHORT_STRUCT, NAME_MISMATCH, BAD_JSON, UNLISTED, FAILS,
 * SEGFAULT (negotiation writes through a NULL pointer), HANGS (negotiation never returns),
 * DAEMON (negotiation starts a `sleep 30` that keeps the process's stdout and stderr, as a plugin
 * starting a helper daemon would, and loads fine; its pid is written to the file named by
 * TORCHX_FIXTURE_DAEMON_PIDFILE, when set, so that the test can kill it), LARGER (its scheduler
 * table is longer than this header's, as from a newer SDK, with a tail of garbage the host must
 * ignore), FROZEN_V1_0 (a good plugin compiled against the frozen copy of the v1.0 header in
 * tests/abi/frozen/v1_0, which is never edited: it must keep loading as members are appended; its
 * logs come through log_next alone), LOG_READ (logs through log_read too, ABI 1.1), BAD_LOG_READ
 * (a log_read that breaks the whole-lines rule). The variants with logs serve the same lines for
 * every replica of app fx-1 (see fx_log_lines).
 * With FIXTURE_COMMAND (ABI revision 1.1) it also provides the command FIXTURE_VERB, which prints
 * its argv and reaches the host's services (see fx_command_run); FIXTURE_COMMAND_UNLISTED adds a
 * command its manifest does not list, FIXTURE_COMMAND_NO_RUN leaves run NULL. */
#if defined(FIXTURE_HANGS) || defined(FIXTURE_DAEMON)
#define _POSIX_C_SOURCE 200809L /* pause(), fork() */
#endif

#include <torchx/plugin_api.h>

#ifdef FIXTURE_FROZEN_V1_0
#ifdef TX_SCHEDULER_V1_SIZE /* appeared after v1.0: the build did not pick the frozen header */
#error "FIXTURE_FROZEN_V1_0 must be compiled against tests/abi/frozen/v1_0/torchx/plugin_api.h"
#endif
#endif

#include <string.h>
#if defined(FIXTURE_HANGS) || defined(FIXTURE_DAEMON)
#include <unistd.h>
#endif
#ifdef FIXTURE_DAEMON
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#endif

#ifndef FIXTURE_NAME
#error "FIXTURE_NAME must be defined"
#endif

static void put(const tx_sink* sink, const char* text) { sink->write(sink->ctx, text, strlen(text)); }

static int g_instance;

static tx_status fx_create(const char* session, void** instance, const tx_sink* err) {
  (void)session;
  (void)err;
  *instance = &g_instance;
  return TX_OK;
}
static void fx_destroy(void* instance) { (void)instance; }
static tx_status fx_run_opts(void* instance, const tx_sink* out, const tx_sink* err) {
  (void)instance;
  (void)err;
  put(out, "[]");
  return TX_OK;
}
static tx_status fx_dryrun(void* instance, const char* request, const tx_sink* out, const tx_sink* err) {
  (void)instance;
  (void)request;
  (void)err;
  put(out, "{\"request\": null, \"request_text\": \"fixture\"}");
  return TX_OK;
}
static tx_status fx_schedule(void* instance, const char* request, const tx_sink* out, const tx_sink* err) {
  (void)instance;
  (void)request;
#ifdef FIXTURE_FAILS
  (void)out;
  put(err, "the fixture cluster is down");
  return TX_E_UNAVAILABLE;
#else
  (void)err;
  put(out, "{\"app_id\": \"fx-1\"}");
  return TX_OK;
#endif
}
static tx_status fx_describe(void* instance, const char* app_id, const tx_sink* out, const tx_sink* err) {
  (void)instance;
  if (strcmp(app_id, "fx-1") != 0) {
    put(err, "no such app");
    return TX_E_NOT_FOUND;
  }
#ifdef FIXTURE_BAD_JSON
  (void)err;
  put(out, "{\"app_id\": \"fx-1\", \"state\": ");
#else
  (void)err;
  put(out, "{\"app_id\": \"fx-1\", \"state\": \"SUCCEEDED\"}");
#endif
  return TX_OK;
}
static tx_status fx_cancel(void* instance, const char* app_id, const tx_sink* err) {
  (void)instance;
  (void)app_id;
  (void)err;
  return TX_OK;
}

#if defined(FIXTURE_FROZEN_V1_0) || defined(FIXTURE_LOG_READ) || defined(FIXTURE_BAD_LOG_READ)
#define FIXTURE_LOGS 1
#include <stdlib.h>

/* The log of every replica of fx-1: an empty line, a line a regex can pick, and one of 5000
 * bytes, longer than the smallest log_read buffer (TX_LOG_READ_MIN_CAP). */
#define FX_LONG_LINE 5000
static char g_long_line[FX_LONG_LINE + 1];
static const char* fx_log_lines[] = {"hello from the fixture", "", "error: something failed", g_long_line, "last line"};
#define FX_NUM_LINES ((int)(sizeof fx_log_lines / sizeof fx_log_lines[0]))

typedef struct fx_log {
  int line;      /* the next line to hand out */
  size_t offset; /* how much of it earlier log_read pieces handed out */
} fx_log;

static tx_status fx_log_open(void* instance, const char* query, void** iterator, const tx_sink* err) {
  fx_log* it;
  (void)instance;
  if (strstr(query, "\"fx-1\"") == NULL) {
    put(err, "no such app");
    return TX_E_NOT_FOUND;
  }
  it = (fx_log*)calloc(1, sizeof *it);
  if (it == NULL) {
    put(err, "out of memory");
    return TX_E_INTERNAL;
  }
  *iterator = it;
  return TX_OK;
}
static tx_status fx_log_next(void* iterator, const tx_sink* line, int* done, const tx_sink* err) {
  fx_log* it = (fx_log*)iterator;
  (void)err;
  if (it->line >= FX_NUM_LINES) {
    *done = 1;
    return TX_OK;
  }
  put(line, fx_log_lines[it->line++]);
  *done = 0;
  return TX_OK;
}
static void fx_log_close(void* iterator) { free(iterator); }

#if defined(FIXTURE_LOG_READ) || defined(FIXTURE_BAD_LOG_READ)
/* log_read by its rules: whole lines, each followed by '\n'; a line longer than cap - 1 in pieces. */
static tx_status fx_log_read(void* iterator, char* buf, size_t cap, size_t* len, int* done, const tx_sink* err) {
  fx_log* it = (fx_log*)iterator;
  size_t n = 0;
  (void)err;
  while (it->line < FX_NUM_LINES) {
    const char* text = fx_log_lines[it->line] + it->offset;
    const size_t left = strlen(text);
    if (left + 1 <= cap - n) {
      memcpy(buf + n, text, left);
      n += left;
      buf[n++] = '\n';
      it->line++;
      it->offset = 0;
      continue;
    }
    if (n > 0) break;
    memcpy(buf, text, cap - 1); /* a piece of a line longer than the buffer */
    buf[cap - 1] = '\n';
    it->offset += cap - 1;
    n = cap;
    break;
  }
#ifdef FIXTURE_BAD_LOG_READ
  if (n > 0) n--; /* drops the last line break: a batch that ends inside a line */
#endif
  *len = n;
  *done = it->line >= FX_NUM_LINES;
  return TX_OK;
}
#endif
#endif

#ifdef FIXTURE_LARGER
/* A newer SDK's table: this header's members, then ones the host does not know. */
static struct {
  tx_scheduler_api known;
  unsigned char appended[40];
} g_larger;
#define g_scheduler g_larger.known
#else
static tx_scheduler_api g_scheduler;
#endif
static const tx_scheduler_api* g_schedulers[1];

#ifdef FIXTURE_COMMAND
#include <stdio.h>
#include <stdlib.h>
/* Writes what a service call answered: "<name>: ok <output>" or "<name>: <status> <message>". */
static void put_result(const tx_sink* out, const char* name, tx_status status, const char* text, size_t len) {
  char code[16];
  put(out, name);
  put(out, ": ");
  if (status == TX_OK) {
    put(out, "ok ");
  } else {
    code[0] = (char)('0' + (int)status);
    code[1] = ' ';
    code[2] = '\0';
    put(out, code);
  }
  out->write(out->ctx, text, len);
  put(out, "\n");
}

struct fx_buffer {
  char data[8192];
  size_t len;
};
static void fx_append(void* ctx, const char* data, size_t len) {
  struct fx_buffer* b = (struct fx_buffer*)ctx;
  if (len > sizeof b->data - b->len) len = sizeof b->data - b->len;
  memcpy(b->data + b->len, data, len);
  b->len += len;
}

/* argv[1] picks: "--help" (usage, exit 0), "fail" (TX_E_UNAVAILABLE), "usage" (TX_E_INVALID_ARGUMENT),
 * "exit N" (exit code N), "list QUERY", "status HANDLE", "cancel HANDLE", "delete HANDLE",
 * "log QUERY" (each a host service; its answer printed), "log-message TEXT"; anything else prints
 * each argument as "argv[i]=<arg>" lines, byte for byte. */
static tx_status fx_command_run(const struct tx_command_api* self, uint32_t argc, const char* const* argv,
                                const tx_host_services* services, const tx_sink* out, const tx_sink* diag,
                                int* exit_code, const tx_sink* err) {
  struct fx_buffer answer;
  struct fx_buffer message;
  tx_sink answer_sink;
  tx_sink message_sink;
  tx_status status;
  uint32_t i;
  char index[16];
  answer.len = 0;
  message.len = 0;
  answer_sink.ctx = &answer;
  answer_sink.write = fx_append;
  message_sink.ctx = &message;
  message_sink.write = fx_append;
  if (argc < 1 || argv[argc] != NULL || strcmp(argv[0], self->name) != 0) {
    put(err, "argv[0] is not the verb, or argv is not NULL-terminated");
    return TX_E_INTERNAL;
  }
  if (services == NULL || services->struct_size < TX_HOST_SERVICES_V1_SIZE) {
    put(err, "no host services");
    return TX_E_INTERNAL;
  }
  if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
    put(out, "usage: torchx ");
    put(out, self->name);
    put(out, " [fail | usage | exit N | list QUERY | status H | cancel H | delete H | log QUERY | ARGS...]\n");
    return TX_OK;
  }
  if (argc >= 2 && strcmp(argv[1], "fail") == 0) {
    put(diag, "about to fail\n");
    put(err, "the fixture command failed");
    return TX_E_UNAVAILABLE;
  }
  if (argc >= 2 && strcmp(argv[1], "usage") == 0) {
    put(err, "bad fixture argument");
    return TX_E_INVALID_ARGUMENT;
  }
  if (argc >= 3 && strcmp(argv[1], "exit") == 0) {
    *exit_code = atoi(argv[2]);
    return TX_OK;
  }
  if (argc >= 3 && strcmp(argv[1], "log-message") == 0) {
    services->log_message(services->ctx, TX_LOG_WARNING, argv[2]);
    return TX_OK;
  }
  if (argc >= 3) {
    status = TX_E_INTERNAL;
    if (strcmp(argv[1], "list") == 0) status = services->list(services->ctx, argv[2], &answer_sink, &message_sink);
    else if (strcmp(argv[1], "status") == 0) status = services->status(services->ctx, argv[2], &answer_sink, &message_sink);
    else if (strcmp(argv[1], "cancel") == 0) status = services->cancel(services->ctx, argv[2], &answer_sink, &message_sink);
    else if (strcmp(argv[1], "delete") == 0) status = services->delete_app(services->ctx, argv[2], &message_sink);
    else if (strcmp(argv[1], "log") == 0) status = services->log(services->ctx, argv[2], &answer_sink, &message_sink);
    else goto echo;
    if (status == TX_OK) put_result(out, argv[1], status, answer.data, answer.len);
    else put_result(out, argv[1], status, message.data, message.len);
    return TX_OK;
  }
echo:
  for (i = 0; i < argc; ++i) {
    snprintf(index, sizeof index, "%u", (unsigned)i);
    put(out, "argv[");
    put(out, index);
    put(out, "]=");
    put(out, argv[i]);
    put(out, "\n");
  }
  return TX_OK;
}

static tx_command_api g_command;
static tx_command_api g_extra_command;
static const tx_command_api* g_commands[2];
#endif

#ifdef FIXTURE_SEGFAULT
static int* volatile g_null; /* volatile: the compiler cannot see that it stays NULL */
#endif

#ifdef FIXTURE_DAEMON
static void start_daemon(void) {
  const char* pidfile = getenv("TORCHX_FIXTURE_DAEMON_PIDFILE");
  FILE* f;
  pid_t pid = fork();
  if (pid == 0) {
    /* inherits stdout and stderr, and keeps them open for 30 s */
    execlp("sleep", "sleep", "30", (char*)NULL);
    _exit(127);
  }
  if (pid > 0 && pidfile != NULL) {
    f = fopen(pidfile, "w");
    if (f != NULL) {
      fprintf(f, "%ld\n", (long)pid);
      fclose(f);
    }
  }
}
#endif

#ifndef FIXTURE_MISSING_SYMBOL
TX_PLUGIN_EXPORT tx_status tx_plugin_negotiate(const tx_host_info* host, tx_plugin_info* info) {
#ifdef FIXTURE_SEGFAULT
  *g_null = 1; /* the bug a crash-contained check must survive */
#endif
#ifdef FIXTURE_HANGS
  for (;;) pause(); /* a plugin waiting for something that never comes */
#endif
#ifdef FIXTURE_DAEMON
  start_daemon();
#endif
  memset(&g_scheduler, 0, sizeof g_scheduler);
  g_scheduler.struct_size = sizeof g_scheduler;
#ifdef FIXTURE_SHORT_STRUCT
  g_scheduler.struct_size = 16;
#endif
#ifdef FIXTURE_LARGER
  memset(g_larger.appended, 0xA5, sizeof g_larger.appended); /* garbage if read as pointers */
  g_scheduler.struct_size = sizeof g_larger;
#endif
  g_scheduler.name = FIXTURE_NAME;
#ifdef FIXTURE_UNLISTED
  g_scheduler.name = "surprise";
#endif
  g_scheduler.create = fx_create;
  g_scheduler.destroy = fx_destroy;
  g_scheduler.run_opts = fx_run_opts;
  g_scheduler.dryrun = fx_dryrun;
  g_scheduler.schedule = fx_schedule;
  g_scheduler.describe = fx_describe;
  g_scheduler.cancel = fx_cancel;
  /* list and delete_app stay NULL: "not supported"; so do the log functions, but in FIXTURE_LOGS. */
#ifdef FIXTURE_LOGS
  memset(g_long_line, 'x', FX_LONG_LINE);
  g_scheduler.log_open = fx_log_open;
  g_scheduler.log_next = fx_log_next;
  g_scheduler.log_close = fx_log_close;
#endif
#if defined(FIXTURE_LOG_READ) || defined(FIXTURE_BAD_LOG_READ)
  g_scheduler.log_read = fx_log_read;
#endif
  g_schedulers[0] = &g_scheduler;

  if (host->min_abi > 1 || host->max_abi < 1) {
    put(&host->error, "fixture speaks ABI 1 only");
    return TX_E_UNSUPPORTED;
  }
  info->abi_version = 1;
#ifdef FIXTURE_WRONG_ABI
  info->abi_version = 2;
#endif
  info->name = FIXTURE_NAME;
#ifdef FIXTURE_NAME_MISMATCH
  info->name = "somebody_else";
#endif
  info->version = "1.0.0";
  info->schedulers = g_schedulers;
  info->num_schedulers = 1;
#ifdef FIXTURE_HUGE_COUNT
  info->num_schedulers = 0x80000000u; /* a garbage count: the list has 1 entry */
#endif
#ifdef FIXTURE_COMMAND
  memset(&g_command, 0, sizeof g_command);
  g_command.struct_size = sizeof g_command;
  g_command.name = FIXTURE_VERB;
  g_command.description = "fixture command";
  g_command.run = fx_command_run;
#ifdef FIXTURE_COMMAND_NO_RUN
  g_command.run = NULL;
#endif
  g_commands[0] = &g_command;
  info->commands = g_commands;
  info->num_commands = 1;
#ifdef FIXTURE_COMMAND_UNLISTED
  g_extra_command = g_command;
  g_extra_command.name = "fxextra";
  g_commands[1] = &g_extra_command;
  info->num_commands = 2;
#else
  (void)g_extra_command;
#endif
#endif
  host->log(host->log_ctx, TX_LOG_DEBUG, "fixture negotiated");
  return TX_OK;
}
#endif
