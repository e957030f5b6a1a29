## runtime/: the mpibatch program: command line, MPI ranks, processes.
noinst_LIBRARIES += libmbrt.a
libmbrt_a_SOURCES = \
	runtime/launch.h
libmbrt_a_CFLAGS = $(AM_CFLAGS)

bin_PROGRAMS += mpibatch
mpibatch_SOURCES = \
	runtime/main.c
mpibatch_CFLAGS = $(AM_CFLAGS) $(MPI_CFLAGS)
mpibatch_LDADD = libmbrt.a libmbio.a libmbsched.a libmbcommon.a \
	$(MPI_LIBS) $(HWLOC_LIBS) $(LIBCONFIG_LIBS) $(HDF5_LIBS) -lm
