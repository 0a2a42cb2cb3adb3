"""Reads eng/bench-e2e.sh's records and writes session-start.json, e2e.json and scale.json; exits 1 when a target is missed."""
import json
import os
import statistics
import sys

records_path, out, scale_tests = sys.argv[1], sys.argv[2], int(sys.argv[3])
records = [json.loads(line) for line in open(records_path)] if os.path.exists(records_path) else []
missed = []


def median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def spread(values):
    values = [v for v in values if v is not None]
    return {"median": median(values), "min": min(values), "max": max(values), "n": len(values)} if values else None


def of(part, variant):
    return [r for r in records if r["part"] == part and r["variant"] == variant]


def write(name, doc):
    with open(os.path.join(out, name), "w") as f:
        json.dump(doc, f, indent=2)
    print(f"wrote {os.path.join(out, name)}")


def target(doc, name, value, limit, ok):
    met = value is not None and ok(value, limit)
    doc.setdefault("targets", {})[name] = {"value": value, "limit": limit, "met": met}
    if not met:
        missed.append(f"{name}: {value} against {limit}")


if any(r["part"] == "start" for r in records):
    doc = {"what": "process start to the first test of a one-test MSTest project on the Library app's EF Core context, and to its first query",
           "variants": {}}
    for variant in ["warm", "off", "cold-fingerprint", "cold-template", "cold-cluster"]:
        rs = of("start", variant)
        if not rs:
            continue
        phases = {}
        for r in rs:
            for k, v in ((r.get("summary") or {}).get("sessionStartPhasesMs") or {}).items():
                phases.setdefault(k, []).append(v)
        doc["variants"][variant] = {
            "first_test_ms": spread([r.get("first_test_ms") for r in rs]),
            "first_query_ms": spread([r.get("first_query_ms") for r in rs]),
            # The session's own duration; in an MTP app it overlaps the platform's start, so it is not what users wait.
            "session_start_ms": spread([(r.get("summary") or {}).get("sessionStartMs") for r in rs]),
            "phases_ms_median": {k: median(v) for k, v in phases.items()},
            "wall_s": spread([r["wall_s"] for r in rs]),
            "failed": sum(r["failed"] or 0 for r in rs) + sum(1 for r in rs if r["exit"] != 0),
            "load": [r["load"] for r in rs],
        }
    # The product's share: how much later the first test's first query is answered than with Neon.Testing off, round by
    # round (the two variants run next to each other in each round, so the machine's drift cancels out). Off, the test
    # opens Npgsql's first connection itself, as every database test does; the share is what the product adds to that.
    # How much later the test itself starts is reported beside it (the product's whole start, Npgsql's included).
    def shares(field):
        warm_runs = {r["round"]: r.get(field) for r in of("start", "warm")}
        off_runs = {r["round"]: r.get(field) for r in of("start", "off")}
        return spread([round(warm_runs[n] - off_runs[n], 1) for n in sorted(warm_runs)
                       if warm_runs[n] is not None and off_runs.get(n) is not None])
    doc["product_share_ms"] = shares("first_query_ms")
    doc["test_entry_delay_ms"] = shares("first_test_ms")
    target(doc, "warm product share (first query answered later than with Neon.Testing off) <= 150 ms",
           doc["product_share_ms"] and doc["product_share_ms"]["median"], 150, lambda v, l: v <= l)
    write("session-start.json", doc)

