#!/usr/bin/env python3
"""check_sizes.py: files and functions a reader can hold.

    python3 tools/check_sizes.py [ROOT]        check ROOT (default: the repository)
    python3 tools/check_sizes.py --self-test   prove the check catches an over-long function

Every C file (.c, .h) under src/ and tools/ has at most MAX_FILE_LINES lines,
and every function at most MAX_FUNCTION_LINES, counted from the line of its
opening brace to the line of its closing brace. Comments, string and
character literals and preprocessor lines are blanked first (their line
breaks kept), so a brace inside them is not counted; a function is a
top-level brace block whose head has a parameter list and no '=' before it
(an initialiser such as `x[] = {...}` is not one).
"""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_common  # noqa: E402

MAX_FILE_LINES = 800
MAX_FUNCTION_LINES = 100
FOLDERS = ("src", "tools")


def _blank(m):
    return re.sub(r"[^\n]", " ", m.group(0))


def strip(text):
    """Comments, literals and preprocessor lines as spaces, line breaks kept."""
    token = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)
    text = token.sub(lambda m: _blank(m) if not m.group(0).startswith(('"', "'")) else
                     m.group(0)[0] + _blank(re.match(r".*", m.group(0)[1:-1], re.S)) + m.group(0)[-1], text)
    # preprocessor lines, with their continuations (a macro's braces are not a function)
    return re.sub(r"^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", _blank, text, flags=re.M)


def functions(text):
    """(name, first line, lines) of every top-level function of C source."""
    s = strip(text)
    out, depth, line, head, start, name = [], 0, 1, "", None, "?"
    for ch in s:
        if ch == "\n":
            line += 1
        if depth == 0:
            if ch == "{":
                start = None
                if "(" in head and "=" not in head.split("(")[0]:
                    names = re.findall(r"(\w+)\s*\(", head)
                    start, name = line, names[0] if names else "?"
                depth, head = 1, ""
            elif ch in ";}":
                head = ""
            else:
                head += ch
        else:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0 and start is not None:
                    out.append((name, start, line - start + 1))
                    start = None
    return out


def check(root):
    bad = []
    for top in FOLDERS:
        for d, _, names in os.walk(os.path.join(root, top)):
            for n in sorted(names):
                if not n.endswith((".c", ".h")):
                    continue
                f = os.path.join(d, n)
                rel = os.path.relpath(f, root)
                with open(f, encoding="utf-8", errors="replace") as fh:
                    text = fh.read()
                nlines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
                if nlines > MAX_FILE_LINES:
                    bad.append(f"{rel}: {nlines} lines (at most {MAX_FILE_LINES})")
                for name, first, length in functions(text):
                    if length > MAX_FUNCTION_LINES:
                        bad.append(f"{rel}:{first}: {name}() has {length} lines (at most {MAX_FUNCTION_LINES})")
    return sorted(bad)


def self_test():
    """A function of 101 lines and a file of 801 are caught; 100 and 800 pass;
    braces in comments, strings and macros do not count."""
    def fn(name, lines):  # a function of exactly `lines` lines, brace to brace
        body = "".join(f"  x += {i}; /* }} */ s = \"{{\";\n" for i in range(lines - 2))
        return f"static int {name}(int x) {{\n{body}}}\n"
    with tempfile.TemporaryDirectory() as t:
        os.makedirs(os.path.join(t, "src", "x"))
        ok_fn = fn("fits", MAX_FUNCTION_LINES)
        long_fn = fn("too_long", MAX_FUNCTION_LINES + 1)
        macro = "#define OPEN(x) { \\\n  x \\\n}\nstatic const int table[] = {\n  1,\n};\n"
        with open(os.path.join(t, "src", "x", "a.c"), "w") as fh:
            fh.write(macro + ok_fn + long_fn)
        with open(os.path.join(t, "src", "x", "b.c"), "w") as fh:
            fh.write("int v;\n" * MAX_FILE_LINES)
        with open(os.path.join(t, "src", "x", "c.c"), "w") as fh:
            fh.write("int v;\n" * (MAX_FILE_LINES + 1))
        got = check(t)
        want = [f"src/x/a.c:{macro.count(chr(10)) + ok_fn.count(chr(10)) + 1}: too_long() has "
                f"{MAX_FUNCTION_LINES + 1} lines", f"src/x/c.c: {MAX_FILE_LINES + 1} lines"]
        lens = {n: k for n, _, k in functions(macro + ok_fn + long_fn)}
        if lens != {"fits": MAX_FUNCTION_LINES, "too_long": MAX_FUNCTION_LINES + 1} or len(got) != 2 or \
                not all(any(g.startswith(w) for g in got) for w in want):
            print("self-test: the check did not count as it must:", lens, *got, sep="\n  ")
            return 1
    print("check_sizes self-test: a function of 101 lines and a file of 801 are caught, 100 and 800 pass")
    return 0


def main(argv):
    return check_common.run(argv, check, self_test,
                            f"check_sizes: every C file <= {MAX_FILE_LINES} lines, every function <= {MAX_FUNCTION_LINES}",
                            lambda n: f"check_sizes: {n} over the limits")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
