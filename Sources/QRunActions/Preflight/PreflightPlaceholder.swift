import Foundation

/// The example and placeholder filter every preflight rule goes through: a value that documents
/// a credential's shape (AWS's published example key pair, `xoxb-your-token`, `<api key>`,
/// `${TOKEN}`, `changeme`, a run of one character) is never a finding, whichever rule matched it.
///
/// Applied centrally in ``PreflightScan/add(_:at:value:severity:fix:preview:)`` so that a rule
/// added later cannot forget it. Length and "looks like a value at all" checks stay with the
/// rules (a `.netrc` password may be short; an `.env` value of three characters is a setting).
enum PreflightPlaceholder {
    /// AWS's documented example access key id and secret (docs, SDK READMEs, tutorials).
    static let awsDocumentedExamples: Set<String> = ["AKIAIOSFODNN7EXAMPLE", "ASIAIOSFODNN7EXAMPLE",
                                                     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]
    /// Words that only appear in a value written to be replaced.
    static let words = ["changeme", "change_me", "change-me", "your_", "your-", "yourtoken", "yourkey", "your token", "your key",
                        "example", "placeholder", "dummy", "xxxx", "****", "....", "redacted", "replace_me", "replace-me",
                        "replaceme", "insert_", "insert-", "fixme", "todo:", "<", ">", "{{", "}}", "%(", "…"]

    /// Whether `value` is an example or a placeholder rather than a credential.
    static func isPlaceholder(_ value: String) -> Bool {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return true }
        if awsDocumentedExamples.contains(trimmed) { return true }
        let lower = trimmed.lowercased()
        if words.contains(where: { lower.contains($0) }) { return true }
        if isReference(trimmed) { return true }
        return isOneCharacterRun(trimmed)
    }

    /// `$VAR`, `${VAR}`, `$(command)` and `%VAR%`: the value comes from elsewhere at run time.
    static func isReference(_ value: String) -> Bool {
        if value.hasPrefix("$") { return true }
        return value.count > 2 && value.hasPrefix("%") && value.hasSuffix("%")
    }

    /// `aaaaaaaa`, `00000000`, `ghp_xxxxxxxx…`: after any prefix up to `_`/`-`/`.`, one character repeated.
    static func isOneCharacterRun(_ value: String) -> Bool {
        if Set(value).count <= 2 { return true }
        guard let cut = value.lastIndex(where: { $0 == "_" || $0 == "-" || $0 == "." }) else { return false }
        let tail = value[value.index(after: cut)...]
        return tail.count >= 8 && Set(tail).count == 1
    }
}
