/* An enum's functions: the count, the names table in C order, name() of
 * every value and of values out of range, parse() of every wire string,
 * of near misses and of NULL.
 * schema: all_types.sio
 */
#include <stdio.h>
#include <string.h>

#include "all_types.sio.h"

static int fail(const char *what)
{
    fprintf(stderr, "enum_functions: %s\n", what);
    return 1;
}

int main(void)
{
    static const char *const wire[] = {"red", "green", "dark-blue"};
    types_Color c = types_Color_green;
    int bad = 0;

    if (types_Color_COUNT != 3)
        bad += fail("count");
    for (int i = 0; i < types_Color_COUNT; i++) {
        if (strcmp(types_Color_names[i], wire[i]) != 0 ||
            strcmp(types_Color_name((types_Color)i), wire[i]) != 0)
            bad += fail(wire[i]);
        if (!types_Color_parse(wire[i], &c) || (int)c != i)
            bad += fail("parse of a value");
    }
    if (types_Color_parse("dark-blue", &c) && c != types_Color_dark_blue)
        bad += fail("dark-blue");
    if (types_Color_name((types_Color)3) != NULL ||
        types_Color_name((types_Color)-1) != NULL)
        bad += fail("name of a value out of range");
    c = types_Color_red;
    if (types_Color_parse("dark", &c) || types_Color_parse("redd", &c) ||
        types_Color_parse("Red", &c) || types_Color_parse("", &c) ||
        types_Color_parse(NULL, &c) || c != types_Color_red)
        bad += fail("parse accepted a near miss or changed *out");
    return bad != 0;
}
