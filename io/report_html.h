/* report_html.h: the HTML form of a report (mpibatch report --format html).
 * Meant to join io/report.h; kept apart until that header takes it. */
#ifndef MB_REPORT_HTML_H
#define MB_REPORT_HTML_H

#include <stdio.h>

#include "io/report.h"

/* Print one self-contained HTML page (no network fetches): the summary, a
 * timeline on a <canvas> (one lane per worker slot, one bar per attempt
 * coloured by outcome; hovering shows the task, times and exit), the
 * failures and the slowest tasks.  Uses the tasks, attempts and workers of
 * r.  Returns 0, or -1 with errno set when the stream failed. */
int report_print_html (FILE *f, const report_t *r);

#endif
