#!/usr/bin/env bash
# Live-audit benchmark against the patched moto server (tests/moto/launcher.py),
# one server per region behind bench/regions.py.
#
# Seeds F functions (default 2,000) in each of two regions, then times, with
# medians over RUNS runs (default 5), side by side in one run:
#   - eniplan audit, one region and two regions;
#   - the ListFunctions pages alone, fetched by the same SDK clients
#     (examples/live_pages.rs), one region and two regions;
#   - `aws lambda list-functions --function-version ALL` (AWS CLI v1 from PyPI,
#     in its own venv), one region.
# It also checks that stats.api_calls is at the floor:
#   1 GetCallerIdentity + per region (ceil(F/50) ListFunctions pages + 7:
#   DescribeNetworkInterfaces (Lambda's), GetServiceQuota, ListCapacityProviders,
#   and by vpc-id DescribeSubnets, DescribeSecurityGroups, DescribeRouteTables,
#   DescribeNetworkInterfaces (the VPC's other ENIs)).
#
# BASELINE=/path/to/eniplan adds that binary's audit (1 and 2 regions) to the
# interleaved cases, to compare a change with the build before it.
#
# Last, bench/server_floor.py times each of those calls alone, to show how long
# one moto process needs to serve them all.
#
# Once seeded, each region's server is forked so that Lambda and the other
# services (EC2, STS, Service Quotas) are served by separate processes, as AWS
# serves them from separate endpoints (bench/regions.py). SPLIT=0 keeps one
# process per region, where the audit's EC2 calls queue behind its pages.
#
# LATENCY_MS=N holds every response for N ms (bench/regions.py --latency-ms),
# as a network round trip to AWS would; seeding and server_floor.py bypass it.
#
# Usage: bench/live.sh [F] [RUNS]      (PROFILE=debug to skip the release build)
set -euo pipefail

F=${1:-2000}
RUNS=${2:-5}
PROFILE=${PROFILE:-release}
LATENCY_MS=${LATENCY_MS:-0}
BASELINE=${BASELINE:-}
SPLIT=${SPLIT:-1}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
VENV=$TARGET/moto-venv
CLI_VENV=$TARGET/bench-awscli-venv
OUT=$ROOT/bench/out
mkdir -p "$OUT"

# 1. Python side: moto (as the tests use it) and the AWS CLI in its own venv
#    (awscli pins botocore; keep it away from moto's boto3).
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c 'import moto' 2>/dev/null || "$VENV/bin/pip" install -q -r "$ROOT/tests/moto/requirements.txt"
[ -x "$CLI_VENV/bin/aws" ] || { python3 -m venv "$CLI_VENV" && "$CLI_VENV/bin/pip" install -q awscli; }

# 2. Rust side.
if [ "$PROFILE" = release ]; then
  cargo build --release --bin eniplan --example live_pages --manifest-path "$ROOT/Cargo.toml" >&2
  BIN=$TARGET/release
else
  cargo build --bin eniplan --example live_pages --manifest-path "$ROOT/Cargo.toml" >&2
  BIN=$TARGET/debug
fi
ENIPLAN=$BIN/eniplan
PAGES=$BIN/examples/live_pages

# 3. moto: one patched server per region (as AWS has an endpoint per region),
#    behind one loopback port (bench/regions.py); stopped on exit.
exec 3< <(tail -f /dev/null)   # keeps the servers' stdin open while we run
"$VENV/bin/python" "$ROOT/bench/regions.py" --region us-east-1 --region eu-west-1 --latency-ms "$LATENCY_MS" <&3 >"$OUT/moto.port" 2>"$OUT/moto.log" &
MOTO=$!
trap 'kill $MOTO 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do grep -q READY "$OUT/moto.port" 2>/dev/null && break; sleep 0.1; done
PORT=$(awk '/READY/ {print $2}' "$OUT/moto.port")
[ -n "$PORT" ] || { echo "moto did not start; see $OUT/moto.log" >&2; exit 1; }
DIRECT=http://127.0.0.1:$PORT
EP=http://127.0.0.1:$(awk '/READY/ {print ($3 ? $3 : $2)}' "$OUT/moto.port")
echo "moto on $DIRECT (measured through $EP, ${LATENCY_MS} ms a response); seeding $F functions in each of us-east-1 and eu-west-1 ..." >&2
"$VENV/bin/python" "$ROOT/tests/moto/seed.py" --endpoint "$DIRECT" bench --functions "$F" --region us-east-1 --region eu-west-1 >"$OUT/seed.json"
if [ "$SPLIT" = 1 ]; then
  kill -USR1 "$MOTO"
  for _ in $(seq 1 300); do grep -q SPLIT "$OUT/moto.port" && break; sleep 0.1; done
  grep -q SPLIT "$OUT/moto.port" || { echo "moto did not split; see $OUT/moto.log" >&2; exit 1; }
  SERVERS="Lambda and the other services in separate processes"
