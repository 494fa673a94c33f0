import Foundation
import QRunCore

/// Checks a JSON value against the subset of JSON Schema (2020-12) that qrun's documented schemas
/// use: `type` (one or a list), `enum`, `const`, `properties`, `required`,
/// `additionalProperties: false`, `items`, and `$ref` to `#/$defs/NAME`. Returns every violation
/// with its JSON path, so a test names the field that is missing, extra or of the wrong type.
public struct JSONSchemaCheck {
    public let root: Value

    public init(schemaFile path: String) throws {
        root = try Value.parseJSON(String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self))
    }

    public func violations(of value: Value) -> [String] {
        var out: [String] = []
        check(value, against: root, at: "$", into: &out)
        return out
    }

    private func resolve(_ schema: Value) -> Value {
        guard let ref = schema["$ref"]?.stringValue, ref.hasPrefix("#/$defs/") else { return schema }
        return root["$defs"]?[String(ref.dropFirst("#/$defs/".count))] ?? .null
    }

    private static func typeName(_ v: Value) -> String {
        switch v {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    private func check(_ v: Value, against s: Value, at path: String, into out: inout [String]) {
        let schema = resolve(s)
        if schema["$ref"] != nil, schema == s { out.append("\(path): unresolvable $ref"); return }
        if let t = schema["type"] {
            let allowed = t.arrayValue?.compactMap(\.stringValue) ?? [t.stringValue ?? ""]
            let actual = Self.typeName(v)
            guard allowed.contains(actual) || (actual == "integer" && allowed.contains("number")) else {
                out.append("\(path): \(actual), expected \(allowed.joined(separator: " or "))")
                return
            }
        }
        if let e = schema["enum"]?.arrayValue, !e.contains(v) { out.append("\(path): \(v.jsonText) not in \(Value.array(e).jsonText)") }
        if let c = schema["const"], c != v { out.append("\(path): \(v.jsonText), expected \(c.jsonText)") }
        if case .object(let members) = v {
            let props = schema["properties"]?.objectValue ?? [:]
            for r in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[r] == nil {
                out.append("\(path): missing \(r)")
            }
            for (k, child) in members.sorted(by: { $0.key < $1.key }) {
                if let ps = props[k] {
                    check(child, against: ps, at: "\(path).\(k)", into: &out)
                } else if schema["additionalProperties"] == .bool(false) {
                    out.append("\(path): undocumented field \(k)")
                }
            }
        }
        if case .array(let items) = v, let itemSchema = schema["items"] {
            for (i, item) in items.enumerated() { check(item, against: itemSchema, at: "\(path)[\(i)]", into: &out) }
        }
    }
}
