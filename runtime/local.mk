## runtime/: the mpibatch program, one folder a room:
##   launcher/  the program that starts, reaps and times tasks (no MPI)
##   node/      a node's worker: sizing, task environment, wire protocol (no MPI)
##   service/   rank 0, the batch service
##   rank/      the rank plumbing: bootstrap, signals, pacing, doorbell, and
##              comm.c, the one door to MPI
##   alloc/     automatic allocation: Slurm jobs of joining workers (no MPI)
##   cli/       the command line: main and one file per command
include runtime/launcher/local.mk
include runtime/alloc/local.mk
include runtime/node/local.mk

bin_PROGRAMS += mpibatch
mpibatch_SOURCES =
mpibatch_CFLAGS = $(AM_CFLAGS)
mpibatch_LDADD = libmbrank.a libmballoc.a libmbnode.a libmblaunch.a libmbio.a libmbsched.a libmbcommon.a \
	$(HWLOC_LIBS) $(LIBCONFIG_LIBS) $(HDF5_LIBS) -lm
include runtime/service/local.mk
include runtime/rank/local.mk
include runtime/cli/local.mk
