/* ast.h - the parse tree: what the file says, before any name is
 * resolved. Every node lives in the parser's arena and keeps its source
 * span for diagnostics. Lists are singly linked in source order. */
#ifndef SIOC_AST_H
#define SIOC_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "lexer.h"

typedef struct sioc_ast_name {
    const char *text; /* NUL-terminated copy */
    sioc_span at;
} sioc_ast_name;

/* A string literal, escapes decoded. */
typedef struct sioc_ast_string {
    const char *value;
    size_t len;
    const char *raw; /* as written, quotes included: for messages */
    sioc_span at;    /* the literal, quotes included */
} sioc_ast_string;

/* "(MIN..MAX)" (either bound may be left out) or the shorthand "+"
 * (1..). */
typedef struct sioc_ast_limits {
    bool present;
    bool plus; /* written "+" */
    bool has_min, has_max;
    int64_t min, max;
    sioc_span at; /* the whole "(...)" or "+" */
} sioc_ast_limits;

typedef struct sioc_ast_type {
    sioc_tok_kind base; /* SIOC_TOK_KW_BOOL..KW_JSON, SIOC_TOK_IDENT, or
                           SIOC_TOK_LBRACE for a map {string: T} */
    sioc_ast_name name; /* as spelled (a map: "{string: T}" whole) */
    struct sioc_ast_type *map_value; /* a map's T */
    sioc_ast_limits value; /* after the base: an int's value, a string's
                              characters, bytes' length, a map's entries */
    unsigned dims;         /* count of "[]" */
    sioc_ast_limits len;   /* after the last "[]": its element count */
    bool optional;         /* trailing "?" */
} sioc_ast_type;

/* "= VALUE" after a field's type: a literal. */
typedef enum sioc_ast_lit_kind {
    SIOC_AST_LIT_NONE,
    SIOC_AST_LIT_INT,    /* an integer (within int64) */
    SIOC_AST_LIT_STRING, /* a string */
    SIOC_AST_LIT_BOOL,   /* true or false */
    SIOC_AST_LIT_FLOAT   /* a decimal fraction or exponent: 2.5, 1e-3 */
} sioc_ast_lit_kind;

typedef struct sioc_ast_default {
    sioc_ast_lit_kind kind;
    int64_t i;
    double f;
    bool b;
    sioc_ast_string str;
    const char *text; /* as written, for messages */
    sioc_span at;
} sioc_ast_default;

/* A record field or an event parameter. name is its C name; wire its
 * JSON key, the same unless written as a string or with "as". */
typedef struct sioc_ast_field {
    sioc_ast_name name;
    const char *wire;
    sioc_span wire_at;
    bool quoted;  /* the wire name was a string */
    bool aliased; /* "as NAME" gave the C name */
    sioc_ast_type type;
    sioc_ast_default def; /* "= VALUE"; kind NONE if none */
    struct sioc_ast_field *next;
} sioc_ast_field;

typedef struct sioc_ast_params {
    sioc_ast_field *head;
    size_t count;
    bool variadic; /* ends with "..." */
    sioc_span variadic_at;
} sioc_ast_params;

typedef struct sioc_ast_req {
    bool auth; /* "auth"; otherwise name is a guard */
    sioc_ast_name name;
    struct sioc_ast_req *next;
} sioc_ast_req;

typedef enum sioc_ast_policy {
    SIOC_AST_POLICY_NONE, /* no "else": inherit */
    SIOC_AST_POLICY_DISCONNECT,
    SIOC_AST_POLICY_ACK
} sioc_ast_policy;

typedef struct sioc_ast_requires {
    bool present;
    sioc_span at; /* the "requires" keyword */
    sioc_ast_req *head;
    sioc_ast_policy policy;
    sioc_span policy_at; /* the word after "else" */
} sioc_ast_requires;

typedef enum sioc_ast_item_kind {
    SIOC_AST_CONNECT,
    SIOC_AST_ON,
    SIOC_AST_ANY, /* on * */
    SIOC_AST_EMIT,
    SIOC_AST_DATA,       /* data Record; | data { fields } */
    SIOC_AST_DISCONNECT, /* disconnect; */
    SIOC_AST_USE,        /* use; (before every event) */
    SIOC_AST_USE_CONNECT /* use connect; (before the connect handler) */
} sioc_ast_item_kind;

typedef struct sioc_ast_item {
    sioc_ast_item_kind kind;
    sioc_span at;         /* the leading keyword */
    sioc_ast_string name; /* ON, EMIT */
    sioc_ast_name alias;  /* "as NAME": the C name; text NULL if none */
    sioc_ast_name record; /* DATA: the record's name; text NULL if written
                             in place: "data { ... }" */
    struct sioc_ast_decl *data_body; /* that record, unnamed */
    sioc_ast_params args;
    bool acked; /* has "-> (...)" */
    sioc_ast_params ack;
    sioc_ast_requires req;
    struct sioc_ast_item *next;
} sioc_ast_item;

typedef struct sioc_ast_value {
    sioc_ast_string str;
    struct sioc_ast_value *next;
} sioc_ast_value;

typedef enum sioc_ast_decl_kind {
    SIOC_AST_RECORD,
    SIOC_AST_ENUM,
    SIOC_AST_GUARD,
    SIOC_AST_NAMESPACE,
    SIOC_AST_IMPORT /* ns: the path, relative to the importing file */
} sioc_ast_decl_kind;

typedef struct sioc_ast_decl {
    sioc_ast_decl_kind kind;
    sioc_span at;           /* the leading keyword */
    sioc_ast_name name;     /* RECORD, ENUM, GUARD */
    sioc_ast_params fields; /* RECORD (never variadic); a union's variants */
    bool is_union;          /* RECORD written "union NAME by TAG {...}" */
    const char *data_of;    /* RECORD written "data {...}" in this
                               namespace (its raw name); named by the
                               checker */
    sioc_ast_string tag;    /* a union's tag key */
    sioc_ast_value *values; /* ENUM */
    size_t nvalues;
    sioc_ast_string ns;  /* NAMESPACE */
    sioc_ast_name alias; /* NAMESPACE "as NAME"; text NULL if none */
    sioc_ast_requires req;
    sioc_ast_item *items;
    bool broken; /* had syntax errors: parts may be missing */
    struct sioc_ast_decl *next;
} sioc_ast_decl;

/* A schema file another one imports: its records and enums become
 * types of the importer, under their own C prefix. */
typedef struct sioc_ast_import {
    const struct sioc_ast_file *file;
    const char *prefix; /* "common_": the imported schema's */
    const char *header; /* "common.sio.h": included by the importer's */
    const char *path;   /* as read: relative to where sioc runs */
    sioc_span at;       /* the import statement in the importing file */
} sioc_ast_import;

typedef struct sioc_ast_file {
    const char *src; /* the text parsed, for the doc comments of its */
    size_t src_len;  /* types when another schema imports them */
    bool has_schema;
    sioc_ast_name schema;
    sioc_ast_decl *decls;
    unsigned syntax_errors; /* errors reported by the lexer and parser */
    unsigned lost_decls;    /* declarations dropped for syntax errors */
} sioc_ast_file;

#endif
