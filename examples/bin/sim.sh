#!/bin/sh
# sim.sh SEED T [MODEL]: a stand-in for a simulation code.  It reads the
# model's coupling and step count, draws SEED's pseudo-random sequence and
# prints one line with a mean "energy" at temperature T.  Deterministic: the
# same arguments always print the same line, so results can be compared.
set -eu

if [ $# -lt 2 ]; then
    echo "usage: sim.sh SEED T [MODEL]" >&2
    exit 2
fi
seed=$1
temp=$2
model=${3:-model.txt}

awk -v seed="$seed" -v temp="$temp" '
    $1 == "coupling" { coupling = $2 }
    $1 == "steps" { steps = $2 }
    END {
        if (steps <= 0 || temp <= 0) {
            print "sim.sh: bad model or temperature" > "/dev/stderr"
            exit 3
        }
        # Park-Miller generator: products stay below 2^53, so every awk
        # computes the same sequence exactly.
        x = seed % 2147483647
        if (x <= 0)
            x = 1
        sum = 0
        for (i = 0; i < steps; i++) {
            x = (x * 16807) % 2147483647
            sum += coupling * (x / 2147483647 - 0.5) / temp
        }
        printf "seed=%d T=%s energy=%.6f\n", seed, temp, sum / steps
    }' "$model"
