## tests/res: resources and reliability of a run: GPUs, memory, walltime-
## aware starts, log caps and logs = "report", a lost worker (also one
## holding more than 4,096 tasks, and ones holding parts of a
## multi-instance task), a worker that stops receiving.
TESTS += tests/res/gpus.sh tests/res/memory.sh tests/res/walltime.sh \
	tests/res/logs.sh tests/res/lostworker.sh tests/res/lostmany.sh \
	tests/res/lostmulti.sh tests/res/sendcap.sh
EXTRA_DIST += tests/res/gpus.sh tests/res/memory.sh tests/res/walltime.sh \
	tests/res/logs.sh tests/res/lostworker.sh tests/res/lostmany.sh \
	tests/res/lostmulti.sh tests/res/sendcap.sh tests/data/gpu4.xml
