/// "Did you mean …?" suggestions by edit distance.
public enum Suggest {
    /// The candidate closest to `word`, when it is close enough to be a plausible typo.
    ///
    /// Distance counts insertions, deletions, substitutions and swaps of two neighbouring
    /// characters (`lable` → `label` is one edit); ties go to the earlier candidate.
    public static func closest(to word: String, in candidates: [String]) -> String? {
        var best: (String, Int)?
        for c in candidates {
            let d = distance(Array(word.lowercased()), Array(c.lowercased()))
            if d <= max(1, min(word.count, c.count) / 3), d < (best?.1 ?? Int.max) { best = (c, d) }
        }
        return best?.0
    }

    /// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var before = Array(repeating: 0, count: b.count + 1)
        var prev = Array(0...b.count)
        var cur = prev
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    cur[j] = min(cur[j], before[j - 2] + 1)
                }
            }
            (before, prev, cur) = (prev, cur, before)
        }
        return prev[b.count]
    }
}
