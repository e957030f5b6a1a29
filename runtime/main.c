/* main.c: the mpibatch command line: a table of subcommands. */
#include <stdio.h>
int main (int argc, char **argv)
{
    (void)argc; (void)argv;
    printf ("mpibatch\n");
    return 0;
}
