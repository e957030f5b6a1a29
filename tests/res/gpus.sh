#!/bin/sh
# gpus.sh: GPUs found by hwloc in an XML topology (2 packages x 4 cores,
# 2 CUDA GPUs per package), shared among two workers like the cores: each
# task sees exactly its GPUs (MPIBATCH_TASK_GPUS and the visibility
# variables agree), the GPUs are next to its cores, none is given twice at
# once, a request no worker can hold fails with a reason, and validation
# refuses a request above a numeric gpus_per_worker.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
mb_init gpus
MPIBATCH_TOPOLOGY="$top_srcdir/tests/data/gpu4.xml"
export MPIBATCH_TOPOLOGY
mkdir "$tmp/g"
# Each task records its CPUs, GPUs and the visibility variables, and holds
# its GPU for a while so tasks overlap.
cat >"$tmp/show.sh" <<'EOF2'
f="$MPIBATCH_STORAGE_DIR/g/$MPIBATCH_TASK_ID"
echo "cpus=$MPIBATCH_TASK_CPUS gpus=${MPIBATCH_TASK_GPUS-unset} cuda=${CUDA_VISIBLE_DEVICES-unset} rocr=${ROCR_VISIBLE_DEVICES-unset} ze=${ZE_AFFINITY_MASK-unset}" >"$f"
date +%s.%N >"$f.start"; sleep 1; date +%s.%N >"$f.end"
EOF2
job gpus <<EOF2
sweeps = ( { id = "one-\${i}"; command = "sh $tmp/show.sh"; gpus = 1;
             parameters = { i = { from = 1; to = 4; }; }; } );
tasks = (
  { id = "two"; command = "sh $tmp/show.sh"; gpus = 2; },
  { id = "none"; command = "sh $tmp/show.sh"; },
  { id = "three"; command = "sh $tmp/show.sh"; gpus = 3; }
);
EOF2
mb_run 3 gpus.cfg
check_status "a task too big for any worker makes the run fail (exit 1)" 1
check "the too-big task fails with a reason naming GPUs" \
    grep -q "needs 3 GPUs but the largest worker has 2" "$tmp/jobs/gpus/journal"
for t in one-1 one-2 one-3 one-4; do
    line=$(cat "$tmp/g/$t" 2>/dev/null)
    g=$(echo "$line" | sed -n 's/.* gpus=\([^ ]*\) .*/\1/p')
    c=$(echo "$line" | sed -n 's/cpus=\([^ ]*\) .*/\1/p')
    check_eq "$t sees one GPU" "$(echo "$g" | tr ',' '\n' | grep -c .)" 1
    check_eq "$t: CUDA_VISIBLE_DEVICES matches" "$(echo "$line" | sed -n 's/.* cuda=\([^ ]*\) .*/\1/p')" "$g"
    check_eq "$t: ROCR_VISIBLE_DEVICES matches" "$(echo "$line" | sed -n 's/.* rocr=\([^ ]*\) .*/\1/p')" "$g"
    check_eq "$t: ZE_AFFINITY_MASK matches" "$(echo "$line" | sed -n 's/.* ze=\([^ ]*\)$/\1/p')" "$g"
    # GPUs 0,1 hang off package 0 (CPUs 0-3), GPUs 2,3 off package 1 (4-7).
    first=$(echo "$c" | cut -d, -f1)
    if [ "${first:-9}" -lt 4 ]; then want="0 1"; else want="2 3"; fi
    case " $want " in
        *" $g "*) pass "$t: GPU $g is next to its CPUs $c" ;;
        *) fail "$t: GPU $g is not next to its CPUs $c" ;;
    esac
done
line=$(cat "$tmp/g/two" 2>/dev/null)
g=$(echo "$line" | sed -n 's/.* gpus=\([^ ]*\) .*/\1/p')
case "$g" in
    0,1|2,3) pass "two gets both GPUs of one package ($g)" ;;
    *) fail "two got GPUs '$g', not both of one package" ;;
esac
check_eq "a task without GPUs has no MPIBATCH_TASK_GPUS" \
    "$(sed -n 's/.* gpus=\([^ ]*\) cuda=\([^ ]*\) .*/\1 \2/p' "$tmp/g/none")" "unset unset"
# No GPU is held by two tasks at once: for every pair of overlapping
# tasks, their GPU sets are disjoint.
ok=1
for a in one-1 one-2 one-3 one-4 two; do
    for b in one-1 one-2 one-3 one-4 two; do
        [ "$a" \< "$b" ] || continue
        sa=$(cat "$tmp/g/$a.start") ea=$(cat "$tmp/g/$a.end")
        sb=$(cat "$tmp/g/$b.start") eb=$(cat "$tmp/g/$b.end")
        overlap=$(awk -v a="$sa" -v b="$ea" -v c="$sb" -v d="$eb" 'BEGIN { print (a < d && c < b) }')
        [ "$overlap" = 1 ] || continue
        ga=$(sed -n 's/.* gpus=\([^ ]*\) .*/\1/p' "$tmp/g/$a" | tr ',' ' ')
        gb=$(sed -n 's/.* gpus=\([^ ]*\) .*/\1/p' "$tmp/g/$b" | tr ',' ' ')
        for x in $ga; do
            for y in $gb; do
                [ "$x" = "$y" ] && { ok=0; echo "# $a and $b share GPU $x while overlapping"; }
            done
        done
    done
done
check_eq "no GPU is given to two running tasks" "$ok" 1
# gpus_per_worker as a number: validation knows the request cannot fit.
printf 'id = "v";\ngpus_per_worker = 1;\ntasks = ( { id = "t"; command = "true"; gpus = 2; } );\n' \
    >"$tmp/v.cfg"
mb validate v.cfg
check_status "validate refuses gpus above gpus_per_worker" 2
check "with FILE:LINE" grep -q "v.cfg:3: task 't' needs 2 GPUs but gpus_per_worker is 1" "$tmp/err"
mb_finish
