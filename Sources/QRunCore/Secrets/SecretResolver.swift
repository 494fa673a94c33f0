import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Something that can turn some kinds of ``SecretReference`` into a ``SecretValue``.
///
/// Sources never log, store or put a value into an error; their errors name the reference
/// and say what to do. A ``SecretResolver`` asks its sources in order and registers every
/// value with its ``Redactor``; sources themselves do not need to.
public protocol SecretSource: Sendable {
    /// Whether this source handles `ref` (usually: whether it handles the reference's scheme).
    func canResolve(_ ref: SecretReference) -> Bool

    /// The secret `ref` points to. Called only when ``canResolve(_:)`` returned `true`.
    func resolve(_ ref: SecretReference) async throws -> SecretValue
}

/// Resolves `secret:env:NAME` from an environment dictionary (by default, qrun's own
/// environment, captured when the source is created).
///
/// The values are held as ``SecretValue``s, so dumping or reflecting the source shows
/// `[secret]`, never the environment's contents.
public struct EnvironmentSecretSource: SecretSource {
    private let environment: [String: SecretValue]

    /// Creates a source over `environment`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment.mapValues(SecretValue.init)
    }

    /// `true` for `secret:env:` references.
    public func canResolve(_ ref: SecretReference) -> Bool {
        if case .env = ref.source { return true }
        return false
    }

    /// The variable's value.
    ///
    /// - Throws: ``SecretError`` — ``SecretError/Code/notFound`` when the variable is not set,
    ///   ``SecretError/Code/empty`` when it is set to the empty string,
    ///   ``SecretError/Code/unsupportedSource`` for a reference that is not `secret:env:`.
    public func resolve(_ ref: SecretReference) async throws -> SecretValue {
        guard case .env(let name) = ref.source else {
            throw SecretError(
                .unsupportedSource, reference: ref.text,
                message: "the environment source cannot resolve '\(ref.text)'; it only handles secret:env:NAME")
        }
        guard let value = environment[name] else {
            throw SecretError(
                .notFound, reference: ref.text,
                message: "environment variable \(name) is not set; export it or change the reference")
        }
        guard !value.isEmpty else {
            throw SecretError(
                .empty, reference: ref.text,
                message: "environment variable \(name) is set but empty; set it to the secret or change the reference")
        }
        return value
    }
}

/// Resolves `secret:file:PATH`: the file's whole content, minus one trailing newline, is the
/// secret.
///
/// The file is refused unless, after following symlinks, it is a regular file that grants no
/// permission at all to group or others (mode `0600` or `0400`), is at most
/// ``maximumSize`` bytes and is valid UTF-8. The checks are made with `fstat` on the opened
/// descriptor, so the file that is checked is the file that is read. Exactly one trailing
/// `\n` or `\r\n` is removed (what editors and `echo` add); any other whitespace is part of
/// the secret. A relative path is resolved against ``baseDirectory``; `~` is not expanded.
public struct FileSecretSource: SecretSource {
    /// The largest secret file accepted, in bytes (64 KiB).
    public static let maximumSize = 64 * 1024

    /// The directory relative paths are resolved against.
    public let baseDirectory: String

    /// Creates a source resolving relative paths against `baseDirectory` (by default, the
    /// current directory at creation time).
    public init(baseDirectory: String = FileManager.default.currentDirectoryPath) {
        self.baseDirectory = baseDirectory
    }

    /// `true` for `secret:file:` references.
    public func canResolve(_ ref: SecretReference) -> Bool {
        if case .file = ref.source { return true }
        return false
    }

    /// The absolute path a reference's `path` points to.
    public func absolutePath(for path: String) -> String {
        if path.hasPrefix("/") { return path }
        if baseDirectory.hasSuffix("/") { return baseDirectory + path }
        return baseDirectory + "/" + path
    }

    /// The file's content, minus one trailing newline.
    ///
    /// - Throws: ``SecretError`` — ``SecretError/Code/notFound`` (no such file),
    ///   ``SecretError/Code/unsafePermissions`` (any group/other permission bit),
    ///   ``SecretError/Code/unreadable`` (not a regular file, too large, not UTF-8, I/O error),
    ///   ``SecretError/Code/empty`` (nothing left after removing the newline),
    ///   ``SecretError/Code/unsupportedSource`` (not a `secret:file:` reference).
    public func resolve(_ ref: SecretReference) async throws -> SecretValue {
        guard case .file(let rawPath) = ref.source else {
            throw SecretError(
                .unsupportedSource, reference: ref.text,
                message: "the file source cannot resolve '\(ref.text)'; it only handles secret:file:PATH")
        }
        return try load(absolutePath(for: rawPath), reference: ref.text)
    }

    private func load(_ path: String, reference: String) throws(SecretError) -> SecretValue {
        func fail(_ code: SecretError.Code, _ message: String) -> SecretError {
            SecretError(code, reference: reference, message: message)
        }

        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        if fd < 0 {
            let code = errno
            switch code {
            case ENOENT, ENOTDIR:
                throw fail(.notFound, "secret file \(path) does not exist; create it with mode 600 or change the reference")
            case EACCES:
                throw fail(
                    .unreadable,
                    "secret file \(path) cannot be opened (permission denied); make it readable by the user running qrun")
            default:
                throw fail(.unreadable, "secret file \(path) cannot be opened (\(errorText(code)))")
            }
        }
        defer { _ = close(fd) }

        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw fail(.unreadable, "secret file \(path) cannot be examined (\(errorText(errno)))")
        }
        let shown = describe(path)
        let type = info.st_mode & 0o170000
        guard type == 0o100000 else {
            throw fail(
                .unreadable,
                "secret file \(shown) is not a regular file (it is \(kindName(type))); "
                    + "point the reference at a file that contains only the secret")
        }
        let permissions = info.st_mode & 0o7777
        if permissions & 0o077 != 0 {
            let octal = String(permissions, radix: 8)
            let mode = String(repeating: "0", count: max(0, 4 - octal.count)) + octal
            let what = permissions & 0o044 != 0 ? "is readable by group or others" : "grants permissions to group or others"
            throw fail(.unsafePermissions, "secret file \(shown) \(what) (mode \(mode)); run chmod 600 \(path)")
        }
        if Int(info.st_size) > Self.maximumSize {
            throw fail(
                .unreadable,
                "secret file \(shown) is \(info.st_size) bytes, more than the 64 KiB limit; a secret file holds one value")
        }