if any(r["part"] == "e2e" for r in records):
    doc = {"what": "samples/Library.Api.Tests minus the schema-change and read-only-endpoint tests, whole test process, interleaved A B C",
           "variants": {}, "pairs": []}
    for variant in ["sdk", "respawn", "none"]:
        rs = of("e2e", variant)
        doc["variants"][variant] = {"wall_s": spread([r["wall_s"] for r in rs]), "peak_rss_mb": spread([r.get("peak_rss_mb") for r in rs]),
                                    "tests": rs[0]["total"] if rs else None, "failed": [r["failed"] for r in rs], "load": [r["load"] for r in rs]}
    rounds = sorted({r["round"] for r in of("e2e", "sdk")})
    for n in rounds:
        a, b, c = ([r for r in of("e2e", v) if r["round"] == n] for v in ["sdk", "respawn", "none"])
        if a and b and c:
            doc["pairs"].append({"round": n, "respawn_over_sdk": round(b[0]["wall_s"] / a[0]["wall_s"], 3),
                                 "sdk_overhead_share": round((a[0]["wall_s"] - c[0]["wall_s"]) / a[0]["wall_s"], 3)})
    overhead = median([p["sdk_overhead_share"] for p in doc["pairs"]])
    speedup = median([p["respawn_over_sdk"] for p in doc["pairs"]])
    target(doc, "SDK overhead over no isolation, share of the SDK run's wall time <= 0.10", overhead, 0.10, lambda v, l: v <= l)
    target(doc, "SDK faster than Respawn 7 (Respawn wall / SDK wall) >= 1.5", speedup, 1.5, lambda v, l: v >= l)
    # Phases of one untimed run of each with the platform's diagnostic log (ms after the platform's builder started).
    doc["timeline_ms"] = {}
    for variant in ["sdk", "respawn", "none"]:
        for r in of("e2e", variant + "-timeline"):
            if "timeline_ms" in r:
                t = dict(r["timeline_ms"])
                t["first_test_ms"] = round(t["first_test_ended_ms"] - t["first_test_started_ms"], 1)
                t["after_first_test_ms"] = round(t["last_test_ended_ms"] - t["first_test_ended_ms"], 1)
                if t["session_ended_ms"] is not None:
                    t["after_last_test_ms"] = round(t["session_ended_ms"] - t["last_test_ended_ms"], 1)
                t["failed"] = r["failed"]
                doc["timeline_ms"][variant] = t
    if any((r["failed"] or 0) > 0 for r in of("e2e", "sdk") + of("e2e", "respawn")):
        missed.append("e2e: a test failed with the SDK or with Respawn (see artifacts/bench-e2e/runs)")
    write("e2e.json", doc)

if any(r["part"] == "scale" for r in records):
    doc = {"what": f"{scale_tests} generated isolated tests (insert a row, count the rows tests wrote), whole test process", "variants": {}}
    for variant in ["on-w4", "off-w4", "on-w1", "off-w1"]:
        rs = of("scale", variant)
        if not rs:
            continue
        doc["variants"][variant] = {
            "wall_s": spread([r["wall_s"] for r in rs]),
            "peak_rss_mb": spread([r.get("peak_rss_mb") for r in rs]),
            "session_start_ms": spread([(r.get("summary") or {}).get("sessionStartMs") for r in rs]),
            "bracket_ms_per_test": spread([(r["summary"]["isolationMs"] / scale_tests) if r.get("summary") else None for r in rs]),
            "reset_ms_per_test": spread([(r["summary"]["resetMs"] / scale_tests) if r.get("summary") else None for r in rs]),
            "isolated_branches": [(r.get("summary") or {}).get("isolatedBranches") for r in rs],
            "failed": [r["failed"] for r in rs], "load": [r["load"] for r in rs],
        }
    for workers in ["w4", "w1"]:
        on, off = doc["variants"].get(f"on-{workers}"), doc["variants"].get(f"off-{workers}")
        if on and off:
            doc[f"overhead_ms_per_test_{workers}"] = round((on["wall_s"]["median"] - off["wall_s"]["median"]) * 1000 / scale_tests, 2)
    if any((r["failed"] or 0) > 0 for r in of("scale", "on-w4") + of("scale", "on-w1")):
        missed.append("scale: an isolated test failed (see artifacts/bench-e2e/runs)")
    write("scale.json", doc)

for m in missed:
    print(f"TARGET MISSED {m}")
sys.exit(1 if missed else 0)
