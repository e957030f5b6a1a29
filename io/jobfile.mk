## io/jobfile: sources and unit tests.
libmbio_a_SOURCES += io/jobfile.c io/jobfile_int.h io/jobfile_util.c \
	io/jobfile_spec.c io/jobfile_check.c io/jobfile_task.c io/jobfile_exit.c \
	io/jobfile_rules.c io/template.c io/template.h io/csv.c io/csv.h

check_PROGRAMS += tests/unit/test_template tests/unit/test_jobfile
TESTS += tests/unit/test_template tests/unit/test_jobfile
tests_unit_test_template_SOURCES = tests/unit/test_template.c
tests_unit_test_template_CFLAGS = $(unit_cflags)
tests_unit_test_template_LDADD = $(unit_libs)
tests_unit_test_jobfile_SOURCES = tests/unit/test_jobfile.c
tests_unit_test_jobfile_CFLAGS = $(unit_cflags)
tests_unit_test_jobfile_LDADD = $(unit_libs)
EXTRA_DIST += tests/unit/data/jf_basic.cfg tests/unit/data/jf_inc.cfg \
	tests/unit/data/jf_cmds.txt tests/unit/data/jf_params.csv \
	tests/unit/data/jf_sweep.cfg tests/unit/data/jf_bad.cfg \
	tests/unit/data/jf_cycle.cfg
