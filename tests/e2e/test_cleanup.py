#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The e2e lab cleans up after itself when it is killed in the middle of a check.

    test_cleanup.py [--build DIR]

Starts `run.py --kind dp --only failover`, waits until the check runs (sluice-dp, sluiced,
three appliances, two servers and client processes up in five namespaces), sends it SIGTERM
(what meson does on a timeout) and then checks that nothing of that lab is left: no namespace
or link carrying its PID, no process whose command line names its work dir, no DPDK runtime
dir. Exit 0 pass, 1 fail, 77 skip (as run.py: not root, no netns, a binary missing).
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import lab as L  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(L.ROOT, "build"))
    a = ap.parse_args()
    L.preflight("e2e-cleanup", "dp", os.path.abspath(a.build))
    log_path = os.path.join("/tmp", "sluice-e2e-cleanup-%d.log" % os.getpid())
    log = open(log_path, "w+")
    p = subprocess.Popen([L.PYTHON, os.path.join(HERE, "run.py"), "--kind", "dp", "--only",
                          "failover", "--build", a.build], stdout=log, stderr=subprocess.STDOUT)
    fails = []
    text = L.wait_log(p, log_path, "killing fw-", 90)
    work = re.search(r"--config (\S+)/sluice\.yaml", text)
    if p.poll() is not None or "killing fw-" not in text or not work:
        print(text[-3000:])
        print("FAIL: run.py did not reach the failover check (exit %s)" % p.poll())
        if p.poll() is None:
            p.kill()
        return 1
    work = work.group(1)
    before = L.processes_naming(work)
    print("INFO: child %d up with %d processes naming %s; SIGTERM" % (p.pid, len(before), work))
    t0 = time.monotonic()
    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(60)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
        fails.append("run.py did not exit within 60 s of SIGTERM")
    text = open(log_path).read()
    print("\n".join(ln for ln in text.splitlines() if ln.startswith(("PASS", "FAIL", "INFO",
                                                                      "==="))))
    print("INFO: run.py exited %d, %.1f s after SIGTERM" % (rc, time.monotonic() - t0))
    if rc == 0:
        fails.append("run.py exited 0 although it was terminated")
    if len(before) < 6:  # sluice-dp, sluiced, 2 servers, the 2 appliances not killed
        fails.append("only %d lab processes were running: %s" % (len(before), before))
    for what, left in L.remnants(p.pid, work).items():
        if left:
            fails.append("%s left behind: %s" % (what, left))
        else:
            print("PASS: no %s of the terminated lab left" % what)
    shutil.rmtree(work, ignore_errors=True)
    if fails:
        print(text[-3000:])
        for f in fails:
            print("FAIL: %s" % f)
        return 1
    os.unlink(log_path)
    print("PASS: e2e-cleanup (%d processes in 5 namespaces torn down on SIGTERM)" % len(before))
    return 0


if __name__ == "__main__":
    sys.exit(main())
