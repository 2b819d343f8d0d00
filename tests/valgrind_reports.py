#!/usr/bin/env python3
"""The last test of the valgrind suite (OSTEOPLAN_VALGRIND=ON): every
valgrind report written while the suite ran must be clean. Reports of runs
that ended cleanly are removed; what is left is printed and fails the test.

usage: valgrind_reports.py LOG_DIR
"""
import os
import re
import sys

d = sys.argv[1]
logs = sorted(os.listdir(d)) if os.path.isdir(d) else []
bad = []
for name in logs:
    path = os.path.join(d, name)
    text = open(path, errors="replace").read()
    # a clean run's report holds only the header and the heap summary
    errors = re.search(r"ERROR SUMMARY: (\d+) errors", text)
    leaks = re.search(r"(definitely|indirectly|possibly) lost: [1-9]", text)
    if (errors and errors.group(1) != "0") or leaks or "Invalid" in text or "uninitialised" in text:
        bad.append((name, text))
    else:
        os.unlink(path)
for name, text in bad:
    print("== %s ==\n%s" % (name, text[-4000:]))
print("%d valgrind reports, %d with errors or leaks" % (len(logs), len(bad)))
sys.exit(1 if bad or not logs else 0)
