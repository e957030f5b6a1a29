## tests/torture: crash-and-resume tests.  SIGKILL of mpirun, rank 0 and
## workers, torn journals, live status, resume onto other worker counts.
## kill-resume.sh runs TORTURE_ROUNDS rounds (5 here; the long form is
## `make check TESTS=tests/torture/kill-resume.sh TORTURE_ROUNDS=20`).
torture_tests = \
	tests/torture/kill-resume.sh \
	tests/torture/torn.sh \
	tests/torture/status-live.sh \
	tests/torture/resize.sh \
	tests/torture/ahead.sh
TESTS += $(torture_tests)
EXTRA_DIST += $(torture_tests) \
	tests/torture/torture-lib.sh \
	tests/torture/check_counts.py \
	tests/torture/jcheck.py
