## common/: error messages, buffers, hashes and the task graph, shared by
## every module.
noinst_LIBRARIES += libmbcommon.a
libmbcommon_a_SOURCES = \
	common/err.c common/err.h \
	common/buf.c common/buf.h
include common/graph.mk
