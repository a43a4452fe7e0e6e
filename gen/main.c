/* main.c - the sioc command line: options, reading the schema, running
 * the front end and the emitters, writing files whole or not at all.
 * Exit status: 0 done, 1 errors in the schema or while writing, 2 bad
 * usage. */
#include <assert.h>
#include <errno.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "check.h"
#include "diag.h"
#include "dump.h"
#include "emit_common.h"
#include "front.h"
#include "lexer.h"
#include "model.h"

#ifndef SIOC_VERSION
#define SIOC_VERSION "0.1.0"
#endif

#define EXIT_USAGE 2

static const char usage_text[] =
    "usage: sioc [options] SCHEMA.sio\n"
    "\n"
    "Checks an event schema and generates typed C for libsio.\n"
    "\n"
    "  -o DIR           write DIR/NAME.sio.h and DIR/NAME.sio.c, NAME being\n"
    "                   the schema file's name without .sio\n"
    "  --skeleton FILE  write FILE with every handler and guard stubbed;\n"
    "                   never overwrites an existing file\n"
    "  --ts DIR         write DIR/NAME.sio.d.ts, TypeScript types for\n"
    "                   socket.io-client\n"
    "  --asyncapi FILE  write FILE, the API as an AsyncAPI 3.0 document "
    "(JSON)\n"
    "  -M               print a make rule (the outputs of -o depend on the\n"
    "                   schema) and generate nothing\n"
    "  --dump-model     print the checked model (for tests and debugging)\n"
    "  --help           print this help\n"
    "  --version        print the version\n"
    "\n"
    "With none of -o, --skeleton, --ts, --asyncapi, sioc only checks the\n"
    "schema.\n"
    "Errors are reported as FILE:LINE:COL: error: MESSAGE.\n"
    "Exit status: 0 success, 1 errors, 2 bad usage.\n";

typedef struct options {
    const char *out_dir;
    const char *skeleton;
    const char *ts_dir;
    const char *asyncapi;
    const char *schema;
    bool deps;
    bool dump;
} options;

static int usage_error(const char *fmt, const char *arg)
{
    fputs("sioc: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'sioc --help'.\n", stderr);
    return EXIT_USAGE;
}

/* The value of an option given as "-o DIR", "-oDIR" or "--opt=DIR". */
static const char *option_value(int argc, char **argv, int *i,
                                const char *attached)
{
    if (attached && *attached)
        return attached;
    if (*i + 1 < argc)
        return argv[++*i];
    return NULL;
}

/* Returns -1 to go on, or an exit status (--help, --version, errors). */
static int parse_args(int argc, char **argv, options *o)
{
    bool only_files = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (only_files || a[0] != '-' || a[1] == '\0') {
            if (o->schema)
                return usage_error("more than one schema: '%s'", a);
            o->schema = a;
        } else if (strcmp(a, "--") == 0) {
            only_files = true;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage_text, stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            puts("sioc " SIOC_VERSION);
            return 0;
        } else if (strcmp(a, "-M") == 0) {
            o->deps = true;
        } else if (strcmp(a, "--dump-model") == 0) {
            o->dump = true;
        } else if (strncmp(a, "-o", 2) == 0) {
            if (!(o->out_dir = option_value(argc, argv, &i, a + 2)))
                return usage_error("'%s' needs a directory", a);
        } else if (strcmp(a, "--skeleton") == 0 ||
                   strncmp(a, "--skeleton=", 11) == 0) {
            if (!(o->skeleton =
                      option_value(argc, argv, &i, a[10] ? a + 11 : NULL)))
                return usage_error("'%s' needs a file name", a);
        } else if (strcmp(a, "--ts") == 0 || strncmp(a, "--ts=", 5) == 0) {
            if (!(o->ts_dir =
                      option_value(argc, argv, &i, a[4] ? a + 5 : NULL)))
                return usage_error("'%s' needs a directory", a);
        } else if (strcmp(a, "--asyncapi") == 0 ||
                   strncmp(a, "--asyncapi=", 11) == 0) {
            if (!(o->asyncapi =
                      option_value(argc, argv, &i, a[10] ? a + 11 : NULL)))
                return usage_error("'%s' needs a file name", a);
        } else {
            return usage_error("unknown option '%s'", a);
        }
    }
    if (!o->schema)
        return usage_error("%s", "no schema file given");
    return -1;
}

