#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Bad configs, bad reloads and bad API requests: clear errors, the running state untouched.

    test_bad_input.py --sluiced PATH --sluicectl PATH [--keep]

1. Bad files: `sluiced --check` and a real start refuse each one (unknown daemon key, metrics
   address not loopback or without a port, bad socket mode, bad log level, health-check
   interval / timeout / thresholds out of range, a group's geneve_udp_checksum neither verify
   nor ignore, YAML syntax, a missing file) with a non-zero
   exit and "FILE:LINE: KEY:" (or "FILE: No such file or directory"); no API socket appears.
2. A running sluiced (its dataplane socket unserved; targets on loopback, settled: healthy,
   unhealthy, unused, deregistered through the API, registered through the API):
   - bad API requests on the raw socket (not JSON, an array, v=2, no v, no op, unknown op,
     unknown member, wrong types, register with bad address / id / port / weight / zone,
     unknown group / target, duplicates, a line over 4 MiB, 3 MiB legal line, many
     connections, clients going away mid-request or never reading): each gets a clear error
     (or a clean close for oversize), the daemon survives, the target list is unchanged
     (check timing aside), no file descriptor leaks;
   - reload of a bad file (sluicectl reload and SIGHUP): refused with FILE:LINE: KEY, state
     unchanged; reload adding a group or a port, or changing a group's geneve_udp_checksum:
     refused with a reason; a good reload adds
     (initial), removes (draining), changes (weight), keeps API registrations and API
     deregistrations;
   - API socket mode 0600 by default ("0660" when configured; a stale socket file is
     replaced); a second sluiced on the same socket (or the same metrics port) refuses to
     start and leaves the first one serving;
   - sluicectl exit codes: 1 refused, 2 usage, 3 unreachable; $SLUICE_SOCKET.

Exit 0 pass, 1 fail (every failed check printed).
"""

import json
import os
import re
import signal
import socket
import stat
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ctrlkit as ck  # noqa: E402

HC = "{ protocol: tcp, interval: 2, timeout: 1, healthy_threshold: 2, unhealthy_threshold: 2 }"
ZONES = {"az1": "10.0.1.10", "az2": "10.0.2.10"}
MIB = 1 << 20


def main():
    args = ck.common_args(sys.argv[1:], __doc__)
    rep = ck.Report()
    kit = ck.Kit(args.sluiced, args.sluicectl, keep=args.keep, prefix="sluice-bad-")

    def body(st):
        bad_files(kit, rep)
        running(kit, rep, st)

    sys.exit(ck.run_daemon_test(kit, rep, body))


# --- 1. bad files -------------------------------------------------------------------------

def groups_yaml(hc=HC, extra_target=""):
    return """\
  - name: web
    protocol: tcp
    health_check: %s
    targets:
      - { id: a, address: 127.0.0.21, port: 1, zone: az1 }
