/* mpihello.c: a tiny MPI program that a task runs, to show that a task
 * can itself be an MPI program (a singleton or under its own mpirun). */
#include <stdio.h>

#include <mpi.h>

int main (int argc, char **argv)
{
    int rank, size;

    if (MPI_Init (&argc, &argv) != MPI_SUCCESS)
        return 1;
    MPI_Comm_rank (MPI_COMM_WORLD, &rank);
    MPI_Comm_size (MPI_COMM_WORLD, &size);
    printf ("mpihello rank %d size %d\n", rank, size);
    MPI_Finalize ();
    return 0;
}
