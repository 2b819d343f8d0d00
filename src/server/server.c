/*
** server.c: HTTP for `osteoplan serve` (see server.h): reading requests
** within limits, routing, authentication, the access log and a graceful
** stop. What the services answer is cds.c's business.
**
** libmicrohttpd runs a pool of threads, each with its own poll(2) loop; a
** request is handled on the thread that read it (an assessment takes tens
** of microseconds, so handing it to another pool would cost more than it
** saves). Each request owns one arena, freed when the request ends.
**
** A hook request that must fetch from a FHIR server is the exception: a
** fetch can take seconds, and every other connection of that worker (its
** keep-alive clients) would wait. The worker runs the hook once with a probe
** that never fetches; if it asked for an allowed URL, the connection is
** suspended and the request runs again on one of a few fetch threads, which
** resume the connection with the answer. The worker keeps serving.
*/
#include "server/server.h"

#include <curl/curl.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "osteoplan.h"
#include "render/render.h"
#include "server/api_extra.h"
#include "server/cds.h"
#include "server/fetch.h"
#include "server/web_assets.h"
#include "util/arena.h"
#include "util/ctlchar.h"

typedef struct fetch_pool fetch_pool;
typedef struct access_log access_log;

typedef struct {
  const server_config *cfg;
  const op_kb *kb;
  jwt_checker *jwt;
  const char *labels; /* GET /api/labels: fixed for the server's life */
  size_t labels_len;
  fetch_policy *fetch; /* outbound fetches: allow-list, limits, slots */
  fetch_pool *pool;    /* fetch threads; NULL when nothing can be fetched */
  audit_db *audit;     /* --audit-db: cards served and feedback; NULL: none */
  access_log *log;     /* the access log's buffer (serve's) */
} server;

typedef struct {
  struct timespec t0;
  char method[16], path[160];
  char *body;
  size_t len, cap;
  size_t declared; /* Content-Length within the limit (0: none): the body's first allocation */
  bool too_big;
  int status;
  const char *cors_origin; /* the request's Origin when cors_allow_origins lists it */
  bool offloaded;          /* run on a fetch thread: its answer is below */
  int r_status;
  char r_type[64];
  char *r_body; /* NULL: out of memory */
  size_t r_len;
} request;

/* A hook request waiting for a fetch thread. */
typedef struct job {
  struct job *next;
  struct MHD_Connection *conn;
  request *q;
} job;

struct fetch_pool {
  const void *srv; /* the server (its configuration, knowledge base and fetch policy) */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  job *head, *tail;
  int idle, queued; /* threads waiting, jobs not yet taken: a job is taken only when queued < idle */
  int open;         /* connections handed over and not yet ended (suspended or answering) */
  bool stop;
  int n;
  pthread_t th[];
};

static double since(const struct timespec *t0) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static void today(char buf[11]) {
  time_t t = time(NULL);
  struct tm tm;
  localtime_r(&t, &tm);
  strftime(buf, 11, "%Y-%m-%d", &tm);
}

/* ---- answering ---------------------------------------------------------- */

static void free_arena(void *cls) { arena_destroy(cls); }

/* owner: the arena body lives in, handed to the response (freed once the
** body is sent: no copy of it); NULL: body is copied. */
static enum MHD_Result send_owned(struct MHD_Connection *conn, request *q, int status, const char *type,
                                  const char *body, size_t len, arena *owner) {
  struct MHD_Response *r =
      owner ? MHD_create_response_from_buffer_with_free_callback_cls(len, (void *)body, free_arena, owner)
            : MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
  if (!r) {
    arena_destroy(owner);
    return MHD_NO;
  }
  MHD_add_response_header(r, "Content-Type", type ? type : "application/json");
  if (q->cors_origin) {
    MHD_add_response_header(r, "Access-Control-Allow-Origin", q->cors_origin);
    MHD_add_response_header(r, "Vary", "Origin");
  }
  MHD_add_response_header(r, "Cache-Control", "no-store");
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  if (status == 503) MHD_add_response_header(r, "Retry-After", "1"); /* our 503s are momentary: all busy */
  q->status = status;
  enum MHD_Result ok = MHD_queue_response(conn, (unsigned)status, r);
  MHD_destroy_response(r);
  return ok;
}

