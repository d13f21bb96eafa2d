/* How a detached container's monitor changes program while staying one
 * process (manage/monitor.h): cspawn does the work (start, record the end,
 * restart, clean up) and execs cspawn-monitor, small and static, for the
 * waiting in between; cspawn-monitor execs cspawn again through the
 * descriptor it was given when something is to be done. The container's
 * PID 1 stays the child of that one process throughout, and every
 * descriptor both keep (the lock, the control socket, the network's lock,
 * the waiters) goes across as an open file whose number is an argument.
 *
 * cspawn-monitor [OPTION...] -- CSPAWN-ARGV...
 *   --exe=FD          cspawn, to execveat(2) with CSPAWN-ARGV and the event
 *   --ctl=FD          the control socket, listening
 *   --log=PATH --log-max-size=BYTES --log-max-file=N
 *   --stop-signal=SIG
 *   --pid=PID --out=FD [--err=FD] [--tty]
 *                     the container runs: watch it, log its output
 *   --delay=MS        it will be started again in MS: wait for that
 *   --waiter=FD       a caller of "wait" or "stop", answered at the end
 *
 * The event it appends to CSPAWN-ARGV:
 *   --exited=WSTATUS [--stopping] [--by-user]   PID 1 ended (waitpid status)
 *   --due                                       the delay has passed
 *   --stopped [--by-user]                       stopped while waiting
 * followed by a --waiter=FD for each caller still waiting. */
#ifndef CSPAWN_MONITOR_PROTOCOL_H
#define CSPAWN_MONITOR_PROTOCOL_H

#define MONITOR_PROGRAM "cspawn-monitor"
/* cspawn's hidden command that takes an event from cspawn-monitor */
#define MONITOR_STEP_COMMAND "__monitor"

#define MONITOR_MAX_WAITERS 64

#endif
