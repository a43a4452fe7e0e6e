/* front.c - see front.h. Imports are loaded depth first: each imported
 * file is parsed and checked on its own (its errors reported under its
 * own name), then its records and enums join the importer's types. */
#include "front.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "parse.h"

/* A file loaded once: its real path, and the schemas it imports
 * directly (indexes into loader.done). */
typedef struct front_file {
    char *real;
    sioc_ast_import import;
    size_t *deps;
    size_t ndeps;
} front_file;

typedef struct loader {
    sioc_arena *arena;
    sioc_diag *top; /* the main file's: its sink serves every file */
    sioc_read_fn *read;
    const char *stack[64]; /* real paths being loaded: a cycle test */
    size_t depth;
    front_file *done;
    size_t ndone, cap;
} loader;

/* dir(importer) + "/" + path, unless path is absolute. */
static const char *front_join(sioc_arena *a, const char *importer,
                              const char *path)
{
    const char *slash = strrchr(importer, '/');

    if (path[0] == '/' || !slash)
        return path;
    return sioc_arena_printf(a, "%.*s/%s", (int)(slash - importer + 1),
                             importer, path);
}

/* "common.sio.h" for ".../common.sio". */
static const char *front_header(sioc_arena *a, const char *path)
{
    return sioc_arena_printf(a, "%s.sio.h", sioc_file_stem(a, path));
}

static long front_find(const loader *ld, const char *real)
{
    for (size_t i = 0; i < ld->ndone; i++)
        if (!strcmp(ld->done[i].real, real))
            return (long)i;
    return -1;
}

static long front_load(loader *ld, const char *path, sioc_span at,
                       sioc_diag *from);

/* Every schema file imports, directly or not, once each, dependencies
 * first: into out (n so far), marking seen. */
static void front_closure(const loader *ld, const front_file *f, bool *seen,
                          sioc_ast_import *out, size_t *n, sioc_span at)
{
    for (size_t i = 0; i < f->ndeps; i++) {
        size_t d = f->deps[i];

        if (seen[d])
            continue;
        seen[d] = true;
        front_closure(ld, &ld->done[d], seen, out, n, at);
        out[*n] = ld->done[d].import;
        out[(*n)++].at = at;
    }
}

/* Loads the imports of file (named name) into f->deps; false if one
 * failed. Errors about an import statement go to diag. */
static bool front_imports(loader *ld, const char *name,
                          const sioc_ast_file *file, front_file *f,
                          sioc_diag *diag)
{
    bool ok = true;
    size_t n = 0;

    for (const sioc_ast_decl *d = file->decls; d; d = d->next)
        n += d->kind == SIOC_AST_IMPORT;
    f->deps = sioc_arena_array(ld->arena, n + 1, sizeof *f->deps);
    for (const sioc_ast_decl *d = file->decls; d; d = d->next) {
        long i;

        if (d->kind != SIOC_AST_IMPORT)
            continue;
        i = front_load(ld, front_join(ld->arena, name, d->ns.value), d->ns.at,
                       diag);
        if (i < 0) {
            ok = false;
            continue;
        }
        for (size_t j = 0; j < f->ndeps; j++)
            if (f->deps[j] == (size_t)i) {
                sioc_diag_error(diag, d->ns.at, "%s is imported twice",
                                d->ns.raw);
                ok = false;
            }
        f->deps[f->ndeps++] = (size_t)i;
    }
    return ok;
}

/* The model of file, checked with its imports' types. */
static const sioc_schema *front_check(loader *ld, const sioc_ast_file *file,
                                      const front_file *f, sioc_diag *diag)
{
    bool *seen = sioc_arena_array(ld->arena, ld->ndone + 1, sizeof *seen);
    sioc_ast_import *imports =
        sioc_arena_array(ld->arena, ld->ndone + 1, sizeof *imports);
    size_t n = 0;
    sioc_span none = {0};

    front_closure(ld, f, seen, imports, &n, none);
    /* Clashes of imported types are reported at the first import. */
    for (const sioc_ast_decl *d = file->decls; d; d = d->next)
        if (d->kind == SIOC_AST_IMPORT) {
            for (size_t i = 0; i < n; i++)
                imports[i].at = d->ns.at;
            break;
        }
    return sioc_check_with(ld->arena, file, imports, n, diag);
}

