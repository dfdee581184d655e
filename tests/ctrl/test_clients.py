#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Local clients cannot starve sluiced's health checks (issue 12 item 6, docs/daemon.md "Clients").

    test_clients.py --sluiced PATH --sluicectl PATH [--keep] [--main-config]

sluiced runs under `prlimit --nofile=256` (soft and hard: it cannot raise it) with two targets
served by this process (a TCP listener checked by TCP, an HTTP server checked by HTTP), every
2 s. Its API socket is mode 0666 in a directory nobody may traverse, so that an unprivileged user
reaches both listeners. `daemon.max_clients: 200` is more than 256 descriptors allow: the
daemon must lower it (sluice_clients_limit) to keep room for the checks.

Phases:
  1. attack: as user nobody (setpriv), a client keeps 600 connections open to the metrics port
     and 600 to the API socket for ATTACK_S seconds, reopening each one the daemon closes. The
     targets stay healthy throughout (no failed check, no local error, checks passed at the
     interval, the TCP target saw them), the refusals are counted in
     sluice_clients_refused_total{listener=...}, the log holds a few lines about them (not one
     per refusal), and the API and the metrics answer once the attacker is gone, with
     sluice_clients_open back to what is connected.
  2. timeouts: idle connections, a half-sent API line and a half-sent HTTP request are closed
     after daemon.client_timeout_ms (2 s), not before.

--main-config leaves the new daemon keys out (for running this test against code without them:
it must fail there).

Needs root (setpriv to nobody, prlimit); exit 77 (skip) without. Exit 0 pass, 1 fail.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ctrlkit as ck  # noqa: E402

INTERVAL = 2
ATTACK_S = 14
TIMEOUT_MS = 2000
NOFILE = 256
MAX_CLIENTS = 200
PER_LISTENER = 600

# The unprivileged client: keeps N connections open to each listener for DUR seconds, opening a
# new one for each the daemon closes; prints what it saw as JSON.
ATTACKER = r"""
import errno, json, os, resource, selectors, socket, sys, time
mhost, mport, api = sys.argv[1], int(sys.argv[2]), sys.argv[3]
n, dur = int(sys.argv[4]), float(sys.argv[5])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
sel = selectors.DefaultSelector()
st = {k: {"opened": 0, "failed": 0, "closed_by_peer": 0, "closed_fast": 0, "max_open": 0}
      for k in ("metrics", "api")}
live = {"metrics": 0, "api": 0}

def open_one(kind):
    if kind == "metrics":
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        addr = (mhost, mport)
    else:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        addr = api
    s.setblocking(False)
    try:
        s.connect(addr)
    except (BlockingIOError, InterruptedError):
        if kind == "api":  # a Unix socket's full backlog: not connected
            s.close()
            st[kind]["failed"] += 1
            return False
    except OSError:
        s.close()
        st[kind]["failed"] += 1
        return False
    st[kind]["opened"] += 1
    live[kind] += 1
    st[kind]["max_open"] = max(st[kind]["max_open"], live[kind])
    sel.register(s, selectors.EVENT_READ, (kind, time.monotonic()))
    return True

t_end = time.monotonic() + dur
for kind in ("metrics", "api"):
    for _ in range(n):
        if not open_one(kind):
            break
while time.monotonic() < t_end:
    for key, _ in sel.select(0.05):
        kind, t_open = key.data
        try:
            d = key.fileobj.recv(4096)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError:
            d = b""
        if d:
            continue  # the API's "too many clients" line; its close follows
        sel.unregister(key.fileobj)
        key.fileobj.close()
        live[kind] -= 1
        st[kind]["closed_by_peer"] += 1
        if time.monotonic() - t_open < 0.5:
            st[kind]["closed_fast"] += 1
    for kind in ("metrics", "api"):
        while live[kind] < n and open_one(kind):
            pass
        time.sleep(0.001)
for key in list(sel.get_map().values()):
    key.fileobj.close()
print(json.dumps(st))
"""


