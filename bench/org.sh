#!/usr/bin/env bash
# Org-wide audit benchmark (`eniplan audit --org`) against the patched moto
# server: an organization of A accounts (the management account and A-1
# members, default 50), F functions (default 200) in each of two regions of
# each account, seeded by tests/moto/organization.py through each member's
# OrganizationAccountAccessRole.
#
# Times, with medians over RUNS runs (default 3), interleaved:
#   - one member account alone: `eniplan audit --role-arn <its role>`, both
#     regions (one AssumeRole, then the account as --org reads it);
#   - the whole organization: `eniplan audit --org --concurrency C` (default 16).
# and compares the org audit with ceil(A/C) x the one-account time (the
# issue's target: at most 1.5x). It checks stats.api_calls is at the floor:
#   ListAccounts + GetCallerIdentity + (A-1) AssumeRole
#   + A x 2 regions x (ceil(F/50) ListFunctions pages + 7 EC2/Lambda/quota calls).
#
# moto keeps every account in one Python process (the multi-account state
# cannot be split across processes the way bench/regions.py splits regions:
# an assumed role's keys are known only to the process that issued them), so
# this serves all accounts' calls one interpreter at a time. The script also
# reports moto's CPU seconds per org audit: when they exceed the wall-time
# target, the server, not eniplan, sets the pace.
#
# Last, examples/org_waves.rs runs the same org against mocked clients that
# answer after LATENCY_MS and cost no server time: eniplan's own scheduling,
# with the same one-account / org ratio.
#
# LATENCY_MS=N (default 20) holds every response for N ms, as a round trip to AWS would.
# Usage: bench/org.sh [A] [F] [RUNS]      (PROFILE=debug to skip the release build; CONCURRENCY=C)
set -euo pipefail

A=${1:-50}
F=${2:-200}
RUNS=${3:-3}
C=${CONCURRENCY:-16}
PROFILE=${PROFILE:-release}
LATENCY_MS=${LATENCY_MS:-20}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
VENV=$TARGET/moto-venv
OUT=$ROOT/bench/out
mkdir -p "$OUT"

