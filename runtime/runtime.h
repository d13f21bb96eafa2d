/* cspawn-runtime: spawn/ as an OCI runtime, with the command line that
 * runc and crun share, so that podman (through conmon), containerd and
 * CRI-O run their containers with it: create, start, state, kill, delete,
 * run, exec, list, ps, pause, resume, update, spec, features, with the
 * global --root, --log, --log-format and --systemd-cgroup.
 *
 * State is files under --root (default /run/cspawn-runtime): one directory
 * per container with its record and, between create and start, the exec
 * fifo its first process waits on. No process of the runtime stays behind:
 * the engine's shim (conmon, containerd-shim) is the container's parent
 * once create has returned. */
#ifndef CSPAWN_RUNTIME_H
#define CSPAWN_RUNTIME_H

/* The whole command line; returns the exit status (0, or 1 on an error,
 * which is said on stderr and in the --log file; `run` returns the
 * container's status). */
int runtime_main(int argc, char **argv);

#endif
