## tests/pool: the pool service (spec/pools.md) under real mpirun: a run
## serving its pool directory (add, close, priority, shutdown), open jobs,
## tasks that add to their own job, resume of added tasks after kill -9;
## `mpibatch pool POOLDIR` with several jobs, their preparation and release.
pool_tests = \
	tests/pool/run_open.sh \
	tests/pool/run_resume.sh \
	tests/pool/adaptive.sh \
	tests/pool/run_cancel.sh \
	tests/pool/run_torn.sh \
	tests/pool/run_idle.sh \
	tests/pool/pool_basic.sh \
	tests/pool/pool_prep.sh \
	tests/pool/pool_resume.sh \
	tests/pool/pool_join.sh \
	tests/pool/pool_bigger.sh \
	tests/pool/pool_jobs.sh
TESTS += $(pool_tests)
EXTRA_DIST += $(pool_tests)
