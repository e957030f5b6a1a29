## tests/res: resources and reliability of a run: GPUs, memory, walltime-
## aware starts, log caps and logs = "report", a lost worker.
TESTS += tests/res/gpus.sh tests/res/memory.sh tests/res/walltime.sh \
	tests/res/logs.sh tests/res/lostworker.sh
EXTRA_DIST += tests/res/gpus.sh tests/res/memory.sh tests/res/walltime.sh \
	tests/res/logs.sh tests/res/lostworker.sh tests/data/gpu4.xml
