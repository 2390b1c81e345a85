#!/usr/bin/env python3
"""What `crmsim record` costs: a served CRM and a served connector (mutual TLS both hops) run
the same load once directly and once through the recorder, alternated, on this machine.

    cargo build --release && python3 benches/recorder.py [ROUNDS]

For each load (calls/s) and round it prints the messages per second the CRM and connector
exchanged (requests + events), the p50/p99 of `call.answer` (a request through the requests
hop) and of `event.callChanged` (an event through the events hop), the recorder's CPU
time per message and how busy the machine's cores were; then, per load, the medians and the recorded/direct ratios. Every figure
comes from the components' own reports (`--json`)."""

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

BIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "target", "release", "crmsim")
LOADS = [(60.0, 400), (300.0, 1500), (600.0, 1500)]  # (calls/s, agents)
# Long enough that the logoff at the end (all agents at once, which a recorder in the path
# drains more slowly) is not what the p99 of a whole run measures; its own p50 is reported.
DURATION = 60


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_line(proc, needle, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if needle in line:
            return line
    raise RuntimeError(f"no line with {needle!r}")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy():
    """(busy, total) jiffies of all cores so far."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4], sum(v)


def run(root, rate, agents, recorded):
    crm_port = free_port()
    connector_cfg = os.path.join(root, "connector.toml")
    with open(connector_cfg, "w") as f:
        f.write(f'''listen = "127.0.0.1:0"
config_dir = "pki/connector"
[events.hosts]
"crm.crmsim.test" = "{'127.0.0.2' if recorded else '127.0.0.1'}"
[calls]
rate = {rate}
arrival = "constant"
''')
    conn = subprocess.Popen([BIN, "serve", "connector", "--config", connector_cfg, "--json",
                             os.path.join(root, "connector.json")],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = wait_line(conn, "listening on")
    connector_port = int(line.split("listening on ")[1].split()[0].rsplit(":", 1)[1])
    rec = None
    target_port = connector_port
    target_host = "127.0.0.1"
    if recorded:
        rec = subprocess.Popen([BIN, "record", "--out", os.path.join(root, "capture.jsonl"),
                                "--requests-listen", "127.0.0.2:0",
                                "--connector", f"https://connector.crmsim.test:{connector_port}",
                                "--events-listen", f"127.0.0.2:{crm_port}",
                                "--crm", f"https://crm.crmsim.test:{crm_port}",
                                "--connector-dir", os.path.join(root, "pki/connector"),
                                "--crm-dir", os.path.join(root, "pki/crm"),
                                "--resolve", "connector.crmsim.test=127.0.0.1",
                                "--resolve", "crm.crmsim.test=127.0.0.1"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = wait_line(rec, "requests hop listening on")
        target_port = int(line.rsplit(":", 1)[1])
        target_host = "127.0.0.2"
    crm_cfg = os.path.join(root, "crm.toml")
    with open(crm_cfg, "w") as f:
        f.write(f'''listen = "127.0.0.1:{crm_port}"
sink_url = "https://crm.crmsim.test:{{port}}/sap/bc/crm/ici/events"
duration = "{DURATION}s"
material_dir = "pki/crm"
[cms]
name = "ZCMS"
system_id = "BS"
server_ssl = true
[cms.destination]
name = "ICI"
host = "connector.crmsim.test"
port = {target_port}
path = "/ici"
ssl = true
[requests.hosts]
"connector.crmsim.test" = "{target_host}"
[agents]
count = {agents}
# A ramp, not a storm: 1,500 logons at once queue behind each other and their wait, not
# the recorder's, would be the tail. The logoff at the end is still all at once.
logon = 500
ring_delay = "uniform(100ms, 300ms)"
talk_time = "uniform(500ms, 1s)"
wrap_up = "200ms"
''')
    busy0 = machine_busy()
    crm = subprocess.run([BIN, "serve", "crm", "--config", crm_cfg, "--json",
                          os.path.join(root, "crm.json")], capture_output=True, text=True)
    if crm.returncode != 0:
        raise RuntimeError(crm.stdout + crm.stderr)
    busy1 = machine_busy()
    rec_cpu = None
    if rec:
        rec_cpu = cpu_seconds(rec.pid)
        rec.terminate()
        rec.wait(30)
    conn.terminate()
    conn.wait(30)
    with open(os.path.join(root, "crm.json")) as f:
        c = json.load(f)
    with open(os.path.join(root, "connector.json")) as f:
        k = json.load(f)
    messages = c["counts"]["requests"] + c["counts"]["events"]
    answer = c["latency_ms"].get("call.answer", {})
    event = k["latency_ms"].get("event.callChanged", {})
    return {
        "messages_per_s": messages / DURATION,
        "answer_p50": answer.get("p50"), "answer_p99": answer.get("p99"),
        "event_p50": event.get("p50"), "event_p99": event.get("p99"),
        "recorder_cpu_us_per_message": (rec_cpu * 1e6 / messages) if rec_cpu else None,
        "busy": 100 * (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]),
        "logoff_p50": c["latency_ms"].get("user.logoff", {}).get("p50"),
        "errors": c["counts"]["request_errors"] + k["events"]["failed"],
    }


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    with tempfile.TemporaryDirectory() as root:
        subprocess.run([BIN, "certs", "new", os.path.join(root, "pki")], check=True,
                       stdout=subprocess.DEVNULL)
        results = {}
        for rate, agents in LOADS:
            for r in range(rounds):
                for recorded in (False, True):
                    res = run(root, rate, agents, recorded)
                    results.setdefault((rate, recorded), []).append(res)
                    print(f"{rate:>5.0f} calls/s round {r + 1} {'recorded' if recorded else 'direct  '}: "
                          f"{res['messages_per_s']:.0f} msg/s, answer p50 {res['answer_p50']} p99 {res['answer_p99']} ms, "
                          f"callChanged p50 {res['event_p50']} p99 {res['event_p99']} ms, "
                          f"logoff p50 {res['logoff_p50']} ms, cores {res['busy']:.0f}% busy"
                          + (f", recorder {res['recorder_cpu_us_per_message']:.0f} µs CPU/message" if recorded else "")
                          + (f", {res['errors']} errors" if res['errors'] else ""), flush=True)
        print()
        for rate, _ in LOADS:
            d, r = results[(rate, False)], results[(rate, True)]
            med = lambda rows, key: statistics.median(x[key] for x in rows)
            print(f"{rate:.0f} calls/s, medians of {rounds} rounds: "
                  f"{med(d, 'messages_per_s'):.0f} → {med(r, 'messages_per_s'):.0f} msg/s "
                  f"({med(r, 'messages_per_s') / med(d, 'messages_per_s'):.2f}×); "
                  f"answer p50 {med(d, 'answer_p50'):.2f} → {med(r, 'answer_p50'):.2f} ms "
                  f"(+{med(r, 'answer_p50') - med(d, 'answer_p50'):.2f}), "
                  f"p99 {med(d, 'answer_p99'):.2f} → {med(r, 'answer_p99'):.2f} ms; "
                  f"callChanged p50 {med(d, 'event_p50'):.2f} → {med(r, 'event_p50'):.2f} ms, "
                  f"p99 {med(d, 'event_p99'):.2f} → {med(r, 'event_p99'):.2f} ms; "
                  f"logoff p50 {med(d, 'logoff_p50'):.1f} → {med(r, 'logoff_p50'):.1f} ms; "
                  f"cores {med(d, 'busy'):.0f}% → {med(r, 'busy'):.0f}% busy; "
                  f"recorder {med(r, 'recorder_cpu_us_per_message'):.0f} µs CPU per message")


if __name__ == "__main__":
    main()
