## io/report: sources and unit tests.
libmbio_a_SOURCES += io/report.c io/report_h5.c io/report_h5.h \
	io/report_read.c io/report_params.c io/report_group.c io/report_print.c io/report_int.h \
	io/report_html.c

check_PROGRAMS += tests/unit/test_report
TESTS += tests/unit/test_report
tests_unit_test_report_SOURCES = tests/unit/test_report.c
tests_unit_test_report_CFLAGS = $(unit_cflags)
tests_unit_test_report_LDADD = $(unit_libs)

## tests/report: the layout seen by h5dump and h5py, and `mpibatch report`.
check_PROGRAMS += tests/report/mkreport
tests_report_mkreport_SOURCES = tests/report/mkreport.c
tests_report_mkreport_CFLAGS = $(unit_cflags)
tests_report_mkreport_LDADD = $(unit_libs)
TESTS += tests/report/layout.sh
EXTRA_DIST += tests/report/layout.sh tests/report/check_report.py
TESTS += tests/report/cli.sh
EXTRA_DIST += tests/report/cli.sh
