/* process.terminal: the console socket protocol that runc, crun, conmon and
 * containerd share. The runtime connects to the engine's unix socket; the
 * container's child opens a pty in the container's own devpts, sends the
 * master over the socket (SCM_RIGHTS, with the pty's name as the data) and
 * makes the other end its stdio and controlling terminal. */
#ifndef CSPAWN_CONSOLE_H
#define CSPAWN_CONSOLE_H

#include <sys/types.h>

#include "oci/oci.h"
#include "spawn/util.h"

/* A connected SOCK_STREAM socket to path (close-on-exec), or -1 with e. */
int console_connect(const char *path, struct spawn_error *e);

/* Sends the master fd over sock, with the pty's name as the data, as runc
 * does (conmon and containerd take the descriptor). */
int console_send(int sock, int fd, const char *name, struct spawn_error *e);

/* In the child, inside its root after the mounts: the pty, its size from
 * process.consoleSize, the master sent over sock (which is closed), the
 * slave owned by uid as 0, 1, 2 and the controlling terminal. */
int console_attach(int sock, const struct oci_process *p, uid_t uid, struct spawn_error *e);

/* The two halves that `exec` shares (its master goes back to cspawn
 * instead): a pty of the container's devpts (/dev/pts/ptmx resolved
 * inside the root), unlocked, sized by process.consoleSize, its peer in
 * *slave; the master, or -1 with e. */
int console_open_pty(const struct oci_process *p, int *slave, struct spawn_error *e);
/* slave as the controlling terminal and 0, 1, 2 (a session leader's);
 * closes it. */
int console_take_slave(int slave, struct spawn_error *e);

#endif
