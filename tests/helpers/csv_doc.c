#include "csv_doc.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

void csv_doc_free(struct csv_doc *d)
{
    for (size_t r = 0; r < d->nrows; r++) {
        for (size_t c = 0; c < d->ncells[r]; c++)
            free(d->rows[r][c]);
        free(d->rows[r]);
    }
    free(d->rows);
    free(d->ncells);
}

/* Reads RFC 4180 text: quoted cells may hold commas, doubled quotes and line breaks. */
void csv_doc_parse(const char *s, size_t n, struct csv_doc *d)
{
    memset(d, 0, sizeof *d);
    size_t i = 0;
    while (i < n) {
        d->rows = realloc(d->rows, (d->nrows + 1) * sizeof *d->rows);
        d->ncells = realloc(d->ncells, (d->nrows + 1) * sizeof *d->ncells);
        char **cells = NULL;
        size_t nc = 0;
        for (;;) {
            struct buf cell;
            buf_init(&cell);
            if (i < n && s[i] == '"') {
                for (i++;; i++) {
                    assert_true(i < n);
                    if (s[i] == '"' && i + 1 < n && s[i + 1] == '"') {
                        buf_putc(&cell, '"');
                        i++;
                    } else if (s[i] == '"') {
                        i++;
                        break;
                    } else {
                        buf_putc(&cell, s[i]);
                    }
                }
            } else {
                while (i < n && s[i] != ',' && s[i] != '\r') {
                    assert_true(s[i] != '"' && s[i] != '\n');
                    buf_putc(&cell, s[i++]);
                }
            }
            cells = realloc(cells, (nc + 1) * sizeof *cells);
            cells[nc++] = strdup(buf_str(&cell));
            buf_free(&cell);
            assert_true(i < n);
            if (s[i] == ',') {
                i++;
                continue;
            }
            assert_true(s[i] == '\r' && i + 1 < n && s[i + 1] == '\n');
            i += 2;
            break;
        }
        d->rows[d->nrows] = cells;
        d->ncells[d->nrows++] = nc;
    }
}

/* The cell a JSON member should give: texts as they are (guarded), numbers, arrays joined. */
void csv_expected_cell(json_t *v, struct buf *out)
{
    if (!v || json_is_null(v))
        return;
    if (json_is_string(v)) {
        const char *t = json_string_value(v);
        if (t[0] && strchr("=+-@\t\r", t[0]))
            buf_putc(out, '\'');
        buf_puts(out, t);
    } else if (json_is_array(v)) {
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            if (i)
                buf_puts(out, "; ");
            assert_true(json_is_string(e));
            buf_puts(out, json_string_value(e));
        }
    } else if (json_is_integer(v)) {
        buf_printf(out, "%lld", (long long)json_integer_value(v));
    } else if (json_is_true(v) || json_is_false(v)) {
        buf_puts(out, json_is_true(v) ? "true" : "false");
    } else {
        assert_false(json_is_object(v));
    }
}
