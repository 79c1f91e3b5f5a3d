/*
 * registry.c — backend name -> struct sp_sys, for --backend and the tests.
 * A new syscall path is a new file in impl/sys/ plus one row here.
 */
#include <string.h>

#include "syspath/sys.h"

const struct sp_sys *const sp_sys_all[] = {
    &sp_sys_asm,
    &sp_sys_raw,
    &sp_sys_libc,
    NULL,
};

const struct sp_sys *sp_sys_find(const char *name)
{
    for (const struct sp_sys *const *s = sp_sys_all; name && *s; s++)
        if (strcmp((*s)->name, name) == 0)
            return *s;
    return NULL;
}

const char *sp_sys_names(void)
{
    static char names[128];
    if (!names[0]) {
        for (const struct sp_sys *const *s = sp_sys_all; *s; s++) {
            if (s != sp_sys_all)
                strcat(names, ", ");
            strcat(names, (*s)->name);
        }
    }
    return names;
}
