/*
** server_config.c: the serve configuration file.
**
**   [server]
**   listen = 127.0.0.1:8080
**   threads = 2
**   body_limit_bytes = 1048576
**   connection_timeout_s = 10
**   max_connections = 10000                      # idle ones end at the timeout
**   max_connections_per_ip = 0                   # 0: no limit (a proxy in front: leave 0)
**   public_url = https://cds.example.org       # the aud the EHR signs for
**   log_patient_data = false
**   cors_allow_origins = https://ehr.example.org   # none by default (the page is same-origin)
**   profile = default                            # the knowledge base's profile (kb/profiles/NAME)
**   audit_db = /var/lib/osteoplan/audit.db       # cards served and their feedback (relative: to
**                                                # this file); none by default
**   audit_patient_ids = false                    # true: keep each card's FHIR patient id
**
**   [jwt]
**   required = true
**   skew_s = 60
**   max_lifetime_s = 300                         # longest exp - iat (CDS Hooks: 5 minutes)
**   replay_cache = 65536                         # live jti values remembered; full: 503
**
**   [api]
**   open = false                                 # true: /api/assess, /api/labels without a token
**
**   [issuer.sandbox]                             # one section per EHR
**   iss = https://sandbox.cds-hooks.org
**   kid = 44823f3d-0b01-4a6c-a80e-b9d3e8a7226f    # optional
**   public_key_file = keys/sandbox.pem           # PEM, relative to this file
**   alg = RS384                                  # optional: EC keys pin ES256/384/512 by curve, RSA RS384
**
**   [fetch]                                      # missing or incomplete prefetch
**   allow = https://ehr.example.org/fhir         # fhirServer prefixes; none: never fetch
**   timeout_s = 5                                # per hook request, all fetches together
**   max_bytes = 8388608                          # per hook request, all answers together
**   max_resources = 5000                         # per hook request
**   max_concurrent = 0                           # requests fetching at once; 0: threads - 1
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/fetch.h"
#include "server/server.h"
#include "util/ini.h"
#include "util/readall.h"


bool server_config_listen(server_config *c, const char *v) {
  const char *colon = strrchr(v, ':');
  if (!colon || colon == v || (size_t)(colon - v) >= sizeof c->host) return false;
  char *end;
  long port = strtol(colon + 1, &end, 10);
  if (*end || port < 0 || port > 65535) return false;
  memcpy(c->host, v, (size_t)(colon - v));
  c->host[colon - v] = 0;
  c->port = (int)port;
  return true;
}

static bool parse_uint(const char *v, unsigned long lo, unsigned long hi, unsigned long *out) {
  char *end;
  errno = 0;
  unsigned long x = strtoul(v, &end, 10);
  if (errno || *end || !*v || x < lo || x > hi || v[0] == '-') return false;
  *out = x;
  return true;
}

/* An issuer's string, given once (a second would leak the first). */
static bool set_once(const char **field, const char *v) {
  if (*field || !*v) return false;
  return (*field = strdup(v)) != NULL;
}

/* cors_allow_origins: exact origins (scheme://host[:port]), separated by
** spaces or commas; "*" is refused (the service holds patient data). */
static bool origins(server_config *c, const char *v) {
  char out[sizeof c->cors_origins] = "";
  size_t n = 0;
  for (const char *p = v; *p;) {
    size_t k = strcspn(p, " ,\t");
    if (k) {
      bool scheme = (k > 7 && !strncmp(p, "http://", 7)) || (k > 8 && !strncmp(p, "https://", 8));
      if (!scheme || memchr(p, '*', k) || p[k - 1] == '/' || n + k + 2 > sizeof out) return false;
      memcpy(out + n, p, k);
      n += k;
      out[n++] = ' ';
      out[n] = 0;
    }
    p += k + (p[k] != 0);
  }
  memcpy(c->cors_origins, out, sizeof out);
  return true;
}

static bool parse_bool(const char *v, bool *out) {
  if (!strcmp(v, "true")) return *out = true, true;
  if (!strcmp(v, "false")) return *out = false, true;
  return false;
}

/* [fetch] defaults: nothing allowed, so no request can make the service
** call out until an operator names the FHIR servers it trusts. */
static void fetch_defaults(server_config *c) {
  c->n_fetch_allow = 0;
  c->fetch_timeout_s = 5;
  c->fetch_max_bytes = 8u << 20;
  c->fetch_max_resources = 5000;
  c->fetch_max_concurrent = 0;
}

