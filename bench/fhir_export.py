#!/usr/bin/env python3
"""Builds a large FHIR Bulk Data export from a small one, for the memory
benchmark: COPIES copies of every patient, each copy under new ids.

Every UUID in the export (resource ids and the references to them:
Patient/..., urn:uuid:..., Encounter/...) has its first 8 hex digits replaced
by the copy's number, so copy k is a consistent export of its own patients and
no reference crosses copies. Files keep their names; the lines of all copies
are written one copy after the other, as an exporter would.

usage: fhir_export.py SOURCE_DIR COPIES OUT_DIR
"""
import os
import re
import sys

UUID = re.compile(rb"[0-9a-f]{8}(-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")


def main():
    src, copies, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    os.makedirs(out, exist_ok=True)
    for name in sorted(os.listdir(src)):
        if not name.endswith(".ndjson") or name == "log.ndjson":
            continue
        data = open(os.path.join(src, name), "rb").read()
        with open(os.path.join(out, name), "wb") as f:
            for k in range(copies):
                prefix = b"%08x" % (0x0c000000 + k)
                f.write(UUID.sub(lambda m: prefix + m.group(1), data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
