#!/bin/sh
# Runs each fuzz target in turn for SECONDS (default 600), one process at a
# time; logs go to fuzz/target/logs/<target>.log. New inputs are written to
# fuzz/target/corpus/<target> so the committed seed corpus stays small.
# Usage: fuzz/run-all.sh [SECONDS] [TARGET...]
set -u
cd "$(dirname "$0")"
secs=${1:-600}
[ $# -gt 0 ] && shift
targets=${*:-cloudformation_yaml serverless cloudformation_json terraform_plan changeset snapshot config}
mkdir -p target/logs
for t in $targets; do
    mkdir -p "target/corpus/$t"
    start=$(date +%s)
    cargo +nightly fuzz run "$t" "target/corpus/$t" "corpus/$t" -- \
        -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        >"target/logs/$t.log" 2>&1
    echo "$t exit=$? seconds=$(( $(date +%s) - start ))" >>target/logs/summary
done
