/* Administrative subcommands: tokens and backups. Each returns a process exit code. */
#ifndef MARSAD_CLI_H
#define MARSAD_CLI_H

/* marsad token create --name NAME --scope write|admin --db PATH | list --db PATH | revoke NAME --db
 * PATH */
int cli_token(int argc, char **argv);
/* marsad backup --db PATH OUT: a consistent snapshot with SQLite's online backup API. */
int cli_backup(int argc, char **argv);
/* marsad extract FILE [--published DATE] [--author NAME] [--db PATH] */
int cli_extract(int argc, char **argv);

#endif
