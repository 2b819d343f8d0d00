#!/usr/bin/env python3
"""The side-by-side run of bench/floors.sh: every program on the same files,
RUNS times each (interleaved, so a burst of load hits all of them alike), the
median of each, and the ratios the performance issue names.

usage: floors.py OSTEOPLAN NDJSON FHIR_EXPORT BUILD_DIR RUNS PEER_LIMIT PEER_RUNS
Figures are printed only: none is written to a file of the repository.
"""
import json
import os
import re
import statistics
import subprocess
import sys
import time

RATE = re.compile(rb"osteoplan screen: (\d+) records, .* ([0-9.]+) s, (\d+) records/s")


def run(cmd):
    """Runs cmd; returns (wall seconds, stdout, stderr)."""
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit("floors: %s failed (exit %d): %s" % (" ".join(cmd), p.returncode, p.stderr.decode()[-500:]))
    return wall, p.stdout, p.stderr


def own_rate(cmd):
    """A program that prints 'records seconds records_per_s ...'."""
    _, out, _ = run(cmd)
    return float(out.split()[2])


def screen(binary, args, path):
    """osteoplan screen: its own records/s (reading included, the knowledge
    base's load not) and the wall time of the whole command."""
    wall, _, err = run([binary, "screen"] + args + [path])
    m = RATE.search(err)
    if not m:
        sys.exit("floors: no summary from osteoplan screen %s" % " ".join(args))
    return int(m.group(3)), wall


def main():
    binary, data, export, build, runs, peer_limit, peer_runs = sys.argv[1:8]
    runs, peer_runs = int(runs), int(peer_runs)
    here = os.path.dirname(os.path.abspath(__file__))
    simd = os.path.join(build, "simdjson_floor")
    cjson = os.path.join(build, "cjson_floor")
    fhir_args = ["--input", "fhir", "--as-of", "2026-11-01"]
    m = {}
    for _ in range(runs):
        if os.path.exists(simd):
            m.setdefault("simdjson", []).append(own_rate([simd, data]))
        if os.path.exists(cjson):
            m.setdefault("cjson", []).append(own_rate([cjson, data]))
        m.setdefault("python", []).append(own_rate([sys.executable, os.path.join(here, "py_loads.py"), data]))
        m.setdefault("reader", []).append(screen(binary, ["--threads", "1", "--parse-only"], data)[0])
        for t in (1, 2):
            rate, wall = screen(binary, ["--threads", str(t)], data)
            m.setdefault("screen%d" % t, []).append(rate)
            m.setdefault("screen%d_wall" % t, []).append(wall)
            m.setdefault("fhir%d_wall" % t, []).append(screen(binary, fhir_args + ["--threads", str(t)], export)[1])
    peer_js = os.path.join(here, "..", "peer", "peer.js")
    if peer_runs and os.path.isdir(os.path.join(here, "..", "peer", "node_modules")):
        for _ in range(peer_runs):
            _, out, _ = run(["node", peer_js, data, str(peer_limit)])
            m.setdefault("peer", []).append(json.loads(out)["records_per_s"])
    med = {k: statistics.median(v) for k, v in m.items()}
    report(med, runs, os.path.getsize(data), export_bytes(export))


def export_bytes(d):
    return sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))


def report(med, runs, data_bytes, fhir_bytes):
    g = med.get
    print("medians of %d runs (the peer: %s)" % (runs, "see PEER_RUNS" if g("peer") else "not run"))
    rows = [("simdjson DOM parse only, 1 thread", "simdjson"), ("cJSON parse only, 1 thread", "cjson"),
            ("python json.loads per line", "python"), ("our reader parse only, 1 thread", "reader"),
            ("screen, 1 thread", "screen1"), ("screen, 2 threads", "screen2"),
            ("json-rules-engine peer (node)", "peer")]
    print("%-44s %12s" % ("NDJSON, records/s", ""))
    for name, key in rows:
        print("  %-42s %12s" % (name, "%.0f" % g(key) if g(key) else "skipped"))
    mb = 1048576.0
    nd1, nd2 = data_bytes / g("screen1_wall") / mb, data_bytes / g("screen2_wall") / mb
    f1, f2 = fhir_bytes / g("fhir1_wall") / mb, fhir_bytes / g("fhir2_wall") / mb
    print("MB/s (file bytes / wall time of the whole command)")
    print("  %-42s %8.1f   (%.2f s)" % ("screen NDJSON, 1 thread", nd1, g("screen1_wall")))
    print("  %-42s %8.1f   (%.2f s)" % ("screen NDJSON, 2 threads", nd2, g("screen2_wall")))
    print("  %-42s %8.1f   (%.2f s)" % ("screen --input fhir, 1 thread", f1, g("fhir1_wall")))
    print("  %-42s %8.1f   (%.2f s)" % ("screen --input fhir, 2 threads", f2, g("fhir2_wall")))
    print("ratios")

    def target(name, value, want):
        verdict = "skipped" if value is None else "met" if value >= want else "NOT met"
        shown = "-" if value is None else "%.2f" % value
        print("  %-42s %8s  (target >= %.2f) %s" % (name, shown, want, verdict))

    s2 = g("screen2")
    target("screen 2 threads / python json.loads", s2 / g("python"), 10.0)
    target("screen 2 threads / simdjson parse only", s2 / g("simdjson") if g("simdjson") else None, 0.75)
    target("fhir 2 threads / fhir 1 thread", g("fhir1_wall") / g("fhir2_wall"), 1.6)
    target("fhir MB/s / NDJSON MB/s, 2 threads", f2 / nd2, 0.5)
    print("  %-42s %8.2f" % ("screen 2 threads / 1 thread", s2 / g("screen1")))
    print("  %-42s %8.2f" % ("our reader / simdjson parse only", g("reader") / g("simdjson") if g("simdjson") else 0))
    print("  %-42s %8.2f" % ("our reader / cJSON parse only", g("reader") / g("cjson") if g("cjson") else 0))
    if g("peer"):
        print("  %-42s %8.0f" % ("screen 2 threads / json-rules-engine peer", s2 / g("peer")))


if __name__ == "__main__":
    main()
