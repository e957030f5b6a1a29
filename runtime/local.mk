## runtime/: the mpibatch program: command line, MPI ranks, processes.
## libmbrt.a holds the parts without MPI (launcher, environment) so unit
## tests can link them.
noinst_LIBRARIES += libmbrt.a
libmbrt_a_SOURCES = runtime/launch.h
include runtime/launch.mk

bin_PROGRAMS += mpibatch
mpibatch_SOURCES = \
	runtime/main.c
mpibatch_CFLAGS = $(AM_CFLAGS) $(MPI_CFLAGS)
mpibatch_LDADD = libmbrt.a libmbio.a libmbsched.a libmbcommon.a \
	$(MPI_LIBS) $(HWLOC_LIBS) $(LIBCONFIG_LIBS) $(HDF5_LIBS) -lm
include runtime/validate.mk
include runtime/status.mk
include runtime/report.mk
mpibatch_SOURCES += runtime/cmd.h runtime/cmd_run.c runtime/cmd_topology.c
mpibatch_SOURCES += runtime/topo.c runtime/topo.h runtime/proto.c runtime/proto.h \
	runtime/worker.c runtime/worker.h runtime/doorbell.c runtime/doorbell.h
mpibatch_SOURCES += runtime/run.h runtime/run_loop.c runtime/service.h runtime/service.c \
	runtime/service_records.c runtime/service_report.c runtime/service_out.c \
	runtime/service_mi.c
