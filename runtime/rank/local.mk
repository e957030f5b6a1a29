## runtime/rank: the rank plumbing: signals, pacing, the doorbell, the
## worker rank's loop; the only room that calls MPI.
mpibatch_SOURCES += runtime/rank/rank.h runtime/rank/run_loop.c \
	runtime/rank/doorbell.h runtime/rank/doorbell.c
