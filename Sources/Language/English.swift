// English for messages and summaries, so they never read "1 episodes" or "a optimizer".

/// `n` and the noun, plural unless n is 1: "1 episode", "3 episodes" (`plural` for
/// nouns that do not just add "s").
public func counted(_ n: Int, _ noun: String, plural: String? = nil) -> String {
    "\(n) " + (n == 1 ? noun : plural ?? noun + "s")
}

/// The noun after "a" or "an", by its first letter: "a tensor", "an optimizer". (Type
/// names are plain words; "a union"-style exceptions do not occur among them.)
public func withArticle(_ noun: String) -> String {
    guard let first = noun.first else { return noun }
    return ("aeiou".contains(first.lowercased()) ? "an " : "a ") + noun
}
