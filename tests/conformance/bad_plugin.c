/* SPDX-License-Identifier: BSD-3-Clause */
/* Fixture plugins that break the rules the conformance harness checks, one way per variant, so
 * that each check is seen to fail (tests/conformance/test_conformance.cpp). C99 against
 * plugin_api.h, built with -DCONF_<VARIANT>:
 *   BAD_SCHEDULER  invalid run options, made-up describe, flip-flopping cancel, an invalid list,
 *                  delete and logs that succeed for an unknown app
 *   SILENT         errors without messages, in negotiation and in calls (dryrun refuses silently)
 *   LEAKY          accepts any ABI range; output that accumulates across calls (dryrun too)
 *   CRASH          describe crashes, cancel exits the process
 *   BAD_OTHERS     a wrong version, an invalid component signature, a component build that fails
 *                  with TX_E_INTERNAL, invalid named resources, a tracker whose create fails (and
 *                  whose other functions are stubs) and one without destroy */
#include <torchx/plugin_api.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#ifndef CONF_NAME
#error "CONF_NAME must be defined"
#endif

static void put(const tx_sink* sink, const char* text) { sink->write(sink->ctx, text, strlen(text)); }

#ifdef CONF_LEAKY
/* Output that grows on every call, as a plugin keeping a static buffer per function would write
 * it. */
#define LEAK_SIZE 4096
static void put_leaky_into(char* buffer, const tx_sink* sink, const char* text) {
  if (strlen(buffer) + strlen(text) < LEAK_SIZE) strcat(buffer, text);
  put(sink, buffer);
}
#define put_leaky(sink, text)            \
  do {                                   \
    static char buffer_[LEAK_SIZE];      \
    put_leaky_into(buffer_, sink, text); \
  } while (0)
#endif

static int g_instance;

static tx_status s_create(const char* session, void** instance, const tx_sink* err) {
  (void)session;
  (void)err;
  *instance = &g_instance;
  return TX_OK;
}
static void s_destroy(void* instance) { (void)instance; }
static tx_status s_run_opts(void* instance, const tx_sink* out, const tx_sink* err) {
  (void)instance;
  (void)err;
#if defined(CONF_BAD_SCHEDULER)
  put(out, "[{\"name\": \"partition\", \"type\": ");
#elif defined(CONF_LEAKY)
  put_leaky(out, "[]");
#else
  put(out, "[]");
#endif
  return TX_OK;
}
static tx_status s_dryrun(void* instance, const char* request, const tx_sink* out, const tx_sink* err) {
  (void)instance;
  (void)request;
  (void)err;
#if defined(CONF_SILENT)
  (void)out;
  return TX_E_INVALID_ARGUMENT;
#elif defined(CONF_LEAKY)
  put_leaky(out, "{\"request\": null, \"request_text\": \"conformance fixture\"}");
  return TX_OK;
#else
  put(out, "{\"request\": null, \"request_text\": \"conformance fixture\"}");
  return TX_OK;
#endif
}
static tx_status s_schedule(void* instance, const char* request, const tx_sink* out, const tx_sink* err) {
  (void)instance;
  (void)request;
  (void)out;
  put(err, "the fixture never schedules");
  return TX_E_UNSUPPORTED;
}
static tx_status s_describe(void* instance, const char* app_id, const tx_sink* out, const tx_sink* err) {
  (void)instance;
  (void)app_id;
#if defined(CONF_BAD_SCHEDULER)
  (void)err;
  put(out, "{\"app_id\": \"x\", \"state\": \"RUNNING\"}");
  return TX_OK;
#elif defined(CONF_SILENT)
  (void)out;
  (void)err;
  return TX_E_NOT_FOUND;
#elif defined(CONF_CRASH)
  (void)out;
  (void)err;
  raise(SIGSEGV);
  return TX_E_INTERNAL;
#elif defined(CONF_LEAKY)
  (void)out;
  put_leaky(err, "no such app; ");
  return TX_E_NOT_FOUND;
#else
  (void)out;
  put(err, "no such app");
  return TX_E_NOT_FOUND;
#endif
}
static tx_status s_cancel(void* instance, const char* app_id, const tx_sink* err) {
  (void)instance;
  (void)app_id;
#if defined(CONF_BAD_SCHEDULER)
  static int calls;
  if (calls++ == 0) return TX_OK;
  put(err, "no such app");
  return TX_E_NOT_FOUND;
#elif defined(CONF_SILENT)
  (void)err;
  return TX_E_NOT_FOUND;
#elif defined(CONF_CRASH)
  (void)err;
  exit(3);
#else
  (void)err;
  return TX_OK;
#endif
}
static tx_status s_list(void* instance, const tx_sink* out, const tx_sink* err) {
  (void)instance;
  (void)err;
#ifdef CONF_BAD_SCHEDULER
  put(out, "[{\"app_id\": 7}]");
#else
  put(out, "[]");
#endif
  return TX_OK;
}
static tx_status s_delete(void* instance, const char* app_id, const tx_sink* err) {
  (void)instance;
  (void)app_id;
#ifdef CONF_BAD_SCHEDULER
  (void)err;
  return TX_OK;
#else
  put(err, "no such app");
  return TX_E_NOT_FOUND;
#endif
}
static tx_status s_log_open(void* instance, const char* query, void** iterator, const tx_sink* err) {
  (void)instance;
  (void)query;
#ifdef CONF_BAD_SCHEDULER
  (void)err;
  *iterator = &g_instance;
  return TX_OK;
#else
  (void)iterator;
  put(err, "no such app");
  return TX_E_NOT_FOUND;
#endif
}
static tx_status s_log_next(void* iterator, const tx_sink* line, int* done, const tx_sink* err) {
  (void)iterator;
  (void)line;
  (void)err;
  *done = 1;
  return TX_OK;
}
static void s_log_close(void* iterator) { (void)iterator; }

