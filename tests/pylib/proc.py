# SPDX-License-Identifier: BSD-3-Clause
"""The processes a lab starts: by name, each with a log in the lab's work dir, stopped by PID
(never by a process name)."""

import os
import signal
import subprocess
import time

from pylib.report import Abort


def run(cmd, timeout=30, check=True, input=None):
    """Run cmd to its end (output captured, text); Abort when it fails and check is set."""
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, input=input)
    if check and res.returncode != 0:
        raise Abort("%s: exit %d: %s" % (" ".join(cmd), res.returncode,
                                          (res.stderr or res.stdout).strip()))
    return res


def stop_proc(p, name, sig=signal.SIGINT, timeout=10):
    """Signal our process p (a Popen; `name` for the warning) by PID and wait; SIGKILL if it
    does not go. Its exit code."""
    if p.poll() is None:
        try:
            os.kill(p.pid, sig)
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            print("WARN: %s (pid %d) ignored signal %d, killing it" % (name, p.pid, sig),
                  flush=True)
            os.kill(p.pid, signal.SIGKILL)
            p.wait(timeout=10)
        except ProcessLookupError:
            pass
    return p.returncode


class Procs:
    """Processes by name (self.procs), their logs under self.work."""

    def __init__(self, work):
        self.work = work
        self.procs = {}

    def run(self, cmd, timeout=30, check=True, input=None):
        return run(cmd, timeout=timeout, check=check, input=input)

    def start(self, name, cmd, log):
        """Start cmd as `name`, stdout and stderr appended to the work dir's file log."""
        f = open(os.path.join(self.work, log), "ab")
        try:
            p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL)
        finally:
            f.close()
        self.procs[name] = p
        return p

    def log(self, log):
        path = os.path.join(self.work, log)
        if not os.path.exists(path):
            return ""
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")

    def alive(self, name):
        p = self.procs.get(name)
        return p is not None and p.poll() is None

    def wait_log(self, name, log, word, timeout=15):
        """Wait until our process `name` printed `word` to its log: False when it exits or
        the time is up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if word in self.log(log):
                return True
            if not self.alive(name):
                return False
            time.sleep(0.05)
        return False

    def wait_word(self, name, log, word, timeout=15):
        """wait_log, but Abort (with the log's tail) when the word does not come."""
        if not self.wait_log(name, log, word, timeout):
            raise Abort("%s did not print %r:\n%s" % (name, word, self.log(log)[-2000:]))

    def stop(self, name, sig=signal.SIGINT, timeout=10):
        """Signal our process `name` by PID and wait; SIGKILL if it does not go. Exit code."""
        p = self.procs.get(name)
        if p is None:
            return None
        rc = stop_proc(p, name, sig, timeout)
        del self.procs[name]
        return rc

    def stop_all(self):
        """Stop every process (SIGTERM, then SIGKILL)."""
        for name in list(self.procs):
            try:
                self.stop(name, signal.SIGTERM, timeout=5)
            except Exception as exc:  # keep cleaning up
                print("WARN: stopping %s: %s" % (name, exc))
