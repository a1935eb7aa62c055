/*
 * Build tool: converts one YAML document (openapi.yaml) into JSON, so that
 * /openapi.json is produced from the YAML at build time and never by hand.
 *   yaml2json IN.yaml OUT.json
 *
 * libyaml reads the events; jansson builds and writes the JSON (key order kept,
 * two-space indent, UTF-8, trailing newline). Plain scalars are resolved with
 * the YAML 1.2 core schema: null, true/false, integers, floats, else strings.
 * Quoted and block scalars are always strings.
 *
 * Strict on purpose, so that every YAML reader (js-yaml in the linter and the
 * tests, libyaml here) sees the same document:
 *   - exactly one document; mapping keys are scalars, never repeated;
 *   - plain scalars that YAML 1.1 readers type differently (yes/no/on/off,
 *     2019-03-13 timestamps, 0x1F, 0o17, 012, 1_000, 1:30, .inf, .nan) are
 *     refused: quote them;
 *   - explicit tags other than !!str, merge keys (<<) and recursive aliases are
 *     refused.
 * Errors print "IN:LINE:COLUMN: message" and exit 1; the output file is written
 * to OUT.tmp and renamed, so a failed run never leaves a partial OUT.
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_DEPTH 256

struct frame {
    json_t *node;       /* object or array under construction */
    char *key;          /* pending mapping key (objects only), malloc'd */
    size_t anchor;      /* index into anchors + 1, or 0 */
    unsigned long line; /* where the key was read, for duplicate-key errors */
    unsigned long col;
};

struct anchor {
    char *name;
    json_t *value; /* a reference of its own; copied by aliases once complete */
    bool complete;
};

struct conv {
    const char *path;
    struct frame stack[MAX_DEPTH];
    size_t depth;
    struct anchor *anchors;
    size_t nanchors, cap;
    json_t *root;
    int ndocs;
    bool failed;
};

static void S_fail(struct conv *c, const yaml_mark_t *m, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void S_fail(struct conv *c, const yaml_mark_t *m, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%lu:%lu: ", c->path, m ? (unsigned long)m->line + 1 : 0UL,
            m ? (unsigned long)m->column + 1 : 0UL);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    c->failed = true;
}

static char *S_dup(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

/* ---- scalar resolution --------------------------------------------------- */

static bool S_all(const char *s, const char *set)
{
    return *s && strspn(s, set) == strlen(s);
}

static bool S_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
        if (x != *b)
            return false;
    }
    return *a == '\0' && *b == '\0';
}

/* [-+]?[0-9]+ */
static bool S_is_int(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    return S_all(s, "0123456789");
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool S_is_float(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    size_t ip = strspn(s, "0123456789");
    s += ip;
    size_t fp = 0;
    if (*s == '.') {
        s++;
        fp = strspn(s, "0123456789");
        s += fp;
    }
    if (ip == 0 && fp == 0)
        return false;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '-' || *s == '+')
            s++;
        size_t ep = strspn(s, "0123456789");
        if (ep == 0)
            return false;
        s += ep;
    }
    return *s == '\0';
}

/* Plain scalars that a YAML 1.1 reader would not read as the same string or number. */
static const char *S_ambiguous(const char *s)
{
    static const char *const bools[] = {"y", "yes", "n", "no", "on", "off", NULL};
    for (size_t i = 0; bools[i]; i++) {
        if (S_ieq(s, bools[i]))
            return "is a boolean in YAML 1.1";
    }
    const char *d = s;
    if (strspn(d, "0123456789") == 4 && d[4] == '-' && d[5] >= '0' && d[5] <= '9')
        return "is a timestamp in YAML 1.1 (and a Date in js-yaml)";
    const char *n = s + (*s == '-' || *s == '+');
    if (n[0] == '0' && (n[1] == 'x' || n[1] == 'X' || n[1] == 'o' || n[1] == 'b'))
        return "is a number in another base";
    if (n[0] == '0' && n[1] >= '0' && n[1] <= '9' && S_is_int(s))
        return "is an octal number in YAML 1.1";
    if (n[0] >= '0' && n[0] <= '9' && strchr(n, '_') && S_all(n, "0123456789_.eE+-"))
        return "is a number with '_' separators in YAML 1.1";
    if (n[0] >= '0' && n[0] <= '9' && strchr(n, ':') && S_all(n, "0123456789:."))
        return "is a sexagesimal number in YAML 1.1";
    if (S_ieq(n, ".inf") || S_ieq(s, ".nan"))
        return "is not a JSON number";
    return NULL;
}

