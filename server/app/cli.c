#include "cli.h"

#include "db.h"
#include "extract.h"
#include "extract_json.h"
#include "extract_repo.h"
#include "log.h"
#include "pdate.h"
#include "sha256.h"
#include "write_repo.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char token_usage[] =
    "Usage:\n"
    "  marsad token create --name NAME --scope write|admin --db PATH\n"
    "  marsad token list --db PATH\n"
    "  marsad token revoke NAME --db PATH\n";

/* Finds "--flag VALUE" or "--flag=VALUE" in argv[from..). */
static const char *S_flag(int argc, char **argv, int from, const char *flag)
{
    size_t n = strlen(flag);
    for (int i = from; i < argc; i++) {
        if (strcmp(argv[i], flag) == 0 && i + 1 < argc)
            return argv[i + 1];
        if (strncmp(argv[i], flag, n) == 0 && argv[i][n] == '=')
            return argv[i] + n + 1;
    }
    return NULL;
}

/* Rejects arguments that are neither known flags nor their values. */
static bool S_only(int argc, char **argv, int from, const char *const *flags, int npositional)
{
    int positional = 0;
    for (int i = from; i < argc; i++) {
        bool known = false;
        for (size_t k = 0; flags[k]; k++) {
            size_t n = strlen(flags[k]);
            if (strcmp(argv[i], flags[k]) == 0) {
                known = true;
                i++;
            } else if (strncmp(argv[i], flags[k], n) == 0 && argv[i][n] == '=') {
                known = true;
            }
        }
        if (!known && argv[i][0] != '-' && positional < npositional) {
            positional++;
            known = true;
        }
        if (!known) {
            fprintf(stderr, "marsad: unexpected argument '%s'\n%s", argv[i], token_usage);
            return false;
        }
    }
    return true;
}

static int S_open(const char *path, struct db_conn **c)
{
    struct stat st;
    if (!path) {
        fprintf(stderr, "marsad: --db PATH is required\n");
        return 2;
    }
    if (stat(path, &st) != 0) {
        fprintf(stderr,
                "marsad: database '%s' does not exist (start the server once, or run "
                "marsad build-db --out %s)\n",
                path, path);
        return 2;
    }
    char why[300];
    if (!db_is_marsad(path, why, sizeof why)) {
        fprintf(stderr, "marsad: '%s' is not a Marsad database (%s); nothing was written to it\n",
                path, why);
        return 1;
    }
    int from = 0, to = 0;
    if (db_open(path, false, c) != APP_OK || db_migrate(*c, &from, &to) != APP_OK) {
        fprintf(stderr, "marsad: cannot open '%s': %s\n", path, db_errmsg(*c));
        db_close(*c);
        return 1;
    }
    return 0;
}

static bool S_random_token(char *out, size_t n)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char r[33];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = read(fd, r, sizeof r) == (ssize_t)sizeof r;
    close(fd);
    if (!ok || n < 4 + 44 + 1)
        return false;
    memcpy(out, "mrs_", 4);
    size_t o = 4;
    for (size_t i = 0; i < sizeof r; i += 3) {
        unsigned v = (unsigned)r[i] << 16 | (unsigned)r[i + 1] << 8 | r[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = b64[(v >> 6) & 63];
        out[o++] = b64[v & 63];
    }
    out[o] = '\0';
    return true;
}

static bool S_print_token(void *ctx, const struct token_row *row)
{
    (void)ctx;
    printf("%-24s %-6s created %s%s%s\n", row->name, row->scope, row->created_at,
           row->revoked_at ? "  revoked " : "", row->revoked_at ? row->revoked_at : "");
    return true;
}