%s""" % (hc, extra_target)


def bad_files(kit, rep):
    sock = kit.path("bad.sock")
    dp = kit.path("nobody-dp.sock")

    def cfg(name, metrics="off", hc=HC, daemon_extra="", sock_=sock, extra=""):
        text = ck.config_text(sock_, metrics, [dp], groups_yaml(hc) + extra,
                              daemon_extra=daemon_extra, zones=ZONES)
        return kit.write(name, text), text

    good, _ = cfg("good-check.yaml")
    res = ck.run([kit.sluiced, "--check", "--config", good], timeout=10)
    rep.check(res.returncode == 0, "sluiced --check: a good file exits 0",
              (res.stdout + res.stderr).strip())
    rep.check(not os.path.exists(sock), "sluiced --check creates no API socket")

    cases = []  # (what, path, expected message prefix)

    def case(what, name, key, marker, **kw):
        path, text = cfg(name, **kw)
        cases.append((what, path, "%s:%d: %s:" % (path, ck.line_of(text, marker), key)))

    case("unknown daemon key", "unknown-key.yaml", "daemon.api_sockt", "api_sockt",
         daemon_extra="api_sockt: /tmp/x.sock")
    case("metrics address not loopback", "metrics-nonlo.yaml", "daemon.metrics_address",
         "metrics_address", metrics="10.0.0.1:9469")
    case("metrics address without a port", "metrics-noport.yaml", "daemon.metrics_address",
         "metrics_address", metrics="127.0.0.1")
    case("metrics address 0.0.0.0", "metrics-any.yaml", "daemon.metrics_address",
         "metrics_address", metrics="0.0.0.0:9469")
    case("socket mode not octal", "mode-9.yaml", "daemon.api_socket_mode", "api_socket_mode",
         daemon_extra='api_socket_mode: "0999"')
    case("socket mode a word", "mode-word.yaml", "daemon.api_socket_mode", "api_socket_mode",
         daemon_extra='api_socket_mode: "rw-------"')
    case("bad log level", "loglevel.yaml", "daemon.log_level", "log_level",
         daemon_extra="log_level: loud")
    case("geneve_udp_checksum neither verify nor ignore", "udp-csum.yaml",
         "target_groups[1].geneve_udp_checksum", "geneve_udp_checksum",
         extra="  - { name: fw, protocol: geneve, geneve_udp_checksum: maybe }\n")
    base = "protocol: tcp, interval: %s, timeout: %s, healthy_threshold: %s, " \
           "unhealthy_threshold: %s"
    for what, vals, key in (("interval 1", (1, 1, 2, 2), "interval"),
                            ("interval 301", (301, 1, 2, 2), "interval"),
                            ("timeout 0", (2, 0, 2, 2), "timeout"),
                            ("timeout not below the interval", (2, 2, 2, 2), "timeout"),
                            ("healthy_threshold 1", (2, 1, 1, 2), "healthy_threshold"),
                            ("unhealthy_threshold 11", (2, 1, 2, 11), "unhealthy_threshold")):
        case("health check %s" % what, "hc-%s.yaml" % what.replace(" ", "-"),
             "target_groups[0].health_check.%s" % key, "health_check:",
             hc="{ %s }" % (base % vals))
    syn = kit.write("syntax.yaml", "node: { zone: az1\nports: [\n")
    missing = kit.path("does-not-exist.yaml")

    for what, path, msg in cases:
        res = ck.run([kit.sluiced, "--check", "--config", path], timeout=10)
        out = res.stdout + res.stderr
        rep.check(res.returncode > 0 and msg in out,
                  "sluiced --check refuses %s: exit non-zero, %r" % (what, msg),
                  "exit %s: %s" % (res.returncode, out.strip()))
    res = ck.run([kit.sluiced, "--check", "--config", syn], timeout=10)
    out = res.stdout + res.stderr
    rep.check(res.returncode > 0 and re.search(re.escape(syn) + r":\d+:", out),
              "sluiced --check refuses a YAML syntax error with FILE:LINE:",
              "exit %s: %s" % (res.returncode, out.strip()))
    res = ck.run([kit.sluiced, "--check", "--config", missing], timeout=10)
    out = res.stdout + res.stderr
    rep.check(res.returncode > 0 and ("%s: No such file or directory" % missing) in out,
              "sluiced --check: a missing file -> 'FILE: No such file or directory'",
              "exit %s: %s" % (res.returncode, out.strip()))

    # a real start with each bad file (all at once: each must exit by itself)
    started = []
    for what, path, msg in cases + [("a YAML syntax error", syn, syn + ":"),
                                     ("a missing file", missing,
                                      missing + ": No such file or directory")]:
        d = kit.daemon(path, name="bad-%d" % len(started)).start()
        started.append((what, d, msg))
    for what, d, msg in started:
        code = d.wait_exit(10)
        if code is None:
            d.stop(signal.SIGKILL)
        rep.check(code is not None and code > 0 and msg in d.log(),
                  "sluiced refuses to start with %s: exit non-zero, %r" % (what, msg),
                  "exit %s: %s" % (code, d.log().strip()[-600:]))
    rep.check(not os.path.exists(sock), "no API socket left by the refused starts")
    res = ck.run([kit.sluiced, "--help"], timeout=10)
    rep.check(res.returncode == 0 and "--config" in res.stdout + res.stderr,
              "sluiced --help exits 0 and names --config", (res.stdout + res.stderr)[-400:])
    res = ck.run([kit.sluiced], timeout=10)
    rep.check(res.returncode not in (0, None) and res.returncode > 0,
              "sluiced without --config exits non-zero", "exit %s" % res.returncode)


# --- 2. a running daemon ------------------------------------------------------------------

def running(kit, rep, st):
    sock = kit.path("api.sock")
    dp = kit.path("nobody-dp.sock")
    mport = ck.free_port()
    srv_a = ck.TcpTarget(kit, "127.0.0.21")
    srv_e = ck.TcpTarget(kit, "127.0.0.27")
    srv_fw = ck.TcpTarget(kit, "127.0.0.24")

    def groups(a_weight=1, with_e=True, with_d=False, extra_group="", d_zone="az1",
               fw_port=None, web_delay=300):
        t = """\
  - name: web
    protocol: tcp
    deregistration_delay: %d
    health_check: %s
    targets:
      - { id: a, address: 127.0.0.21, port: %d, zone: az1, weight: %d }
      - { id: b, address: 127.0.0.22, port: 1, zone: az1 }
      - { id: c, address: 127.0.0.23, port: 1, zone: az2 }
""" % (web_delay, HC, srv_a.port, a_weight)
        if with_e:
            t += "      - { id: e, address: 127.0.0.27, port: %d, zone: az1 }\n" % srv_e.port
        if with_d:
            t += "      - { id: d, address: 127.0.0.26, port: 1, zone: %s }\n" % d_zone
        t += """\
  - name: fw
    protocol: geneve
    health_check: { protocol: tcp, port: %d, interval: 2, timeout: 1, healthy_threshold: 2, unhealthy_threshold: 2 }
    targets:
      - { id: fw-a, address: 127.0.0.24, zone: az1 }
  - name: big
    protocol: udp
    deregistration_delay: 0
    health_check: { protocol: tcp, port: 1, interval: 30, timeout: 1 }
  - name: zero
    protocol: tcp
    deregistration_delay: 0
    health_check: %s
    targets:
      - { id: z1, address: 127.0.0.29, port: 1, zone: az1 }