static json_t *S_scalar(struct conv *c, const yaml_event_t *ev)
{
    const char *text = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    if (strlen(text) != len) {
        S_fail(c, &ev->start_mark, "NUL characters cannot go into JSON text here");
        return NULL;
    }
    if (tag && strcmp(tag, "!") != 0 && strcmp(tag, YAML_STR_TAG) != 0) {
        S_fail(c, &ev->start_mark, "tag '%s' is not supported (only !!str)", tag);
        return NULL;
    }
    if (tag || ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return json_stringn(text, len);
    if (len == 0 || strcmp(text, "~") == 0 || strcmp(text, "null") == 0 ||
        strcmp(text, "Null") == 0 || strcmp(text, "NULL") == 0)
        return json_null();
    if (strcmp(text, "true") == 0 || strcmp(text, "True") == 0 || strcmp(text, "TRUE") == 0)
        return json_true();
    if (strcmp(text, "false") == 0 || strcmp(text, "False") == 0 || strcmp(text, "FALSE") == 0)
        return json_false();
    const char *why = S_ambiguous(text);
    if (why) {
        S_fail(c, &ev->start_mark, "plain scalar '%.40s' %s: quote it", text, why);
        return NULL;
    }
    if (S_is_int(text)) {
        errno = 0;
        char *end = NULL;
        long long v = strtoll(text, &end, 10);
        if (errno == ERANGE || *end != '\0') {
            S_fail(c, &ev->start_mark, "integer '%.40s' is out of range", text);
            return NULL;
        }
        return json_integer((json_int_t)v);
    }
    if (S_is_float(text)) {
        errno = 0;
        char *end = NULL;
        double v = strtod(text, &end);
        if (errno == ERANGE || *end != '\0') {
            S_fail(c, &ev->start_mark, "number '%.40s' is out of range", text);
            return NULL;
        }
        return json_real(v);
    }
    return json_stringn(text, len);
}

/* ---- tree building ------------------------------------------------------- */

static size_t S_anchor_add(struct conv *c, const yaml_event_t *ev, const char *name, json_t *v,
                           bool complete)
{
    /* A redefined anchor is appended: aliases search from the end, so the later one wins. */
    if (c->nanchors == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        struct anchor *a = realloc(c->anchors, cap * sizeof *a);
        if (!a) {
            S_fail(c, &ev->start_mark, "out of memory");
            return 0;
        }
        c->anchors = a;
        c->cap = cap;
    }
    char *dup = S_dup(name);
    if (!dup) {
        S_fail(c, &ev->start_mark, "out of memory");
        return 0;
    }
    c->anchors[c->nanchors] = (struct anchor){dup, json_incref(v), complete};
    return ++c->nanchors;
}

/* Places a finished value in the parent (or as the root). Takes the reference. */
static void S_place(struct conv *c, const yaml_event_t *ev, json_t *v, bool is_key_candidate)
{
    if (!v) {
        if (!c->failed)
            S_fail(c, &ev->start_mark, "out of memory");
        return;
    }
    if (c->depth == 0) {
        if (c->root) {
            json_decref(v);
            S_fail(c, &ev->start_mark, "more than one root value");
            return;
        }
        c->root = v;
        return;
    }
    struct frame *f = &c->stack[c->depth - 1];
    if (json_is_array(f->node)) {
        if (json_array_append_new(f->node, v) != 0)
            S_fail(c, &ev->start_mark, "out of memory");
        return;
    }
    if (!f->key) {
        /* This value is a key. */
        if (!is_key_candidate || !json_is_string(v)) {
            json_decref(v);
            S_fail(c, &ev->start_mark, "mapping keys must be scalars");
            return;
        }
        f->key = S_dup(json_string_value(v));
        f->line = (unsigned long)ev->start_mark.line + 1;
        f->col = (unsigned long)ev->start_mark.column + 1;
        json_decref(v);
        if (!f->key) {
            S_fail(c, &ev->start_mark, "out of memory");
            return;
        }
        if (strcmp(f->key, "<<") == 0) {
            S_fail(c, &ev->start_mark, "merge keys (<<) are not supported");
            return;
        }
        if (json_object_get(f->node, f->key))
            S_fail(c, &ev->start_mark, "duplicate key '%.80s'", f->key);
        return;
    }
    if (json_object_set_new(f->node, f->key, v) != 0)
        S_fail(c, &ev->start_mark, "out of memory");
    free(f->key);
    f->key = NULL;
}

static void S_push(struct conv *c, const yaml_event_t *ev, json_t *node, const char *anchor)
{
    if (!node) {
        S_fail(c, &ev->start_mark, "out of memory");
        return;
    }
    if (c->depth > 0 && json_is_object(c->stack[c->depth - 1].node) &&
        !c->stack[c->depth - 1].key) {
        json_decref(node);
        S_fail(c, &ev->start_mark, "mapping keys must be scalars");
        return;
    }
    if (c->depth >= MAX_DEPTH) {
        json_decref(node);
        S_fail(c, &ev->start_mark, "nested deeper than %d levels", MAX_DEPTH);
        return;
    }
    struct frame *f = &c->stack[c->depth++];
    f->node = node;
    f->key = NULL;
    f->anchor = anchor ? S_anchor_add(c, ev, anchor, node, false) : 0;
}

static void S_pop(struct conv *c, const yaml_event_t *ev)
{
    struct frame *f = &c->stack[--c->depth];
    json_t *node = f->node;
    if (f->key) {
        S_fail(c, &ev->start_mark, "key '%.80s' has no value", f->key);
        free(f->key);
        f->key = NULL;
    }
    if (f->anchor)
        c->anchors[f->anchor - 1].complete = true;
    /* The container is a value of its parent, never a key (checked in S_push). */
    S_place(c, ev, node, false);
}

static void S_alias(struct conv *c, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    for (size_t i = c->nanchors; i-- > 0;) {
        if (strcmp(c->anchors[i].name, name) != 0)
            continue;
        if (!c->anchors[i].complete) {
            S_fail(c, &ev->start_mark, "alias '*%.80s' refers to a node that contains it", name);
            return;
        }
        json_t *copy = json_deep_copy(c->anchors[i].value);
        S_place(c, ev, copy, json_is_string(copy));
        return;
    }
    S_fail(c, &ev->start_mark, "unknown alias '*%.80s'", name);
}

static void S_event(struct conv *c, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++c->ndocs > 1)
            S_fail(c, &ev->start_mark, "only one YAML document is allowed");
        break;
    case YAML_MAPPING_START_EVENT:
        S_push(c, ev, json_object(), (const char *)ev->data.mapping_start.anchor);
        break;
    case YAML_SEQUENCE_START_EVENT:
        S_push(c, ev, json_array(), (const char *)ev->data.sequence_start.anchor);
        break;
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
        if (c->depth > 0)
            S_pop(c, ev);
        break;
    case YAML_SCALAR_EVENT: {
        json_t *v = S_scalar(c, ev);
        if (!v)
            break;
        if (ev->data.scalar.anchor)
            S_anchor_add(c, ev, (const char *)ev->data.scalar.anchor, v, true);
        S_place(c, ev, v, json_is_string(v) || ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE);
        break;
    }
    case YAML_ALIAS_EVENT:
        S_alias(c, ev);
        break;
    default:
        break;
    }
}