[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -c 'import moto' 2>/dev/null || "$VENV/bin/pip" install -q -r "$ROOT/tests/moto/requirements.txt"
if [ "$PROFILE" = release ]; then
  cargo build --release --bin eniplan --example org_waves --manifest-path "$ROOT/Cargo.toml" >&2
else
  cargo build --bin eniplan --example org_waves --manifest-path "$ROOT/Cargo.toml" >&2
fi
ENIPLAN=$TARGET/$PROFILE/eniplan

# One moto process for every region and account, behind the latency router.
exec 3< <(tail -f /dev/null)
"$VENV/bin/python" "$ROOT/bench/regions.py" --region us-east-1 --latency-ms "$LATENCY_MS" <&3 >"$OUT/org-moto.port" 2>"$OUT/org-moto.log" &
MOTO=$!
trap 'kill $MOTO 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do grep -q READY "$OUT/org-moto.port" 2>/dev/null && break; sleep 0.1; done
PORT=$(awk '/READY/ {print $2}' "$OUT/org-moto.port")
[ -n "$PORT" ] || { echo "moto did not start; see $OUT/org-moto.log" >&2; exit 1; }
DIRECT=http://127.0.0.1:$PORT
EP=http://127.0.0.1:$(awk '/READY/ {print ($3 ? $3 : $2)}' "$OUT/org-moto.port")
echo "moto on $DIRECT (measured through $EP, ${LATENCY_MS} ms a response); seeding $A accounts x 2 regions x $F functions ..." >&2
START=$(date +%s)
"$VENV/bin/python" "$ROOT/tests/moto/organization.py" --endpoint "$DIRECT" seed --members $((A - 1)) --functions "$F" \
  --region us-east-1 --region eu-west-1 >"$OUT/org-seed.json"
echo "seeded in $(( $(date +%s) - START )) s" >&2

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_ENDPOINT_URL AWS_REGION AWS_DEFAULT_REGION || true

MEMBER=$("$VENV/bin/python" -c 'import json,sys; a=json.load(open(sys.argv[1])); print(a["accounts"][-1]["id"])' "$OUT/org-seed.json")
ROLE=arn:aws:iam::$MEMBER:role/OrganizationAccountAccessRole
R=(--region us-east-1 --region eu-west-1)
"$ENIPLAN" audit --endpoint-url "$EP" "${R[@]}" --role-arn "$ROLE" --format json --fail-on never >"$OUT/org-one.json"
"$ENIPLAN" audit --endpoint-url "$EP" "${R[@]}" --org --concurrency "$C" --format json --fail-on never >"$OUT/org-all.json"

"$VENV/bin/python" - "$RUNS" "$A" "$F" "$C" "$OUT" "$MOTO" "$ENIPLAN" "$EP" "$ROLE" "$LATENCY_MS" <<'PY'
import json, math, os, statistics, subprocess, sys, time
runs, A, F, C, out, moto, eniplan, ep, role, latency = sys.argv[1:]
runs, A, F, C, moto = int(runs), int(A), int(F), int(C), int(moto)
regions = ["--region", "us-east-1", "--region", "eu-west-1"]
base = [eniplan, "audit", "--endpoint-url", ep, *regions, "--format", "json", "--fail-on", "never"]
cases = {"one account (--role-arn)": base + ["--role-arn", role], f"org, {A} accounts (--org --concurrency {C})": base + ["--org", "--concurrency", str(C)]}
TICK = os.sysconf("SC_CLK_TCK")


def moto_cpu():
    """CPU seconds of everything under bench/regions.py (router and moto)."""
    total, stat = 0.0, {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stat[int(pid)] = (int(f[1]), (int(f[11]) + int(f[12])) / TICK)
    level = [moto]
    while level:
        total += sum(stat.get(p, (0, 0.0))[1] for p in level)
        level = [p for p, (pp, _) in stat.items() if pp in level]
    return total


times = {k: [] for k in cases}
server = {k: [] for k in cases}
for _ in range(runs):
    for name, cmd in cases.items():
        s0, t = moto_cpu(), time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times[name].append(time.perf_counter() - t)
        server[name].append(moto_cpu() - s0)
med = {k: statistics.median(v) for k, v in times.items()}
one, org = med.values()
waves = math.ceil(A / C)
print(f"\n{A} accounts x 2 regions x {F} functions, {latency} ms added to each response, one moto process, median of {runs} runs\n")
w = max(map(len, cases))
for name in cases:
    v = times[name]
    print(f"  {name:<{w}}  {med[name]:7.3f} s  ({min(v):.3f}..{max(v):.3f})   moto CPU {statistics.median(server[name]):7.3f} s")
print(f"\n  org / (ceil({A}/{C}) = {waves} x one account): {org / (waves * one):.2f}x   (target <= 1.50x)")
print(f"  moto CPU per org audit / (ceil(A/C) x one account): {statistics.median(server[list(cases)[1]]) / (waves * one):.2f}x"
      "  (above 1.5x, one moto process cannot serve the org inside the target)")
pages = math.ceil(F / 50)
ok = True
one_r, org_r = json.load(open(f"{out}/org-one.json")), json.load(open(f"{out}/org-all.json"))
want_one = 1 + 2 * (pages + 7)          # GetCallerIdentity (after AssumeRole, made by the credentials provider) + 2 regions
want_org = 2 + (A - 1) + A * 2 * (pages + 7)
for label, r, want in (("one account", one_r, want_one), ("org", org_r, want_org)):
    got = r["stats"]["api_calls"]
    ok &= got == want
    print(f"  stats.api_calls, {label}: {got}  (floor {want})  {'OK' if got == want else 'NOT AT THE FLOOR'}")
ok &= org_r["summary"]["accounts"] == A and org_r["summary"]["functions"] == A * 2 * F and not org_r["incomplete"]
print(f"  org report: {org_r['summary']['accounts']} accounts, {org_r['summary']['functions']} functions, {len(org_r['incomplete'])} incomplete")
json.dump({"accounts": A, "functions": F, "concurrency": C, "times": times, "moto_cpu": server}, open(f"{out}/org.json", "w"), indent=2)
sys.exit(0 if ok else 1)
PY

# The scheduling alone, against mocked clients (median of RUNS).
for _ in $(seq 1 "$RUNS"); do "$TARGET/$PROFILE/examples/org_waves" "$A" "$F" "$C" "$LATENCY_MS"; done >"$OUT/org-waves.jsonl"
"$VENV/bin/python" - "$OUT/org-waves.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
med = {k: statistics.median(r[k] for r in rows) for k in ("one_account_s", "org_s", "ratio")}
r = rows[0]
print(f"\n  mocked clients ({r['latency_ms']} ms a call, no server time), median of {len(rows)}:")
print(f"    one account {med['one_account_s']:.3f} s, org {med['org_s']:.3f} s ({r['org_calls']} calls, {r['waves']} waves): "
      f"{med['ratio']:.2f}x  (target <= 1.50x)")
PY
