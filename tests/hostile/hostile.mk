## tests/hostile: hostile job files and task behaviours, run for real.
TESTS += tests/hostile/paths.sh tests/hostile/procs.sh tests/hostile/big.sh \
	tests/hostile/diskfull.sh
EXTRA_DIST += tests/hostile/hlib.sh tests/hostile/paths.sh \
	tests/hostile/procs.sh tests/hostile/big.sh tests/hostile/diskfull.sh
