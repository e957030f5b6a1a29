## tests/: command-line and integration tests (unit tests sit in each
## module's local.mk).  UNIT_LDADD links a unit test with everything.
UNIT_LDADD = libmbrt.a libmbio.a libmbsched.a libmbcommon.a \
	$(CMOCKA_LIBS) $(HWLOC_LIBS) $(LIBCONFIG_LIBS) $(HDF5_LIBS) -lm
UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
