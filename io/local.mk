## io/: the job file, staging, the journal and the HDF5 report.
noinst_LIBRARIES += libmbio.a
libmbio_a_SOURCES = \
	io/jobfile.h \
	io/stage.h \
	io/journal.h \
	io/report.h