static tx_status c_build(const tx_component_api* self, const char* args, const tx_sink* out, const tx_sink* err) {
  (void)self;
  (void)args;
#if defined(CONF_BAD_OTHERS)
  (void)out;
  put(err, "something broke inside");
  return TX_E_INTERNAL;
#elif defined(CONF_LEAKY)
  (void)err;
  put_leaky(out, "{\"name\": \"leak\"}");
  return TX_OK;
#else
  (void)err;
  put(out, "{\"name\": \"conformance\"}");
  return TX_OK;
#endif
}
static tx_status r_list(const tx_named_resources_api* self, const tx_sink* out, const tx_sink* err) {
  (void)self;
  (void)err;
#if defined(CONF_BAD_OTHERS)
  put(out, "{\"conf.big\": {\"cpu\": \"many\"}}");
#elif defined(CONF_LEAKY)
  put_leaky(out, " ");
  put(out, "{}");
#else
  put(out, "{\"conf.big\": {\"cpu\": 4, \"gpu\": 0, \"memMB\": 4096}}");
#endif
  return TX_OK;
}
static tx_status t_create(const char* config, void** instance, const tx_sink* err) {
  (void)config;
  (void)instance;
  put(err, "the tracker store is corrupt");
  return TX_E_INTERNAL;
}
static void t_destroy(void* instance) { (void)instance; }
/* The other functions every tracker must have (never called: create fails). */
static tx_status t_put(void* instance, const char* run_id, const char* json, const tx_sink* err) {
  (void)instance;
  (void)run_id;
  (void)json;
  put(err, "not implemented");
  return TX_E_INTERNAL;
}
static tx_status t_get(void* instance, const char* run_id, const tx_sink* out, const tx_sink* err) {
  (void)instance;
  (void)run_id;
  (void)out;
  put(err, "not implemented");
  return TX_E_INTERNAL;
}
static tx_status t_sources(void* instance, const char* run_id, const char* artifact, const tx_sink* out,
                           const tx_sink* err) {
  (void)artifact;
  return t_get(instance, run_id, out, err);
}

