/*
** cmd_serve.c: osteoplan serve: the CDS Hooks service and /api/assess.
*/
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "kb/kb.h"
#include "server/server.h"

static void usage(FILE *out) {
  fputs("usage: osteoplan serve [options]\n"
        "\n"
        "Serves the clinician web page at / (open http://ADDR:PORT/ in a browser,\n"
        "http://127.0.0.1:8080/ by default: a form for one patient's record, or a FHIR\n"
        "file opened from disk, and the plan beside it), CDS Hooks 2.0 (GET /cds-services,\n"
        "POST /cds-services/osteoplan-patient-view, POST /cds-services/osteoplan-order-sign),\n"
        "POST /api/assess (a patient record in, the JSON plan out; ?format= and\n"
        "?audience= as assess), GET /api/labels and GET /healthz. Stops on SIGTERM or\n"
        "SIGINT after the requests in flight. One access-log line per request on\n"
        "standard error.\n"
        "\n"
        "options:\n"
        "  --listen ADDR:PORT  IPv4 address and port (default 127.0.0.1:8080; port 0: any)\n"
        "  --threads N         worker threads (default: the number of cores)\n"
        "  --config FILE       limits, public URL, JWT issuers, the /api token rule,\n"
        "                      CORS origins and the FHIR fetch allow-list (see the README)\n"
        "  --kb DIR            load the knowledge base from DIR (common/, profiles/NAME/)\n"
        "  --profile NAME      the knowledge base's profile (default: [server] profile,\n"
        "                      else default)\n"
        "  --as-of DATE        plan every request for DATE instead of today (tests, replays)\n"
        "  --audit-db FILE     keep every card served and its CDS Hooks feedback\n"
        "                      (POST /cds-services/{id}/feedback) in the SQLite FILE;\n"
        "                      read it with osteoplan audit --db FILE. No patient data\n"
        "                      is kept unless:\n"
        "  --audit-patient-ids keep each card's FHIR patient id in the audit too\n"
        "  --help              this text\n"
        CLI_HELP_FOOTER,
        out);
}

int cmd_serve(int argc, char **argv) {
  const char *listen = NULL, *threads = NULL, *config = NULL, *kbdir = NULL, *as_of = NULL, *profile = NULL,
             *audit_db = NULL;
  bool audit_ids = false;
  const cli_opt opts[] = {{"--listen", &listen, NULL}, {"--threads", &threads, NULL}, {"--config", &config, NULL},
                          {"--kb", &kbdir, NULL},      {"--as-of", &as_of, NULL},     {"--profile", &profile, NULL},
                          {"--audit-db", &audit_db, NULL}, {"--audit-patient-ids", NULL, &audit_ids},
                          {NULL, NULL, NULL}};
  int rc0 = cli_parse("serve", argc, argv, opts, NULL, usage);
  if (rc0) return rc0 < 0 ? 0 : rc0;
  server_config c;
  char err[768];
  if (!server_config_load(&c, config, err, sizeof err)) {
    fprintf(stderr, "osteoplan serve: %s%s\n", config ? "--config: " : "", err);
    return 2;
  }
  if (listen && !server_config_listen(&c, listen)) {
    fprintf(stderr, "osteoplan serve: --listen: '%s' is not ADDR:PORT (an IPv4 address, a port 0 to 65535)\n", listen);
    server_config_free(&c);
    return 2;
  }
  long t = c.threads;
  if ((threads && !cli_check_long("serve", "--threads", threads, 1, 256, &t)) ||
      (as_of && !cli_check_date("serve", "--as-of", as_of))) {
    server_config_free(&c);
    return 2;
  }
  c.threads = (int)t;
  c.as_of = as_of;
  if (audit_db && (!*audit_db || strlen(audit_db) >= sizeof c.audit_db)) {
    fprintf(stderr, "osteoplan serve: --audit-db: expected a file name (under %zu bytes)\n", sizeof c.audit_db);
    server_config_free(&c);
    return 2;
  }
  if (audit_db) snprintf(c.audit_db, sizeof c.audit_db, "%s", audit_db); /* the option wins over the file */
  if (audit_ids) c.audit_patient_ids = true;
  if (c.audit_patient_ids && !c.audit_db[0]) {
    fprintf(stderr, "osteoplan serve: --audit-patient-ids: there is no audit (give --audit-db FILE)\n");
    server_config_free(&c);
    return 2;
  }
  if (!c.public_url[0]) snprintf(c.public_url, sizeof c.public_url, "http://%s:%d", c.host, c.port);
  if (!profile && c.profile[0]) profile = c.profile; /* the option wins over the file */
  op_kb *kb = kb_load_profile(kbdir, profile, err, sizeof err);
  if (!kb) {
    fprintf(stderr, "osteoplan serve: %sknowledge base rejected: %s\n", kbdir ? "--kb: " : profile ? "--profile: " : "",
            err);
    server_config_free(&c);
    return kbdir || profile ? 2 : 1; /* a copy or a profile named by the user: a usage error */
  }
  /* Every request frees its memory at once. glibc would hand the top of a
  ** worker's heap back to the kernel after most of them (madvise), and each
  ** time interrupt the other core to flush its TLB; keeping up to this much
  ** free memory per heap, and never mapping request-sized blocks on their
  ** own, saves that work on the hot path. Memory stays bounded by the peak. */
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_MMAP_THRESHOLD, 8 << 20);
  int rc = server_run(&c, kb);
  kb_free(kb);
  server_config_free(&c);
  return rc;
}
