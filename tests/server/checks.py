"""The end-to-end scripts' one way to record a failed check: print it, keep
going, and let main() return non-zero when any failed."""

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)