int cli_token(int argc, char **argv)
{
    static const char *const flags[] = {"--name", "--scope", "--db", NULL};
    if (argc < 3) {
        fputs(token_usage, stderr);
        return 2;
    }
    const char *sub = argv[2];
    const char *db = S_flag(argc, argv, 3, "--db");
    struct db_conn *c = NULL;
    char now[32];
    log_now_iso(now, sizeof now);
    if (strcmp(sub, "create") == 0) {
        const char *name = S_flag(argc, argv, 3, "--name");
        const char *scope = S_flag(argc, argv, 3, "--scope");
        if (!S_only(argc, argv, 3, flags, 0))
            return 2;
        if (!name || !*name || strlen(name) > 100) {
            fprintf(stderr, "marsad: token create needs --name NAME (1-100 characters)\n");
            return 2;
        }
        if (!scope || (strcmp(scope, "write") != 0 && strcmp(scope, "admin") != 0)) {
            fprintf(stderr, "marsad: token create needs --scope write or --scope admin\n");
            return 2;
        }
        int rc = S_open(db, &c);
        if (rc)
            return rc;
        char token[64], hex[65];
        if (!S_random_token(token, sizeof token)) {
            fprintf(stderr, "marsad: cannot read random bytes\n");
            db_close(c);
            return 1;
        }
        sha256_hex(token, strlen(token), hex);
        enum app_status st = token_repo_create(c, name, hex, scope, now);
        db_close(c);
        if (st == APP_ECONFLICT) {
            fprintf(stderr, "marsad: a token named '%s' already exists\n", name);
            return 1;
        }
        if (st != APP_OK) {
            fprintf(stderr, "marsad: cannot store the token: %s\n", app_status_str(st));
            return 1;
        }
        /* The token itself, once, and nothing else on stdout. */
        printf("%s\n", token);
        return 0;
    }
    if (strcmp(sub, "list") == 0) {
        if (!S_only(argc, argv, 3, flags, 0))
            return 2;
        int rc = S_open(db, &c);
        if (rc)
            return rc;
        enum app_status st = token_repo_list(c, S_print_token, NULL);
        db_close(c);
        return st == APP_OK ? 0 : 1;
    }
    if (strcmp(sub, "revoke") == 0) {
        if (!S_only(argc, argv, 3, flags, 1))
            return 2;
        const char *name = NULL;
        for (int i = 3; i < argc; i++) {
            if (strncmp(argv[i], "--", 2) == 0) {
                if (!strchr(argv[i], '='))
                    i++;
                continue;
            }
            name = argv[i];
        }
        if (!name) {
            fprintf(stderr, "marsad: token revoke needs the token's NAME\n");
            return 2;
        }
        int rc = S_open(db, &c);
        if (rc)
            return rc;
        enum app_status st = token_repo_revoke(c, name, now);
        db_close(c);
        if (st == APP_ENOTFOUND) {
            fprintf(stderr, "marsad: no live token named '%s'\n", name);
            return 1;
        }
        if (st != APP_OK) {
            fprintf(stderr, "marsad: cannot revoke: %s\n", app_status_str(st));
            return 1;
        }
        fprintf(stderr, "marsad: revoked token '%s'\n", name);
        return 0;
    }
    fprintf(stderr, "marsad: unknown token command '%s'\n%s", sub, token_usage);
    return 2;
}

