"""The command line shared by the build's shape checks (check_layers.py,
check_sizes.py): `CHECK [ROOT]` checks the tree, `CHECK --self-test` shows
the check can fail."""
import os


def run(argv, check, self_test, ok_message, bad_message):
    """check(root) -> list of findings; bad_message(n) -> the summary line."""
    if argv[1:2] == ["--self-test"]:
        return self_test()
    root = os.path.abspath(argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
    bad = check(root)
    for b in bad:
        print(b)
    print(bad_message(len(bad)) if bad else ok_message)
    return 1 if bad else 0
