/* emit_text.h - text helpers of the emitters for other languages (--ts,
 * --asyncapi): JSON string literals and doc comments. */
#ifndef SIOC_EMIT_TEXT_H
#define SIOC_EMIT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "diag.h"

/* s as a JSON string literal (also a TypeScript one): quotes, escapes
 * for '"', '\\' and control characters, UTF-8 kept; a byte that is not
 * valid UTF-8 becomes '?'. */
const char *sioc_json_str(sioc_arena *a, const char *s);

/* The doc comment of the declaration at `at` in src: the "##" lines
 * right above its line (no blank line or plain '#' line between) and a
 * "##" comment ending its line, one '\n' between lines, each without its
 * "##" and one space. Plain '#' comments are the schema's own.
 * Control characters become spaces. NULL if there is none. */
const char *sioc_doc(sioc_arena *a, const char *src, size_t len, sioc_span at);

#endif
