## io/: the job file, staging, the journal and the HDF5 report.  Each
## module has its own fragment beside this one.
noinst_LIBRARIES += libmbio.a
libmbio_a_SOURCES = io/jobfile.h io/stage.h io/journal.h io/report.h
include io/jobfile.mk
include io/stage.mk
include io/journal.mk
include io/report.mk
include io/pooldir.mk
include io/poolstatus.mk
libmbio_a_SOURCES += io/logspool.c io/logspool.h io/fdio.c io/fdio.h