/*
 * Plain scalar keys such as 200 (response codes) resolve to numbers: S_place
 * wants strings for keys, so keys are re-read as their text here.
 */
static json_t *S_key_scalar(const yaml_event_t *ev)
{
    return json_stringn((const char *)ev->data.scalar.value, ev->data.scalar.length);
}

static bool S_expect_key(const struct conv *c)
{
    if (c->depth == 0)
        return false;
    const struct frame *f = &c->stack[c->depth - 1];
    return json_is_object(f->node) && !f->key;
}

static int S_convert(struct conv *c, FILE *in)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        S_fail(c, NULL, "cannot initialize libyaml");
        return 1;
    }
    yaml_parser_set_input_file(&parser, in);
    bool done = false;
    while (!done && !c->failed) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            S_fail(c, &parser.problem_mark, "%s%s%s", parser.problem ? parser.problem : "error",
                   parser.context ? " " : "", parser.context ? parser.context : "");
            break;
        }
        if (ev.type == YAML_SCALAR_EVENT && S_expect_key(c)) {
            const char *tag = (const char *)ev.data.scalar.tag;
            if (tag && strcmp(tag, "!") != 0 && strcmp(tag, YAML_STR_TAG) != 0) {
                S_fail(c, &ev.start_mark, "tag '%s' is not supported on keys", tag);
            } else {
                json_t *k = S_key_scalar(&ev);
                if (ev.data.scalar.anchor && k)
                    S_anchor_add(c, &ev, (const char *)ev.data.scalar.anchor, k, true);
                S_place(c, &ev, k, true);
            }
        } else {
            S_event(c, &ev);
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    if (!c->failed && !c->root)
        S_fail(c, NULL, "the document is empty");
    return c->failed ? 1 : 0;
}