/* Makes room for more of the file; sets errno and returns false when it
 * cannot. */
static bool read_grow(char **buf, size_t *cap)
{
    size_t want = *cap ? *cap * 2 : 16384;
    char *p;

    if (want > (size_t)SIOC_MAX_SOURCE * 2) {
        errno = EFBIG;
        return false;
    }
    if (!(p = realloc(*buf, want))) {
        errno = ENOMEM;
        return false;
    }
    *buf = p;
    *cap = want;
    return true;
}

/* The whole file, NUL-terminated (the lexer's sentinel); NULL with
 * errno set on failure. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0, got = 1;
    int err = 0;

    if (!f)
        return NULL;
    while (got) {
        if (cap - n < 4096 && !read_grow(&buf, &cap)) {
            err = errno;
            break;
        }
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
    }
    if (!err && ferror(f))
        err = errno ? errno : EIO;
    fclose(f);
    if (err) {
        free(buf);
        errno = err;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* A path as make reads it: spaces escaped, '$' doubled. */
static void put_make_path(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t' || *s == '#')
            fputc('\\', out);
        else if (*s == '$')
            fputc('$', out);
        fputc(*s, out);
    }
}

static int write_deps(const options *o, const char *stem,
                      const sioc_schema *schema)
{
    const char *dir = o->out_dir ? o->out_dir : ".";
    const char *ext[] = {".sio.h", ".sio.c"};

    for (int i = 0; i < 2; i++) {
        put_make_path(stdout, dir);
        fputc('/', stdout);
        put_make_path(stdout, stem);
        fputs(ext[i], stdout);
        fputs(i ? ": " : " ", stdout);
    }
    put_make_path(stdout, o->schema);
    /* The outputs change when an imported schema does. */
    for (size_t i = 0; i < schema->nincludes; i++) {
        fputc(' ', stdout);
        put_make_path(stdout, schema->import_paths[i]);
    }
    fputc('\n', stdout);
    return fflush(stdout) == 0 ? 0 : 1;
}

static int write_dump(const sioc_schema *schema)
{
    sioc_dump(stdout, schema);
    return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}

/* ---- writing files whole ------------------------------------------------
 * Each file is written to a temporary file beside it, then renamed over
 * it (or, for the skeleton, linked to its name, which fails if the name
 * exists): a failed run leaves no half file and clobbers no skeleton. */

typedef int emit_fn(const sioc_emit *e);

/* Writes a temporary file (its name in *tmp) with emit; 0 or -1 after a
 * message. */
