#!/usr/bin/env python3
"""Core benchmarks, side by side in one run. Prints medians and ratios.

  bench/run.py [--quick] [--html]
  bench/run.py --scale [--quick]   only the org-sized case (1M functions; minutes)

--html runs only the HTML-against-JSON comparison on the 100k snapshot.

Needs a release build (`cargo build --release`); installs cfn-lint into
bench/.venv for the comparison.
"""
import os
import resource
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench", "out")
ENIPLAN = os.path.join(ROOT, "target", "release", "eniplan")
VENV = os.path.join(ROOT, "bench", ".venv")


def timed(cmd, runs):
    """Median wall time in seconds and the peak RSS (MiB) of the children."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
        allowed = (0, 1) if cmd[0] == ENIPLAN else (0, 1, 2, 4, 6, 8, 10, 12)
        if p.returncode not in allowed:
            sys.exit(f"{cmd} exited {p.returncode}")
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return statistics.median(times), rss


def alternated(cmds, runs):
    """Median wall and CPU (user + sys) seconds of each command, the commands run in turn."""
    walls, cpus = [[] for _ in cmds], [[] for _ in cmds]
    for _ in range(runs):
        for i, cmd in enumerate(cmds):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            walls[i].append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus[i].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            if p.returncode not in (0, 1):
                sys.exit(f"{cmd} exited {p.returncode}")
    return [(statistics.median(w), statistics.median(c)) for w, c in zip(walls, cpus)]


def peak_rss(cmd):
    """Peak RSS in MiB of one run, measured by a fresh python so earlier children don't count."""
    code = "import resource,subprocess,sys;subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL);print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    return int(subprocess.check_output([sys.executable, "-c", code] + cmd)) / 1024


def html_vs_json(snap, runs):
    """The HTML report against the JSON report for the same snapshot, alternated: medians, ratio and sizes."""
    outs = {f: os.path.join(OUT, f"report-100000.{f}") for f in ("json", "html")}
    cmds = [[ENIPLAN, "audit", "--snapshot", snap, "--format", f, "--output", outs[f]] for f in ("json", "html")]
    (j_wall, j_cpu), (h_wall, h_cpu) = alternated(cmds, runs)
    size = {f: os.path.getsize(o) / 2**20 for f, o in outs.items()}
    print(f"{'eniplan audit --format json (100000 functions)':<46} {j_wall * 1000:>8.1f}ms {j_cpu * 1000:>8.1f}ms cpu {size['json']:>6.1f}MiB")
    print(f"{'eniplan audit --format html (100000 functions)':<46} {h_wall * 1000:>8.1f}ms {h_cpu * 1000:>8.1f}ms cpu {size['html']:>6.1f}MiB")
    print(f"{'ratio html / json, 100k (goal: < 2)':<46} {h_wall / j_wall:>10.2f} wall {h_cpu / j_cpu:>6.2f} cpu")


def scale(quick):
    """The org-sized inventory: `audit --snapshot` on 1M functions (gen_org.py), side by side with
    Python's json.load merely parsing the same file, and with the 100k case for the growth ratio."""
    snaps = {}
    for n in (100_000, 1_000_000):
        snaps[n] = os.path.join(OUT, f"org-{n}.json")
        if not os.path.exists(snaps[n]):
            subprocess.check_call([sys.executable, os.path.join(ROOT, "bench", "gen_org.py"), str(n), snaps[n]])
    audit = {n: [ENIPLAN, "audit", "--snapshot", snaps[n], "--format", "json", "--output", os.devnull] for n in snaps}
    load = [sys.executable, "-c", "import json, sys; json.load(open(sys.argv[1]))", snaps[1_000_000]]
    # In turn, so a slow phase of the shared VM hits all three.
    (e1m, e1m_cpu), (j1m, j1m_cpu), (e100k, e100k_cpu) = alternated([audit[1_000_000], load, audit[100_000]], 3 if quick else 7)
    size = os.path.getsize(snaps[1_000_000]) / 1e6
    print(f"{'eniplan audit --snapshot (100k org functions)':<46} {e100k * 1000:>8.1f}ms {peak_rss(audit[100_000]):>8.1f}MB")
    print(f"{f'eniplan audit --snapshot (1M functions, {size:.0f} MB)':<46} {e1m * 1000:>8.1f}ms {peak_rss(audit[1_000_000]):>8.1f}MB")
    print(f"{'python json.load of the same file':<46} {j1m * 1000:>8.1f}ms {peak_rss(load):>8.1f}MB")
    print(f"{'  cpu (user + sys): eniplan, json.load':<46} {e1m_cpu * 1000:>8.1f}ms {j1m_cpu * 1000:>8.1f}ms cpu")
    print(f"{'ratio eniplan / json.load, 1M (goal: <= 0.25)':<46} {e1m / j1m:>10.2f} wall {e1m_cpu / j1m_cpu:>6.2f} cpu")
    print(f"{'time ratio 1M / 100k (goal: <= 11)':<46} {e1m / e100k:>10.1f} wall {e1m_cpu / e100k_cpu:>6.1f} cpu")