def groups_yaml(tcp, http):
    hc = "interval: %d, timeout: 1, healthy_threshold: 2, unhealthy_threshold: 2" % INTERVAL
    return """\
  - name: tcpg
    protocol: tcp
    health_check: { protocol: tcp, %(hc)s }
    targets:
      - { id: t1, address: 127.0.0.41, port: %(tcp)d, zone: az1 }
  - name: httpg
    protocol: tcp
    health_check: { protocol: http, path: /healthz, %(hc)s }
    targets:
      - { id: h1, address: 127.0.0.42, port: %(http)d, zone: az1 }
""" % {"hc": hc, "tcp": tcp.port, "http": http.port}


def samples(maddr):
    _, page = ck.scrape(maddr, timeout=5)
    s, _, problems = ck.parse_prom(page)
    return s, problems


def one(s, name, **labels):
    v = ck.prom_get(s, name, **labels)
    return v[0] if len(v) == 1 else None


def cpu_s(pid):
    """User + system CPU seconds of pid."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_api(sock, timeout):
    def ok():
        try:
            return ck.api(sock, {"op": "status"}, timeout=2).get("ok") is True
        except (OSError, ValueError):
            return False
    return ck.wait_for(ok, timeout, 0.2)


def main():
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--sluiced", required=True)
    ap.add_argument("--sluicectl", required=True)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--main-config", action="store_true")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP: needs root (setpriv to nobody, prlimit)")
        sys.exit(ck.SKIP)
    for tool in ("setpriv", "prlimit"):
        if not shutil.which(tool):
            print("SKIP: %s is missing" % tool)
            sys.exit(ck.SKIP)
    rep = ck.Report()
    kit = ck.Kit(args.sluiced, args.sluicectl, keep=args.keep, prefix="sluice-clients-")
    sys.exit(ck.run_daemon_test(kit, rep, lambda st: st.update(daemon=scenario(kit, rep, args)),
                                socket_removed=False))


def scenario(kit, rep, args):
    os.chmod(kit.dir, 0o711)  # nobody may reach the API socket by its path
    sock = kit.path("api.sock")
    mport = ck.free_port()
    maddr = "127.0.0.1:%d" % mport
    tcp = ck.TcpTarget(kit, "127.0.0.41")
    http = ck.HttpTarget(kit, "127.0.0.42")
    extra = 'api_socket_mode: "0666"'
    if not args.main_config:
        extra += "\nmax_clients: %d\nclient_timeout_ms: %d" % (MAX_CLIENTS, TIMEOUT_MS)
    cfg = kit.write("sluice.yaml", ck.config_text(sock, maddr, [kit.path("nobody-dp.sock")],
                                                  groups_yaml(tcp, http), daemon_extra=extra))
    d = kit.daemon(cfg, wrapper=["prlimit", "--nofile=%d:%d" % (NOFILE, NOFILE), "--"]).start()
    if not d.wait_socket(sock, 10):
        raise ck.Abort("sluiced did not come up: %s" % d.log()[-800:])
    keys = [("tcpg", "t1"), ("httpg", "h1")]

    def targets():
        return ck.by_key(ck.api_targets(sock))

    up = ck.wait_for(lambda: all(t.get("state") == "healthy"
                                 for t in targets().values()) and targets(),
                     INTERVAL * 3 + 3)
    if not rep.check(up, "both targets healthy before the attack", targets()):
        raise ck.Abort("no healthy start")
    s, problems = samples(maddr)
    rep.check(not problems, "the metrics page is well-formed", problems[:5])
    limit = {lis: one(s, "sluice_clients_limit", listener=lis) for lis in ("api", "metrics")}
    rep.info("client limits under RLIMIT_NOFILE %d: %s" % (NOFILE, limit))
    # docs/daemon.md "Clients": (RLIMIT_NOFILE - 32 - 2 x targets - dataplanes) / listeners
    want = (NOFILE - 32 - 2 * 2 - 1) // 2
    rep.check(all(v == want for v in limit.values()),
              "max_clients %d is lowered to %d so that the checks keep their descriptors "
              "(sluice_clients_limit %s)" % (MAX_CLIENTS, want, limit))
    rep.check(re.search(r"file descriptor limit leaves room for \d+ clients", d.log()),
              "a warning says the descriptor limit lowers daemon.max_clients", d.log()[-600:])

    # --- 1. the attack -------------------------------------------------------------------
    before = targets()
    accepts0 = tcp.accepts
    log0 = len(d.log().splitlines())
    t0 = time.monotonic()
    att = subprocess.Popen(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                            "/usr/bin/python3", "-c", ATTACKER, "127.0.0.1", str(mport), sock,
                            str(PER_LISTENER), str(ATTACK_S)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           cwd="/")
    kit.servers.append(_Proc(att))
    try:
        out, err = att.communicate(timeout=ATTACK_S + 60)
    except subprocess.TimeoutExpired:
        att.kill()
        out, err = att.communicate()
    attack_s = time.monotonic() - t0
    try:
        st = json.loads(out.strip().split("\n")[-1])
    except (ValueError, IndexError):
        raise ck.Abort("the attacker failed: rc %s, %s %s" % (att.returncode, out[-400:],
                                                              err[-800:]))
    rep.info("attacker (%.1f s): %s" % (attack_s, st))
    for lis in ("metrics", "api"):
        rep.check(st[lis]["opened"] > PER_LISTENER and st[lis]["closed_fast"] > 0,
                  "nobody opened more than %d connections to %s, some closed at once"
                  % (PER_LISTENER, lis), st[lis])
    rep.check(d.running(), "sluiced survived the attack")

    rep.check(wait_api(sock, 5), "the API answers once the attacker is gone")
    c0, w0 = cpu_s(d.pid), time.monotonic()
    time.sleep(2)
    busy = (cpu_s(d.pid) - c0) / (time.monotonic() - w0)
    rep.check(busy < 0.1, "sluiced is idle once the attacker is gone (%.0f%% CPU): no accept "
              "loop spinning" % (100 * busy))
    after = targets()
    for k in keys:
        b, a = before[k]["check"], after[k]["check"]
        rep.check(after[k]["state"] == "healthy", "%s/%s stays healthy" % k, after[k])
        rep.check(a["checks_failed"] == b["checks_failed"],
                  "%s/%s: no check failed during the attack (%d -> %d)"
                  % (k + (b["checks_failed"], a["checks_failed"])), a)
        rep.check(a.get("local_errors") == 0, "%s/%s: no check was starved of descriptors"
                  % k, a)
        want = int(attack_s / INTERVAL) - 2
        rep.check(a["checks_passed"] - b["checks_passed"] >= want,
                  "%s/%s: checks went on passing every %d s during the attack (%d more, want "
                  ">= %d)" % (k + (INTERVAL, a["checks_passed"] - b["checks_passed"], want)))
    rep.check(tcp.accepts - accepts0 >= int(attack_s / INTERVAL) - 2,
              "the TCP target saw the checks during the attack (%d)" % (tcp.accepts - accepts0))

    log = d.log().splitlines()[log0:]
    about = [l for l in log if re.search(r"refused|accept|libevent|Too many open", l)]
    rep.check(not [l for l in log if "unhealthy" in l], "no target state change logged",
              "\n".join(log[-20:]))
    rep.check(0 < len(about) <= 2 * (2 + ATTACK_S // 10 + 1),
              "the refusals are logged in a few summary lines (%d lines)" % len(about),
              "\n".join(about[:40]))
    rep.info("log during the attack:\n      " + "\n      ".join(about[:12]))

    ok = ck.wait_for(lambda: samples(maddr), 5)
    rep.check(ok, "the metrics answer once the attacker is gone")

    def settled():
        s, _ = samples(maddr)
        o = {lis: one(s, "sluice_clients_open", listener=lis) for lis in ("api", "metrics")}
        return (s, o) if o["api"] == 0 and o["metrics"] == 1 else None
    got = ck.wait_for(settled, 5, 0.2)
    s, _ = got if got else samples(maddr)
    rep.check(got, "sluice_clients_open back to the scrape's own connection",
              {lis: one(s, "sluice_clients_open", listener=lis) for lis in ("api", "metrics")})
    for lis in ("api", "metrics"):
        v = one(s, "sluice_clients_refused_total", listener=lis)
        rep.check(v is not None and st[lis]["closed_fast"] / 2 <= v <= st[lis]["opened"],
                  "sluice_clients_refused_total{listener=%s} counts the refusals (%s; the "
                  "attacker saw %d closed at once)" % (lis, v, st[lis]["closed_fast"]))
    for k in keys:
        v = one(s, "sluice_health_check_errors_total", group=k[0], target=k[1], reason="local")
        rep.check(v == 0, "sluice_health_check_errors_total{reason=local} of %s/%s is 0 (%s)"
                  % (k + (v,)))
        v = one(s, "sluice_health_checks_total", group=k[0], target=k[1], result="fail")
        rep.check(v == before[k]["check"]["checks_failed"],
                  "sluice_health_checks_total{result=fail} of %s/%s did not grow" % k)

    # --- 2. timeouts ---------------------------------------------------------------------
    conns = []
    for i in range(4):
        conns.append(("idle metrics", socket.create_connection(("127.0.0.1", mport), 5)))
        a = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        a.connect(sock)
        conns.append(("idle api", a))
    half = socket.create_connection(("127.0.0.1", mport), 5)
    half.sendall(b"GET /metr")
    conns.append(("half HTTP request", half))
    halfa = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    halfa.connect(sock)
    halfa.sendall(b'{"v":1,"id":1,"op":"sta')
    conns.append(("half API line", halfa))
    t1 = time.monotonic()
    closed = {}
    for what, c in conns:
        c.settimeout(max(0.1, t1 + TIMEOUT_MS / 1000.0 + 3 - time.monotonic()))
        try:
            while c.recv(4096):
                pass
            closed.setdefault(what, []).append(time.monotonic() - t1)
        except socket.timeout:
            closed.setdefault(what, []).append(None)
        except OSError:
            closed.setdefault(what, []).append(time.monotonic() - t1)
        c.close()
    lo, hi = TIMEOUT_MS / 1000.0 - 0.3, TIMEOUT_MS / 1000.0 + 1.5
    for what, ts in closed.items():
        rep.check(all(t is not None and lo <= t <= hi for t in ts),
                  "%s: closed after client_timeout_ms %d (%s s)"
                  % (what, TIMEOUT_MS, ", ".join("-" if t is None else "%.2f" % t for t in ts)))
    rep.check(wait_api(sock, 3), "the API answers after the timeouts")

    # --- 3. a reload applies max_clients at once ------------------------------------------
    if not args.main_config:
        kit.write("sluice.yaml", ck.config_text(
            sock, maddr, [kit.path("nobody-dp.sock")], groups_yaml(tcp, http),
            daemon_extra='api_socket_mode: "0666"\nmax_clients: 3\nclient_timeout_ms: %d'
            % TIMEOUT_MS))
        r = ck.api(sock, {"op": "reload"})
        rep.check(r.get("ok") is True, "reload with max_clients 3", r)
        s, _ = samples(maddr)
        rep.check(one(s, "sluice_clients_limit", listener="api") == 3
                  and one(s, "sluice_clients_limit", listener="metrics") == 3,
                  "the reload applies max_clients 3 to both listeners")
        held = [socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(4)]
        for h in held:
            h.connect(sock)
        held[3].settimeout(2)
        try:
            line = held[3].recv(4096)
        except OSError:
            line = b""
        rep.check(b"too many clients (at most 3)" in line,
                  "the 4th API client gets \"too many clients (at most 3)\"", line)
        for h in held:
            h.close()
    return d


class _Proc:
    """A child process of the test, stopped by PID at cleanup."""

    def __init__(self, p):
        self.p = p

    def stop(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait(5)


if __name__ == "__main__":
    main()
