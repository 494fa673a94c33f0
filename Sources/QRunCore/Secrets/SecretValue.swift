/// A resolved secret: a provider token, webhook URL, password…
///
/// The type is built so that the text cannot escape by accident:
/// - `description`, `debugDescription`, string interpolation, `print`, `dump` and the mirror all
///   show `[secret]`; the mirror has no children, so reflection-based tools find nothing;
/// - encoding it with any `Encoder` (JSON, the store, …) **throws** — see ``encode(to:)``;
/// - the only way to get the text is ``reveal()``, named so that every use stands out in review.
///
/// Values are produced by a ``SecretResolver``, which registers them with its ``Redactor``
/// before handing them out, so that anything a secret reaches later can be masked.
public struct SecretValue: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// What every textual rendering of a secret shows.
    public static let placeholder = "[secret]"

    private let text: String

    /// Wraps `text` as a secret. Register it with a ``Redactor`` if it may reach any output.
    public init(_ text: String) {
        self.text = text
    }

    /// The secret text. Call this only at the point where the secret is handed to its consumer
    /// (an HTTP header, a granted child environment variable…), never to log, store or format it.
    public func reveal() -> String { text }

    /// The length of the secret in UTF-8 bytes (safe to show: it is not the value).
    public var utf8Count: Int { text.utf8.count }

    /// Whether the secret is the empty string.
    public var isEmpty: Bool { text.isEmpty }

    /// Always `[secret]`.
    public var description: String { Self.placeholder }

    /// Always `[secret]`.
    public var debugDescription: String { Self.placeholder }

    /// A mirror with no children (so `dump` prints `- [secret]` and reflection sees nothing).
    public var customMirror: Mirror {
        Mirror(self, children: KeyValuePairs<String, Any>(), displayStyle: .struct)
    }
}

extension SecretValue: Encodable {
    /// Always throws `EncodingError.invalidValue`: a secret value must never be written to the
    /// store, a report or any JSON. Store the ``SecretReference`` instead and resolve it again
    /// at the moment of use. The error carries the placeholder `[secret]`, not the value.
    public func encode(to encoder: any Encoder) throws {
        throw EncodingError.invalidValue(
            Self.placeholder,
            EncodingError.Context(
                codingPath: encoder.codingPath,
                debugDescription: "a SecretValue cannot be encoded; store the secret reference instead"))
    }
}