static int write_temp(sioc_emit *e, const char *path, emit_fn *emit,
                      const char **tmp)
{
    char *name = sioc_arena_printf(e->arena, "%s.XXXXXX", path);
    mode_t mask = umask(0);
    int fd, rc;

    umask(mask);
    fd = mkstemp(name);
    if (fd < 0) {
        fprintf(stderr, "sioc: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    e->out = fdopen(fd, "w");
    if (!e->out) {
        close(fd);
    } else {
        /* mkstemp makes it private; make it as any new file would be. */
        rc = fchmod(fd, 0666 & ~mask) != 0 || emit(e) != 0 ||
             fflush(e->out) != 0;
        if (fclose(e->out) == 0 && !rc) {
            *tmp = name;
            return 0;
        }
    }
    fprintf(stderr, "sioc: cannot write %s: %s\n", path,
            strerror(errno ? errno : EIO));
    unlink(name);
    return -1;
}

/* Gives tmp its final name; -1 after a message (tmp removed). */
static int commit(const char *tmp, const char *path, bool no_clobber)
{
    int rc = no_clobber ? link(tmp, path) : rename(tmp, path);

    if (rc == 0) {
        if (no_clobber)
            unlink(tmp);
        return 0;
    }
    if (no_clobber && errno == EEXIST)
        fprintf(stderr, "sioc: %s exists; not overwriting it\n", path);
    else
        fprintf(stderr, "sioc: cannot write %s: %s\n", path, strerror(errno));
    unlink(tmp);
    return -1;
}

/* A temporary hard link to path, to put it back if a later step fails;
 * NULL if path does not exist (or cannot be linked: then there is
 * nothing to restore, and the caller goes on as before). */
static const char *keep_old(sioc_arena *a, const char *path)
{
    char *name = sioc_arena_printf(a, "%s.XXXXXX", path);
    int fd = mkstemp(name);

    if (fd < 0)
        return NULL;
    close(fd);
    unlink(name);
    return link(path, name) == 0 ? name : NULL;
}

/* Puts back what keep_old kept at path, or removes path if it was new. */
static void restore(const char *old, const char *path)
{
    if (old)
        rename(old, path);
    else
        unlink(path);
}

/* All the outputs or none: every file is written to a temporary first;
 * then the skeleton is linked into place (refused if it exists), the
 * header and the C file renamed over the old ones, and if any step
 * fails, what the earlier ones did is undone. */
static int write_all(sioc_emit *e, const char *dir, const char *skeleton)
{
    const char *h = NULL, *c = NULL, *htmp = NULL, *ctmp = NULL, *stmp = NULL;
    const char *hold = NULL;
    int rc = 1;

    if (dir) {
        h = sioc_arena_printf(e->arena, "%s/%s", dir, e->header);
        c = sioc_arena_printf(e->arena, "%s/%s", dir, e->source);
        if (write_temp(e, h, sioc_emit_header, &htmp) != 0 ||
            write_temp(e, c, sioc_emit_source, &ctmp) != 0)
            goto out;
    }
    if (skeleton && write_temp(e, skeleton, sioc_emit_skeleton, &stmp) != 0)
        goto out;
    if (skeleton) {
        rc = commit(stmp, skeleton, true);
        stmp = NULL; /* commit removed it */
        if (rc != 0)
            goto out;
    }
    rc = 1;
    if (dir) {
        hold = keep_old(e->arena, h);
        if (commit(htmp, h, false) != 0) {
            htmp = NULL;
            goto undo_skeleton;
        }
        htmp = NULL;
        if (commit(ctmp, c, false) != 0) {
            ctmp = NULL;
            restore(hold, h);
            hold = NULL;
            goto undo_skeleton;
        }
        ctmp = NULL;
    }
    rc = 0;
    goto out;
undo_skeleton:
    if (skeleton)
        unlink(skeleton);
out:
    if (hold)
        unlink(hold);
    if (htmp)
        unlink(htmp);
    if (ctmp)
        unlink(ctmp);
    if (stmp)
        unlink(stmp);
    return rc;
}

/* True if file is dir/name (both may not exist yet: their directories
 * are compared). */
static bool is_output(sioc_arena *a, const char *file, const char *dir,
                      const char *name)
{
    const char *slash = strrchr(file, '/');
    const char *fdir =
        slash ? sioc_arena_strndup(a, file, (size_t)(slash - file)) : ".";
    char *r1, *r2;
    bool same;

    if (slash && slash == file)
        fdir = "/";
    if (strcmp(slash ? slash + 1 : file, name) != 0)
        return false;
    r1 = realpath(fdir, NULL);
    r2 = realpath(dir, NULL);
    same = r1 && r2 && strcmp(r1, r2) == 0;
    free(r1);
    free(r2);
    return same;
}

/* The generated files are named after stem and the .c and the skeleton
 * #include the header by that name, where C allows no quote, backslash
 * or apostrophe. */
static bool stem_ok(const char *stem)
{
    if (!*stem)
        return false;
    for (const char *p = stem; *p; p++)
        if (*p == '"' || *p == '\\' || *p == '\'' || (unsigned char)*p < 0x20 ||
            *p == 0x7f)
            return false;
    return true;
}

/* One file whole (--ts, --asyncapi): a temporary file renamed over it. */
static int write_one(sioc_emit *e, const char *path, emit_fn *emit)
{
    const char *tmp;

    if (write_temp(e, path, emit, &tmp) != 0)
        return 1;
    return commit(tmp, path, false) != 0;
}

static int generate(const options *o, sioc_arena *arena,
                    const sioc_schema *schema, const char *src, size_t src_len)
{
    const char *stem = sioc_file_stem(arena, o->schema);
    sioc_emit e = {0};

    if (!o->out_dir && !o->skeleton && !o->ts_dir && !o->asyncapi)
        return 0;
    assert(sioc_sfx_ok());
    if (!stem_ok(stem)) {
        fprintf(stderr,
                "sioc: cannot name generated files after '%s': rename the "
                "schema file\n",
                o->schema);
        return 1;
    }
    /* Before -o writes anything; commit() checks again, atomically. */
    if (o->skeleton && access(o->skeleton, F_OK) == 0) {
        fprintf(stderr, "sioc: %s exists; not overwriting it\n", o->skeleton);
        return 1;
    }
    e.arena = arena;
    e.schema = schema;
    e.header = sioc_arena_printf(arena, "%s.sio.h", stem);
    e.source = sioc_arena_printf(arena, "%s.sio.c", stem);
    if (o->skeleton && o->out_dir &&
        (is_output(arena, o->skeleton, o->out_dir, e.header) ||
         is_output(arena, o->skeleton, o->out_dir, e.source))) {
        fprintf(stderr, "sioc: --skeleton %s is one of the -o outputs\n",
                o->skeleton);
        return 1;
    }
    e.src = src;
    e.src_len = src_len;
    if ((o->out_dir || o->skeleton) &&
        write_all(&e, o->out_dir, o->skeleton) != 0)
        return 1;
    if (o->ts_dir &&
        write_one(&e,
                  sioc_arena_printf(arena, "%s/%s.sio.d.ts", o->ts_dir, stem),
                  sioc_emit_ts) != 0)
        return 1;
    if (o->asyncapi && write_one(&e, o->asyncapi, sioc_emit_asyncapi) != 0)
        return 1;
    return 0;
}

static int run(const options *o)
{
    sioc_arena arena;
    sioc_diag diag;
    const sioc_schema *schema;
    size_t len = 0;
    char *src = read_file(o->schema, &len);
    int status;

    if (!src) {
        fprintf(stderr, "sioc: cannot read %s: %s\n", o->schema,
                strerror(errno));
        return 1;
    }
    sioc_arena_init(&arena);
    sioc_diag_init(&diag, o->schema, src, len, sioc_diag_sink_file, stderr);
    schema = sioc_front_file(&arena, o->schema, src, len, read_file, &diag);
    sioc_diag_flush(&diag);
    if (!schema)
        status = 1;
    else if (o->deps)
        status = write_deps(o, sioc_file_stem(&arena, o->schema), schema);
    else if (o->dump)
        status = write_dump(schema);
    else
        status = generate(o, &arena, schema, src, len);
    sioc_arena_fini(&arena);
    free(src);
    return status;
}

int main(int argc, char **argv)
{
    options o = {0};
    int status = parse_args(argc, argv, &o);

    /* Character widths for the caret line; messages stay untranslated. */
    if (!setlocale(LC_CTYPE, "C.UTF-8"))
        setlocale(LC_CTYPE, "C.utf8");
    if (status >= 0)
        return status;
    return run(&o);
}
