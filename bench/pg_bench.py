#!/usr/bin/env python3
"""The PostgreSQL benchmark's measuring part (bench/pg.sh builds and calls it).

usage: pg_bench.py BUILD_DIR NDJSON RUNS

In one run, on the same records: (a) `osteoplan screen --threads 2` on the
NDJSON, its output to /dev/null; (b) the SQL screen on one instance,
`SELECT count(*) FROM patient, LATERAL osteoplan_screen(record, as_of)`,
with 2 parallel workers and with none, and once more with each row
rendered to text (sum(length(s::text))), the counterpart of the CLI
formatting its lines; (c) the same records on a coordinator and two shards
(postgres_fdw, hash partitions; tests/pg/test_pg_shards.py explains the
query that ships the call), against (b). Each figure is the median of RUNS
timed runs after one untimed run (caches warm, the knowledge base loaded
in the backends). Times are wall clock around the client, so they include
its start and the connection (milliseconds).
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "pg"))
import pgtmp  # noqa: E402

AS_OF = "2026-12-01"
SQL_COUNT = (f"SELECT count(*) FROM patient, LATERAL osteoplan.osteoplan_screen(record, DATE '{AS_OF}') s")
SQL_TEXT = (f"SELECT count(*), sum(length(s::text)) FROM patient, "
            f"LATERAL osteoplan.osteoplan_screen(record, DATE '{AS_OF}') s")
SQL_SHARDED = (f"SELECT count(*), sum(n) FROM (SELECT id, count(*) AS n, "
               f"osteoplan.osteoplan_screen(record, DATE '{AS_OF}') AS s FROM patient "
               f"GROUP BY id, osteoplan.osteoplan_screen(record, DATE '{AS_OF}')) g")
# Bulk COPY of NDJSON lines as one jsonb column: CSV with quote and
# delimiter bytes that JSON text never holds, so nothing is unescaped.
COPY_OPTS = "(FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')"
SERVER = {"shared_buffers": "2GB", "work_mem": "256MB", "max_worker_processes": "8",
          "max_parallel_workers": "8", "jit": "off"}


def timed(fn, runs):
    fn()  # untimed: warm caches, knowledge base loaded
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def load_single(server, ndjson):
    server.psql("CREATE EXTENSION osteoplan;\n"
                "CREATE UNLOGGED TABLE raw (record jsonb);\n"
                f"COPY raw FROM '{ndjson}' WITH {COPY_OPTS};\n"
                "CREATE TABLE patient AS SELECT record->>'id' AS id, record FROM raw;\n"
                "DROP TABLE raw;\nVACUUM ANALYZE patient;\n"
                # 2 workers whatever the table's size (the planner gives a
                # small table fewer)
                "ALTER TABLE patient SET (parallel_workers = 2);\n")
    return int(server.psql("SELECT count(*) FROM patient;"))


def load_sharded(coord, shards, ndjson):
    """Loaded through the coordinator: the hash routing is PostgreSQL's."""
    for s in shards:
        s.psql("CREATE EXTENSION osteoplan;\nCREATE TABLE patient_part (id text NOT NULL, record jsonb NOT NULL);")
    sql = ("CREATE EXTENSION osteoplan;\nCREATE EXTENSION postgres_fdw;\n"
           "CREATE TABLE patient (id text NOT NULL, record jsonb NOT NULL) PARTITION BY HASH (id);\n")
    for i, s in enumerate(shards):
        sql += (f"CREATE SERVER shard{i} FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '{s.host}', "
                f"port '{s.port}', dbname 'postgres', extensions 'osteoplan', fdw_tuple_cost '0.2', "
                "async_capable 'true', batch_size '1000');\n"
                f"CREATE USER MAPPING FOR CURRENT_USER SERVER shard{i};\n"
                f"CREATE FOREIGN TABLE patient_{i} PARTITION OF patient FOR VALUES WITH "
                f"(MODULUS {len(shards)}, REMAINDER {i}) SERVER shard{i} OPTIONS (table_name 'patient_part');\n")
    sql += ("CREATE UNLOGGED TABLE raw (record jsonb);\n"
            f"COPY raw FROM '{ndjson}' WITH {COPY_OPTS};\n"
            "INSERT INTO patient SELECT record->>'id', record FROM raw;\nDROP TABLE raw;\n")
    coord.psql(sql)
    counts = []
    for s in shards:
        s.psql("VACUUM ANALYZE patient_part;")
        counts.append(int(s.psql("SELECT count(*) FROM patient_part;")))
    coord.psql("ANALYZE patient;")
    return counts


def machine():
    model = "?"
    with open("/proc/cpuinfo", encoding="utf-8") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as f:
        mem_kb = int(f.readline().split()[1])
    return f"{os.cpu_count()} cores (nproc), {model}, {mem_kb / 1048576:.1f} GiB"


