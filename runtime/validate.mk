## runtime/validate: mpibatch validate, and its tests.
mpibatch_SOURCES += runtime/cmd_validate.c