""" % (fw_port or srv_fw.port, HC)
        return t + extra_group

    def text(g, ports=None, metrics="127.0.0.1:%d" % mport):
        return ck.config_text(sock, metrics, [dp], g, zones=ZONES, ports=ports,
                              daemon_extra="log_level: debug")

    cfg = kit.write("sluice.yaml", text(groups()))
    good_text = open(cfg).read()
    d = kit.daemon(cfg).start()
    st["daemon"] = d
    if not d.wait_socket(sock, 10):
        raise ck.Abort("sluiced did not serve %s within 10 s (exit %s):\n%s"
                       % (sock, d.proc.poll(), d.log()[-3000:]))
    mode = stat.S_IMODE(os.stat(sock).st_mode)
    rep.check(mode == 0o600, "API socket mode is 0600 by default", oct(mode))

    key, err = ck.detect_target_key(sock)
    rep.check(key == "target", 'the API names the target "target" in register / deregister / '
              'drain / undrain, as sluicectl sends it ("id" is the request\'s own id)',
              "the daemon wants %r: %s" % (key, err))
    # an API registration and an API deregistration, then let every state settle
    r = ck.api(sock, ck.treq("register", "web", "api-1", address="127.0.0.25", port=1))
    rep.check(r.get("ok") is True and (r.get("target") or {}).get("source") == "api",
              "register web/api-1 (API)", r)
    r = ck.api(sock, ck.treq("deregister", "web", "b"))
    rep.check(r.get("ok") is True and (r.get("target") or {}).get("state") == "draining",
              "deregister config target web/b through the API: draining", r)
    want = {("web", "a"): "healthy", ("web", "b"): "draining", ("web", "c"): "unused",
            ("web", "e"): "healthy", ("web", "api-1"): "unhealthy", ("fw", "fw-a"): "healthy",
            ("zero", "z1"): "unhealthy"}

    def settled():
        ts = ck.by_key(ck.api_targets(sock))
        return all((ts.get(k) or {}).get("state") == s for k, s in want.items()) and ts
    if not ck.wait_for(settled, 10, 0.2):
        raise ck.Abort("targets did not settle within 10 s: %s"
                       % {k: t.get("state") for k, t in ck.by_key(ck.api_targets(sock)).items()})
    s0 = ck.normalize_targets(ck.api_targets(sock))
    rep.info("settled: %s" % {"%s/%s" % (t["group"], t["id"]): t["state"] for t in s0})

    def unchanged(what):
        now = ck.normalize_targets(ck.api_targets(sock))
        diff = ck.diff_targets(s0, now)
        rep.check(d.running() and not diff, "%s: daemon running, targets unchanged" % what, diff)

    bad_api(kit, rep, d, sock, unchanged)
    ctl_codes(kit, rep, sock, unchanged)
    reloads(kit, rep, d, sock, cfg, good_text, text, groups, unchanged)
    metrics_abuse(kit, rep, d, sock, mport)
    second_daemons(kit, rep, d, sock, mport)


def expect_error(rep, sock, what, req, hint=None, raw=None, id_null=False, closes=False):
    """One request on a fresh connection: ok false, a non-empty error (containing hint, any
    case), its id echoed (or null); then the connection closes (closes) or still answers."""
    c = ck.ApiConn(sock, timeout=5)
    try:
        if raw is not None:
            c.send_raw(raw)
            rid = None
        else:
            req = dict(req)
            req.setdefault("id", "bad-%d" % (abs(hash(what)) % 100000))
            c.send_raw(json.dumps(req).encode() + b"\n")
            rid = req["id"]
        try:
            r = c.recv(timeout=5)
        except (ValueError, OSError) as exc:
            rep.check(False, "%s: refused" % what, "no JSON reply: %s" % exc)
            return None
        err = (r or {}).get("error")
        ok = (isinstance(r, dict) and r.get("ok") is False and isinstance(err, str)
              and err.strip() != "" and (hint is None or hint.lower() in err.lower()))
        if id_null:
            ok = ok and "id" in r and r["id"] is None
        elif raw is None:
            ok = ok and r.get("id") == rid
        rep.check(ok, "%s: refused%s" % (what, " (%r)" % hint if hint else ""), r)
        if isinstance(r, dict) and r.get("ok") and isinstance(req, dict) and \
                req.get("op") == "register" and isinstance(r.get("target"), dict):
            # wrongly accepted: take it out again (group zero has no deregistration delay)
            t = r["target"]
            ck.api(sock, ck.treq("deregister", t.get("group"), t.get("id")))
        if closes is None:
            pass
        elif closes:
            rep.check(c.closed_by_peer(3), "%s: the daemon closes the connection" % what)
        else:
            try:
                r2 = c.call({"op": "status", "id": "after"}, timeout=5)
                rep.check(r2.get("ok") is True and r2.get("id") == "after",
                          "%s: the connection still answers" % what, r2)
            except (OSError, ValueError) as exc:
                rep.check(False, "%s: the connection still answers" % what, str(exc))
        return r
    finally:
        c.close()


def fd_count(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return None


def bad_api(kit, rep, d, sock, unchanged):
    fd0 = fd_count(d.pid)
    E = lambda *a, **k: expect_error(rep, sock, *a, **k)  # noqa: E731
    E("not JSON", None, raw=b"this is not json\n", id_null=True, closes=True)
    E("a JSON array", None, raw=b'[{"v":1,"id":1,"op":"status"}]\n', id_null=True, closes=True)
    E("a JSON string", None, raw=b'"status"\n', id_null=True, closes=True)
    E("truncated JSON", None, raw=b'{"v":1,"id":1,"op":"status"\n', id_null=True, closes=True)
    E("invalid UTF-8", None, raw=b'{"v":1,"id":1,"op":"stat\xff\xfeus"}\n', closes=None)
    E("a NUL (\\u0000) in a string", None,
      raw=b'{"v":1,"id":1,"op":"targets","group":"we\\u0000b"}\n', closes=None)
    E("JSON nested 100000 deep", None, raw=b"[" * 100000 + b"]" * 100000 + b"\n",
      id_null=True, closes=None)
    E("an id beyond 64 bits", None,
      raw=b'{"v":1,"id":123456789012345678901234567890,"op":"status"}\n', closes=None)
    E("v=2", {"v": 2, "op": "status"}, hint="version")
    E("v missing", {"op": "status"}, hint="v")
    E("v a string", {"v": "1", "op": "status"}, hint="v")
    E("op missing", {"v": 1}, hint="op")
    E("op not a string", {"v": 1, "op": 5}, hint="op")
    E("unknown op", {"v": 1, "op": "frobnicate"}, hint="frobnicate")
    E("unknown member", {"v": 1, "op": "status", "bogus": 1}, hint="bogus")
    E("targets: group not a string", {"v": 1, "op": "targets", "group": 5}, hint="group")
    E("targets: unknown group", {"v": 1, "op": "targets", "group": "nogroup"}, hint="nogroup")
    E("reload with an unknown member", {"v": 1, "op": "reload", "force": True}, hint="force")

    tk = ck.TARGET_KEY[0]
    # in group zero (deregistration delay 0): a registration wrongly accepted is undone at once
    reg = ck.treq("register", "zero", "x-1", address="127.0.0.40", port=80, v=1)

    def R(what, hint, **chg):
        req = dict(reg)
        if "id" in chg:
            chg[tk] = chg.pop("id")
            hint = tk if hint == "id" else hint
        for k, v in chg.items():
            if v is None:
                req.pop(k, None)
            else:
                req[k] = v
        E("register " + what, req, hint=hint)
    R("without group", "group", group=None)
    R("without id", "id", id=None)
    R("without address", "address", address=None)
    R("into an unknown group", "nogroup", group="nogroup")
    R("address 10.0.0.300", "address", address="10.0.0.300")
    R("address not-an-ip", "address", address="not-an-ip")
    R("address multicast 224.0.0.1", "address", address="224.0.0.1")
    R("address 0.0.0.0", "address", address="0.0.0.0")
    R("address a number", "address", address=12345)
    R("id with a space", "id", id="bad id")
    R("id of 64 characters", "id", id="x" * 64)
    R("id empty", "id", id="")
    R("id a number", "id", id=7)
    R("port 70000", "port", port=70000)
    R("port -1", "port", port=-1)
    R("port a string", "port", port="80")
    R("port 1.5", "port", port=1.5)
    R("weight 1001", "weight", weight=1001)
    R("weight -1", "weight", weight=-1)
    R("weight a string", "weight", weight="heavy")
    R("zone not in zones", "zone", zone="az9")
    R("zone with a space", "zone", zone="bad zone")
    R("zone a number", "zone", zone=1)
    R("duplicate of config target z1", "z1", id="z1", address="127.0.0.41")
    E("register duplicate of API target api-1", ck.treq("register", "web", "api-1", v=1,
                                                        address="127.0.0.42", port=80),
      hint="api-1")
    R("with the same address and port as target z1", None, id="x-2", address="127.0.0.29",
      port=1)
    E("register geneve target with a port", ck.treq("register", "fw", "fw-x", v=1,
                                                    address="127.0.0.43", port=6081),
      hint="port")
    E("register IPv6 geneve target", ck.treq("register", "fw", "fw-y", v=1,
                                             address="2001:db8::1"), hint="address")
    for op in ("deregister", "drain", "undrain"):
        E("%s unknown target" % op, ck.treq(op, "web", "zzz", v=1), hint="zzz")
        E("%s unknown group" % op, ck.treq(op, "nogroup", "a", v=1), hint="nogroup")
        E("%s without the target" % op, {"v": 1, "op": op, "group": "web"}, hint=tk)
        E("%s with an unknown member" % op, ck.treq(op, "web", "a", v=1, now=True),
          hint="now")
    E("flows limit -1", {"v": 1, "op": "flows", "limit": -1})
    E("flows limit a string", {"v": 1, "op": "flows", "limit": "all"})
    E("counters of an unknown dataplane", {"v": 1, "op": "counters",
                                           "dataplane": "/nonexistent.sock"})
    E("flows with no dataplane connected", {"v": 1, "op": "flows"}, hint="dataplane")
    E("counters with no dataplane connected", {"v": 1, "op": "counters"}, hint="dataplane")

    for what, kw in (("weight 0", {"weight": 0}), ("weight 1000", {"weight": 1000}),
                     ("port 65535", {"port": 65535}), ("a 63-character id", {}),
                     ("an IPv6 address (udp group: config.md allows IPv6 targets outside "
                      "geneve groups, and sluiced takes them from the config)",
                      {"address": "::1"})):
        tid = "b" * 63 if "63" in what else "edge"
        req = ck.treq("register", "big", tid, address="127.0.3.1", port=7)
        req.update(kw)
        r = ck.api(sock, req)
        if not rep.check(r.get("ok") is True, "register with %s is accepted" % what, r):
            continue
        r = ck.api(sock, ck.treq("deregister", "big", tid))
        rep.check(r.get("ok") is True and ck.wait_for(lambda: not ck.api_targets(sock, "big"),
                                                        2) is not None,
                  "... and deregistered (delay 0: gone at once)", r)

    # a group holds 256 targets: the 257th is refused; deregistered with delay 0 they go at once
    c = ck.ApiConn(sock, timeout=10)
    c.send_raw(b"".join(json.dumps(ck.treq(
        "register", "big", "big-%d" % i, v=1, id=i,
        address="127.0.%d.%d" % (1 + i // 250, 1 + i % 250), port=9)).encode() + b"\n"
        for i in range(256)) if ck.TARGET_KEY[0] == "target" else b"")
    got = [c.recv(10) for _ in range(256)] if ck.TARGET_KEY[0] == "target" else []
    bad = [g for g in got if not (g or {}).get("ok")]
    rep.check(len(got) == 256 and not bad, "256 registrations in a group (pipelined) succeed",
              bad[:3])
    r = c.call(ck.treq("register", "big", "big-256", address="127.0.9.9", port=9))
    rep.check(r.get("ok") is False and re.search(r"full|256", str(r.get("error"))),
              "the 257th registration in a group is refused (full, 256)", r)
    n = len(ck.api_targets(sock, "big"))
    rep.check(n == 256, "group big holds 256 targets", n)
    c.send_raw(b"".join(json.dumps(ck.treq("deregister", "big", "big-%d" % i, v=1, id=i))
                        .encode() + b"\n" for i in range(256)))
    got = [c.recv(10) for _ in range(256)]
    rep.check(all((g or {}).get("ok") for g in got), "256 deregistrations succeed",
              [g for g in got if not (g or {}).get("ok")][:3])
    c.close()
    left = ck.wait_for(lambda: not ck.api_targets(sock, "big"), 2)
    rep.check(left is not None, "with deregistration_delay 0 the deregistered targets are gone "
              "at once", len(ck.api_targets(sock, "big")))
    unchanged("after the bad requests")

    # id: any JSON value, echoed; pipelined requests answered in order
    c = ck.ApiConn(sock)
    odd = {"x": [1, 2, {"y": None}], "s": "\u00e9"}
    r = c.call({"op": "status", "id": odd})
    rep.check(r.get("ok") is True and r.get("id") == odd, "an object id is echoed back", r)
    c.send_raw(b"".join(json.dumps({"v": 1, "id": i, "op": op}).encode() + b"\n"
                        for i, op in enumerate(["status", "frobnicate", "targets", "status"])))
    got = [c.recv(5) for _ in range(4)]
    rep.check([g.get("id") for g in got] == [0, 1, 2, 3]
              and [g.get("ok") for g in got] == [True, False, True, True],
              "pipelined requests: replies in order, one per request, a bad one in the middle "
              "refused alone", got)
    c.close()

    # a legal 3 MiB line (unknown member) is just refused; over 4 MiB: error/close
    c = ck.ApiConn(sock, timeout=10)
    c.send_raw(b'{"v":1,"id":"big","op":"status","pad":"' + b"x" * (3 * MIB) + b'"}\n')
    r = c.recv(10)
    rep.check(isinstance(r, dict) and r.get("ok") is False and r.get("id") == "big"
              and "pad" in str(r.get("error")), "a 3 MiB request is parsed and refused by name",
              str(r)[:300])
    c.close()
    for what, payload in (("a line over 4 MiB", b'{"v":1,"id":1,"op":"status","pad":"'
                           + b"x" * (4 * MIB + 100) + b'"}\n'),
                          ("5 MiB without a newline", b"y" * (5 * MIB))):
        c = ck.ApiConn(sock, timeout=10)
        errs = []

        def send(c=c, payload=payload):
            try:
                c.send_raw(payload)
            except OSError as exc:  # the daemon may close while we send
                errs.append(exc)
        th = threading.Thread(target=send, daemon=True)
        th.start()
        t0 = time.monotonic()
        line = c.readline(10)
        reply = None
        try:
            reply = json.loads(line) if line else None
        except ValueError:
            pass
        closed = line is None or c.closed_by_peer(5)
        th.join(10)
        rep.check(closed and (reply is None or (reply.get("ok") is False
                                                and reply.get("id") is None)),
                  "%s: an error with id null and/or a close (%.1f s)"
                  % (what, time.monotonic() - t0), "reply %r, closed %s" % (line and line[:200],
                                                                           closed))
        c.close()
    rep.check(d.running() and ck.api(sock, {"op": "status"}).get("ok") is True,
              "daemon answers after the oversize lines")

    # many connections at once: 60 idle ones do not stop the others; 128 at once are each
    # answered, or refused with an error, or closed
    conns = []
    for _ in range(60):
        conns.append(ck.ApiConn(sock, timeout=5))
    try:
        idle = ck.api(sock, {"op": "status"})
    except (OSError, ValueError) as exc:
        idle = {"exception": str(exc)}
    rep.check(idle.get("ok") is True, "status answers while 60 idle clients are connected",
              idle)
    refused = 0
    for _ in range(68):
        try:
            conns.append(ck.ApiConn(sock, timeout=5))
        except OSError:
            refused += 1
    answered, errored, closed, hung, errors = 0, 0, 0, 0, set()
    for i, c in enumerate(conns):
        try:
            c.send({"op": "targets", "id": i})
        except OSError:
            pass  # refused and closed already: read its error below
    for i, c in enumerate(conns):
        try:
            r = c.recv(5)
            if r is None:
                closed += 1
            elif r.get("ok") is True and r.get("id") == i:
                answered += 1
            elif r.get("ok") is False and r.get("error"):
                errored += 1
                errors.add(r.get("error"))
            else:
                hung += 1
        except socket.timeout:
            hung += 1
        except (OSError, ValueError):
            closed += 1
        c.close()
    rep.check(hung == 0 and answered + errored + closed == len(conns) and answered >= 60,
              "128 clients at once: each answered, refused with an error or closed, none "
              "left hanging", "answered %d, errors %d %s, closed %d, hung %d, connect refused %d"
              % (answered, errored, sorted(errors), closed, hung, refused))
    rep.info("128 clients: answered %d, errors %d %s, closed %d, connect refused %d"
             % (answered, errored, sorted(errors), closed, refused))
    time.sleep(0.3)
    rep.check(ck.api(sock, {"op": "status"}).get("ok") is True,
              "status answers once the 128 clients are gone")

    # clients going away mid-request, or right after a request, or never reading
    for i in range(20):
        c = ck.ApiConn(sock)
        c.send_raw(b'{"v":1,"id":%d,"op":"tar' % i)
        c.close()
    for i in range(30):
        c = ck.ApiConn(sock)
        c.send_raw(b'{"v":1,"id":%d,"op":"targets"}\n' % i * 20)
        c.close()
    for i in range(5):
        c = ck.ApiConn(sock)
        c.send_raw(b'{"v":1,"id":1,"op":"flows","limit":5}\n{"v":1,"id":2,"op":"counters"}\n')
        c.close()
    slow = ck.ApiConn(sock, timeout=5)
    sent = 0
    slow.s.setblocking(False)
    req = b'{"v":1,"id":1,"op":"targets"}\n' * 100
    t_end = time.monotonic() + 3
    while time.monotonic() < t_end:  # fill the daemon's send buffer; never read
        try:
            sent += slow.s.send(req)
        except BlockingIOError:
            break
    t0 = time.monotonic()
    try:
        ok = ck.api(sock, {"op": "status"}, timeout=3).get("ok")
    except OSError as exc:
        ok = exc
    rep.check(ok is True and time.monotonic() - t0 < 2,
              "a client that never reads its replies does not block the others",
              "status: %s after %.1f s (%d bytes of requests sent)" % (ok, time.monotonic() - t0,
                                                                      sent))
    slow.close()
    time.sleep(0.5)
    rep.check(d.running() and ck.api(sock, {"op": "status"}).get("ok") is True,
              "daemon survives clients that go away mid-request (no SIGPIPE death)",
              "exit %s" % d.proc.poll())
    time.sleep(0.5)
    fd1 = fd_count(d.pid)
    rep.check(fd0 is not None and fd1 is not None and fd1 <= fd0 + 2,
              "no file descriptors leaked by the clients (%s before, %s after)" % (fd0, fd1))
    unchanged("after the connection abuse")
    dataplane_abuse(kit, rep, d, sock, unchanged)


def dataplane_abuse(kit, rep, d, sock, unchanged):
    """A dataplane appears on the configured socket: API requests proxied to it (flows) whose
    clients go away before the answer, a wedged dataplane, the dataplane going away."""
    dp_path = kit.path("nobody-dp.sock")
    dp = ck.FakeDP(kit, dp_path, groups=[("web", "tcp"), ("fw", "geneve"), ("big", "udp"),
                                         ("zero", "tcp")])
    dp.flows_delay = 0.2

    def connected():
        r = ck.api(sock, {"op": "dataplanes"})
        dl = r.get("dataplanes") or []
        return dl and dl[0].get("connected") is True and dl[0].get("synced", True)
    ok = ck.wait_for(connected, 5, 0.2)
    rep.check(ok is not None, "a dataplane appearing on the configured socket is connected "
              "and synced within 5 s", ck.api(sock, {"op": "dataplanes"}))
    if not ok:
        dp.stop()
        return
    for i in range(10):  # flows answered 0.2 s apart, to clients already gone
        c = ck.ApiConn(sock)
        c.send({"op": "flows", "id": i, "limit": 5})
        c.close()
    c = ck.ApiConn(sock, timeout=10)
    c.send_raw(b'{"v":1,"id":"f","op":"flows","limit":5}\n{"v":1,"id":"s","op":"status"}\n')
    got = [c.recv(10), c.recv(10)]
    c.close()
    rep.check([g.get("id") for g in got] == ["f", "s"] and got[0].get("ok") is True,
              "a proxied flows request and a status behind it: replies in request order", got)
    time.sleep(1)
    rep.check(d.running() and ck.api(sock, {"op": "status"}).get("ok") is True,
              "dataplane replies for clients that went away: the daemon survives",
              "exit %s" % d.proc.poll())
    # a wedged dataplane: a waiting client gets an error (dpconn's 5 s limit), not silence
    dp.hang_flows = True
    gone = ck.ApiConn(sock)
    gone.send({"op": "flows", "id": "gone"})
    waiting = ck.ApiConn(sock, timeout=10)
    t0 = time.monotonic()
    waiting.send({"op": "flows", "id": "w"})
    time.sleep(0.3)
    gone.close()
    try:
        r = waiting.recv(10)
    except (OSError, ValueError) as exc:
        r = {"exception": str(exc)}
    el = time.monotonic() - t0
    rep.check(isinstance(r, dict) and r.get("ok") is False and r.get("id") == "w"
              and el <= 7, "a wedged dataplane: the waiting flows request gets an error "
              "within 7 s (%.1f s)" % el, r)
    waiting.close()
    dp.stop()
    ok = ck.wait_for(lambda: not (ck.api(sock, {"op": "dataplanes"}).get("dataplanes")
                                  or [{}])[0].get("connected"), 8, 0.2)
    rep.check(ok is not None and d.running(), "the dataplane gone: shown disconnected, "
              "the daemon runs on", ck.api(sock, {"op": "dataplanes"}))
    r = ck.api(sock, {"op": "flows", "id": "nodp"})
    rep.check(r.get("ok") is False and "dataplane" in str(r.get("error")).lower(),
              "flows with the dataplane gone: an error naming the dataplane", r)
    unchanged("after the dataplane came and went")


def ctl_codes(kit, rep, sock, unchanged):
    def code(what, want, *args, sock_=sock, env=None, json_out=False, hint=None):
        r = kit.ctl(sock_, *args, json_out=json_out, env=env)
        ok = r.rc in (want if isinstance(want, tuple) else (want,))
        if ok and want != 0 and hint:
            ok = hint.lower() in r.err.lower()
        rep.check(ok, "sluicectl %s: exit %s" % (what, want), repr(r))
        return r
    code("deregister of an unknown group (refused)", 1, "deregister", "nogroup", "a",
         hint="nogroup")
    code("targets of an unknown group (refused)", 1, "targets", "nogroup", hint="nogroup")
    code("--json drain of an unknown target (refused)", 1, "drain", "web", "zzz", json_out=True,
         hint="zzz")
    code("register with a bad address (refused)", (1, 2), "register", "web", "x-9",
         "10.0.0.300", hint="address")
    code("an unknown command (usage)", 2, "frobnicate")
    code("no command (usage)", 2)
    code("register with too few arguments (usage)", 2, "register", "web")
    code("an unknown option (usage)", 2, "--bogus", "targets")
    code("register --port abc (usage)", 2, "register", "web", "x-9", "127.0.0.44", "--port",
         "abc")
    code("a socket nobody serves (unreachable)", 3, "status", sock_=kit.path("none.sock"))
    code("a socket in a missing directory (unreachable)", 3, "status",
         sock_=kit.path("nodir/x.sock"))
    env = dict(os.environ, SLUICE_SOCKET=sock)
    code("with $SLUICE_SOCKET and no --socket", 0, "status", sock_=None, env=env)
    r = kit.ctl(None, "--help", json_out=False)
    rep.check(r.rc == 0 and "targets" in r.out + r.err, "sluicectl --help exits 0, lists commands",
              repr(r))
    # a daemon that accepts and never answers: --timeout bounds the wait
    hang_path = kit.path("hang.sock")
    hs = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    hs.bind(hang_path)
    hs.listen(4)
    try:
        r = kit.ctl(hang_path, "--timeout", "1", "status", json_out=False, timeout=10)
        rep.check(r.rc not in (0, None) and r.elapsed < 4,
                  "sluicectl --timeout 1 against a silent socket gives up within 4 s, non-zero "
                  "(exit %s after %.1f s)" % (r.rc, r.elapsed), repr(r))
    finally:
        hs.close()
    unchanged("after the sluicectl runs")


def reloads(kit, rep, d, sock, cfg, good_text, text, groups, unchanged):
    def reload_refused(what, new_text, pattern, how="sluicectl"):
        kit.write(os.path.basename(cfg), new_text)
        if how == "sluicectl":
            r = kit.ctl(sock, "reload", json_out=False)
            out = r.err + r.out
            rep.check(r.rc == 1 and re.search(pattern, out, re.I),
                      "%s: sluicectl reload exits 1 with /%s/" % (what, pattern), repr(r))
            rep.info("%s: %s" % (what, out.strip()))
        else:
            n0 = d.log().count("\n")
            d.kill(signal.SIGHUP)
            hit = ck.wait_for(lambda: re.search(pattern, "\n".join(d.log().split("\n")[n0:]),
                                                re.I), 5)
            rep.check(hit is not None, "%s: SIGHUP logs /%s/" % (what, pattern),
                      d.log()[-1500:])
        unchanged(what)

    esc = re.escape(cfg)
    # bad files (and a good change beside the error: it must not be applied)
    t = text(groups(a_weight=9, extra_group="")).replace("log_level: debug",
                                                        "log_level: debug\n  frobnicate: 1")
    line = ck.line_of(t, "frobnicate")
    reload_refused("reload of a file with an unknown daemon key", t,
                   r"%s:%d: daemon\.frobnicate:" % (esc, line))
    t = text(groups(with_d=True)).replace("interval: 2, timeout: 1, healthy", "interval: 1, "
                                          "timeout: 1, healthy", 1)
    line = ck.line_of(t, "interval: 1,")
    reload_refused("SIGHUP with a bad health-check interval", t,
                   r"%s:%d: target_groups\[0\]\.health_check\.interval:" % (esc, line),
                   how="sighup")
    t = "node: { zone: az1\n"
    reload_refused("SIGHUP with a YAML syntax error", t, r"%s:\d+:" % esc, how="sighup")
    os.unlink(cfg)
    r = kit.ctl(sock, "reload", json_out=False)
    rep.check(r.rc == 1 and "No such file or directory" in r.err + r.out,
              "reload of a deleted file: exit 1, No such file or directory", repr(r))
    unchanged("reload of a deleted file")
    # structural changes: refused with a reason
    extra = """\
  - name: newgroup
    protocol: tcp
    targets:
      - { id: n1, address: 127.0.0.50, port: 80, zone: az1 }
