#!/usr/bin/env python3
"""check_layers.py: fails when an #include runs against the layers.

    python3 tools/check_layers.py [ROOT]        check ROOT (default: the repository)
    python3 tools/check_layers.py --self-test   prove the check fails on a wrong include

Every C file under src/ belongs to the layer named by its first folder
(src/engine/facts.c is in `engine`); src/api*.c and src/api_internal.h are the
`api` layer; include/osteoplan.h is the public header. A quoted #include is
resolved as the compiler does (the file's folder, then src/, src/kb/ and
include/) and the layer of the file it names must be in ALLOWED[layer] (a
layer may always include its own files). System headers (<...>) are not
checked. A folder under src/ that is not in the matrix is an error too: a new
layer gets its row here, with its reason.

The stages of a plan run record -> facts/decisions (engine) -> wording (word)
-> renderings (render), and a layer only reads the ones below it.
"""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_common  # noqa: E402

# layer -> the layers it may include, and why.
ALLOWED = {
    # arena, strings, dates, numbers, control characters, the line reader,
    # the output buffer: used by everybody, uses nobody
    "util": set(),
    # the JSON reader and writer
    "json": {"util"},
    # the knowledge base: codes, the loader, templates (no JSON: its own INI)
    "kb": {"util"},
    # the patient record: read from JSON, checked against the kb's codes
    "record": {"kb", "json", "util", "public"},
    # facts and decisions: codes with typed values, from the record and the kb
    "engine": {"record", "kb", "util"},
    # wording: fills the kb's templates for the decisions
    "word": {"engine", "kb", "util"},
    # renderers only format: the plan (engine), its words, the kb's texts;
    # JSON through the json writer; the record's values the plan carries
    "render": {"word", "engine", "record", "kb", "json", "util", "public"},
    # FHIR input: resources -> the patient record
    "fhir": {"record", "kb", "json", "util", "public"},
    # OMOP input: CSV tables -> FHIR resources -> the FHIR mapper (one mapping)
    "omop": {"fhir", "kb", "json", "util", "public"},
    # population screening: the public API's codes-only entry and the screen
    # line renderer, nothing of the engine
    "screen": {"render", "util", "public"},
    # the nurse's worklist: screening's plans as rows, their words, the run
    # history (SQLite)
    "worklist": {"screen", "render", "word", "engine", "record", "fhir", "omop", "kb", "json", "util", "sqlstore", "public"},
    # the service's audit in SQLite: cards served and their feedback (text
    # in, rows and a report out); knows nothing of plans
    "audit": {"sqlstore", "util"},
    # what the two SQLite files (the run history, the audit) share: opening,
    # schema checks, journal mode; SQLite and libc only
    "sqlstore": set(),
    # the library's public API over every stage
    "api": {"word", "engine", "render", "fhir", "record", "kb", "json", "util", "public"},
    # the HTTP service: the API (and the plan it carries, api_internal.h),
    # FHIR prefetch, the CDS cards renderer, the audit of cards served and
    # their feedback
    "server": {"api", "render", "fhir", "audit", "kb", "json", "util", "public"},
    # the command line: every front end
    "cli": {"api", "server", "screen", "worklist", "audit", "fhir", "omop", "kb", "util", "public"},
}
# The public header's own layer: it includes nothing of src/.
PUBLIC = "public"

INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(root, path):
    """The layer of a file (absolute path), or None when outside src/ and include/."""
    rel = os.path.relpath(path, root).replace(os.sep, "/")
    if rel.startswith("include/"):
        return PUBLIC
    if not rel.startswith("src/"):
        return None
    parts = rel.split("/")
    if len(parts) == 2:  # src/api.c, src/api_codes.c, src/api_internal.h
        return "api" if parts[1].startswith("api") else "?" + parts[1]
    return parts[1]


def resolve(root, src_file, name):
    for base in (os.path.dirname(src_file), os.path.join(root, "src"), os.path.join(root, "src", "kb"),
                 os.path.join(root, "include")):
        cand = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(cand):
            return cand
    return None


def check(root):
    """The violations under root, as messages."""
    bad = []
    files = []
    for top in ("src", "include"):
        for d, _, names in os.walk(os.path.join(root, top)):
            files += [os.path.join(d, n) for n in names if n.endswith((".c", ".h"))]
    for f in sorted(files):
        me = layer_of(root, f)
        rel = os.path.relpath(f, root)
        if me != PUBLIC and me not in ALLOWED:
            bad.append(f"{rel}: folder '{me}' is not a layer: add its row to ALLOWED in tools/check_layers.py")
            continue
        with open(f, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        for m in INCLUDE_RE.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            target = resolve(root, f, m.group(1))
            if target is None:
                continue  # generated (kb_embedded, web_assets) or a build directory: not a layer
            other = layer_of(root, target)
            if other is None or other == me:
                continue
            allowed = set() if me == PUBLIC else ALLOWED[me]
            if other not in allowed:
                bad.append(f"{rel}:{line}: layer '{me}' includes \"{m.group(1)}\" of layer '{other}'; "
                           f"'{me}' may include: {', '.join(sorted(allowed)) or 'nothing'}")
    return bad


def self_test():
    """A tree with one right and one wrong include: only the wrong one is found."""
    with tempfile.TemporaryDirectory() as t:
        def put(rel, text):
            p = os.path.join(t, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "w") as fh:
                fh.write(text)
        put("include/osteoplan.h", "")
        put("src/util/arena.h", "")
        put("src/render/render.h", '#include "../util/arena.h"\n')
        put("src/engine/plan.h", '#include "util/arena.h"\n')
        ok = check(t)
        if ok:
            print("self-test: a tree that keeps the layers was refused:", *ok, sep="\n  ")
            return 1
        put("src/engine/engine.c", '#include "plan.h"\n#include "render/render.h"\n')  # upward: engine -> render
        put("src/screen/screen.c", '#include "../engine/plan.h"\n')  # screen past the public API
        put("src/newlayer/x.c", "")  # a folder the matrix does not know
        bad = check(t)
        want = ["src/engine/engine.c:2: layer 'engine' includes \"render/render.h\"",
                "src/screen/screen.c:1: layer 'screen' includes \"../engine/plan.h\"",
                "src/newlayer/x.c: folder 'newlayer' is not a layer"]
        missed = [w for w in want if not any(b.startswith(w) for b in bad)]
        if missed or len(bad) != len(want):
            print("self-test: the check did not fail as it must:", *missed, "found:", *bad, sep="\n  ")
            return 1
    print("check_layers self-test: a wrong include, a screen past the API and an unknown folder are refused")
    return 0


def main(argv):
    return check_common.run(argv, check, self_test, "check_layers: every #include keeps the layers",
                            lambda n: f"check_layers: {n} include(s) against the layers (matrix: tools/check_layers.py)")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
