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
	tests/pool/pool_shutdown_resume.sh \
	tests/pool/pool_started.sh \
	tests/pool/pool_join.sh \
	tests/pool/pool_bigger.sh \
	tests/pool/pool_jobs.sh
## Issue 16's acceptance tests ("Checked by"), against `mpibatch pool`
## under real mpirun; they skip (77) only while `mpibatch pool --help`
## fails (accept_nopool.sh never skips).  Each runs under with-timeout's
## limit, its pools under their own (MB_TIMEOUT, 120 s).
pool_tests += \
	tests/pool/accept_feed.sh \
	tests/pool/accept_resume.sh \
	tests/pool/accept_user.sh \
	tests/pool/accept_nopool.sh \
	tests/pool/accept_bad.sh \
	tests/pool/accept_submit.sh \
	tests/pool/accept_life.sh
## Requests that must not hold a pool alone (many ids, many running tasks).
pool_tests += \
	tests/pool/pool_cancel_many.sh \
	tests/pool/pool_terminate_wide.sh
TESTS += $(pool_tests)
EXTRA_DIST += $(pool_tests) tests/pool/accept-lib.sh
