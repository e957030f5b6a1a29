/* allreduce.c: the application of the multi-instance tests: every rank
 * says where it runs, and an MPI_Allreduce of the ranks shows that they
 * reach each other; rank 0 prints the sum. */
#include <stdio.h>
#include <unistd.h>

#include <mpi.h>

int main (int argc, char **argv)
{
    int rank, size, sum = -1;
    char host[256] = "?";
    MPI_Init (&argc, &argv);
    MPI_Comm_rank (MPI_COMM_WORLD, &rank);
    MPI_Comm_size (MPI_COMM_WORLD, &size);
    gethostname (host, sizeof (host) - 1);
    printf ("rank %d of %d on %s\n", rank, size, host);
    fflush (stdout);
    if (MPI_Allreduce (&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD) != MPI_SUCCESS)
        return 1;
    if (rank == 0)
        printf ("sum %d\n", sum);
    MPI_Finalize ();
    return 0;
}
