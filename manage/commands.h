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
/* `cspawn exec`: a process in a running container (manage/exec.c). */
int cmd_exec(int argc, char **argv);
/* `cspawn attach`: a detached container's terminal (manage/attach.c). */
int cmd_attach(int argc, char **argv);

/* `cspawn __monitor ID EVENT...`: not a user's command; a detached
 * container's monitor comes back to cspawn through it (manage/monitor.h). */
int cmd_monitor_step(int argc, char **argv);

/* `cspawn boot [--shutdown]`, `cspawn generate systemd NAME...`
 * (manage/boot.c): restarts across reboots. */
int cmd_boot(int argc, char **argv);
int cmd_generate(int argc, char **argv);

/* `cspawn stats [--no-stream] [--format json] [NAME...]` (manage/stats.c). */
int cmd_stats(int argc, char **argv);

/* `cspawn volume create|ls|inspect|rm|prune` (manage/cmd_volume.c). */
int cmd_volume(int argc, char **argv);

/* The image commands (manage/cmd_image.c): 0, 1 on failure, 2 on usage. */
int cmd_pull(int argc, char **argv);
int cmd_push(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_save(int argc, char **argv);
int cmd_images(int argc, char **argv);
int cmd_rmi(int argc, char **argv);
int cmd_tag(int argc, char **argv);
/* `image ls|rm|inspect|prune` (and the other image commands by their
 * docker `image` names). */
int cmd_image(int argc, char **argv);
int cmd_login(int argc, char **argv);
/* `commit CONTAINER [IMAGE[:TAG]]`: its writable layer as a new image. */
int cmd_commit(int argc, char **argv);

#endif
