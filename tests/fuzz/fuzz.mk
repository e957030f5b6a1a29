## tests/fuzz: the libFuzzer targets, built here without libFuzzer (a small
## main() replays files) so make check replays every kept crash input and
## the seed corpora.  tests/fuzz/run.sh builds the real fuzzers with clang.
check_PROGRAMS += tests/fuzz/replay_jobfile tests/fuzz/replay_journal tests/fuzz/replay_poolreq \
	tests/fuzz/replay_proto
tests_fuzz_replay_poolreq_SOURCES = tests/fuzz/fuzz_poolreq.c tests/fuzz/replay_main.c
tests_fuzz_replay_poolreq_CFLAGS = $(unit_cflags)
tests_fuzz_replay_poolreq_LDADD = $(unit_libs)
tests_fuzz_replay_proto_SOURCES = tests/fuzz/fuzz_proto.c tests/fuzz/replay_main.c
tests_fuzz_replay_proto_CFLAGS = $(unit_cflags)
tests_fuzz_replay_proto_LDADD = $(unit_libs)
tests_fuzz_replay_jobfile_SOURCES = tests/fuzz/fuzz_jobfile.c tests/fuzz/replay_main.c
tests_fuzz_replay_jobfile_CFLAGS = $(unit_cflags)
tests_fuzz_replay_jobfile_LDADD = $(unit_libs)
tests_fuzz_replay_journal_SOURCES = tests/fuzz/fuzz_journal.c tests/fuzz/replay_main.c
tests_fuzz_replay_journal_CFLAGS = $(unit_cflags)
tests_fuzz_replay_journal_LDADD = $(unit_libs)
TESTS += tests/fuzz/replay.sh
EXTRA_DIST += tests/fuzz/replay.sh tests/fuzz/build.sh tests/fuzz/run.sh \
	tests/fuzz/README.md \
	tests/fuzz/seeds/journal/run-failed.bin \
	tests/fuzz/seeds/journal/prep-timeout.bin \
	tests/fuzz/seeds/journal/pool-requests.bin \
	tests/fuzz/fuzz_poolreq.c tests/fuzz/seeds/poolreq/submit.req \
	tests/fuzz/seeds/poolreq/add.req tests/fuzz/seeds/poolreq/add-lines.req \
	tests/fuzz/seeds/poolreq/cancel.req tests/fuzz/seeds/poolreq/shutdown.req \
	tests/fuzz/seeds/poolreq/alloc-add.req tests/fuzz/seeds/poolreq/alloc-remove.req \
	tests/fuzz/fuzz_proto.c tests/fuzz/seeds/proto/job.bin tests/fuzz/seeds/proto/job-prep.bin \
	tests/fuzz/seeds/proto/jobinfo.bin tests/fuzz/seeds/proto/assign.bin \
	tests/fuzz/seeds/proto/result.bin tests/fuzz/seeds/proto/hello.bin
## Crash inputs found by fuzzing (each must replay cleanly once fixed).
EXTRA_DIST += $(FUZZ_REGRESS)
FUZZ_REGRESS = \
	tests/fuzz/regress/fuzz_jobfile/include-directory.cfg \
	tests/fuzz/regress/fuzz_jobfile/crash-f911e3fd25d50a8e93b7d05ab8fa532fa3bb384a \
	tests/fuzz/regress/fuzz_jobfile/crash-e0db998cc601b428f7e8a7f8196c21a3f733dae2 \
	tests/fuzz/regress/fuzz_jobfile/include-escaped-dot.cfg
