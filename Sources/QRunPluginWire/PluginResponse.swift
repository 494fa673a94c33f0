import Foundation

/// The one JSON document a plugin writes to its standard output.
///
/// Success: `{"ok":true,"outputs":{…},"summary":"…"}`.
/// Failure: `{"ok":false,"error":"…","retryable":false}` (`retryable` defaults to false).
public enum PluginResponse: Sendable, Hashable {
    /// The verb succeeded.
    case success(outputs: [String: Value], summary: String)
    /// The verb failed; `retryable` says whether trying again may help.
    case failure(error: String, retryable: Bool)

    /// Parses standard output. Leading and trailing whitespace is allowed; anything else around
    /// the one JSON object is not.
    /// - Throws: ``PluginResponseError`` naming what is wrong, never quoting the output.
    public static func parse(_ data: Data) throws(PluginResponseError) -> PluginResponse {
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { throw .empty }
        let value: Value
        do {
            value = try JSONDecoder().decode(Value.self, from: Data(text.utf8))
        } catch {
            throw .notJSON
        }
        guard case .object(let o) = value else { throw .notAnObject(value.jsonTypeName) }
        guard let okValue = o["ok"] else { throw .missingField("ok") }
        guard case .bool(let ok) = okValue else { throw .wrongType(field: "ok", expected: "a boolean", found: okValue.jsonTypeName) }
        if ok {
            guard let outputsValue = o["outputs"] else { throw .missingField("outputs") }
            guard case .object(let outputs) = outputsValue else {
                throw .wrongType(field: "outputs", expected: "an object", found: outputsValue.jsonTypeName)
            }
            guard let summaryValue = o["summary"] else { throw .missingField("summary") }
            guard case .string(let summary) = summaryValue else {
                throw .wrongType(field: "summary", expected: "a string", found: summaryValue.jsonTypeName)
            }
            return .success(outputs: outputs, summary: summary)
        }
        guard let errorValue = o["error"] else { throw .missingField("error") }
        guard case .string(let error) = errorValue, !error.isEmpty else {
            throw .wrongType(field: "error", expected: "a non-empty string", found: errorValue.jsonTypeName)
        }
        var retryable = false
        if let r = o["retryable"] {
            guard case .bool(let b) = r else { throw .wrongType(field: "retryable", expected: "a boolean", found: r.jsonTypeName) }
            retryable = b
        }
        return .failure(error: error, retryable: retryable)
    }

    /// The response as JSON with sorted keys (what a Swift plugin prints).
    public func encoded() throws -> Data {
        var o: [String: Value]
        switch self {
        case .success(let outputs, let summary): o = ["ok": .bool(true), "outputs": .object(outputs), "summary": .string(summary)]
        case .failure(let error, let retryable): o = ["ok": .bool(false), "error": .string(error), "retryable": .bool(retryable)]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(Value.object(o))
    }
}

/// Why a plugin's standard output is not a valid response. Descriptions are phrases that follow
/// "its output …" and never quote the output (it may hold a secret).
public enum PluginResponseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Nothing but whitespace was written.
    case empty
    /// The output is not one JSON document.
    case notJSON
    /// The JSON document is not an object.
    case notAnObject(String)
    /// A required field is absent.
    case missingField(String)
    /// A field has the wrong JSON type.
    case wrongType(field: String, expected: String, found: String)

    /// A phrase such as "is not JSON" or "lacks the field 'summary'".
    public var description: String {
        switch self {
        case .empty: "is empty"
        case .notJSON: "is not one JSON object"
        case .notAnObject(let t): "is \(t), not a JSON object"
        case .missingField(let f): "lacks the field '\(f)'"
        case .wrongType(let f, let expected, let found): "has '\(f)' as \(found), not \(expected)"
        }
    }
}
