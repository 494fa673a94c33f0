import Foundation
import Synchronization

/// Masks every known secret value, in every encoding it is likely to appear in, with
/// `[REDACTED]`.
///
/// Every resolved ``SecretValue`` is registered here (the ``SecretResolver`` does it before it
/// returns the value), and everything qrun writes — logs, reports, step outputs, the store, a
/// child's captured output — goes through one of the `redact(_:)` overloads first.
///
/// ## What is masked
/// For every registered secret `s`, any occurrence of:
/// - **raw text** — the UTF-8 bytes of `s`;
/// - **JSON-escaped text** — `s` as it appears inside a JSON string literal from any encoder:
///   each character may be written literally, with its short escape (`\"`, `\\`, `\/`, `\b`,
///   `\f`, `\n`, `\r`, `\t`) or as `\uXXXX` in either hex case (surrogate pairs for characters
///   outside the BMP). This covers escaped and unescaped `/`, `\u000a`-style control characters
///   and ASCII-only (`ensure_ascii`) output;
/// - **URL-encoded text** — each byte may be written literally or as `%XX` in either hex case,
///   and a space also as `+`. This covers strict percent-encoding of everything but unreserved
///   characters, the `+`-for-space form encoding, and every encoder's choice of "safe"
///   characters, in upper, lower or mixed case;
/// - **hex** of the UTF-8 bytes, in lower, upper or mixed case;
/// - **base64** of the UTF-8 bytes, standard or URL-safe alphabet, with or without `=` padding;
/// - **base64 inside a longer blob**: when `s` is part of a larger byte string that is base64
///   encoded as a whole (a basic-auth header, a JSON document in a base64 field…), its encoding
///   depends on where it starts modulo 3. For each of the three alignments the redactor masks
///   the stable middle part — the characters whose 6 bits come only from bytes of `s` — when
///   that part is at least ``minimumEmbeddedBase64Length`` characters long (shorter ones would
///   match unrelated base64 too often). At most one character on each side, mixing at most
///   four bits of `s` with bits of its neighbours, stays visible.
/// - **parts of a URL-shaped secret** — its path, query, query values and userinfo password, and
///   `user:password` (so `Authorization: Basic …` too): see ``derivedSecrets(of:)``.
///
/// Text cut before qrun saw all of it (a capped capture) is redacted with ``redact(_:cut:)``,
/// which also masks the fragment of a secret left at the cut edge; text qrun cuts itself is masked
/// first (``prefix(of:maxCharacters:wasCut:)``, ``suffix(of:maxBytes:wasCutAtEnd:)``).
///
/// Matching works on bytes and finds *all* occurrences of all forms, including overlapping
/// ones; the union of the matched ranges is replaced, each maximal run by one `[REDACTED]`.
/// So a longer form is never half-replaced by a shorter one, and two secrets that overlap are
/// both hidden. Because matching is byte-exact, a string that is canonically equivalent to a
/// secret but in a different Unicode normalization form is not masked.
///
/// ## Short secrets
/// Masking a very short value wherever it appears would destroy unrelated output (a secret `42`
/// would mask every `42` in a log), while masking it nowhere would leak it. The rule is:
/// - the empty string is ignored;
/// - a secret of **1 to 3 UTF-8 bytes** (under ``minimumSubstringLength``) is masked in all of
///   its forms, but **only as a whole token**: a match counts only if the bytes right before and
///   right after it are not ASCII letters or digits. `pin=123` and `"123"` are masked,
///   `port 8123` is not;
/// - a secret of **4 bytes or more** is masked wherever it appears, even inside a word.
///   Values of 4–7 bytes therefore over-mask: a secret `test` turns `testing` into
///   `[REDACTED]ing`. That is deliberate — over-masking is preferred to a leak — but provider
///   tokens should be long and random.
///
/// ## Concurrency
/// Registration and redaction may happen from any thread: the compiled patterns live behind a
/// `Synchronization.Mutex`. `redact(_:)` takes a snapshot of the patterns under the
/// lock and scans without holding it.
///
/// ## Limits
/// - Forms are not combined: the base64 of a JSON-escaped secret, or a secret escaped twice
///   (JSON inside a JSON string), is not recognised unless the secret has no character that
///   needs escaping (then every level shows it raw).
/// - Each call sees one buffer. A secret split across two chunks of a stream is not masked;
///   redact whole lines or whole captured outputs, not arbitrary chunks.
///
/// ## Performance
/// One left-to-right pass over the bytes. A table indexed by byte value lists the patterns that
/// can start there, each with the set of bytes that can come second, so most positions cost a
/// table lookup and a bit test. Measured in a release build (x86-64): 64 KiB with 20 registered
/// 40-byte tokens, about 0.3 ms; 64 KiB of URL- and JSON-heavy text against 20 webhook URLs
/// sharing a 35-byte prefix, under 2 ms.
public final class Redactor: Sendable {
    /// What every masked run is replaced with.
    public static let replacement = "[REDACTED]"

    /// Secrets shorter than this many UTF-8 bytes are masked only as whole tokens.
    public static let minimumSubstringLength = 4

    /// The shortest stable base64 middle part (for a secret embedded in a longer base64 blob)
    /// that is masked.
    public static let minimumEmbeddedBase64Length = 8

