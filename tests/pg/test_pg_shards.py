#!/usr/bin/env python3
"""Screening past one machine: a coordinator and two shards (issue 16).

usage: test_pg_shards.py BUILD_DIR SRC_DIR

Three throwaway PostgreSQL 15 instances on loopback (tests/pg/pgtmp.py),
the osteoplan extension (staged in BUILD_DIR/pg-stage) created in each.
On the coordinator, `patient (id text, record jsonb)` is partitioned by
hash of id and each partition is a postgres_fdw foreign table on one
shard; the records are loaded through the coordinator, so the hash
routing is PostgreSQL's own. The screen is then run through the
coordinator with the work done on the shards, and must give exactly the
rows of the same screen of the same records on one instance.

How the call is shipped (PostgreSQL 15's postgres_fdw, deparse.c and
shippable.c): a scan of a plain foreign table sends only its columns
(deparseSelectSql lists attributes), never an expression of the target
list, so `SELECT s.* FROM patient, LATERAL osteoplan_screen(...) s` pulls
every record back and screens on the coordinator. What is shipped whole,
target list included, is a grouped relation (deparseExplicitTargetList of
the grouped target): with enable_partitionwise_aggregate and a GROUP BY
that holds the partition key, each partition is aggregated on its own,
and postgres_fdw pushes each partition's aggregation to its shard. So the
screen is a grouping key: GROUP BY id, osteoplan_screen(record, as_of),
with count(*) to keep duplicates (a group per distinct (id, row); the
rows are expanded back by generate_series). The call is shippable
because the server has `extensions 'osteoplan'` (the function and its
composite result type are members of that extension) and the function
is IMMUTABLE. Other shapes were tried and are not shipped: aggregates
that hold the row (array_agg(row): its array type is no member of the
extension; json_agg, to_jsonb, row_to_json and record_out are STABLE;
text built from the row has a collation not derived from a foreign
column), FieldSelect `(f).risk` (not a shippable node), and a view on
each shard (the call would sit in the view, not in the remote SQL, and
as_of would be fixed in the view). The coordinator's costing must also
prefer the pushed path: fdw_tuple_cost is set to 0.2 (PostgreSQL 17's
default; with 15's 0.01 and no statistics, pulling every record back
looked cheaper) and every table is ANALYZEd.

The checks: the extension in each instance, both shards hold rows (and
together all), EXPLAIN (VERBOSE) shows each foreign scan's Remote SQL
calling osteoplan_screen and no record pulled back, the shards' function
statistics count one call per row they hold while the coordinator counts
none, and the rows are equal (sorted) to the single-instance screen.
"""
import csv
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pgtmp  # noqa: E402

AS_OF = "2026-12-01"
SYNTH = 3000
SCREEN_COLS = "patient_id, risk, action, first_agent, gaps"
# The sharded screen: each partition's aggregation (and with it the call)
# runs on its shard; generate_series gives back one row per record.
SHARDED_SQL = f"""
SELECT (g.s).patient_id, (g.s).risk, (g.s).action, (g.s).first_agent, (g.s).gaps
  FROM (SELECT id, count(*) AS n, osteoplan.osteoplan_screen(record, DATE '{AS_OF}') AS s
          FROM patient GROUP BY id, osteoplan.osteoplan_screen(record, DATE '{AS_OF}')) g,
       generate_series(1, g.n)"""
SINGLE_SQL = f"""
SELECT s.{SCREEN_COLS.replace(', ', ', s.')}
  FROM patient_single, LATERAL osteoplan.osteoplan_screen(record, DATE '{AS_OF}') s"""
# The obvious formulation, which postgres_fdw does not ship (records are
# pulled back and screened on the coordinator): OSTEOPLAN_SHARDS_MUTATE=plan
# runs it in place of SHARDED_SQL to show that the checks catch it.
PULLED_SQL = SINGLE_SQL.replace("patient_single", "patient")
SESSION = "SET enable_partitionwise_aggregate = on;\n"


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
            print(f"ok   {what}")
        else:
            self.failed += 1
            print(f"FAIL {what}" + (f"\n     {detail}" if detail else ""))
        return ok