static enum MHD_Result send_typed(struct MHD_Connection *conn, request *q, int status, const char *type,
                                  const char *body, size_t len) {
  return send_owned(conn, q, status, type, body, len, NULL);
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, request *q, int status, const char *body, size_t len) {
  return send_typed(conn, q, status, NULL, body, len);
}

/* The web page's files. They are embedded and never change while the server
** runs; the policy lets the page load only its own script, style and API
** (no inline script, no other origin, no framing). */
static enum MHD_Result send_asset(struct MHD_Connection *conn, request *q, const web_file *f, const char *type) {
  struct MHD_Response *r = MHD_create_response_from_buffer((size_t)f->len, (void *)f->text, MHD_RESPMEM_PERSISTENT);
  if (!r) return MHD_NO;
  MHD_add_response_header(r, "Content-Type", type);
  MHD_add_response_header(r, "Cache-Control", "no-cache");
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
  MHD_add_response_header(r, "Content-Security-Policy",
                          "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                          "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
  q->status = 200;
  enum MHD_Result ok = MHD_queue_response(conn, 200, r);
  MHD_destroy_response(r);
  return ok;
}

static enum MHD_Result send_error(struct MHD_Connection *conn, request *q, int status, const char *msg) {
  arena *a = arena_create(1024);
  if (!a) return MHD_NO;
  cds_reply r;
  cds_error(a, status, msg, &r);
  enum MHD_Result ok = send_reply(conn, q, status, r.body, r.len);
  arena_destroy(a);
  return ok;
}

static bool json_content(struct MHD_Connection *conn) {
  const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
  return ct && !strncmp(ct, "application/json", 16);
}

/* CORS: the page is same-origin, so no origin is allowed cross-origin
** unless listed exactly in cors_allow_origins (never "*": answers hold
** patient data). The request's Origin when it is listed, else NULL. */
static const char *cors_origin(const server *s, struct MHD_Connection *conn) {
  const char *o = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
  size_t n = o ? strlen(o) : 0;
  for (const char *l = s->cfg->cors_origins; n && *l;) {
    size_t k = strcspn(l, " ");
    if (k == n && !memcmp(l, o, n)) return o;
    l += k + (l[k] != 0);
  }
  return NULL;
}

/* The token of [jwt] required: true when the request may go on; else its
** answer is queued in *ok: 401, or 503 (logged) when the jti cache is full
** of live tokens, which is no client's fault. */
static bool authorized(server *s, struct MHD_Connection *conn, request *q, enum MHD_Result *ok) {
  char aud[512], msg[256];
  snprintf(aud, sizeof aud, "%s%s", s->cfg->public_url, q->path);
  const char *authz = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
  int rc = jwt_check(s->jwt, authz, aud, (long)time(NULL), msg, sizeof msg);
  if (rc == JWT_OK) return true;
  if (rc == JWT_BUSY) fprintf(stderr, "osteoplan serve: %s; answering 503\n", msg);
  *ok = send_error(conn, q, rc == JWT_BUSY ? 503 : 401, msg);
  return false;
}

/* The services' answer to q, fetching through fetch (conn: NULL on a fetch
** thread, where only hook requests run). */
static void answer(const server *s, struct MHD_Connection *conn, request *q, arena *a, cds_fetch_fn fetch,
                   fetch_session *fs, cds_reply *r) {
  const char *p = q->path;
  char day[11];
  today(day);
  cds_ctx c = {s->kb, day, s->cfg->as_of, fetch, fs, (long)s->cfg->fetch_max_resources, s->audit};
  if (!strcmp(p, "/cds-services")) {
    cds_discovery(&c, a, r);
  } else if (!strcmp(p, "/api/assess")) {
    cds_api_assess(&c, a, q->body ? q->body : "", q->len,
                   conn ? MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "format") : NULL,
                   conn ? MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "audience") : NULL, r);
  } else if (api_extra_answer(&c, a, p, q->body ? q->body : "", q->len, r)) {
    /* the page's units and FHIR files (api_extra.c) */
  } else if (!cds_service(&c, a, p + 14, q->body ? q->body : "", q->len, r)) {
    cds_error(a, 404, "unknown CDS service", r);
  }
}

