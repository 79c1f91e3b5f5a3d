/*
 * models.c — model name -> struct sp_model, and sp_serve.
 * A new I/O model is a new file in impl/server/ plus one row here.
 */
#include <errno.h>
#include <string.h>

#include "syspath/server.h"

volatile sig_atomic_t sp_stop_requested;

extern const struct sp_model sp_model_iterative;
extern const struct sp_model sp_model_epoll;
extern const struct sp_model sp_model_uring;
extern const struct sp_model sp_model_reuseport;

const struct sp_model *const sp_model_all[] = {
    &sp_model_iterative,
    &sp_model_epoll,
#ifdef SYSPATH_HAVE_LIBURING            /* built only where liburing is (impl/CMakeLists.txt) */
    &sp_model_uring,
#endif
    &sp_model_reuseport,
    NULL,
};

const struct sp_model *sp_model_find(const char *name)
{
    for (const struct sp_model *const *m = sp_model_all; name && *m; m++)
        if (strcmp((*m)->name, name) == 0)
            return *m;
    return NULL;
}

const char *sp_model_names(void)
{
    static char names[256];
    if (!names[0]) {
        for (const struct sp_model *const *m = sp_model_all; *m; m++) {
            if (m != sp_model_all)
                strcat(names, ", ");
            strcat(names, (*m)->name);
        }
    }
    return names;
}

long sp_serve(const struct sp_sys *sys, const struct sp_config *cfg,
              const struct sp_listener *listener, struct sp_stats *stats)
{
    const struct sp_model *m = sp_model_find(cfg->model);
    if (!m)
        return -ENOENT;
    char why[160];
    if (m->available && m->available(why, sizeof why) < 0)
        return -ENOSYS;
    return m->run(sys, cfg, listener, stats);
}
