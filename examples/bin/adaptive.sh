#!/bin/sh
# adaptive.sh G: the driver of generation G of examples/adaptive.cfg.  It
# reads generation G's results (G > 0), picks the best point, and adds
# generation G+1 (three simulations around it, and the next driver, which
# waits for them) to its own job; after generation 3 it closes the job.
set -eu
g=$1
res=$MPIBATCH_STORAGE_DIR/results
if [ "$g" -eq 0 ]; then
    best=28
else
    # Each result is "x score"; the highest score wins.
    set -- $(cat "$res/gen-$g"/*.txt | sort -k2,2n | tail -n 1)
    best=$1
    echo "generation $g: best $1 score $2"
fi
if [ "$g" -eq 3 ]; then
    echo "best $best score $(awk -v x="$best" 'BEGIN { print -(x - 37) * (x - 37) }')" \
        >"$res/best.txt"
    mpibatch close "$MPIBATCH_POOL_DIR" "$MPIBATCH_JOB_ID"
    exit 0
fi
n=$((g + 1))
case $n in 1) step=9 ;; 2) step=3 ;; *) step=1 ;; esac   # the search narrows
next=gen-$n.cfg
cat >"$next" <<CFG
sweeps = (
  { id = "sim-$n-\${x}";
    # The "simulation": a score that peaks at x = 37.
    command = "awk -v x=\${x} 'BEGIN { print x, -(x - 37) * (x - 37) }' > out.txt";
    parameters = { x = [ $((best - step)), $best, $((best + step)) ]; };
    outputs = ( { pattern = "out.txt"; destination = "results/gen-$n/\${x}.txt"; } ); }
);
tasks = (
  { id = "driver-$n"; depends_on = [ "sim-$n-*" ];
    command = "sh \\"\$MPIBATCH_STORAGE_DIR/bin/adaptive.sh\\" $n"; }
);
CFG
mpibatch add "$MPIBATCH_POOL_DIR" "$MPIBATCH_JOB_ID" "$next"