static void front_push_done(loader *ld, const front_file *f)
{
    if (ld->ndone == ld->cap) {
        size_t cap = ld->cap ? ld->cap * 2 : 8;
        front_file *v = sioc_arena_array(ld->arena, cap, sizeof *v);

        if (ld->ndone)
            memcpy(v, ld->done, ld->ndone * sizeof *v);
        ld->done = v;
        ld->cap = cap;
    }
    ld->done[ld->ndone++] = *f;
}

/* An imported file: its index in ld->done, or -1 (reported). */
static long front_load(loader *ld, const char *path, sioc_span at,
                       sioc_diag *from)
{
    char *real = realpath(path, NULL), *src;
    sioc_diag diag;
    front_file f = {0};
    const sioc_ast_file *file;
    const sioc_schema *model;
    size_t len;
    long i;

    if (!real) {
        sioc_diag_error(from, at, "cannot import \"%s\": %s", path,
                        strerror(errno));
        return -1;
    }
    f.real = sioc_arena_strndup(ld->arena, real, strlen(real));
    free(real);
    for (size_t j = 0; j < ld->depth; j++)
        if (!strcmp(ld->stack[j], f.real)) {
            sioc_diag_error(from, at,
                            "\"%s\" imports the file that imports it (an "
                            "import cycle)",
                            path);
            return -1;
        }
    if ((i = front_find(ld, f.real)) >= 0)
        return i;
    if (ld->depth == sizeof ld->stack / sizeof *ld->stack) {
        sioc_diag_error(from, at, "imports nest more than %zu deep", ld->depth);
        return -1;
    }
    if (!(src = ld->read(path, &len))) {
        sioc_diag_error(from, at, "cannot import \"%s\": %s", path,
                        strerror(errno));
        return -1;
    }
    {
        char *copy = sioc_arena_alloc(ld->arena, len + 1);

        memcpy(copy, src, len + 1);
        free(src);
        src = copy;
    }
    sioc_diag_init(&diag, path, src, len, ld->top->sink, ld->top->user);
    ld->stack[ld->depth++] = f.real;
    file = sioc_parse(ld->arena, src, len, &diag);
    if (front_imports(ld, path, file, &f, &diag) && !diag.errors)
        model = front_check(ld, file, &f, &diag);
    else
        model = NULL;
    ld->depth--;
    sioc_diag_flush(&diag);
    if (!model) {
        sioc_diag_error(from, at, "\"%s\" has errors", path);
        return -1;
    }
    /* Its C file is linked too: handlers there would have to exist. */
    if (model->nnamespaces || model->nguards) {
        sioc_diag_error(from, at,
                        "\"%s\" declares namespaces or guards: an imported "
                        "schema holds records and enums only",
                        path);
        return -1;
    }
    f.import.file = file;
    f.import.prefix = model->c_prefix;
    f.import.header = front_header(ld->arena, path);
    f.import.path = path;
    front_push_done(ld, &f);
    return (long)ld->ndone - 1;
}

const sioc_schema *sioc_front(sioc_arena *arena, const char *src, size_t len,
                              sioc_diag *diag)
{
    sioc_ast_file *file = sioc_parse(arena, src, len, diag);

    return sioc_check(arena, file, diag);
}

const sioc_schema *sioc_front_file(sioc_arena *arena, const char *path,
                                   const char *src, size_t len,
                                   sioc_read_fn *read, sioc_diag *diag)
{
    loader ld = {0};
    front_file f = {0};
    char *real = realpath(path, NULL);
    sioc_ast_file *file = sioc_parse(arena, src, len, diag);
    bool ok;

    ld.arena = arena;
    ld.top = diag;
    ld.read = read;
    if (real) {
        ld.stack[ld.depth++] = sioc_arena_strndup(arena, real, strlen(real));
        free(real);
    }
    ok = front_imports(&ld, path, file, &f, diag);
    if (!ok || diag->stopped)
        return NULL;
    return front_check(&ld, file, &f, diag);
}