/* ---- fetch threads ------------------------------------------------------ */

/* Runs q on this fetch thread and keeps the answer in q. */
static void run_job(const server *s, request *q) {
  arena *a = arena_create(64 * 1024);
  fetch_session fs;
  fetch_session_begin(&fs, s->fetch);
  cds_reply r = {0};
  if (a) answer(s, NULL, q, a, fetch_get, &fs, &r);
  fetch_session_end(&fs);
  q->r_status = r.status;
  snprintf(q->r_type, sizeof q->r_type, "%s", r.type ? r.type : "application/json");
  q->r_body = r.body ? malloc(r.len ? r.len : 1) : NULL;
  if (q->r_body) memcpy(q->r_body, r.body, r.len);
  q->r_len = r.len;
  arena_destroy(a);
}

static void *fetch_thread(void *arg) {
  fetch_pool *p = arg;
  pthread_mutex_lock(&p->mu);
  p->idle++;
  for (;;) {
    while (!p->head && !p->stop) pthread_cond_wait(&p->cv, &p->mu);
    job *j = p->head;
    if (!j) break; /* stopping, and every job done */
    p->head = j->next;
    if (!p->head) p->tail = NULL;
    p->queued--;
    p->idle--;
    pthread_mutex_unlock(&p->mu);
    run_job(p->srv, j->q);
    struct MHD_Connection *conn = j->conn;
    free(j);
    /* free again before the client has its answer: its next request
    ** must not find every fetch thread taken (503) */
    pthread_mutex_lock(&p->mu);
    p->idle++;
    pthread_mutex_unlock(&p->mu);
    MHD_resume_connection(conn); /* the worker calls on_request again: it sends the answer */
    pthread_mutex_lock(&p->mu);
  }
  p->idle--;
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

/* Stops the threads after the jobs queued (every suspended connection is
** resumed), then waits, at most 30 seconds, for the workers to answer the
** connections resumed: the daemon must not stop while one is still
** suspended (libmicrohttpd aborts then), so a slow machine waits longer
** rather than stop with an abort (5 s was once too short under load). */
static void pool_stop(fetch_pool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->mu);
  p->stop = true;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  for (int i = 0; i < p->n; i++) pthread_join(p->th[i], NULL);
  p->n = 0;
  for (int i = 0; i < 3000; i++) {
    pthread_mutex_lock(&p->mu);
    int open = p->open;
    pthread_mutex_unlock(&p->mu);
    if (!open) break;
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
}

/* Stops the pool unless pool_stop did (it leaves no thread) and frees it. */
static void pool_free(fetch_pool *p) {
  if (!p) return;
  if (p->n) pool_stop(p);
  pthread_cond_destroy(&p->cv);
  pthread_mutex_destroy(&p->mu);
  free(p);
}

/* n threads over srv; NULL when they cannot start. */
static fetch_pool *pool_new(const server *srv, int n) {
  fetch_pool *p = calloc(1, sizeof *p + sizeof(pthread_t) * (size_t)n);
  if (!p) return NULL;
  p->srv = srv;
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  for (; p->n < n; p->n++)
    if (pthread_create(&p->th[p->n], NULL, fetch_thread, p) != 0) {
      pool_free(p);
      return NULL;
    }
  return p;
}

/* Suspends the connection and hands q to a fetch thread; 503 when every
** fetch thread is taken (as when every fetching slot is). */
static enum MHD_Result offload(server *s, struct MHD_Connection *conn, request *q) {
  fetch_pool *p = s->pool;
  if (!p) return send_error(conn, q, 500, "no fetch threads"); /* never: only their probe asks to fetch */
  job *j = malloc(sizeof *j);
  if (!j) return send_error(conn, q, 500, "out of memory");
  *j = (job){NULL, conn, q};
  pthread_mutex_lock(&p->mu);
  bool taken = p->queued < p->idle;
  if (taken) {
    MHD_suspend_connection(conn); /* before the job is visible: it may resume at once */
    q->offloaded = true;
    if (p->tail) p->tail->next = j;
    else p->head = j;
    p->tail = j;
    p->queued++;
    p->open++;
    pthread_cond_signal(&p->cv);
  }
  pthread_mutex_unlock(&p->mu);
  // cppcheck-suppress memleak ; j is on the pool's queue: the fetch thread frees it
  if (taken) return MHD_YES;
  free(j);
  return send_error(conn, q, 503, "too many requests are fetching from FHIR servers now; try again");
}

/* The answer of a request that ran on a fetch thread. */
static enum MHD_Result send_offloaded(struct MHD_Connection *conn, request *q) {
  enum MHD_Result ok = q->r_body ? send_typed(conn, q, q->r_status, q->r_type, q->r_body, q->r_len)
                                 : send_error(conn, q, 500, "out of memory");
  free(q->r_body);
  q->r_body = NULL;
  return ok;
}

static enum MHD_Result route(server *s, struct MHD_Connection *conn, request *q) {
  const char *m = q->method, *p = q->path;
  q->cors_origin = cors_origin(s, conn);
  if (!strcmp(m, "OPTIONS")) { /* CORS preflight of browser-based EHR clients */
    struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, "Allow", "GET, POST, OPTIONS");
    if (q->cors_origin) {
      MHD_add_response_header(r, "Access-Control-Allow-Origin", q->cors_origin);
      MHD_add_response_header(r, "Vary", "Origin");
      MHD_add_response_header(r, "Access-Control-Allow-Methods", "GET, POST, OPTIONS");
      MHD_add_response_header(r, "Access-Control-Allow-Headers", "Authorization, Content-Type");
    }
    q->status = 204;
    enum MHD_Result ok = MHD_queue_response(conn, 204, r);
    MHD_destroy_response(r);
    return ok;
  }
  bool is_get = !strcmp(m, "GET"), is_post = !strcmp(m, "POST");
  const char *asset_type = NULL;
  const web_file *asset = web_asset(p, &asset_type);
  bool cds = !strcmp(p, "/cds-services") || !strncmp(p, "/cds-services/", 14);
  bool known = !strcmp(p, "/healthz") || !strcmp(p, "/api/assess") || !strcmp(p, "/api/labels") || cds || asset ||
               api_extra_method(p);
  if (!known) return send_error(conn, q, 404, "no such resource");
  bool want_get = !strcmp(p, "/healthz") || !strcmp(p, "/cds-services") || !strcmp(p, "/api/labels") || asset ||
                  api_extra_method(p) == 'G';
  if ((want_get && !is_get) || (!want_get && !is_post)) return send_error(conn, q, 405, "method not allowed here");
  if (!strcmp(p, "/healthz")) return send_reply(conn, q, 200, "{\"status\":\"ok\"}", 15);
  if (asset) return send_asset(conn, q, asset, asset_type);
  bool api = !strncmp(p, "/api/", 5);
  enum MHD_Result denied;
  if (s->cfg->jwt_required && (cds || (api && !s->cfg->api_open)) && !authorized(s, conn, q, &denied)) return denied;
  if (!strcmp(p, "/api/labels")) return send_reply(conn, q, 200, s->labels, s->labels_len);
  if (q->too_big) {
    char msg[96];
    snprintf(msg, sizeof msg, "request body over %zu bytes", s->cfg->body_limit);
    return send_error(conn, q, 413, msg);
  }
  if (is_post && !json_content(conn)) return send_error(conn, q, 415, "Content-Type must be application/json");
  arena *a = arena_create(64 * 1024);
  if (!a) return send_error(conn, q, 500, "out of memory");
  fetch_session fs;
  fetch_session_begin(&fs, s->fetch);
  bool hook = strcmp(p, "/cds-services") && cds;
  cds_reply r = {0};
  answer(s, conn, q, a, hook && s->pool ? fetch_probe : fetch_get, &fs, &r);
  fetch_session_end(&fs);
  if (fs.wanted || !r.body) {
    arena_destroy(a);
    return fs.wanted ? offload(s, conn, q) /* it must fetch: not on this worker */
                     : send_error(conn, q, 500, "out of memory");
  }
  return send_owned(conn, q, r.status, r.type, r.body, r.len, a); /* the answer's arena goes with it */
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls) {
  (void)version;
  server *s = cls;
  request *q = *con_cls;
  if (!q) {
    q = calloc(1, sizeof *q);
    if (!q) return MHD_NO;
    clock_gettime(CLOCK_MONOTONIC, &q->t0);
    snprintf(q->method, sizeof q->method, "%s", method);
    snprintf(q->path, sizeof q->path, "%s", url);
    *con_cls = q;
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    unsigned long long declared = cl ? strtoull(cl, NULL, 10) : 0;
    /* at most 256 KB taken on the client's word alone: a body is grown as it comes */
    if (declared <= s->cfg->body_limit) q->declared = declared < 256 * 1024 ? (size_t)declared : 256 * 1024;
    if (declared > s->cfg->body_limit) {
      q->too_big = true;
      /* A client that waits for "100 Continue" gets the 413 now, before it
      ** sends a byte of the body. Any other is already sending it: its body
      ** is read and dropped (bounded by the idle timeout), because closing
      ** on unread data makes the kernel reset the connection, and the
      ** client could lose the answer. */
      const char *expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Expect");
      if (expect && !strcasecmp(expect, "100-continue")) return route(s, conn, q);
    }
    return MHD_YES;
  }
  if (q->offloaded) return send_offloaded(conn, q); /* resumed by its fetch thread */
  if (*upload_size) {
    size_t k = *upload_size;
    *upload_size = 0;
    if (q->too_big || q->len + k > s->cfg->body_limit) {
      q->too_big = true; /* keep reading (bounded by the timeout), keep nothing */
      return MHD_YES;
    }
    if (q->len + k + 1 > q->cap) {
      size_t cap = q->cap ? q->cap * 2 : q->declared + 1 > 16384 ? q->declared + 1 : 16384; /* one copy, not two */
      while (cap < q->len + k + 1) cap *= 2;
      char *nb = realloc(q->body, cap);
      if (!nb) return MHD_NO;
      q->body = nb;
      q->cap = cap;
    }
    memcpy(q->body + q->len, upload, k);
    q->len += k;
    return MHD_YES;
  }
  return route(s, conn, q);
}

