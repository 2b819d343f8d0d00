#!/usr/bin/env python3
"""Python's json.loads on each line of an NDJSON file, one run (parse only).

usage: py_loads.py FILE   prints: records seconds records_per_s
"""
import json
import sys
import time


def main():
    t = time.perf_counter()
    n = 0
    with open(sys.argv[1], "rb") as f:
        for line in f:
            if line.strip():
                json.loads(line)
                n += 1
    s = time.perf_counter() - t
    print("%d %.6f %.0f" % (n, s, n / s if s > 0 else 0))


if __name__ == "__main__":
    main()