/* The smallest printf precision with which every real in v reads back as the same double. */
static int S_precision(const json_t *v)
{
    int p = 1;
    if (json_is_real(v)) {
        double d = json_real_value(v);
        for (; p < 17; p++) {
            char text[64];
            int w = snprintf(text, sizeof text, "%.*g", p, d);
            if (w > 0 && (size_t)w < sizeof text && strtod(text, NULL) == d)
                break;
        }
    } else if (json_is_object(v)) {
        const char *k;
        json_t *m;
        json_object_foreach((json_t *)(uintptr_t)v, k, m) {
            int q = S_precision(m);
            p = q > p ? q : p;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m) {
            int q = S_precision(m);
            p = q > p ? q : p;
        }
    }
    return p;
}

static void S_free(struct conv *c)
{
    while (c->depth > 0) {
        struct frame *f = &c->stack[--c->depth];
        free(f->key);
        json_decref(f->node);
    }
    for (size_t i = 0; i < c->nanchors; i++) {
        free(c->anchors[i].name);
        json_decref(c->anchors[i].value);
    }
    free(c->anchors);
    json_decref(c->root);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: yaml2json IN.yaml OUT.json\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "rb");
    if (!in) {
        perror(argv[1]);
        return 1;
    }
    struct conv c;
    memset(&c, 0, sizeof c);
    c.path = argv[1];
    int rc = S_convert(&c, in);
    fclose(in);
    if (rc != 0) {
        S_free(&c);
        return 1;
    }
    size_t n = strlen(argv[2]);
    char *tmp = malloc(n + 5);
    if (!tmp) {
        S_free(&c);
        return 1;
    }
    memcpy(tmp, argv[2], n);
    memcpy(tmp + n, ".tmp", 5);
    FILE *out = fopen(tmp, "wb");
    if (!out) {
        perror(tmp);
        free(tmp);
        S_free(&c);
        return 1;
    }
    size_t flags = JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(S_precision(c.root));
    int bad = json_dumpf(c.root, out, flags);
    bad |= fputc('\n', out) == EOF;
    bad |= fclose(out) != 0;
    if (bad || rename(tmp, argv[2]) != 0) {
        fprintf(stderr, "yaml2json: cannot write %s\n", argv[2]);
        remove(tmp);
        free(tmp);
        S_free(&c);
        return 1;
    }
    free(tmp);
    S_free(&c);
    return 0;
}