else
  SERVERS="Lambda and the other services in one process"
fi

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_ENDPOINT_URL AWS_REGION AWS_DEFAULT_REGION || true

# 4. Warm up once, and check the API-call floor.
"$ENIPLAN" audit --endpoint-url "$EP" --region us-east-1 --format json --fail-on never >"$OUT/audit-1.json"
"$ENIPLAN" audit --endpoint-url "$EP" --region us-east-1 --region eu-west-1 --format json --fail-on never \
  --save-snapshot "$OUT/audit-2.snapshot.json" >"$OUT/audit-2.json"
"$PAGES" --endpoint-url "$EP" --region us-east-1 >"$OUT/pages-1.json"

# 5. Timings.
"$VENV/bin/python" - "$RUNS" "$F" "$OUT" <<PY
import json, math, os, resource, statistics, subprocess, sys, time
runs, F, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ep = "$EP"
cases = [
    ("eniplan audit, 1 region", ["$ENIPLAN", "audit", "--endpoint-url", ep, "--region", "us-east-1", "--format", "json", "--fail-on", "never"]),
] + ([
    ("baseline audit, 1 region", ["$BASELINE", "audit", "--endpoint-url", ep, "--region", "us-east-1", "--format", "json", "--fail-on", "never"]),
    ("baseline audit, 2 regions", ["$BASELINE", "audit", "--endpoint-url", ep, "--region", "us-east-1", "--region", "eu-west-1", "--format", "json", "--fail-on", "never"]),
] if "$BASELINE" else []) + [
    ("ListFunctions pages alone (same client), 1 region", ["$PAGES", "--endpoint-url", ep, "--region", "us-east-1"]),
    ("aws lambda list-functions --function-version ALL, 1 region", ["$CLI_VENV/bin/aws", "lambda", "list-functions", "--function-version", "ALL", "--region", "us-east-1", "--endpoint-url", ep, "--output", "json"]),
    ("eniplan audit, 2 regions", ["$ENIPLAN", "audit", "--endpoint-url", ep, "--region", "us-east-1", "--region", "eu-west-1", "--format", "json", "--fail-on", "never"]),
    ("ListFunctions pages alone (same client), 2 regions", ["$PAGES", "--endpoint-url", ep, "--region", "us-east-1", "--region", "eu-west-1"]),
]
TICK = os.sysconf("SC_CLK_TCK")


def cpu_by_depth(root=$MOTO):
    """CPU seconds used so far under bench/regions.py, by depth: [router, region servers (Lambda), their forks (other services)]."""
    stat = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stat[int(pid)] = (int(f[1]), (int(f[11]) + int(f[12])) / TICK)
    depth, level = [0.0, 0.0, 0.0], [root]
    for d in range(3):
        depth[d] = sum(stat.get(pid, (0, 0.0))[1] for pid in level)
        level = [p for p, (ppid, _) in stat.items() if ppid in level]
    return depth


def servers_cpu():
    return sum(cpu_by_depth())


def client_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


times = {name: [] for name, _ in cases}
cpu = {name: [] for name, _ in cases}
before = cpu_by_depth()
for i in range(runs):            # interleaved, so drift hits every case alike
    for name, cmd in cases:
        c0, s0, t = client_cpu(), servers_cpu(), time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times[name].append(time.perf_counter() - t)
        cpu[name].append((client_cpu() - c0, servers_cpu() - s0))
