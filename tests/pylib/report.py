# SPDX-License-Identifier: BSD-3-Clause
"""PASS/FAIL/INFO lines of the namespace labs and their exit codes (meson reads 77 as a skip)."""

import sys

SKIP = 77


class Report:
    def __init__(self):
        self.failed = 0
        self.passed = 0
        self.failures = []

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
            print("PASS: %s" % what, flush=True)
        else:
            self.failed += 1
            self.failures.append(what)
            print("FAIL: %s%s" % (what, ("\n      " + str(detail).replace("\n", "\n      "))
                                  if detail else ""), flush=True)
        return bool(ok)

    def info(self, msg):
        print("INFO: %s" % msg, flush=True)

    def summary(self):
        """Print the counts and the failed checks; the exit code (1 when one failed)."""
        print("\n%d passed, %d failed" % (self.passed, self.failed), flush=True)
        for f in self.failures:
            print("  failed: %s" % f, flush=True)
        return 1 if self.failed else 0


class Abort(Exception):
    """A step failed so that the rest of the test cannot run."""


def skip(name, reason):
    """Say why test `name` is skipped and exit with SKIP."""
    print("SKIP: %s" % reason, flush=True)
    print("*" * 78 + "\n*** %s SKIPPED: %s\n" % (name, reason) + "*" * 78, flush=True)
    sys.exit(SKIP)
