/* cspawn's commands, one function each, called by manage/main.c with the
 * command's own argv (argv[0] is the command's name, as getopt expects).
 * Each returns cspawn's exit status. */
#ifndef CSPAWN_COMMANDS_H
#define CSPAWN_COMMANDS_H

/* `cspawn run [options] ROOTFS [COMMAND...]`, also the command-less form. */
int cmd_run(int argc, char **argv);
/* `cspawn network create|ls|inspect|rm ...` */
int cmd_network(int argc, char **argv);
/* `cspawn port CONTAINER [CTRPORT[/PROTO]]`: its published ports. */
int cmd_port(int argc, char **argv);

/* Detached containers (manage/ctr_cmds.c, manage/ctr_show.c). */
int cmd_start(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_restart(int argc, char **argv);
int cmd_kill(int argc, char **argv);
int cmd_wait(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_ps(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_logs(int argc, char **argv);

#endif
