#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool tu_mkdtemp(const char *tag, char *out, size_t n)
{
    int w = snprintf(out, n, "/tmp/marsad-%s-XXXXXX", tag);
    if (w < 0 || (size_t)w >= n) {
        if (n > 0)
            out[0] = '\0';
        return false;
    }
    if (!mkdtemp(out)) {
        out[0] = '\0';
        return false;
    }
    return true;
}

bool tu_rmtree(const char *path)
{
    if (!path || !*path)
        return false;
    struct stat st;
    if (lstat(path, &st) != 0)
        return false;
    if (!S_ISDIR(st.st_mode))
        return unlink(path) == 0;
    DIR *d = opendir(path);
    if (!d)
        return false;
    bool ok = true;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char child[4096];
        if (!tu_path(child, sizeof child, path, e->d_name) || !tu_rmtree(child))
            ok = false;
    }
    closedir(d);
    return rmdir(path) == 0 && ok;
}

bool tu_path(char *out, size_t n, const char *dir, const char *name)
{
    int w = snprintf(out, n, "%s/%s", dir, name);
    return w > 0 && (size_t)w < n;
}

bool tu_write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return false;
    const char *p = data;
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, p + done, len - done);
        if (w <= 0) {
            close(fd);
            return false;
        }
        done += (size_t)w;
    }
    return close(fd) == 0;
}

char *tu_strdup(const char *s)
{
    size_t n = strlen(s);
    char *p = malloc(n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

char **tu_argv(const char *const *base, size_t nbase, const char *const *extra, int *argc)
{
    size_t nextra = 0;
    while (extra && extra[nextra])
        nextra++;
    char **argv = calloc(nbase + nextra + 1, sizeof *argv);
    if (!argv)
        return NULL;
    for (size_t i = 0; i < nbase + nextra; i++) {
        argv[i] = tu_strdup(i < nbase ? base[i] : extra[i - nbase]);
        if (!argv[i]) {
            tu_vec_free(argv);
            return NULL;
        }
    }
    *argc = (int)(nbase + nextra);
    return argv;
}

void tu_vec_free(char **v)
{
    if (!v)
        return;
    for (size_t i = 0; v[i]; i++)
        free(v[i]);
    free(v);
}
