// Bindings: the engine's registration tables for the language.
