/* suggest.h - "did you mean" for misspelt names and keywords: the
 * closest candidate by edit distance, and the names other languages
 * give sioc's types (a TypeScript user writes "number"). */
#ifndef SIOC_SUGGEST_H
#define SIOC_SUGGEST_H

#include <stddef.h>

/* Collects candidates for one misspelt word; best is the closest so far
 * (ties go to the alphabetically first, so reports are stable). */
typedef struct sioc_suggest {
    const char *word;
    const char *best;
    size_t dist;
} sioc_suggest;

void sioc_suggest_init(sioc_suggest *s, const char *word);
void sioc_suggest_add(sioc_suggest *s, const char *cand);
/* The best candidate if close enough to be a typo (a third of the
 * word's length, at least one edit; case alone always), else NULL. */
const char *sioc_suggest_best(const sioc_suggest *s);

/* "'float' or 'int'" for "number", "'bool'" for "boolean": the sioc
 * type(s), quoted, for a type name of TypeScript, JSON Schema or C; or
 * NULL. */
const char *sioc_suggest_type_alias(const char *word);

#endif
