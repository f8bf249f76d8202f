#include <stdio.h>
#include <readline/readline.h>
#include <readline/history.h>

// Readline's configuration lives in C globals, which Swift 6 refuses to touch
// directly; these accessors are the one place that reads or writes them.
static inline const char *cdsa_rl_library_version(void) { return rl_library_version; }
