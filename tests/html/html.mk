## tests/html: `mpibatch report --format html` loaded in headless Chromium
## (skipped without /usr/bin/chromium).  mkbig writes a 100,000-attempt
## report.h5 so the large page needs no large run.  live.sh reads a run
## while it goes on.
check_PROGRAMS += tests/html/mkbig
tests_html_mkbig_SOURCES = tests/html/mkbig.c
tests_html_mkbig_CFLAGS = $(unit_cflags)
tests_html_mkbig_LDADD = $(unit_libs)
TESTS += tests/html/report.sh tests/html/live.sh
EXTRA_DIST += tests/html/report.sh tests/html/probe.js tests/html/chrome.sh \
	tests/html/live.sh tests/html/live-probe.js