/* The access log is buffered: lines are written together, once
** ACCESS_LOG_LINES wait or the oldest has waited a second (the main thread
** looks every second), and at shutdown: one write(2) for many requests
** instead of one each. A crash loses the lines still waiting (at most a
** second's worth, or ACCESS_LOG_LINES). */
#define ACCESS_LOG_LINES 32
struct access_log {
  pthread_mutex_t mu;
  char buf[16384];
  size_t len;
  struct timespec oldest; /* when the oldest waiting line came */
  unsigned lines;
};

static void log_write_locked(access_log *l) {
  const char *p = l->buf;
  size_t n = l->len;
  while (n) { /* unchecked, as every log line always was: nowhere to say so */
    ssize_t w = write(STDERR_FILENO, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    p += w, n -= (size_t)w;
  }
  l->len = 0;
  l->lines = 0;
}

/* Writes the waiting lines: all of them, or (due_only) when the oldest has
** waited a second. */
static void log_flush(access_log *l, bool due_only) {
  pthread_mutex_lock(&l->mu);
  if (l->len && (!due_only || since(&l->oldest) >= 1000.0)) log_write_locked(l);
  pthread_mutex_unlock(&l->mu);
}

static void log_line(access_log *l, const char *line, size_t n) {
  pthread_mutex_lock(&l->mu);
  if (l->len + n > sizeof l->buf) log_write_locked(l);
  if (!l->len) clock_gettime(CLOCK_MONOTONIC, &l->oldest);
  n = n < sizeof l->buf ? n : sizeof l->buf;
  memcpy(l->buf + l->len, line, n);
  l->len += n;
  if (++l->lines >= ACCESS_LOG_LINES || since(&l->oldest) >= 1000.0) log_write_locked(l);
  pthread_mutex_unlock(&l->mu);
}

/* The access log: one line per request, no patient data. */
static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode why) {
  const server *s = cls;
  (void)conn;
  request *q = *con_cls;
  if (!q) return;
  if (q->offloaded && s->pool) { /* a handed-over connection has ended */
    pthread_mutex_lock(&s->pool->mu);
    s->pool->open--;
    pthread_mutex_unlock(&s->pool->mu);
  }
  /* method and path are the client's bytes (the path %-decoded): a log
  ** reader must not get a forged line (CR, LF) or terminal commands (ESC) */
  char method[6 * sizeof q->method], path[6 * sizeof q->path];
  ctl_escape(method, sizeof method, q->method);
  ctl_escape(path, sizeof path, q->path);
  char line[sizeof method + sizeof path + 64];
  int n = snprintf(line, sizeof line, "%s %s %d %.2f ms%s\n", method, path, q->status, since(&q->t0),
                   why == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (connection ended early)");
  if (n > 0) log_line(s->log, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
  free(q->body);
  free(q->r_body);
  free(q);
  *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap) {
  (void)cls;
  fputs("osteoplan serve: ", stderr);
  vfprintf(stderr, fmt, ap);
}

/* Each connection is a descriptor: the soft limit (often 1024) would make
** the server refuse clients long before max_connections, so it is raised
** towards the hard limit; a message says when even that is too low. */
static void raise_fd_limit(unsigned max_connections) {
  struct rlimit rl;
  rlim_t want = (rlim_t)max_connections + 64; /* the listening socket, logs, libcurl, the KB */
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want) return;
  rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < want)
    fprintf(stderr, "osteoplan serve: only %llu file descriptors allowed; fewer than max_connections (%u) can be open\n",
            (unsigned long long)rl.rlim_cur, max_connections);
}