def records(build, src, workdir):
    """A few thousand synthetic records and the public cases' records,
    written as CSV (id, record) for COPY; returns (path, count)."""
    out = subprocess.run([os.path.join(build, "osteoplan"), "synth", "--count", str(SYNTH), "--seed", "16"],
                         capture_output=True, text=True, check=True).stdout
    recs = [json.loads(line) for line in out.splitlines() if line.strip()]
    for path in sorted(glob.glob(os.path.join(src, "tests", "vignettes", "*.json"))):
        with open(path, encoding="utf-8") as f:
            case = json.load(f)
        if isinstance(case.get("patient"), dict):
            rec = case["patient"]
            rec.setdefault("id", os.path.basename(path)[:-5])
            recs.append(rec)
    path = os.path.join(workdir, "records.csv")
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        for rec in recs:
            w.writerow([rec["id"], json.dumps(rec, separators=(",", ":"))])
    return path, len(recs)


def cli_rows(build, csv_path):
    """The same screen by the command line, in psql's text form (NULL as
    an empty field, text[] as {a,b}), to tie the SQL rows to the CLI's."""
    with open(csv_path, encoding="utf-8", newline="") as f:
        ndjson = "".join(rec + "\n" for _, rec in csv.reader(f))
    out = subprocess.run([os.path.join(build, "osteoplan"), "screen", "--threads", "2", "--as-of", AS_OF],
                         input=ndjson, capture_output=True, text=True, check=True).stdout
    rows_ = []
    for line in out.splitlines():
        r = json.loads(line)
        rows_.append("\t".join([r["patient_id"], r["risk"], r["action"], r["first_agent"] or "",
                                "{" + ",".join(r["gaps"]) + "}"]))
    return sorted(rows_)


def setup(coord, shards, csv_path):
    """The extension everywhere, the shards' tables, the coordinator's
    partitioned table over them, and the same records in both."""
    for s in shards:
        s.psql("CREATE EXTENSION osteoplan;\n"
               "CREATE TABLE patient_part (id text NOT NULL, record jsonb NOT NULL);")
    sql = ("CREATE EXTENSION osteoplan;\nCREATE EXTENSION postgres_fdw;\n"
           "CREATE TABLE patient (id text NOT NULL, record jsonb NOT NULL) PARTITION BY HASH (id);\n"
           "CREATE TABLE patient_single (id text NOT NULL, record jsonb NOT NULL);\n")
    for i, s in enumerate(shards):
        sql += (f"CREATE SERVER shard{i} FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '{s.host}', "
                f"port '{s.port}', dbname 'postgres', extensions 'osteoplan', fdw_tuple_cost '0.2', "
                f"async_capable 'true', batch_size '500');\n"
                f"CREATE USER MAPPING FOR CURRENT_USER SERVER shard{i};\n"
                f"CREATE FOREIGN TABLE patient_{i} PARTITION OF patient "
                f"FOR VALUES WITH (MODULUS {len(shards)}, REMAINDER {i}) "
                f"SERVER shard{i} OPTIONS (table_name 'patient_part');\n")
    coord.psql(sql)
    copy = "(FORMAT csv)"
    coord.psql(f"\\copy patient FROM '{csv_path}' WITH {copy}\n"
               f"\\copy patient_single FROM '{csv_path}' WITH {copy}\n"
               "ANALYZE patient_single;\n")
    for s in shards:
        s.psql("ANALYZE patient_part;")
    coord.psql("ANALYZE patient;")


def rows(server, sql):
    out = server.psql(SESSION + sql + ";\n", args=("-F", "\t"))
    return sorted(line for line in out.splitlines() if line)


def function_calls(server):
    """Calls of osteoplan_screen counted by the server (track_functions)."""
    out = server.psql("SELECT coalesce(sum(calls), 0) FROM pg_stat_user_functions WHERE funcname = 'osteoplan_screen';")
    return int(out.strip() or 0)


