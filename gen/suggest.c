/* suggest.c - see suggest.h. Distances are optimal string alignment
 * (Levenshtein plus adjacent swaps, "rceord"), computed on ASCII
 * case-folded bytes so that "message" finds "Message" at distance 0. */
#include "suggest.h"

#include <string.h>

/* Longer words are never typos of one another worth reporting. */
#define SUGGEST_MAX_LEN 64

static unsigned char sug_fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static size_t sug_min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;

    return m < c ? m : c;
}

/* Optimal string alignment distance between a and b (folded). */
static size_t osa_distance(const char *a, size_t la, const char *b, size_t lb)
{
    size_t d[SUGGEST_MAX_LEN + 1][SUGGEST_MAX_LEN + 1];

    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            unsigned char ca = sug_fold((unsigned char)a[i - 1]);
            unsigned char cb = sug_fold((unsigned char)b[j - 1]);
            size_t cost = ca != cb;

            d[i][j] = sug_min3(d[i - 1][j] + 1, d[i][j - 1] + 1,
                               d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && ca == sug_fold((unsigned char)b[j - 2]) &&
                sug_fold((unsigned char)a[i - 2]) == cb &&
                d[i - 2][j - 2] + 1 < d[i][j])
                d[i][j] = d[i - 2][j - 2] + 1;
        }
    }
    return d[la][lb];
}

void sioc_suggest_init(sioc_suggest *s, const char *word)
{
    s->word = word;
    s->best = NULL;
    s->dist = (size_t)-1;
}

void sioc_suggest_add(sioc_suggest *s, const char *cand)
{
    size_t lw = strlen(s->word), lc = strlen(cand), dist;

    if (lw > SUGGEST_MAX_LEN || lc > SUGGEST_MAX_LEN || !strcmp(cand, s->word))
        return;
    dist = osa_distance(s->word, lw, cand, lc);
    if (dist < s->dist || (dist == s->dist && strcmp(cand, s->best) < 0)) {
        s->best = cand;
        s->dist = dist;
    }
}

const char *sioc_suggest_best(const sioc_suggest *s)
{
    size_t limit = strlen(s->word) / 3;

    if (!s->best)
        return NULL;
    return s->dist <= (limit ? limit : 1) ? s->best : NULL;
}

static const struct {
    const char *word, *sioc;
} sug_type_aliases[] = {
    {"number", "'float' or 'int'"},
    {"integer", "'int'"},
    {"bigint", "'int'"},
    {"int64", "'int'"},
    {"long", "'int'"},
    {"double", "'float'"},
    {"boolean", "'bool'"},
    {"str", "'string'"},
    {"char", "'string'"},
    {"any", "'json'"},
    {"unknown", "'json'"},
    {"object", "'json' or a record"},
    {"Object", "'json' or a record"},
    {"Buffer", "'bytes'"},
    {"ArrayBuffer", "'bytes'"},
    {"Uint8Array", "'bytes'"},
    {"binary", "'bytes'"},
    {"null", "an optional type ('T?')"},
    {"undefined", "an optional type ('T?')"},
};

const char *sioc_suggest_type_alias(const char *word)
{
    for (size_t i = 0; i < sizeof sug_type_aliases / sizeof *sug_type_aliases;
         i++)
        if (!strcmp(word, sug_type_aliases[i].word))
            return sug_type_aliases[i].sioc;
    return NULL;
}