def parallel(workers):
    """Session settings for a run with that many workers. The function's
    cost is the default (1 for C), so the planner sees cheap rows and may
    plan no worker for a few thousand records: with workers, parallel
    setup and tuple transfer are costed 0 so that the plan has them."""
    sql = f"SET max_parallel_workers_per_gather = {workers};\n"
    if workers:
        sql += "SET parallel_setup_cost = 0;\nSET parallel_tuple_cost = 0;\n"
    return sql


def measure_single(build, ndjson, runs, work):
    res = {}
    with pgtmp.Server(work, os.path.join(build, "pg-stage"), settings=SERVER, name="single") as s:
        n = load_single(s, ndjson)
        res["n"] = n
        cli = [os.path.join(build, "osteoplan"), "screen", "--threads", "2", "--as-of", AS_OF, ndjson]

        def run_cli():
            subprocess.run(cli, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        res["cli"] = n / timed(run_cli, runs)
        for workers in (2, 0):
            for key, sql in (("sql", SQL_COUNT), ("sqltext", SQL_TEXT)):
                full = f"{parallel(workers)}{sql};\n"
                res[f"{key}{workers}"] = n / timed(lambda: s.psql(full), runs)
        res["plan2"] = s.psql(parallel(2) + "EXPLAIN (ANALYZE) " + SQL_COUNT + ";\n")
    shutil.rmtree(s.datadir, ignore_errors=True)  # room on the disk for the shards' copy
    return res


def measure_sharded(build, ndjson, runs, work):
    stage = os.path.join(build, "pg-stage")
    servers = [pgtmp.Server(work, stage, settings=SERVER, name=n) for n in ("coord", "shard0", "shard1")]
    try:
        for s in servers:
            s.start()
        coord, shards = servers[0], servers[1:]
        t = time.perf_counter()
        counts = load_sharded(coord, shards, ndjson)
        load_s = time.perf_counter() - t
        full = f"SET enable_partitionwise_aggregate = on;\n{SQL_SHARDED};\n"
        got = coord.psql(full).strip()
        plan = coord.psql(f"SET enable_partitionwise_aggregate = on;\nEXPLAIN (VERBOSE) {SQL_SHARDED};\n")
        rate = sum(counts) / timed(lambda: coord.psql(full), runs)
        return {"sharded": rate, "counts": counts, "got": got, "load_s": load_s, "plan": plan}
    finally:
        for s in servers:
            s.stop()


def report(single, sharded, runs):
    n = single["n"]
    print(f"machine: {machine()}")
    print(f"records: {n}; median of {runs} runs each; records/s (higher is better)")
    rows = [("(a) osteoplan screen --threads 2 > /dev/null", single["cli"]),
            ("(b) SQL count(*), 2 parallel workers", single["sql2"]),
            ("(b) SQL count(*), no parallel worker", single["sql0"]),
            ("(b) SQL rows rendered to text, 2 workers", single["sqltext2"]),
            ("(b) SQL rows rendered to text, no worker", single["sqltext0"]),
            ("(c) sharded: coordinator + 2 shards", sharded["sharded"])]
    for name, v in rows:
        print(f"  {name:<48} {v:>10.0f}")
    best = max(single["sql2"], single["sql0"])
    r = single["sql2"] / single["cli"]
    print(f"  SQL (2 workers) / CLI                            {r:>10.2f}  (target >= 0.50: "
          f"{'met' if r >= 0.5 else 'NOT met'})")
    print(f"  SQL rendered (2 workers) / CLI                   {single['sqltext2'] / single['cli']:>10.2f}")
    print(f"  sharded / single (best single SQL)               {sharded['sharded'] / best:>10.2f}")
    print(f"  shard rows {sharded['counts']}; sharded count, sum(n): {sharded['got']}; "
          f"load through the coordinator {sharded['load_s']:.0f} s")
    ok = sum(sharded["counts"]) == n and sharded["got"].endswith("|" + str(n))
    print("  remote SQL:")
    for line in sharded["plan"].splitlines():
        if "Remote SQL" in line:
            print("    " + line.strip())
    launched = [ln.strip() for ln in single["plan2"].splitlines() if "Workers" in ln]
    print(f"  SQL with 2 workers: {'; '.join(launched) or 'no parallel plan'}")
    return 0 if ok else 1


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: pg_bench.py BUILD_DIR NDJSON RUNS")
    pgtmp.drop_root()
    build, ndjson, runs = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2]), int(sys.argv[3])
    with tempfile.TemporaryDirectory(prefix="osteoplan-pgbench-") as work:
        single = measure_single(build, ndjson, runs, work)
        sharded = measure_sharded(build, ndjson, runs, work)
    sys.exit(report(single, sharded, runs))


if __name__ == "__main__":
    main()