def check_plan(t, coord, sql):
    plan = coord.psql(SESSION + "EXPLAIN (VERBOSE, COSTS OFF)" + sql + ";\n")
    remote = [ln.strip() for ln in plan.splitlines() if "Remote SQL:" in ln]
    calls = [r for r in remote if re.search(r"SELECT .*osteoplan\.osteoplan_screen\(record, '" + AS_OF, r)]
    pulled = [r for r in remote if re.search(r"SELECT [^(]*\brecord\b[^(]*FROM", r)]
    detail = plan.rstrip().replace("\n", "\n     ")
    t.check(len(remote) == 2 and len(calls) == 2, "EXPLAIN: both foreign scans' Remote SQL call osteoplan_screen",
            detail)
    t.check(not pulled and "Function Scan on osteoplan" not in plan, "EXPLAIN: no record is pulled back to the coordinator",
            detail)
    print("     " + detail)  # the plan, for the log


def check_work_on_shards(t, coord, shards, per_shard):
    """Every call ran on a shard: each shard counts one call per row it
    holds (statistics reach the shared counters when the foreign
    connections' backends end, so poll a little), the coordinator none."""
    got = []
    for _ in range(50):
        got = [function_calls(s) for s in shards]
        if got == per_shard:
            break
        time.sleep(0.2)
    t.check(got == per_shard, f"each shard screened its own rows (calls {got}, rows {per_shard})")
    t.check(function_calls(coord) == 0, "the coordinator called osteoplan_screen 0 times for the sharded screen")


def run(build, src):
    t = Checks()
    stage = os.path.join(build, "pg-stage")
    mutate = os.environ.get("OSTEOPLAN_SHARDS_MUTATE", "")  # plan|row: show that the checks can fail
    settings = {"track_functions": "all"}
    with tempfile.TemporaryDirectory(prefix="osteoplan-shards-") as work:
        servers = [pgtmp.Server(work, stage, settings=settings, name=n) for n in ("coord", "shard0", "shard1")]
        try:
            for s in servers:
                s.start()
            coord, shards = servers[0], servers[1:]
            csv_path, n = records(build, src, work)
            setup(coord, shards, csv_path)
            for s in servers:
                v = s.psql("SELECT extversion FROM pg_extension WHERE extname = 'osteoplan';").strip()
                t.check(bool(v), f"extension osteoplan {v} in {os.path.basename(s.datadir)}")
            per_shard = [int(s.psql("SELECT count(*) FROM patient_part;")) for s in shards]
            t.check(all(c > 0 for c in per_shard) and sum(per_shard) == n,
                    f"hash routing: rows per shard {per_shard}, {n} in all")
            sharded_sql = PULLED_SQL if mutate == "plan" else SHARDED_SQL
            check_plan(t, coord, sharded_sql)
            sharded = rows(coord, sharded_sql)
            check_work_on_shards(t, coord, shards, per_shard)
            single = rows(coord, SINGLE_SQL)
            if mutate == "row" and single:
                single[len(single) // 2] = single[len(single) // 2].replace("\t", "\tX", 1)
            t.check(len(sharded) == n, f"sharded screen: {len(sharded)} rows for {n} records")
            diff = [(a, b) for a, b in zip(sharded, single) if a != b][:3]
            t.check(sharded == single, "sharded rows equal the single-instance screen (sorted)",
                    f"{len(sharded)} vs {len(single)} rows; first differences: {diff}")
            cli = cli_rows(build, csv_path)
            t.check(single == cli, "the single-instance SQL screen equals `osteoplan screen` on the same records",
                    f"first differences: {[(a, b) for a, b in zip(single, cli) if a != b][:3]}")
            t.check(len({r.split(chr(9))[1] for r in single}) > 1, "the screen gives more than one risk level")
        finally:
            for s in servers:
                s.stop()
    print(f"{t.passed} passed, {t.failed} failed")
    return 1 if t.failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: test_pg_shards.py BUILD_DIR SRC_DIR")
    pgtmp.drop_root()
    sys.exit(run(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])))
