## runtime/report: mpibatch report.
mpibatch_SOURCES += runtime/cmd_report.c