int cli_backup(int argc, char **argv)
{
    static const char *const flags[] = {"--db", NULL};
    const char *db = S_flag(argc, argv, 2, "--db");
    const char *out = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--db") == 0) {
            i++;
            continue;
        }
        if (strncmp(argv[i], "--db=", 5) == 0)
            continue;
        if (argv[i][0] != '-' && !out)
            out = argv[i];
    }
    if (!S_only(argc, argv, 2, flags, 1) || !db || !out) {
        fprintf(stderr, "Usage: marsad backup --db PATH OUT\n");
        return 2;
    }
    sqlite3 *src = NULL, *dst = NULL;
    int rc = sqlite3_open_v2(db, &src, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_open_v2(out, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "marsad: backup: cannot open: %s\n", sqlite3_errmsg(dst ? dst : src));
        sqlite3_close(src);
        sqlite3_close(dst);
        return 1;
    }
    sqlite3_busy_timeout(src, 5000);
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b) {
        fprintf(stderr, "marsad: backup: %s\n", sqlite3_errmsg(dst));
        sqlite3_close(src);
        sqlite3_close(dst);
        return 1;
    }
    /* Copy in steps so a running server's writer is never blocked for long. */
    do {
        rc = sqlite3_backup_step(b, 256);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
            sqlite3_sleep(20);
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    int ok = rc == SQLITE_DONE;
    if (ok) {
        sqlite3_stmt *st = NULL;
        ok = sqlite3_prepare_v2(dst, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
             sqlite3_step(st) == SQLITE_ROW &&
             strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
        sqlite3_finalize(st);
    }
    if (!ok)
        fprintf(stderr, "marsad: backup failed: %s\n", sqlite3_errmsg(dst));
    else
        fprintf(stderr, "marsad: backup of %s written to %s (integrity ok)\n", db, out);
    sqlite3_close(src);
    sqlite3_close(dst);
    return ok ? 0 : 1;
}

static const char extract_usage[] =
    "Usage: marsad extract FILE [--published DATE] [--author NAME] [--db PATH]\n"
    "  Prints the claim candidates of a UTF-8 text file as NDJSON, one per line.\n"
    "  FILE '-' reads standard input. --db takes the metric catalog from a\n"
    "  database for the suggested metrics (none without it).\n";

int cli_extract(int argc, char **argv)
{
    static const char *const flags[] = {"--published", "--author", "--db", NULL};
    const char *published = S_flag(argc, argv, 2, "--published");
    const char *author = S_flag(argc, argv, 2, "--author");
    const char *dbpath = S_flag(argc, argv, 2, "--db");
    const char *file = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--published") == 0 || strcmp(argv[i], "--author") == 0 ||
            strcmp(argv[i], "--db") == 0) {
            i++;
            continue;
        }
        if (argv[i][0] != '-' || strcmp(argv[i], "-") == 0) {
            file = argv[i];
            break;
        }
    }
    if (!S_only(argc, argv, 2, flags, 1) || file == NULL) {
        fputs(extract_usage, stderr);
        return 2;
    }
    struct pdate pd;
    if (published != NULL && !pdate_parse(published, &pd)) {
        fprintf(stderr,
                "marsad: extract: --published '%s' is not a date (YYYY, YYYY-MM or "
                "YYYY-MM-DD)\n",
                published);
        return 2;
    }
    FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
    if (f == NULL) {
        fprintf(stderr, "marsad: extract: cannot open %s\n", file);
        return 1;
    }
    struct buf text;
    buf_init(&text);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&text, chunk, got);
    bool rerr = ferror(f) != 0;
    if (f != stdin)
        fclose(f);
    if (rerr || text.oom) {
        fprintf(stderr, "marsad: extract: cannot read %s\n", file);
        buf_free(&text);
        return 1;
    }
    const char *s = text.len ? text.data : "";
    size_t bad = utf8_invalid_at(s, text.len);
    if (bad < text.len) {
        fprintf(stderr, "marsad: extract: %s is not UTF-8: invalid byte at offset %zu\n", file,
                bad);
        buf_free(&text);
        return 1;
    }
    struct extract_catalog cat = {0};
    struct db_conn *c = NULL;
    if (dbpath != NULL) {
        if (db_open(dbpath, true, &c) != APP_OK || extract_repo_catalog(c, &cat) != APP_OK) {
            fprintf(stderr, "marsad: extract: cannot read the metric catalog of %s\n", dbpath);
            if (c)
                db_close(c);
            buf_free(&text);
            return 1;
        }
    }
    struct ex_options opt = {published, author, cat.m, cat.n};
    struct ex_result r;
    ex_result_init(&r);
    struct ex_offsets off;
    int rc = 0;
    if (!ex_extract(s, text.len, &opt, &r) || !ex_offsets_init(&off, s, text.len)) {
        fprintf(stderr, "marsad: extract: out of memory\n");
        rc = 1;
    } else {
        struct buf out;
        buf_init(&out);
        for (size_t i = 0; i < r.n; i++) {
            struct jw w;
            buf_reset(&out);
            jw_init(&w, &out);
            ex_candidate_json(&w, &off, &r.items[i], false, NULL);
            buf_putc(&out, '\n');
            if (out.oom || fwrite(out.data, 1, out.len, stdout) != out.len) {
                rc = 1;
                break;
            }
        }
        buf_free(&out);
        ex_offsets_free(&off);
    }
    ex_result_free(&r);
    extract_catalog_free(&cat);
    if (c)
        db_close(c);
    buf_free(&text);
    return rc;
}