spent = [b - a for a, b in zip(before, cpu_by_depth())]
med = {k: statistics.median(v) for k, v in times.items()}
med_cpu = {k: tuple(statistics.median(c[j] for c in v) for j in (0, 1)) for k, v in cpu.items()}
cores = len(os.sched_getaffinity(0))
print(f"\n{F} functions per region, one moto server per region ($SERVERS), {$LATENCY_MS:g} ms added to each response, median of {runs} runs\n")
w = max(map(len, med))
print(f"  {'':<{w}}  {'wall':>7}     {'(min..max)':<14}  {'CPU: client':>11}  {'servers+router':>14}")
for name, _ in cases:
    v = times[name]
    c, s = med_cpu[name]
    print(f"  {name:<{w}}  {med[name]:7.3f} s   ({min(v):.3f}..{max(v):.3f})  {c:9.3f} s  {s:12.3f} s")
split = "$SPLIT" == "1"
print(f"  CPU over all runs: router {spent[0]:.2f} s, {'Lambda servers' if split else 'moto servers (every service)'} {spent[1]:.2f} s"
      + (f", servers of the other services {spent[2]:.2f} s" if split else ""))
a1, p1 = med["eniplan audit, 1 region"], med["ListFunctions pages alone (same client), 1 region"]
a2, cli = med["eniplan audit, 2 regions"], med["aws lambda list-functions --function-version ALL, 1 region"]
print()
print(f"  audit / pages alone (1 region):   {a1 / p1:.2f}x   (target <= 1.10x)")
print(f"  audit / AWS CLI (1 region):       {a1 / cli:.2f}x   (target <= 1.00x)")
print(f"  audit 2 regions / 1 region:       {a2 / a1:.2f}x   (target ~ 1x)")
if "$BASELINE":
    b1, b2 = med["baseline audit, 1 region"], med["baseline audit, 2 regions"]
    print(f"  audit / baseline: 1 region {a1 / b1:.2f}x, 2 regions {a2 / b2:.2f}x")
c2 = sum(med_cpu["eniplan audit, 2 regions"])
print(f"  audit, 2 regions: client, servers and router used {c2:.3f} CPU-s; on {cores} cores that needs at least {c2 / cores:.3f} s, {c2 / cores / a1:.2f}x the 1-region audit")

pages = math.ceil(F / 50)
ok = not split or spent[2] > 0   # the audits' EC2, STS and quota calls reached the copies
if not ok:
    print("  the copies serving EC2, STS and Service Quotas used no CPU: the split did not take")
for n, path in ((1, f"{out}/audit-1.json"), (2, f"{out}/audit-2.json")):
    report = json.load(open(path))
    got = report["stats"]["api_calls"]
    want = 1 + n * (pages + 7)
    ok &= got == want
    print(f"  stats.api_calls, {n} region(s): {got}  (floor 1 + {n} x ({pages} ListFunctions pages + 7 EC2/quota/provider calls) = {want})  {'OK' if got == want else 'NOT AT THE FLOOR'}")
    assert report["summary"]["functions"] == n * F, report["summary"]["functions"]
print(f"  pages alone fetched: {json.load(open(f'{out}/pages-1.json'))}")
# Each region's functions came from that region's server (the ARN says so).
snap = json.load(open(f"{out}/audit-2.snapshot.json"))
misrouted = [f["arn"] for f in snap["functions"] if f["arn"].split(":")[3] != f["region"]]
ok &= not misrouted
print(f"  functions read from the wrong region's server: {len(misrouted)}")
json.dump({"functions": F, "runs": runs, "times": times, "medians": med, "cpu_client_servers": cpu}, open(f"{out}/live.json", "w"), indent=2)
sys.exit(0 if ok else 1)
PY

# 6. The server's own floor: each call the audit makes, one at a time.
"$VENV/bin/python" "$ROOT/bench/server_floor.py" "$DIRECT" us-east-1 $(( (F + 49) / 50 ))
