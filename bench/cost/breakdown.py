#!/usr/bin/env python3
"""What one command costs, counted over a window of steady load (bench/cost.sh).

  breakdown.py measure --label L --window S --out FILE [--metrics NAME=URL ...] [--pid NAME=PID ...] [--pg PORT] [--idle FILE]
      Reads every process's /metrics, CPU time (/proc) and, with --pg, PostgreSQL's statistics (pg_stat_database,
      pg_stat_statements) at both ends of the window; writes the differences as JSON. --idle names the same
      measurement taken before the load: its CPU per second is what the target burns doing nothing.
  breakdown.py table FILE...
      One Markdown table, a column per measurement, every count per command created in its window.

A process named pg* in --pid counts with all its child processes (a PostgreSQL server and its backends).
"""
import argparse, json, os, re, statistics, subprocess, sys, time, urllib.request
from concurrent.futures import ThreadPoolExecutor

TICKS = os.sysconf("SC_CLK_TCK")
SERIES = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)')
# Only monotonic series: counters and histogram counts/sums (gauges say nothing about a window).
KEEP = re.compile(r'_(total|count|sum)$')


def scrape(url):
    out = {}
    with urllib.request.urlopen(url, timeout=10) as r:
        for line in r.read().decode().splitlines():
            m = SERIES.match(line)
            if m and KEEP.search(m.group(1)):
                out[m.group(1) + (m.group(2) or "")] = out.get(m.group(1) + (m.group(2) or ""), 0.0) + float(m.group(3))
    return out


def cpu_seconds(pid, with_children):
    pids = [pid]
    if with_children:
        pids += [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()]
    total = 0
    for p in pids:
        try:
            fields = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total / TICKS


def psql(port, sql):
    return subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "commandgrid_test", "-AtF", "\t", "-c", sql],
                          capture_output=True, text=True, check=True).stdout


def pg_snapshot(port):
    row = psql(port, "SELECT xact_commit, xact_rollback, tup_returned, tup_fetched, tup_inserted, tup_updated, tup_deleted "
                     "FROM pg_stat_database WHERE datname = current_database()").split("\t")
    names = ["transactions committed", "transactions rolled back", "rows scanned", "rows fetched", "rows inserted", "rows updated", "rows deleted"]
    snap = {"db": dict(zip(names, (float(v) for v in row)))}
    statements = {}
    for line in psql(port, "SELECT queryid, calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) FROM pg_stat_statements "
                           "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat_%'").splitlines():
        qid, calls, text = line.split("\t", 2)
        statements[qid] = [float(calls), text]
    snap["statements"] = statements
    return snap


def snapshot(metrics, pids, pg):
    # Every process at once: read one after the other, a loaded cluster's scrapes would open windows seconds apart.
    with ThreadPoolExecutor(max_workers=len(metrics) + 1) as pool:
        scrapes = {name: pool.submit(scrape, url) for name, url in metrics.items()}
        stats = pool.submit(pg_snapshot, pg) if pg else None
        cpu = {name: cpu_seconds(pid, name.startswith("pg")) for name, pid in pids.items()}
        at = time.monotonic()
        return {"at": at, "metrics": {n: f.result() for n, f in scrapes.items()}, "cpu": cpu, "pg": stats.result() if stats else None}


def pairs(items):
    return dict(item.split("=", 1) for item in items)