static tx_scheduler_api g_scheduler;
static const tx_scheduler_api* g_schedulers[1];
static tx_component_api g_components[2];
static const tx_component_api* g_component_ptrs[2];
static tx_named_resources_api g_resources;
static const tx_named_resources_api* g_resource_ptrs[1];
static tx_tracker_api g_trackers[2];
static const tx_tracker_api* g_tracker_ptrs[2];

TX_PLUGIN_EXPORT tx_status tx_plugin_negotiate(const tx_host_info* host, tx_plugin_info* info) {
#ifndef CONF_LEAKY
  if (host->min_abi > 1 || host->max_abi < 1) {
#ifndef CONF_SILENT
    put(&host->error, "this fixture speaks ABI 1 only");
#endif
    return TX_E_UNSUPPORTED;
  }
#endif
  memset(&g_scheduler, 0, sizeof g_scheduler);
  g_scheduler.struct_size = sizeof g_scheduler;
  g_scheduler.name = CONF_NAME;
  g_scheduler.create = s_create;
  g_scheduler.destroy = s_destroy;
  g_scheduler.run_opts = s_run_opts;
  g_scheduler.dryrun = s_dryrun;
  g_scheduler.schedule = s_schedule;
  g_scheduler.describe = s_describe;
  g_scheduler.list = s_list;
  g_scheduler.cancel = s_cancel;
  g_scheduler.delete_app = s_delete;
  g_scheduler.log_open = s_log_open;
  g_scheduler.log_next = s_log_next;
  g_scheduler.log_close = s_log_close;
  g_schedulers[0] = &g_scheduler;

  memset(g_components, 0, sizeof g_components);
  g_components[0].struct_size = sizeof g_components[0];
  g_components[0].name = "conf.echo";
  g_components[0].signature_json = "{\"doc\": \"echo\", \"args\": [{\"name\": \"msg\", \"type\": \"str\", \"default\": \"hi\"}]}";
  g_components[0].build = c_build;
  g_components[1] = g_components[0];
  g_components[1].name = "conf.broken";
  g_components[1].signature_json = "{\"args\": [{\"name\": \"msg\", \"type\": \"string\"}, {\"type\": \"int\"}]}";
  g_component_ptrs[0] = &g_components[0];
  g_component_ptrs[1] = &g_components[1];

  memset(&g_resources, 0, sizeof g_resources);
  g_resources.struct_size = sizeof g_resources;
  g_resources.name = "conf_site";
  g_resources.list = r_list;
  g_resource_ptrs[0] = &g_resources;

  memset(g_trackers, 0, sizeof g_trackers);
  g_trackers[0].struct_size = sizeof g_trackers[0];
  g_trackers[0].name = "conf_tracker";
  g_trackers[0].create = t_create;
  g_trackers[0].destroy = t_destroy;
  g_trackers[0].add_metadata = t_put;
  g_trackers[0].metadata = t_get;
  g_trackers[0].add_artifact = t_put;
  g_trackers[0].artifacts = t_get;
  g_trackers[0].add_source = t_put;
  g_trackers[0].sources = t_sources;
  g_trackers[0].run_ids = t_get;
  g_trackers[1] = g_trackers[0];
  g_trackers[1].name = "conf_no_destroy";
  g_trackers[1].destroy = NULL;
  g_tracker_ptrs[0] = &g_trackers[0];
  g_tracker_ptrs[1] = &g_trackers[1];

  info->abi_version = 1;
  info->name = CONF_NAME;
  info->version = "1.0.0";
#if defined(CONF_BAD_OTHERS)
  info->version = "9.9.9";
  info->components = g_component_ptrs;
  info->num_components = 2;
  info->named_resources = g_resource_ptrs;
  info->num_named_resources = 1;
  info->trackers = g_tracker_ptrs;
  info->num_trackers = 2;
#else
  info->schedulers = g_schedulers;
  info->num_schedulers = 1;
#endif
#ifdef CONF_LEAKY
  info->components = g_component_ptrs;
  info->num_components = 1;
  info->named_resources = g_resource_ptrs;
  info->num_named_resources = 1;
#endif
  host->log(host->log_ctx, TX_LOG_DEBUG, "conformance fixture negotiated");
  return TX_OK;
}
