/* cspawn's commands, one function each, called by manage/main.c with the
 * command's own argv (argv[0] is the command's name, as getopt expects).
 * Each returns cspawn's exit status. */
#ifndef CSPAWN_COMMANDS_H
#define CSPAWN_COMMANDS_H

/* `cspawn run [options] ROOTFS [COMMAND...]`, also the command-less form. */
int cmd_run(int argc, char **argv);

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

#endif
