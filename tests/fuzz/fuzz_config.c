/* fuzz_config.c: the INI config loader (train/config.h) on arbitrary text. A configuration it
 * accepts must survive its own round trip: config_format's text parses again to the same
 * configuration (checkpoints rely on this). */
#include "train/config.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    train_config c, again;
    err e;
    if (config_parse_string(text, "fuzz.ini", NULL, 0, &c, &e) == 0) {
        char *ini = config_format(&c);
        if (!ini || config_parse_string(ini, "formatted", NULL, 0, &again, &e) < 0)
            abort();
        char *ini2 = config_format(&again);
        if (!ini2 || strcmp(ini, ini2) != 0)
            abort();
        free(ini);
        free(ini2);
    }
    free(text);
    return 0;
}
