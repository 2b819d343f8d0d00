#!/usr/bin/env python3
"""Peak memory of `osteoplan serve` while hook requests fetch large searches
(a measurement, not a ctest): a fake FHIR server answers every search with a
Bundle of about 15.5 MiB (many small resources), and CONCURRENT
patient-view requests, each missing four searches, run at once on a server
of THREADS threads. Prints the server's peak RSS (VmHWM) and the statuses.

usage: fetch_rss.py OSTEOPLAN [THREADS] [CONCURRENT] [ENTRIES] [--no-config] [--no-length]
  ENTRIES: resources per answer (default 280000, about 15.4 MiB)
  --no-config: start the server without a [fetch] section (a server from
  before it existed, which fetched from any fhirServer)
  --no-length: answers without Content-Length (read until the limit)
"""
import concurrent.futures
import http.server
import json
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serving  # noqa: E402
from test_fetch import hook, post, resources_of, PV, AS_OF  # noqa: E402

BIN = sys.argv[1]
ARGS = [a for a in sys.argv[2:] if not a.startswith("--")]
THREADS = int(ARGS[0]) if len(ARGS) > 0 else 8
CONC = int(ARGS[1]) if len(ARGS) > 1 else 8
N = int(ARGS[2]) if len(ARGS) > 2 else 280000
NO_CONFIG = "--no-config" in sys.argv
NO_LENGTH = "--no-length" in sys.argv
BIG = json.dumps({"resourceType": "Bundle", "type": "searchset",
                  "entry": [{"resource": {"resourceType": "Basic", "id": "b%d" % i}} for i in range(N)]}).encode()


class Big(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/fhir+json")
        if not NO_LENGTH:
            self.send_header("Content-Length", str(len(BIG)))
        self.end_headers()
        try:
            self.wfile.write(BIG)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *a):
        pass


def main():
    fs = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Big)
    threading.Thread(target=fs.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:%d/fhir" % fs.server_address[1]
    # a long idle timeout: the server from before answers only after many seconds
    cfg = "[server]\nconnection_timeout_s = 300\n" + ("" if NO_CONFIG else "[fetch]\nallow = %s\n" % base)
    proc, port, log = serving.start(BIN, AS_OF, cfg, threads=THREADS)
    res = resources_of("01_naive_high_tscore")
    pid = res[0]["id"]
    def one(i):
        try:
            return post(port, PV, hook(pid, res, server=base, instance="rss-%d" % i), timeout=300)
        except OSError as e:
            return (0, str(e), {}, 0)

    with concurrent.futures.ThreadPoolExecutor(CONC) as ex:
        out = list(ex.map(one, range(CONC)))
    with open("/proc/%d/status" % proc.pid) as f:
        hwm = [line.split()[1] for line in f if line.startswith("VmHWM")][0]
    try:
        serving.stop(proc, log)
    finally:
        proc.kill()
    fs.shutdown()
    print("answer %.1f MiB per search; threads %d, %d requests at once: peak RSS %.0f MB; statuses %s; %s"
          % (len(BIG) / 2**20, THREADS, CONC, int(hwm) / 1024, sorted(r[0] for r in out),
             sorted(set(str(r[1].get("error", "")) for r in out if isinstance(r[1], dict)))[:2]))


if __name__ == "__main__":
    main()
