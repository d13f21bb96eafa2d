/* `cinit ctl`: the client of cinit's control socket, in the same binary
 * (also reached as supervisorctl through a link). */
#ifndef CINIT_CTL_H
#define CINIT_CTL_H

#include <stdbool.h>

#define CTL_DEFAULT_SOCKET "/run/cinit.sock"

/* Whether argv asks for the client: `cinit ctl ...`, or a program name of
 * supervisorctl or cinit-ctl. */
bool ctl_wanted(int argc, char **argv);
/* Runs one request; returns the exit code cinit sent (or 1 or 2 when it
 * could not be asked). */
int ctl_main(int argc, char **argv);

#endif