    private struct State: Sendable {
        var registered: Set<String> = []
        /// The scopes that registered each value (`""`: no scope, kept for the process's life).
        var owners: [String: Set<String>] = [:]
        var engine = RedactionEngine()
    }

    /// The scope a registration belongs to: a long-lived process sets it to a run's id while it
    /// executes the run, and ends the scope when the run's execution ends, so the redactor does
    /// not keep every secret it ever resolved. Registrations outside any scope are kept.
    @TaskLocal public static var scope: String?

    private let state = Mutex(State())

    /// Creates a redactor with no registered secrets.
    public init() {}

    /// Registers a secret value; from now on every form of it is masked. Registering the same
    /// value again has no effect.
    public func register(_ secret: SecretValue) {
        register(rawValue: secret.reveal())
    }

    /// Registers a raw secret text (for values that do not come from a ``SecretResolver``,
    /// such as a token read from a provider's response). The empty string is ignored. See the
    /// type documentation for how values shorter than ``minimumSubstringLength`` bytes are
    /// treated.
    ///
    /// A URL-shaped value also registers the parts that carry its secret on their own (see
    /// ``derivedSecrets(of:)``): a webhook's path and query, a password in its userinfo.
    public func register(rawValue: String) {
        guard !rawValue.isEmpty else { return }
        let values = [rawValue] + Self.derivedSecrets(of: rawValue)
        let scope = Self.scope ?? ""
        state.withLock { state in
            for value in values where !value.isEmpty {
                state.owners[value, default: []].insert(scope)
                guard state.registered.insert(value).inserted else { continue }
                state.engine.add(Array(value.utf8))
            }
        }
    }

    /// Forgets the values registered only under `scope` (a run whose execution ended in this
    /// process); values another scope, or no scope, registered stay masked.
    public func endScope(_ scope: String) {
        state.withLock { state in
            var dropped = false
            for (value, var owners) in state.owners where owners.contains(scope) {
                owners.remove(scope)
                if owners.isEmpty {
                    state.owners[value] = nil
                    state.registered.remove(value)
                    dropped = true
                } else {
                    state.owners[value] = owners
                }
            }
            guard dropped else { return }
            var engine = RedactionEngine()
            for value in state.registered { engine.add(Array(value.utf8)) }
            state.engine = engine
        }
    }

    /// How many values are registered (derived parts included).
    public var registeredCount: Int {
        state.withLock { $0.registered.count }
    }

    /// Every registered value (derived parts included), for the fragment matching of truncated text.
    var registeredValues: [String] {
        state.withLock { Array($0.registered) }
    }

    /// Whether no secret has been registered yet.
    public var isEmpty: Bool {
        state.withLock { $0.registered.isEmpty }
    }

    /// `text` with every occurrence of every form of every registered secret replaced by
    /// `[REDACTED]`.
    public func redact(_ text: String) -> String {
        Self.redact(text, with: snapshot())
    }

    /// `value` with every string redacted, recursively, including object keys.
    ///
    /// Numbers whose text form contains a secret (a numeric PIN, say) become the redacted
    /// string. When two keys of one object redact to the same text, the later ones (in sorted
    /// order of the original keys) get a `#2`, `#3`… suffix so that no entry is lost.
    public func redact(_ value: Value) -> Value {
        let engine = snapshot()
        if engine.isEmpty { return value }
        return Self.redact(value, with: engine)
    }

    /// `data` with every occurrence of every form of every registered secret replaced by the
    /// UTF-8 bytes of `[REDACTED]`. The search is byte-level, so binary data around the matches
    /// is preserved exactly.
    public func redact(_ data: Data) -> Data {
        let engine = snapshot()
        if engine.isEmpty { return data }
        let result: [UInt8]? = data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            engine.redact(raw.assumingMemoryBound(to: UInt8.self))
        }
        guard let result else { return data }
        return Data(result)
    }

    private func snapshot() -> RedactionEngine {
        state.withLock { $0.engine }
    }

    private static func redact(_ text: String, with engine: RedactionEngine) -> String {
        if engine.isEmpty || text.isEmpty { return text }
        let result: [UInt8]?
        if let direct = text.utf8.withContiguousStorageIfAvailable({ engine.redact($0) }) {
            result = direct
        } else {
            result = Array(text.utf8).withUnsafeBufferPointer { engine.redact($0) }
        }
        guard let result else { return text }
        return String(decoding: result, as: UTF8.self)
    }

    private static func redact(_ value: Value, with engine: RedactionEngine) -> Value {
        switch value {
        case .null, .bool:
            return value
        case .int, .double:
            let text = value.interpolationText
            let redacted = redact(text, with: engine)
            return redacted == text ? value : .string(redacted)
        case .string(let s):
            return .string(redact(s, with: engine))
        case .array(let items):
            return .array(items.map { redact($0, with: engine) })
        case .object(let members):
            var result: [String: Value] = [:]
            result.reserveCapacity(members.count)
            for key in members.keys.sorted() {
                let base = redact(key, with: engine)
                var newKey = base
                var n = 2
                while result[newKey] != nil {
                    newKey = "\(base)#\(n)"
                    n += 1
                }
                result[newKey] = redact(members[key]!, with: engine)
            }
            return .object(result)
        }
    }
}