def main():
    quick = "--quick" in sys.argv
    if "--scale" in sys.argv:
        os.makedirs(OUT, exist_ok=True)
        scale(quick)
        return
    os.makedirs(OUT, exist_ok=True)
    gen = [sys.executable, os.path.join(ROOT, "bench", "gen.py")]
    if "--html" in sys.argv:
        snap = os.path.join(OUT, "snapshot-100000.json")
        subprocess.check_call(gen + ["snapshot", "100000", snap])
        html_vs_json(snap, 3 if quick else 11)
        return
    template = os.path.join(OUT, "cfn-300.yaml")
    subprocess.check_call(gen + ["cfn", "300", template])
    for n in (10_000, 30_000, 100_000):
        subprocess.check_call(gen + ["snapshot", str(n), os.path.join(OUT, f"snapshot-{n}.json")])

    print(f"{'benchmark':<46} {'median':>10} {'peak RSS':>10}")
    t_eni, _ = timed([ENIPLAN, "check", template, "--format", "json"], 5 if quick else 21)
    print(f"{'eniplan check cfn-300.yaml':<46} {t_eni * 1000:>8.1f}ms {peak_rss([ENIPLAN, 'check', template]):>8.1f}MB")
    if not os.path.exists(os.path.join(VENV, "bin", "cfn-lint")):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
        subprocess.check_call([os.path.join(VENV, "bin", "pip"), "install", "-q", "cfn-lint>=1,<2"])
    t_lint, _ = timed([os.path.join(VENV, "bin", "cfn-lint"), template], 3 if quick else 5)
    print(f"{'cfn-lint cfn-300.yaml':<46} {t_lint * 1000:>8.1f}ms")
    print(f"{'ratio cfn-lint / eniplan':<46} {t_lint / t_eni:>9.0f}x")

    medians = {}
    for n in (10_000, 30_000, 100_000):
        snap = os.path.join(OUT, f"snapshot-{n}.json")
        cmd = [ENIPLAN, "audit", "--snapshot", snap, "--format", "json", "--output", os.devnull]
        medians[n], _ = timed(cmd, 3 if quick else 7)
        print(f"{f'eniplan audit --snapshot ({n} functions)':<46} {medians[n] * 1000:>8.1f}ms {peak_rss(cmd):>8.1f}MB")
    print(f"{'time ratio 100k / 10k (linear = 10)':<46} {medians[100_000] / medians[10_000]:>10.1f}")

    # The planner runs the audit's pipeline and then plans. The two alternate, so a
    # slow phase of the shared VM hits both; CPU time (user + sys) is less noisy than wall.
    snap = os.path.join(OUT, "snapshot-100000.json")
    audit, plan = ([ENIPLAN, sub, "--snapshot", snap, "--format", "json", "--output", os.devnull] for sub in ("audit", "plan"))
    (a_wall, a_cpu), (p_wall, p_cpu) = alternated([audit, plan], 3 if quick else 7)
    print(f"{'eniplan plan --snapshot (100000 functions)':<46} {p_wall * 1000:>8.1f}ms {peak_rss(plan):>8.1f}MB")
    print(f"{'  audit alongside it (wall, cpu)':<46} {a_wall * 1000:>8.1f}ms {a_cpu * 1000:>8.1f}ms cpu")
    print(f"{'  plan (cpu)':<46} {p_cpu * 1000:>8.1f}ms cpu")
    print(f"{'ratio plan / audit, 100k (goal: <= 1.5)':<46} {p_wall / a_wall:>10.2f} wall {p_cpu / a_cpu:>6.2f} cpu")
    html_vs_json(snap, 3 if quick else 11)

    sls_dir = os.path.join(OUT, "sls-1000")
    os.makedirs(sls_dir, exist_ok=True)
    sls = os.path.join(sls_dir, "serverless.yml")
    subprocess.check_call(gen + ["serverless", "1000", sls])
    plan = os.path.join(OUT, "plan-1000.json")
    subprocess.check_call([sys.executable, os.path.join(ROOT, "bench", "gen_plan.py"), "1000", "-o", plan, "--compact"])
    checkov = os.path.join(VENV, "bin", "checkov")
    if not os.path.exists(checkov):
        subprocess.check_call([os.path.join(VENV, "bin", "pip"), "install", "-q", "checkov"])
    for name, path, framework in (("serverless.yml", sls, "serverless"), ("plan.json", plan, "terraform_plan")):
        t, _ = timed([ENIPLAN, "check", path, "--format", "json"], 5 if quick else 21)
        print(f"{f'eniplan check {name} (1,000 functions)':<46} {t * 1000:>8.1f}ms")
        c, _ = timed([checkov, "-f", path, "--framework", framework, "--quiet", "--compact"], 3 if quick else 5)
        print(f"{f'checkov {name}':<46} {c * 1000:>8.1f}ms")
        print(f"{'ratio checkov / eniplan':<46} {c / t:>9.0f}x")


if __name__ == "__main__":
    main()
