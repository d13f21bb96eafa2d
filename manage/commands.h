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

#endif