static int serve(const server *sp) {
  server s = *sp;
  access_log log = {.mu = PTHREAD_MUTEX_INITIALIZER};
  s.log = &log;
  const server_config *cfg = s.cfg;
  const op_kb *kb = s.kb;
  jwt_limits lim = {cfg->jwt_skew_s, cfg->jwt_max_lifetime_s, cfg->jwt_replay_max};
  char why[256];
  if (cfg->jwt_required && !(s.jwt = jwt_checker_new(cfg->issuers, cfg->n_issuers, &lim, why, sizeof why))) {
    fprintf(stderr, "osteoplan serve: %s\n", why); /* keys are read here, once: a bad one stops the start */
    return 1;
  }
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    fprintf(stderr, "osteoplan serve: cannot start libcurl\n");
    jwt_checker_free(s.jwt);
    return 1;
  }
  struct sockaddr_in addr = {0};
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)cfg->port);
  if (inet_pton(AF_INET, cfg->host, &addr.sin_addr) != 1) {
    fprintf(stderr, "osteoplan serve: --listen: '%s' is not an IPv4 address\n", cfg->host);
    curl_global_cleanup();
    jwt_checker_free(s.jwt);
    return 2;
  }
  /* the pool threads inherit a mask without SIGTERM/SIGINT: only sigwait sees them */
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, NULL);
  signal(SIGPIPE, SIG_IGN);
  raise_fd_limit(cfg->max_connections);
  int nf = fetch_policy_concurrency(s.fetch);
  if (nf > 0 && !(s.pool = pool_new(&s, nf))) { /* after the mask: the threads inherit it */
    fprintf(stderr, "osteoplan serve: cannot start %d fetch threads\n", nf);
    curl_global_cleanup();
    jwt_checker_free(s.jwt);
    return 1;
  }
  /* poll(2), not epoll: libmicrohttpd 0.9.75's MHD_quiesce_daemon removes the
  ** listening socket from each worker's epoll set from this thread while a
  ** worker that woke may be removing it too; the loser aborts the process
  ** ("Failed to remove listen FD from epoll set"). Under poll the quiesce
  ** is a message to each worker, which stops listening itself. */
  struct MHD_Daemon *d = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME, (uint16_t)cfg->port, NULL,
      NULL, on_request, &s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, /* first, so every message goes to it */
      MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
      (unsigned)cfg->threads, MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_s, MHD_OPTION_CONNECTION_LIMIT,
      cfg->max_connections, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_NOTIFY_COMPLETED,
      on_done, &s, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->max_per_ip,
      MHD_OPTION_END);
  if (!d) {
    fprintf(stderr, "osteoplan serve: cannot listen on %s:%d: %s\n", cfg->host, cfg->port, strerror(errno));
    pool_free(s.pool);
    curl_global_cleanup();
    jwt_checker_free(s.jwt);
    return 1;
  }
  const union MHD_DaemonInfo *bi = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  fprintf(stderr, "osteoplan serve: listening on http://%s:%u (%d threads, knowledge base %s)\n", cfg->host,
          bi ? bi->port : (unsigned)cfg->port, cfg->threads, op_kb_version(kb));
  int sig;
  const struct timespec tick = {1, 0};
  while ((sig = sigtimedwait(&sigs, NULL, &tick)) < 0) log_flush(s.log, true); /* the access log's timer */
  fprintf(stderr, "osteoplan serve: %s: finishing requests in flight\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  /* closed only after the daemon has stopped: a worker may still be in an
  ** accept it began before the quiesce, and the number must not be reused */
  MHD_socket ls = MHD_quiesce_daemon(d);
  /* in-flight requests finish; idle keep-alive connections end at the timeout */
  for (int i = 0; i < 100 * (int)cfg->timeout_s; i++) {
    const union MHD_DaemonInfo *ci = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    if (!ci || ci->num_connections == 0) break;
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  pool_stop(s.pool); /* its jobs end within [fetch] timeout_s, each resuming its connection */
  MHD_stop_daemon(d);
  if (ls != MHD_INVALID_SOCKET) close(ls);
  pool_free(s.pool);  /* after the daemon: on_done still counted its connections */
  curl_global_cleanup();
  jwt_checker_free(s.jwt);
  log_flush(s.log, false); /* every request has ended: its line is the last */
  fprintf(stderr, "osteoplan serve: stopped\n");
  return 0;
}

int server_run(const server_config *cfg, const op_kb *kb) {
  server s = {cfg, kb, NULL, NULL, 0, NULL, NULL, NULL, NULL};
  char err[1300];
  if (!(s.fetch = fetch_policy_new(cfg, err, sizeof err))) {
    fprintf(stderr, "osteoplan serve: %s\n", err);
    return 2;
  }
  /* opened before listening: a file that is not ours stops the start */
  if (cfg->audit_db[0] && !audit_open(cfg->audit_db, cfg->audit_patient_ids, &s.audit, err, sizeof err)) {
    fprintf(stderr, "osteoplan serve: --audit-db: %s\n", err);
    fetch_policy_free(s.fetch);
    return 2;
  }
  arena *la = arena_create(64 * 1024);
  if (!la || !(s.labels = render_labels(la, kb, &s.labels_len))) {
    fprintf(stderr, "osteoplan serve: out of memory\n");
    arena_destroy(la);
    audit_close(s.audit);
    fetch_policy_free(s.fetch);
    return 1;
  }
  int rc = serve(&s);
  arena_destroy(la);
  audit_close(s.audit); /* after the daemon stopped: no request uses it */
  fetch_policy_free(s.fetch);
  return rc;
}