        // Read at most maximumSize + 1 bytes, in case the file grew after fstat.
        var bytes = [UInt8](repeating: 0, count: Self.maximumSize + 1)
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { buffer in
                read(fd, buffer.baseAddress! + count, buffer.count - count)
            }
            if n == 0 { break }
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                throw fail(.unreadable, "secret file \(shown) cannot be read (\(errorText(code)))")
            }
            count += n
        }
        if count > Self.maximumSize {
            throw fail(.unreadable, "secret file \(shown) is more than the 64 KiB limit; a secret file holds one value")
        }
        if count >= 1 && bytes[count - 1] == 0x0A {
            count -= 1
            if count >= 1 && bytes[count - 1] == 0x0D { count -= 1 }
        }
        guard count > 0 else {
            throw fail(.empty, "secret file \(shown) is empty; write the secret into it or change the reference")
        }
        guard let text = String(validating: bytes[0..<count], as: UTF8.self) else {
            throw fail(.unreadable, "secret file \(shown) is not valid UTF-8 text; a secret file holds one text value")
        }
        // Best effort: do not leave the bytes around longer than needed.
        for k in 0..<count { bytes[k] = 0 }
        return SecretValue(text)
    }

    /// `path`, plus its final target when it is a symlink.
    private func describe(_ path: String) -> String {
        var link = stat()
        guard lstat(path, &link) == 0, link.st_mode & 0o170000 == 0o120000 else { return path }
        guard let resolved = realpath(path, nil) else { return "\(path) (a symlink)" }
        defer { free(resolved) }
        return "\(path) (a symlink to \(String(cString: resolved)))"
    }

    private func kindName(_ type: mode_t) -> String {
        switch type {
        case 0o040000: return "a directory"
        case 0o010000: return "a named pipe"
        case 0o140000: return "a socket"
        case 0o020000: return "a character device"
        case 0o060000: return "a block device"
        default: return "not a regular file"
        }
    }

    private func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}

/// Resolves secret references through a list of ``SecretSource``s and registers every value
/// it hands out with its ``Redactor``.
///
/// This is a `final class` rather than an actor: all of its state is immutable (the sources
/// are `Sendable` values and the redactor synchronizes itself), so there is nothing to
/// serialize, and concurrent resolutions — several steps starting at once — run in parallel
/// without an actor hop.
///
/// A parameter whose whole value is a reference is resolved at the moment of use with
/// ``resolve(text:)``; the value is used and dropped, never stored.
public final class SecretResolver: Sendable {
    /// The redactor every resolved value is registered with.
    public let redactor: Redactor

    private let sources: [any SecretSource]

    /// Creates a resolver that asks `sources` in order (the first whose `canResolve` returns
    /// `true` resolves) and registers values with `redactor`.
    public init(sources: [any SecretSource], redactor: Redactor = Redactor()) {
        self.sources = sources
        self.redactor = redactor
    }

    /// A resolver with the built-in sources: the environment and files (relative paths
    /// against `baseDirectory`). `secret:vault:` references fail until a Vault source is added.
    public static func standard(
        redactor: Redactor = Redactor(),
        environment: [String: String] = ProcessInfo.processInfo.environment,
        baseDirectory: String = FileManager.default.currentDirectoryPath
    ) -> SecretResolver {
        SecretResolver(
            sources: [EnvironmentSecretSource(environment: environment), FileSecretSource(baseDirectory: baseDirectory)],
            redactor: redactor)
    }

    /// The value `ref` points to, registered with ``redactor`` before it is returned.
    ///
    /// - Throws: ``SecretError`` with ``SecretError/Code/unsupportedSource`` when no source
    ///   handles the reference, or whatever the source throws.
    public func resolve(_ ref: SecretReference) async throws -> SecretValue {
        guard let source = sources.first(where: { $0.canResolve(ref) }) else {
            let message: String
            switch ref.source {
            case .vault:
                message =
                    "secret:vault references need a Vault source; configure VAULT_ADDR and a Vault token for qrun, "
                    + "or use secret:env or secret:file instead of '\(ref.text)'"
            case .env, .file:
                message = "no secret source is configured for secret:\(ref.scheme) references (needed by '\(ref.text)')"
            }
            throw SecretError(.unsupportedSource, reference: ref.text, message: message)
        }
        let value = try await source.resolve(ref)
        redactor.register(value)
        return value
    }

    /// When `text` is a secret reference (starts with `secret:`), its resolved value; when it is
    /// an ordinary value, `nil`.
    ///
    /// - Throws: ``SecretError`` with ``SecretError/Code/malformedReference`` when `text`
    ///   starts with `secret:` but is malformed, and anything ``resolve(_:)`` throws.
    public func resolve(text: String) async throws -> SecretValue? {
        guard let ref = try SecretReference.parse(text) else { return nil }
        return try await resolve(ref)
    }
}
