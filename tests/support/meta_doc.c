/* SPDX-License-Identifier: Apache-2.0 */
/* Test stand-ins for the Iceberg metadata model (see meta_doc.h). */
#include "support/meta_doc.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"
#include "util/str.h"

static int emit(json_object *doc, uint8_t **out, size_t *out_n, qb_err *err)
{
  const char *s = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
  *out_n = strlen(s);
  *out = malloc(*out_n + 1);
  if (!*out) {
    json_object_put(doc);
    return QB_FAIL(err, QB_ENOMEM, "out of memory");
  }
  memcpy(*out, s, *out_n + 1);
  json_object_put(doc);
  return QB_OK;
}

/* QB_TEST_NOW in unix milliseconds fixes it, as the library's clock (util/clock.h): commits in one
 * millisecond */
static int64_t wall_ms(void)
{
  const char *now = getenv("QB_TEST_NOW");
  if (now && *now >= '0' && *now <= '9' && !strchr(now, 'T')) return strtoll(now, NULL, 10);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int qbt_make_table(void *ctx, const qb_commit_base *base, uint8_t **out, size_t *out_n, qb_err *err)
{
  qbt_make *m = ctx;
  char uuid[37];
  qb_uuid_v4(uuid);
  char *text = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&text, &n);
  fprintf(f,
          "{\"format-version\":2,\"table-uuid\":\"%s\",\"location\":\"%s\",\"last-sequence-number\":0,"
          "\"last-updated-ms\":%lld,\"last-column-id\":1,\"current-schema-id\":0,"
          "\"schemas\":[{\"type\":\"struct\",\"schema-id\":0,\"fields\":[{\"id\":1,\"name\":\"x\",\"required\":false,"
          "\"type\":\"long\"}]}],\"default-spec-id\":0,\"partition-specs\":[{\"spec-id\":0,\"fields\":[]}],"
          "\"last-partition-id\":999,\"default-sort-order-id\":0,\"sort-orders\":[{\"order-id\":0,\"fields\":[]}],"
          "\"properties\":%s,\"current-snapshot-id\":-1,\"refs\":{},\"snapshots\":[],\"statistics\":[],"
          "\"snapshot-log\":[],\"metadata-log\":[]}",
          uuid, base->table_location, (long long)wall_ms(), m && m->props_json ? m->props_json : "{}");
  fclose(f);
  json_object *doc = json_tokener_parse(text);
  free(text);
  if (!doc) return QB_FAIL(err, QB_EINVAL, "test metadata: bad properties JSON");
  return emit(doc, out, out_n, err);
}

int qbt_set_property(void *ctx, const qb_commit_base *base, uint8_t **out, size_t *out_n, qb_err *err)
{
  qbt_setprop *sp = ctx;
  sp->calls++;
  sp->seen_version = base->version;
  if (sp->sleep_ms && sp->calls == 1) {
    struct timespec ts = {sp->sleep_ms / 1000, (long)(sp->sleep_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
  }
  json_object *doc = json_tokener_parse((const char *)base->json.p), *props, *log, *v;
  if (!doc) return QB_FAIL(err, QB_ECORRUPT, "test metadata: base is not JSON");
  if (!json_object_object_get_ex(doc, "properties", &props)) {
    props = json_object_new_object();
    json_object_object_add(doc, "properties", props);
  }
  json_object_object_add(props, sp->key, json_object_new_string(sp->value));
  int64_t prev_updated = json_object_object_get_ex(doc, "last-updated-ms", &v) ? json_object_get_int64(v) : 0;
  if (!json_object_object_get_ex(doc, "metadata-log", &log)) {
    log = json_object_new_array();
    json_object_object_add(doc, "metadata-log", log);
  }
  json_object *e = json_object_new_object();
  json_object_object_add(e, "timestamp-ms", json_object_new_int64(prev_updated));
  json_object_object_add(e, "metadata-file", json_object_new_string(base->metadata_path));
  json_object_array_add(log, e);
  long max = 100;
  if (json_object_object_get_ex(props, "write.metadata.previous-versions-max", &v)) max = atol(json_object_get_string(v));
  if (max < 1) max = 1;
  size_t len = json_object_array_length(log);
  if (len > (size_t)max) json_object_array_del_idx(log, 0, len - (size_t)max);
  json_object_object_add(doc, "last-updated-ms", json_object_new_int64(wall_ms()));
  return emit(doc, out, out_n, err);
}

char *qbt_get_property(const uint8_t *json, size_t n, const char *key)
{
  json_object *doc = json_tokener_parse((const char *)json), *props, *v;
  char *r = NULL;
  if (doc && json_object_object_get_ex(doc, "properties", &props) && json_object_object_get_ex(props, key, &v))
    r = strdup(json_object_get_string(v));
  json_object_put(doc);
  return r;
}

int qbt_metadata_log(const uint8_t *json, size_t n, char **last_file)
{
  json_object *doc = json_tokener_parse((const char *)json), *log, *f;
  int count = 0;
  if (last_file) *last_file = NULL;
  if (doc && json_object_object_get_ex(doc, "metadata-log", &log)) {
    count = (int)json_object_array_length(log);
    if (count && last_file && json_object_object_get_ex(json_object_array_get_idx(log, (size_t)count - 1),
                                                        "metadata-file", &f))
      *last_file = strdup(json_object_get_string(f));
  }
  json_object_put(doc);
  return count;
}

static int count_keys(const char *doc)
{
  int n = 0;
  for (const char *p = doc; (p = strstr(p, "\"w-")); p++) n++;
  return n;
}

int64_t qbt_verify_history(qb_catalog *cat, const char *root, int64_t expect_versions, int64_t count_from)
{
  qb_table *t;
  qb_err err = QB_ERR_INIT;
  if (qb_table_load(&t, cat, root, &err)) {
    fprintf(stderr, "  load: %s\n", err.msg);
    return -1;
  }
  int64_t last = qb_table_version(t);
  qb_table_free(t);
  if (last != expect_versions) {
    fprintf(stderr, "  current version %lld, expected %lld\n", (long long)last, (long long)expect_versions);
    return -1;
  }
  char *prev = NULL;
  bool bad = false;
  for (int64_t v = 1; v <= last && !bad; v++) {
    char *path = qb_str_printf("%s/metadata/v%lld.metadata.json", root, (long long)v);
    uint8_t *doc;
    size_t n;
    if (qb_fileio_read_all(&doc, &n, qb_catalog_io(cat), path, 1 << 24, &err)) {
      fprintf(stderr, "  %s\n", err.msg);
      free(path);
      bad = true;
      break;
    }
    if (v > 1) {
      char *lf = NULL;
      qbt_metadata_log(doc, n, &lf);
      char *want = qb_str_printf("%s/metadata/v%lld.metadata.json", root, (long long)(v - 1));
      if (!lf || strcmp(lf, want)) {
        fprintf(stderr, "  v%lld: metadata-log ends with %s, not %s\n", (long long)v, lf ? lf : "nothing", want);
        bad = true;
      }
      int a = count_keys(prev), b = count_keys((const char *)doc);
      if (v > count_from && b != a + 1) {
        fprintf(stderr, "  v%lld: %d commit keys after %d\n", (long long)v, b, a);
        bad = true;
      }
      free(lf);
      free(want);
    }
    free(prev);
    prev = (char *)doc;
    free(path);
  }
  free(prev);
  return bad ? -1 : last;
}