/* allow: one or more prefixes, separated by spaces; each allow line adds. */
static bool fetch_allow_add(server_config *c, char *v, char *why, size_t whysz) {
  const int max = (int)(sizeof c->fetch_allow / sizeof *c->fetch_allow);
  for (char *save = NULL, *t = strtok_r(v, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
    if (c->n_fetch_allow == max) return snprintf(why, whysz, "at most %d allow prefixes", max), false;
    if (strlen(t) >= sizeof c->fetch_allow[0]) return snprintf(why, whysz, "a prefix is too long"), false;
    if (!fetch_prefix_ok(t, why, whysz)) return false;
    memcpy(c->fetch_allow[c->n_fetch_allow++], t, strlen(t) + 1);
  }
  return true;
}

/* One [fetch] key; false with why. */
static bool fetch_key(server_config *c, const char *k, char *v, char *why, size_t whysz) {
  unsigned long u;
  bool good = true;
  if (!strcmp(k, "allow")) return fetch_allow_add(c, v, why, whysz);
  if (!strcmp(k, "timeout_s")) good = parse_uint(v, 1, 600, &u) && (c->fetch_timeout_s = (unsigned)u, true);
  else if (!strcmp(k, "max_bytes")) good = parse_uint(v, 4096, 256ul << 20, &u) && (c->fetch_max_bytes = u, true);
  else if (!strcmp(k, "max_resources")) good = parse_uint(v, 1, 1000000, &u) && (c->fetch_max_resources = (unsigned)u, true);
  else if (!strcmp(k, "max_concurrent")) good = parse_uint(v, 1, 255, &u) && (c->fetch_max_concurrent = (unsigned)u, true);
  else good = false;
  if (!good) snprintf(why, whysz, "unknown key or bad value '%s'", v);
  return good;
}

static void config_defaults(server_config *c) {
  memset(c, 0, sizeof *c);
  fetch_defaults(c);
  snprintf(c->host, sizeof c->host, "127.0.0.1");
  c->port = 8080;
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  c->threads = cores > 0 ? (int)cores : 1;
  c->body_limit = 1u << 20;
  c->timeout_s = 10;
  c->max_connections = 10000;
  c->jwt_skew_s = 60;
  c->jwt_max_lifetime_s = 300;
  c->jwt_replay_max = 65536;
}

/* One [server] key; false: unknown key or bad value. */
static bool server_key(server_config *c, const char *k, const char *v) {
  unsigned long u;
  if (!strcmp(k, "listen")) return server_config_listen(c, v);
  if (!strcmp(k, "threads")) return parse_uint(v, 1, 256, &u) && (c->threads = (int)u, true);
  if (!strcmp(k, "body_limit_bytes")) return parse_uint(v, 1024, 64ul << 20, &u) && (c->body_limit = u, true);
  if (!strcmp(k, "connection_timeout_s")) return parse_uint(v, 1, 3600, &u) && (c->timeout_s = (unsigned)u, true);
  if (!strcmp(k, "max_connections_per_ip")) return parse_uint(v, 0, 100000, &u) && (c->max_per_ip = (unsigned)u, true);
  if (!strcmp(k, "max_connections")) return parse_uint(v, 1, 100000, &u) && (c->max_connections = (unsigned)u, true);
  if (!strcmp(k, "public_url")) return strlen(v) < sizeof c->public_url && snprintf(c->public_url, sizeof c->public_url, "%s", v) > 0;
  if (!strcmp(k, "log_patient_data")) return parse_bool(v, &c->log_patient_data);
  if (!strcmp(k, "cors_allow_origins")) return origins(c, v);
  if (!strcmp(k, "profile")) return *v && strlen(v) < sizeof c->profile && snprintf(c->profile, sizeof c->profile, "%s", v) > 0;
  if (!strcmp(k, "audit_patient_ids")) return parse_bool(v, &c->audit_patient_ids);
  return false;
}

/* One [jwt] key; false: unknown key or bad value. */
static bool jwt_key(server_config *c, const char *k, const char *v) {
  unsigned long u;
  if (!strcmp(k, "required")) return parse_bool(v, &c->jwt_required);
  if (!strcmp(k, "skew_s")) return parse_uint(v, 0, 3600, &u) && (c->jwt_skew_s = (long)u, true);
  if (!strcmp(k, "max_lifetime_s")) return parse_uint(v, 1, 86400, &u) && (c->jwt_max_lifetime_s = (long)u, true);
  if (!strcmp(k, "replay_cache")) return parse_uint(v, 1, 1ul << 22, &u) && (c->jwt_replay_max = u, true);
  return false;
}

/* One [issuer.NAME] key (dir: the config file's folder, for a relative
** public_key_file); false: unknown key or bad value, or, with why, a key
** file that cannot be read. */
static bool issuer_key(jwt_issuer *is, const char *k, const char *v, const char *dir, char *why, size_t whysz) {
  bool good = false;
  if (!strcmp(k, "iss")) good = set_once(&is->iss, v);
  else if (!strcmp(k, "kid")) good = set_once(&is->kid, v);
  else if (!strcmp(k, "alg")) good = set_once(&is->alg, v);
  else if (!strcmp(k, "public_key_file") && !is->pem) {
    char kp[8192];
    snprintf(kp, sizeof kp, "%s%s", v[0] == '/' ? "" : dir, v);
    FILE *kf = fopen(kp, "rb");
    size_t kl = 0;
    char *pem = kf ? read_all(kf, 1u << 16, &kl) : NULL;
    if (kf) fclose(kf);
    if (!pem) return snprintf(why, whysz, "cannot read public_key_file %s", kp), false;
    is->pem = pem;
    is->pem_len = kl;
    return true;
  }
  return good;
}

/* A [section] header; false with why. */
static bool config_section(server_config *c, const char *name, char *section, size_t sz, jwt_issuer **is, char *why,
                           size_t whysz) {
  if (strlen(name) >= sz) return snprintf(why, whysz, "a section looks like [name]"), false;
  snprintf(section, sz, "%s", name);
  if (!strncmp(section, "issuer.", 7)) {
    if (c->n_issuers == 16) return snprintf(why, whysz, "at most 16 issuers"), false;
    *is = &c->issuers[c->n_issuers++];
    return true;
  }
  if (strcmp(section, "server") && strcmp(section, "jwt") && strcmp(section, "api") && strcmp(section, "fetch"))
    return snprintf(why, whysz, "unknown section [%s] (server, jwt, api, fetch, issuer.NAME)", section), false;
  return true;
}

/* key = value in section; false with why. */
static bool config_key(server_config *c, const char *section, jwt_issuer *is, const char *k, char *v, const char *dir,
                       char *why, size_t whysz) {
  bool good;
  if (!strcmp(section, "fetch")) {
    char w[256];
    if (fetch_key(c, k, v, w, sizeof w)) return true;
    return snprintf(why, whysz, "[fetch] %s: %s", k, w), false;
  }
  if (is && !strncmp(section, "issuer.", 7)) {
    why[0] = 0;
    if (issuer_key(is, k, v, dir, why, whysz)) return true;
    if (why[0]) return false;
    good = false;
  } else if (!strcmp(section, "server") && !strcmp(k, "audit_db")) { /* relative: to this file, as key files */
    int n = snprintf(c->audit_db, sizeof c->audit_db, "%s%s", v[0] == '/' ? "" : dir, v);
    good = *v && n > 0 && (size_t)n < sizeof c->audit_db;
  } else if (!strcmp(section, "server")) good = server_key(c, k, v);
  else if (!strcmp(section, "jwt")) good = jwt_key(c, k, v);
  else good = !strcmp(k, "open") && parse_bool(v, &c->api_open); /* [api] */
  if (!good) snprintf(why, whysz, "[%s] %s: unknown key or bad value '%s'", section, k, v);
  return good;
}

/* What the file as a whole must hold. */
static bool config_complete(const server_config *c, const char *path, char *err, size_t errsz) {
  for (int i = 0; i < c->n_issuers; i++)
    if (!c->issuers[i].iss || !c->issuers[i].pem) {
      snprintf(err, errsz, "%s: every [issuer.NAME] needs iss and public_key_file", path);
      return false;
    }
  if (c->jwt_required && !c->n_issuers) {
    snprintf(err, errsz, "%s: [jwt] required = true needs at least one [issuer.NAME]", path);
    return false;
  }
  return true;
}

bool server_config_load(server_config *c, const char *path, char *err, size_t errsz) {
  config_defaults(c);
  if (!path) return true;
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errsz, "%s: %s", path, strerror(errno));
    return false;
  }
  size_t len;
  char *text = read_all(f, 1u << 20, &len);
  fclose(f);
  if (!text) {
    snprintf(err, errsz, "%s: cannot read (missing, unreadable or over 1 MiB)", path);
    return false;
  }
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash) slash[1] = 0;
  else dir[0] = 0;
  char section[128] = "", why[8192 + 512] = "";
  jwt_issuer *is = NULL;
  ini_reader r;
  ini_item it;
  ini_init(&r, text, INI_INLINE_COMMENTS);
  bool ok = true;
  for (ini_kind k; ok && (k = ini_next(&r, &it)) != INI_END;) {
    if (k == INI_ERROR) snprintf(why, sizeof why, "%s", it.error), ok = false;
    else if (k == INI_SECTION) ok = config_section(c, it.name, section, sizeof section, &is, why, sizeof why);
    else ok = config_key(c, section, is, it.name, it.value, dir, why, sizeof why);
    if (!ok) snprintf(err, errsz, "%s:%d: %s", path, it.line, why);
  }
  free(text);
  ok = ok && config_complete(c, path, err, errsz);
  if (!ok) server_config_free(c);
  return ok;
}

void server_config_free(server_config *c) {
  for (int i = 0; i < c->n_issuers; i++) {
    free((char *)c->issuers[i].iss);
    free((char *)c->issuers[i].kid);
    free((char *)c->issuers[i].pem);
    free((char *)c->issuers[i].alg);
  }
  c->n_issuers = 0;
}
