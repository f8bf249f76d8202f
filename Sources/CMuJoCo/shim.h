#include <mujoco/mujoco.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// MuJoCo's default error handler prints and calls exit() (engine_util_errmem.c,
// mju_error_raw), which would end a REPL session. cdsa installs its own handlers once
// (cdsa_mj_install_handlers, from Simulation's MuJoCoModel). A guarded call below sets a
// thread-local jump target: on mju_error the handler records MuJoCo's message and
// longjmps back into the guarded call, which returns failure so Swift throws. Only C
// frames (MuJoCo's engine, which is C) lie between the setjmp and the longjmp. An error
// outside a guarded call cannot be returned from safely (MuJoCo would carry on with a
// broken state), so it is reported on stderr and aborts loudly instead of exiting quietly.
// Warnings are recorded (no MUJOCO_LOG.TXT in the working folder) and printed to stderr.
// Only Simulation calls these: each Swift module importing them gets its own statics.

// Swift emits the inline functions it calls but not a header's file-scope variables, so
// the per-thread state lives in function-local statics.
typedef struct {
    jmp_buf *target;
    char error[1024];
    char warning[1024];
} cdsa_mj_state_t;

static inline cdsa_mj_state_t *cdsa_mj_state(void) {
    static _Thread_local cdsa_mj_state_t state;
    return &state;
}

static inline void cdsa_mj_on_error(const char *message) {
    cdsa_mj_state_t *s = cdsa_mj_state();
    snprintf(s->error, sizeof s->error, "%s", message);
    if (s->target) longjmp(*s->target, 1);
    fprintf(stderr, "cdsa: MuJoCo error outside a guarded call: %s\n", message);
    abort();
}

static inline void cdsa_mj_on_warning(const char *message) {
    cdsa_mj_state_t *s = cdsa_mj_state();
    snprintf(s->warning, sizeof s->warning, "%s", message);
    fprintf(stderr, "MuJoCo warning: %s\n", message);
}

static inline void cdsa_mj_install_handlers(void) {
    mju_user_error = cdsa_mj_on_error;
    mju_user_warning = cdsa_mj_on_warning;
}

/// The message of the last MuJoCo error on this thread.
static inline const char *cdsa_mj_last_error(void) { return cdsa_mj_state()->error; }

/// The last MuJoCo warning on this thread ("" if none since the last clear).
static inline const char *cdsa_mj_last_warning(void) { return cdsa_mj_state()->warning; }
static inline void cdsa_mj_clear_warning(void) { cdsa_mj_state()->warning[0] = 0; }

/// n × mj_step. Returns the largest number of active constraints seen (the current
/// state's, then after each step), or -1 after a MuJoCo error.
static inline int cdsa_mj_step(const mjModel *m, mjData *d, int n) {
    jmp_buf here;
    cdsa_mj_state_t *s = cdsa_mj_state();
    jmp_buf *outer = s->target;
    volatile int most = d->nefc;
    if (setjmp(here)) {
        s->target = outer;
        return -1;
    }
    s->target = &here;
    for (int i = 0; i < n; i++) {
        mj_step(m, d);
        if (d->nefc > most) most = d->nefc;
    }
    s->target = outer;
    return most;
}

/// mj_forward; returns 0, or -1 after a MuJoCo error.
static inline int cdsa_mj_forward(const mjModel *m, mjData *d) {
    jmp_buf here;
    cdsa_mj_state_t *s = cdsa_mj_state();
    jmp_buf *outer = s->target;
    if (setjmp(here)) {
        s->target = outer;
        return -1;
    }
    s->target = &here;
    mj_forward(m, d);
    s->target = outer;
    return 0;
}

/// mj_makeData; NULL after a MuJoCo error (e.g. out of memory).
static inline mjData *cdsa_mj_make_data(const mjModel *m) {
    jmp_buf here;
    cdsa_mj_state_t *s = cdsa_mj_state();
    jmp_buf *outer = s->target;
    if (setjmp(here)) {
        s->target = outer;
        return NULL;
    }
    s->target = &here;
    mjData *d = mj_makeData(m);
    s->target = outer;
    return d;
}

/// Compiles MJCF text staged as file `name` in a virtual file system; NULL with the
/// message in `error` on failure.
static inline mjModel *cdsa_mj_load_xml_text(const char *name, const char *text, int length,
                                             char *error, int error_size) {
    mjVFS *vfs = (mjVFS *)malloc(sizeof(mjVFS));  // about 2 MB of fixed tables
    if (!vfs) {
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    mj_defaultVFS(vfs);
    mjModel *m = NULL;
    if (mj_makeEmptyFileVFS(vfs, name, length) == 0) {
        memcpy(vfs->filedata[mj_findFileVFS(vfs, name)], text, length);
        m = mj_loadXML(name, vfs, error, error_size);
    } else {
        snprintf(error, error_size, "cannot stage the model in MuJoCo's virtual file system");
    }
    mj_deleteVFS(vfs);
    free(vfs);
    return m;
}
