## runtime/rank: the rank plumbing: the bootstrap, signals, pacing, the
## doorbell, the worker rank's loop, and comm.c, the one file that calls
## MPI.  Only this library is compiled with MPI's include path, so no other
## file can include mpi.h.
noinst_LIBRARIES += libmbrank.a
libmbrank_a_SOURCES = runtime/rank/rank.h runtime/rank/boot.c runtime/rank/run_loop.c \
	runtime/rank/join.c \
	runtime/rank/comm.h runtime/rank/comm.c \
	runtime/rank/doorbell.h runtime/rank/doorbell.c
libmbrank_a_CFLAGS = $(AM_CFLAGS) $(MPI_CFLAGS)
mpibatch_LDADD += $(MPI_LIBS)