def measure(args):
    parser = argparse.ArgumentParser(prog="breakdown.py measure")
    parser.add_argument("--label", required=True)
    parser.add_argument("--window", type=float, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--metrics", action="append", default=[], metavar="NAME=URL")
    parser.add_argument("--pid", action="append", default=[], metavar="NAME=PID")
    parser.add_argument("--pg", metavar="PORT")
    parser.add_argument("--idle", metavar="FILE")
    opts = parser.parse_args(args)
    metrics, pids = pairs(opts.metrics), {k: int(v) for k, v in pairs(opts.pid).items()}
    pg = opts.pg
    a = snapshot(metrics, pids, pg)
    time.sleep(opts.window)
    b = snapshot(metrics, pids, pg)
    seconds = b["at"] - a["at"]
    delta = {}
    for name in metrics:
        before, after = a["metrics"][name], b["metrics"][name]
        delta[name] = {k: v - before.get(k, 0.0) for k, v in after.items() if v - before.get(k, 0.0) != 0}
    result = {
        "label": opts.label, "seconds": round(seconds, 2),
        "metrics": delta,
        "cpu": {name: b["cpu"][name] - a["cpu"][name] for name in pids},
    }
    if opts.idle:
        idle = json.load(open(opts.idle))
        result["idleCores"] = {name: cpu / idle["seconds"] for name, cpu in idle["cpu"].items()}
    if pg:
        result["pg"] = {
            "db": {k: b["pg"]["db"][k] - a["pg"]["db"][k] for k in a["pg"]["db"]},
            "statements": sorted(([calls - a["pg"]["statements"].get(q, [0])[0], text] for q, (calls, text) in b["pg"]["statements"].items()
                                  if calls - a["pg"]["statements"].get(q, [0])[0] > 0), reverse=True),
        }
    json.dump(result, open(opts.out, "w"), indent=1)


def total(result, pattern, where=None):
    """The sum over every process of the series whose name matches pattern (and whose labels contain where)."""
    rx = re.compile(pattern)
    return sum(v for series in result["metrics"].values() for k, v in series.items()
               if rx.fullmatch(k.split("{")[0]) and (where is None or where in k))


def rows(r):
    created = total(r, "commandgrid_commands_created_total")
    succeeded = total(r, "commandgrid_commands_status_changes_total", 'status="SUCCEEDED"')
    per = lambda v: v / created if created else float("nan")
    out = [
        ("commands created in the window (per second)", f"{created:,.0f} ({created / r['seconds']:,.0f}/s)"),
        ("answered SUCCEEDED, per command", f"{per(succeeded):.2f}"),
        ("**CPU-ms per command, all processes**", f"**{per(sum(r['cpu'].values()) * 1000):.2f}**"),
    ]
    if "idleCores" in r:
        idle = sum(r["idleCores"].values())
        out.append(("cores burnt idle, before the load", f"{idle:.3f}"))
        out.append(("**CPU-ms per command above idle**", f"**{per((sum(r['cpu'].values()) - idle * r['seconds']) * 1000):.2f}**"))
    for name, seconds in sorted(r["cpu"].items()):
        out.append((f"CPU-ms per command: {name}", f"{per(seconds * 1000):.2f}"))
    out += [
        ("grain calls awaited (Orleans app requests)", f"{per(total(r, 'orleans_app_requests_latency_milliseconds_count')):.1f}"),
        ("Orleans messages inside a process", f"{per(total(r, 'orleans_messaging_sent_local_total')):.1f}"),
        ("Orleans messages between processes (sent)", f"{per(total(r, 'orleans_messaging_sent_messages_size(_bytes)?_count')):.1f}"),
        ("bytes between processes (sent), KB", f"{per(total(r, 'orleans_messaging_sent_messages_size(_bytes)?_sum')) / 1024:.2f}"),
        # Orleans 10.4.2 counts each message a gateway silo sends to a client twice (Gateway's TrySend and
        # GatewayInboundConnection.RecordMessageSend), so the counter is halved.
        ("  of which silo to client (gateway sent)", f"{per(total(r, 'orleans_gateway_sent_total')) / 2:.1f}"),
        ("  of which client to silo (gateway received)", f"{per(total(r, 'orleans_gateway_received_total')):.1f}"),
        ("messages forwarded (sent to the wrong silo)", f"{per(total(r, 'orleans_messaging_processing_dispatcher_forwarded_total')):.2f}"),
        ("grain activations created", f"{per(total(r, 'orleans_catalog_activation_created_total')):.2f}"),
        ("directory lookups: full / remote", f"{per(total(r, 'orleans_directory_lookups_full_issued_total')):.2f} / {per(total(r, 'orleans_directory_lookups_remote_sent_total')):.2f}"),
        ("directory registrations (remote)", f"{per(total(r, 'orleans_directory_registrations_single_act_issued_total')):.2f} ({per(total(r, 'orleans_directory_registrations_single_act_remote_sent_total')):.2f})"),
        ("grain state reads / writes (Orleans storage)", f"{per(total(r, 'orleans_storage_read_latency(_milliseconds)?_count')):.2f} / {per(total(r, 'orleans_storage_write_latency(_milliseconds)?_count')):.2f}"),
        ("group-commit batches (writes each)", f"{per(total(r, 'commandgrid_storage_batch_size(_write)?_count')):.2f} "
                                                f"({total(r, 'commandgrid_storage_batch_size(_write)?_sum') / max(1, total(r, 'commandgrid_storage_batch_size(_write)?_count')):.1f})"),
    ]
    trips = {}
    for series in r["metrics"].values():
        for k, v in series.items():
            m = re.match(r'commandgrid_storage_round_trips(?:_round_trip)?_total\{.*operation="([^"]+)"', k)
            if m:
                trips[m.group(1)] = trips.get(m.group(1), 0) + v
    out.append(("**storage round trips, all**", f"**{per(sum(trips.values())):.2f}**"))
    for op, v in sorted(trips.items(), key=lambda t: -t[1]):
        out.append((f"  {op}", f"{per(v):.2f}"))
    if "pg" in r:
        statements = sum(calls for calls, _ in r["pg"]["statements"])
        out.append(("PostgreSQL statements (pg_stat_statements)", f"{per(statements):.2f}"))
        for k, v in r["pg"]["db"].items():
            out.append((f"PostgreSQL {k}", f"{per(v):.2f}"))
    return out


def table(files):
    results = [json.load(open(f)) for f in files]
    measured = [rows(r) for r in results]
    columns = [dict(m) for m in measured]
    names = list(dict.fromkeys(name for m in measured for name, _ in m))
    print("| per command | " + " | ".join(r["label"] for r in results) + " |")
    print("|---|" + "---|" * len(results))
    for name in names:
        print(f"| {name} | " + " | ".join(c.get(name, "") for c in columns) + " |")
    for r in results:
        created = total(r, "commandgrid_commands_created_total")
        if "pg" in r and created:
            print(f"\nPostgreSQL's statements in {r['label']}, calls per command (pg_stat_statements):\n")
            for calls, text in r["pg"]["statements"][:12]:
                print(f"- {calls / created:.2f}: `{text}`")


def compare(args):
    """bench/cost-ab.sh's folder: VARIANT-ROUND/TARGET.json (and TARGET-p1.json); every round, then medians and the ratio."""
    folder = args[0]
    runs = {}
    for run in sorted(os.listdir(folder)):
        m = re.fullmatch(r"(base|current)-(\d+)", run)
        if not m:
            continue
        for name in sorted(os.listdir(os.path.join(folder, run))):
            if not name.endswith(".json") or name.endswith("-p1.json"):
                continue
            target = name[:-5]
            r = json.load(open(os.path.join(folder, run, name)))
            p1 = json.load(open(os.path.join(folder, run, f"{target}-p1.json")))
            created = total(r, "commandgrid_commands_created_total")
            cpu = sum(r["cpu"].values())
            idle = sum(r.get("idleCores", {}).values()) * r["seconds"]
            runs.setdefault((target, m.group(1)), []).append({
                "round": int(m.group(2)),
                "per second": created / r["seconds"],
                "CPU-ms per command": cpu * 1000 / created,
                "above idle": (cpu - idle) * 1000 / created,
                "messages between processes": total(r, "orleans_messaging_sent_messages_size(_bytes)?_count") / created,
                "p99 ms": p1["p99ms"],
            })
    keys = ["per second", "CPU-ms per command", "above idle", "messages between processes", "p99 ms"]
    print("| target | build | round | " + " | ".join(keys) + " |")
    print("|---|---|---|" + "---|" * len(keys))
    for (target, variant), rs in sorted(runs.items()):
        for x in sorted(rs, key=lambda x: x["round"]):
            print(f"| {target} | {variant} | {x['round']} | " + " | ".join(f"{x[k]:,.2f}" for k in keys) + " |")
    print()
    print("| target | build | " + " | ".join(f"median {k}" for k in keys) + " |")
    print("|---|---|" + "---|" * len(keys))
    medians = {}
    for (target, variant), rs in sorted(runs.items()):
        medians[(target, variant)] = {k: statistics.median(x[k] for x in rs) for k in keys}
        print(f"| {target} | {variant} | " + " | ".join(f"{medians[(target, variant)][k]:,.2f}" for k in keys) + " |")
    for target in sorted({t for t, _ in runs}):
        if (target, "base") in medians and (target, "current") in medians:
            b, c = medians[(target, "base")], medians[(target, "current")]
            print(f"| {target} | current / base | " + " | ".join(f"{c[k] / b[k]:.2f}×" if b[k] else "" for k in keys) + " |")


if __name__ == "__main__":
    {"measure": measure, "table": table, "compare": compare}[sys.argv[1]](sys.argv[2:])
