import Foundation

/// Recognises well-known credential shapes in text: AWS key pairs, PEM private keys, Slack,
/// GitHub and Vault tokens, D-Wave Leap tokens, IBM API keys (by context) and JWTs.
///
/// Patterns are compiled once per scan (one scan runs on one thread). An AWS access key id alone
/// is not reported (it is an identifier); it must have a 40-character secret within five lines.
/// An expired JWT is not reported; one without `exp`, or expiring more than a day after `now`,
/// is `high`, others `medium`. An encrypted private key (see ``PrivateKeyBlock``) is not reported.
struct TokenShapes {
    /// A credential found by its shape.
    struct Match {
        var kind: PreflightKind
        var severity: PreflightSeverity
        var value: String
        var line: Int
        var preview: String?
    }

    private let awsKeyID = PreflightText.regex(#"(?<![A-Z0-9])((?:AKIA|ASIA)[A-Z0-9]{16})(?![A-Z0-9])"#)
    private let awsSecret = PreflightText.regex(#"(?<![A-Za-z0-9/+])([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"#)
    private let privateKey = PreflightText.regex(#"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY( BLOCK)?-----"#)
    private let slack = PreflightText.regex(#"(?<![A-Za-z0-9])(xox[abpr]-[A-Za-z0-9-]{10,})"#)
    private let github = PreflightText.regex(#"(?<![A-Za-z0-9_])(gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})(?![A-Za-z0-9_])"#)
    private let vault = PreflightText.regex(#"(?<![A-Za-z0-9_.])(hv[sb]\.[A-Za-z0-9_-]{24,})"#)
    private let vaultLegacy = PreflightText.regex(#"(?<![A-Za-z0-9_./-])(s\.[A-Za-z0-9]{24})(?![A-Za-z0-9_.-])"#)
    private let ibmContext = PreflightText.regex(#"(?i)[A-Za-z0-9_.-]*(?:ibm|qiskit|ibmq)[A-Za-z0-9_.-]*["']?\s*[:=]\s*["']?([A-Za-z0-9_-]{44}|[A-Fa-f0-9]{128})(?![A-Za-z0-9_-])"#)
    private let ibmAPIKeyJSON = PreflightText.regex(#""apikey"\s*:\s*"([A-Za-z0-9_-]{44})""#)
    private let dwave = PreflightText.regex(#"(?<![A-Za-z0-9_-])(DEV-[0-9a-f]{40})(?![A-Za-z0-9])"#)
    private let jwt = PreflightText.regex(#"(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})"#)

    /// Every shape found in `text`.
    func scan(_ text: PreflightText, now: Date) -> [Match] {
        var out: [Match] = []
        out += awsPairs(text)
        for c in text.captures(privateKey, group: 0) {
            let block = Self.pemBlock(in: text, from: c.offset)
            guard !PrivateKeyBlock.isEncrypted(block) else { continue }
            out.append(Match(kind: .privateKey, severity: .critical, value: block, line: c.line))
        }
        for c in text.captures(dwave) { out.append(Match(kind: .dwaveToken, severity: .critical, value: c.value, line: c.line)) }
        for c in text.captures(slack) { out.append(Match(kind: .slackToken, severity: .high, value: c.value, line: c.line)) }
        for c in text.captures(github) { out.append(Match(kind: .githubToken, severity: .high, value: c.value, line: c.line)) }
        for c in text.captures(vault) {
            out.append(Match(kind: .vaultToken, severity: c.value.hasPrefix("hvb.") ? .medium : .high, value: c.value, line: c.line))
        }
        for c in text.captures(vaultLegacy) where Self.looksRandom(c.value.dropFirst(2)) {
            out.append(Match(kind: .vaultToken, severity: .high, value: c.value, line: c.line))
        }
        for c in text.captures(ibmContext) + text.captures(ibmAPIKeyJSON) where Self.looksRandom(c.value[...]) || c.value.count == 128 {
            out.append(Match(kind: .ibmAPIKey, severity: .critical, value: c.value, line: c.line))
        }
        for c in text.captures(jwt) {
            guard let severity = Self.jwtSeverity(c.value, now: now) else { continue }
            out.append(Match(kind: .jwt, severity: severity, value: c.value, line: c.line))
        }
        return out
    }

    /// AKIA/ASIA ids with the nearest plausible secret within five lines.
    private func awsPairs(_ text: PreflightText) -> [Match] {
        let ids = text.captures(awsKeyID).filter { !PreflightPlaceholder.isPlaceholder($0.value) }
        guard !ids.isEmpty else { return [] }
        let secrets = text.captures(awsSecret).filter { Self.looksRandom($0.value[...]) }
        var out: [Match] = []
        for id in ids {
            let near = secrets.filter { abs($0.line - id.line) <= 5 }.min { abs($0.line - id.line) < abs($1.line - id.line) }
            guard let secret = near else { continue }
            let session = id.value.hasPrefix("ASIA")
            out.append(Match(kind: session ? .awsSessionCredentials : .awsAccessKey, severity: session ? .medium : .critical,
                             value: secret.value, line: secret.line, preview: Self.awsPreview(id.value)))
        }
        return out
    }

    /// `AKIA…WXYZ`: the key type and the last four characters of an access key id.
    static func awsPreview(_ keyID: String) -> String? {
        guard keyID.count == 20, keyID.hasPrefix("AKIA") || keyID.hasPrefix("ASIA") else { return nil }
        return "\(keyID.prefix(4))…\(keyID.suffix(4))"
    }

    /// Mixed letters (both cases) and at least one digit: tells random tokens from words and hex.
    static func looksRandom(_ s: Substring) -> Bool {
        var upper = false, lower = false, digit = false
        for ch in s.unicodeScalars {
            switch ch.value {
            case 0x41...0x5A: upper = true
            case 0x61...0x7A: lower = true
            case 0x30...0x39: digit = true
            default: break
            }
        }
        return upper && lower && digit
    }

    /// The PEM block from its BEGIN line to its END line (at most 16 KiB), as the fingerprinted value.
    static func pemBlock(in text: PreflightText, from offset: Int) -> String {
        let limit = min(offset + 16_384, text.ns.length)
        var stop = min(offset + 200, limit)
        let end = text.ns.range(of: "-----END ", options: [], range: NSRange(location: offset, length: limit - offset))
        if end.location != NSNotFound {
            let from = end.location + end.length
            let close = text.ns.range(of: "-----", options: [], range: NSRange(location: from, length: limit - from))
            if close.location != NSNotFound { stop = close.location + close.length }
        }
        return text.ns.substring(with: NSRange(location: offset, length: stop - offset))
    }

    /// nil when the JWT has expired; `high` without `exp` or more than a day left; else `medium`.
    static func jwtSeverity(_ token: String, now: Date) -> PreflightSeverity? {
        let parts = token.split(separator: ".")
        guard parts.count >= 2 else { return .medium }
        var b64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64),
              let claims = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return .medium }
        guard let exp = (claims["exp"] as? NSNumber)?.doubleValue else { return .high }
        let left = exp - now.timeIntervalSince1970
        if left <= 0 { return nil }
        return left > 86_400 ? .high : .medium
    }
}
