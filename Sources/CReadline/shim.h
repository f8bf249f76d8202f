#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/select.h>
#include <readline/readline.h>
#include <readline/history.h>

// Readline's configuration lives in C globals, which Swift 6 refuses to touch
// directly; these accessors are the one place that reads or writes them.
static inline const char *cdsa_rl_library_version(void) { return rl_library_version; }

/// The REPL's completion hook: (text, start, end) -> NULL-terminated matches, readline style.
typedef char **(*cdsa_rl_completer)(const char *text, int start, int end);

/// Where a word to complete starts: in code, after an operator or bracket ('.' is not a
/// break, so `cfg.st` is one word); inside a string literal, after the opening quote, so a
/// whole path (with its '/' and spaces) is one word.
static inline char *cdsa_rl_word_breaks(void) {
    int inside = 0, escaped = 0;
    for (int i = 0; i < rl_point && rl_line_buffer[i]; i++) {
        char c = rl_line_buffer[i];
        if (escaped) { escaped = 0; continue; }
        if (c == '\\' && inside) escaped = 1;
        else if (c == '"') inside = !inside;
        else if (c == '#' && !inside) break;
    }
    return (char *)(inside ? "\"" : " \t\n\"'`@$><=;|&{}()[],+-*/%!");
}

/// Installs the completer and the word breaks.
static inline void cdsa_rl_configure(const char *name, cdsa_rl_completer completer) {
    rl_readline_name = name;
    rl_attempted_completion_function = completer;
    rl_completion_word_break_hook = cdsa_rl_word_breaks;
}

/// The line being edited (for the completer to look left of the word).
static inline const char *cdsa_rl_line_buffer(void) { return rl_line_buffer; }

/// Called from the completer: no filename fallback; `append` goes after a unique match.
static inline void cdsa_rl_completion_options(int append) {
    rl_attempted_completion_over = 1;
    rl_completion_append_character = append;
}

/// Readline's own filename completion (for paths inside string literals).
static inline char **cdsa_rl_filename_matches(const char *text) {
    return rl_completion_matches(text, rl_filename_completion_function);
}

// The line handler's results. Function-local statics: Swift emits these with the
// functions that use them (a file-scope static in a header would never be defined).
static inline char **cdsa_rl_line_slot(void) { static char *line; return &line; }
static inline int *cdsa_rl_done_slot(void) { static int done; return &done; }

static inline void cdsa_rl_on_line(char *line) {
    *cdsa_rl_line_slot() = line;
    *cdsa_rl_done_slot() = 1;
    rl_callback_handler_remove();
}

/// Reads one line with readline's callback interface, so a Ctrl-C is noticed at the prompt:
/// the SIGINT handler sets a flag that `interrupted` reports (and clears), and select wakes
/// every 100 ms to poll it whichever thread took the signal.
/// Returns 0 with *line set (malloc'd, caller frees), 1 at end of input, 2 on Ctrl-C
/// (the line is discarded and the terminal restored).
static inline int cdsa_rl_read(const char *prompt, int (*interrupted)(void), char **line) {
    *cdsa_rl_line_slot() = NULL;
    *cdsa_rl_done_slot() = 0;
    *line = NULL;
    rl_callback_handler_install(prompt, cdsa_rl_on_line);
    while (!*cdsa_rl_done_slot()) {
        if (interrupted()) {
            rl_free_line_state();
            rl_callback_sigcleanup();
            rl_callback_handler_remove();
            fputs("^C\n", rl_outstream ? rl_outstream : stdout);
            fflush(rl_outstream ? rl_outstream : stdout);
            return 2;
        }
        fd_set fds;
        FD_ZERO(&fds);
        int fd = fileno(rl_instream ? rl_instream : stdin);
        FD_SET(fd, &fds);
        struct timeval timeout = {0, 100000};
        int ready = select(fd + 1, &fds, NULL, NULL, &timeout);
        if (ready < 0 && errno != EINTR) { rl_callback_handler_remove(); return 1; }
        if (ready > 0) rl_callback_read_char();
    }
    if (*cdsa_rl_line_slot() == NULL) return 1;
    *line = *cdsa_rl_line_slot();
    return 0;
}

/// History: keep the last `limit` entries; `path` is created if missing.
static inline void cdsa_rl_history_open(const char *path, int limit) {
    stifle_history(limit);
    if (read_history(path) != 0) write_history(path);
}

/// Adds one entry and appends it to the file at once, so a crash loses nothing.
static inline void cdsa_rl_history_add(const char *path, const char *entry, int limit) {
    add_history(entry);
    append_history(1, path);
    history_truncate_file(path, limit);
}