"""
    reload_refused("reload adding a group", text(groups(extra_group=extra)),
                   r"newgroup.*restart")
    ports = ['{ name: lo, device: net_null0, addresses: [127.0.0.1/8] }',
             '{ name: lo2, device: net_null1, addresses: [192.168.77.1/24] }']
    reload_refused("reload adding a port", text(groups(), ports=ports), r"port.*restart")
    t = text(groups()).replace("  - name: fw\n    protocol: geneve\n",
                               "  - name: fw\n    protocol: geneve\n"
                               "    geneve_udp_checksum: ignore\n")
    reload_refused("reload changing a group's geneve_udp_checksum", t,
                   r"group fw: geneve_udp_checksum changed")

    # a good reload: d added (initial), e removed (draining), a changed (weight 5); the API's
    # registration api-1 kept, its deregistrations kept: b (draining) and zero/z1 (delay 0:
    # gone already) -- z1 is still in the file, and must not come back
    r = ck.api(sock, ck.treq("deregister", "zero", "z1"))
    rep.check(r.get("ok") is True and ck.wait_for(
        lambda: ("zero", "z1") not in ck.by_key(ck.api_targets(sock)), 2) is not None,
        "deregister config target zero/z1 (delay 0): gone at once", r)
    kit.write(os.path.basename(cfg), text(groups(a_weight=5, with_e=False, with_d=True)))
    r = kit.ctl(sock, "reload")
    dd = r.data if isinstance(r.data, dict) else {}
    rep.check(r.rc == 0 and sorted(dd.get("added") or []) == ["web/d"]
              and sorted(dd.get("removed") or []) == ["web/e"]
              and sorted(dd.get("changed") or []) == ["web/a"],
              "good reload: added web/d, removed web/e, changed web/a", repr(r))
    ts = ck.by_key(ck.api_targets(sock))
    g = lambda k: ts.get(("web", k)) or {}  # noqa: E731
    rep.check(g("d").get("state") == "initial" and g("d").get("source") == "config",
              "reload: the new config target d is initial", g("d"))
    rep.check(g("e").get("state") == "draining", "reload: the removed config target e drains",
              g("e"))
    rep.check(g("a").get("weight") == 5 and g("a").get("state") == "healthy",
              "reload: a's weight 5, still healthy", g("a"))
    rep.check(g("api-1").get("source") == "api" and g("api-1").get("state") == "unhealthy",
              "reload: the API registration api-1 is kept", g("api-1"))
    rep.check(g("b").get("state") == "draining",
              "reload: b, deregistered through the API, stays deregistered", g("b"))
    rep.check(("zero", "z1") not in ts, "reload: zero/z1, deregistered through the API and "
              "gone, does not come back although the file still lists it")
    # SIGHUP with a good file: a's weight 7, d moves to zone az2 (not served: unused)
    kit.write(os.path.basename(cfg), text(groups(a_weight=7, with_e=False, with_d=True,
                                                 d_zone="az2")))
    d.kill(signal.SIGHUP)

    def sighup_applied():
        ts = ck.by_key(ck.api_targets(sock))
        return (ts.get(("web", "a")) or {}).get("weight") == 7 and \
            (ts.get(("web", "d")) or {}).get("state") == "unused" and ts
    w = ck.wait_for(sighup_applied, 5)
    ts = ck.by_key(ck.api_targets(sock))
    rep.check(w is not None and d.running(), "SIGHUP with a good file: a's weight 7, d (moved "
              "to zone az2) unused", {k: (t.get("weight"), t.get("zone"), t.get("state"))
                                      for k, t in ts.items() if k[0] == "web"})
    # health-check settings take effect at once: fw's check port moved to a closed one
    kit.write(os.path.basename(cfg), text(groups(a_weight=7, with_e=False, with_d=True,
                                                 d_zone="az2", fw_port=1)))
    r = kit.ctl(sock, "reload")
    t0 = time.monotonic()
    rep.check(r.rc == 0, "reload moving fw's health-check port: exit 0", repr(r))
    w = ck.wait_for(lambda: (ck.by_key(ck.api_targets(sock)).get(("fw", "fw-a")) or {})
                    .get("state") == "unhealthy", 7)
    fwa = ck.by_key(ck.api_targets(sock)).get(("fw", "fw-a")) or {}
    rep.check(w is not None and time.monotonic() - t0 <= 5 and (fwa.get("check") or {})
              .get("port") == 1 and "refused" in str(fwa.get("reason")).lower(),
              "a new health-check port applies at once: fw-a unhealthy within 5 s, check port "
              "1, connection refused (%.1f s)" % (time.monotonic() - t0), fwa)
    # the deregistration delay takes effect at once: 0 -> the draining b and e leave
    kit.write(os.path.basename(cfg), text(groups(a_weight=7, with_e=False, with_d=True,
                                                 d_zone="az2", web_delay=0)))
    r = kit.ctl(sock, "reload")
    rep.check(r.rc == 0, "reload setting web's deregistration_delay to 0: exit 0", repr(r))
    gone = ck.wait_for(lambda: not ({("web", "b"), ("web", "e")}
                                    & set(ck.by_key(ck.api_targets(sock)))), 2)
    rep.check(gone is not None, "a new deregistration delay (0) applies at once: the draining "
              "b and e leave", sorted(ck.by_key(ck.api_targets(sock))))
    w = ck.wait_for(lambda: (ck.by_key(ck.api_targets(sock)).get(("fw", "fw-a")) or {})
                    .get("state") == "healthy", 6)
    rep.check(w is not None, "fw's health-check port back: fw-a healthy again")


def metrics_abuse(kit, rep, d, sock, mport):
    """The metrics endpoint: other paths and methods, a client that never finishes its request
    (the API and other scrapes go on), many scrapes at once."""
    import http.client
    maddr = "127.0.0.1:%d" % mport
    for method, path, what in (("GET", "/nonexistent", "an unknown path"),
                               ("POST", "/metrics", "POST")):
        try:
            hc = http.client.HTTPConnection("127.0.0.1", mport, timeout=5)
            hc.request(method, path, body=b"x" if method == "POST" else None)
            st = hc.getresponse().status
            hc.close()
        except OSError as exc:
            st = str(exc)
        rep.check(isinstance(st, int) and st >= 400, "metrics: %s gets a 4xx/5xx (%s)"
                  % (what, st))
    slow = socket.create_connection(("127.0.0.1", mport), timeout=5)
    slow.sendall(b"GET /metr")
    t0 = time.monotonic()
    try:
        r = ck.api(sock, {"op": "status"}, timeout=3)
        ctype, page = ck.scrape(maddr, timeout=3)
        ok = r.get("ok") is True and "sluice_up" in page
    except OSError as exc:
        ok = str(exc)
    rep.check(ok is True and time.monotonic() - t0 < 2, "a metrics client that never finishes "
              "its request blocks neither the API nor other scrapes", ok)
    slow.close()
    errs = []

    def scrape():
        try:
            ck.scrape(maddr, timeout=10)
        except OSError as exc:
            errs.append(str(exc))
    ths = [threading.Thread(target=scrape) for _ in range(30)]
    for t in ths:
        t.start()
    for t in ths:
        t.join(15)
    rep.check(not errs and d.running(), "30 scrapes at once all answered", errs[:3])


def second_daemons(kit, rep, d, sock, mport):
    dp = kit.path("nobody-dp.sock")
    ino = os.stat(sock).st_ino
    for what, s, metrics, hint in (("the same API socket", sock, "off", sock),
                                   ("the same metrics port", kit.path("api2.sock"),
                                    "127.0.0.1:%d" % mport, "127.0.0.1:%d" % mport)):
        c = kit.write("second.yaml", ck.config_text(s, metrics, [dp], groups_yaml(),
                                                    zones=ZONES))
        d2 = kit.daemon(c, name="second-%d" % len(kit.procs)).start()
        code = d2.wait_exit(5)
        if code is None:
            d2.stop()
        rep.check(code is not None and code > 0 and hint in d2.log(),
                  "a second sluiced on %s refuses to start (exit %s), saying %r"
                  % (what, code, hint), d2.log()[-600:])
        if s != sock:
            rep.check(not os.path.exists(s), "the refused second sluiced removed its own API "
                      "socket %s" % s)
    rep.check(os.stat(sock).st_ino == ino, "the first sluiced's socket file is the same one")
    rep.check(os.path.exists(sock) and d.running()
              and ck.api(sock, {"op": "status"}).get("ok") is True,
              "the first sluiced still serves its socket after the refused second one")
    # configured mode, and a stale socket file in the way
    s3 = kit.path("api3.sock")
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(s3)
    stale.close()  # the file stays: a stale socket
    c = kit.write("third.yaml", ck.config_text(s3, "off", [dp], groups_yaml(), zones=ZONES,
                                               daemon_extra='api_socket_mode: "0660"'))
    d3 = kit.daemon(c, name="third", args=["--log-level", "warning"]).start()
    up = d3.wait_socket(s3, 10)
    rep.check(up, "sluiced replaces a stale socket file", d3.log()[-600:])
    if up:
        mode = stat.S_IMODE(os.stat(s3).st_mode)
        rep.check(mode == 0o660, 'api_socket_mode "0660" gives mode 0660', oct(mode))
    code = d3.stop(signal.SIGINT)
    rep.check(code == 0, "third sluiced exits 0 on SIGINT", "exit %s" % code)
    rep.check(not os.path.exists(s3), "third sluiced removes its API socket on SIGINT")
    rep.check(not re.search(r"\binfo\b", d3.log()), "--log-level warning: no info lines",
              d3.log()[-600:])


if __name__ == "__main__":
    main()
