import Foundation
import Yams

extension RunbookBuilder {
    static let inputKeys = RunbookKeys.input
    static let inputTypes = ["string", "int", "bool", "enum", "duration", "timestamp", "secret"]

    mutating func buildInputs(_ node: Node) -> [InputSpec] {
        guard case .mapping(let m) = node else {
            fail(node, "inputs must be a map of input names to their type, e.g. token_id: { type: string, required: true }")
            return []
        }
        var out: [InputSpec] = []
        for (k, v) in m {
            guard let name = scalarString(k), name.range(of: #"^[a-z][a-z0-9_]{0,63}$"#, options: .regularExpression) != nil else {
                fail(k, "input names are lower-case letters, digits and '_', starting with a letter (e.g. token_id)")
                continue
            }
            guard case .mapping(let specMap) = v else {
                fail(v, "input '\(name)' must be a map with at least 'type'")
                continue
            }
            let f = members(specMap, allowed: Self.inputKeys, context: "in input '\(name)'")
            var kind: InputSpec.Kind = .string
            var isEnum = false
            if let t = f["type"] {
                switch scalarString(t) ?? "" {
                case "string": kind = .string
                case "int", "integer": kind = .int
                case "bool", "boolean": kind = .bool
                case "duration": kind = .duration
                case "timestamp": kind = .timestamp
                case "secret": kind = .secret
                case "enum":
                    isEnum = true
                    if case .sequence(let values)? = f["values"], !values.isEmpty {
                        let strings = values.compactMap { scalarString($0) }
                        if strings.count != values.count || Set(strings).count != strings.count {
                            fail(f["values"]!, "enum values must be distinct strings; remove the repeated one")
                        }
                        kind = .enumeration(strings)
                    } else {
                        fail(f["values"] ?? t, "enum input '\(name)' needs 'values', a non-empty list of the allowed strings, e.g. values: [ibm-quantum, braket]")
                    }
                default:
                    let given = scalarString(t) ?? "?"
                    let hint = Suggest.closest(to: given, in: Self.inputTypes).map { "did you mean '\($0)'? " } ?? ""
                    fail(t, "unknown input type '\(given)'; \(hint)use string, int, bool, enum, duration, timestamp or secret")
                }
            } else {
                fail(v, "input '\(name)' needs a 'type' (string, int, bool, enum, duration, timestamp or secret)")
            }
            if let vn = f["values"], !isEnum {
                fail(vn, "'values' only applies to enum inputs; set type: enum or drop values")
            }
            var required = false
            if let r = f["required"] {
                if let b = boolValue(r) { required = b } else { fail(r, "required must be true or false; write required: true") }
            }
            var pattern: String?
            if let p = f["pattern"] {
                if let s = scalarString(p) {
                    if kind != .string || isEnum {
                        fail(p, "pattern only applies to string inputs; input '\(name)' is \(isEnum ? "enum" : "\(kind)")")
                    } else if (try? NSRegularExpression(pattern: s)) == nil {
                        fail(p, "pattern of input '\(name)' is not a valid regular expression; check its brackets, parentheses and escapes")
                    } else {
                        pattern = s
                    }
                } else { fail(p, "pattern must be a string; quote it, e.g. pattern: \"^[A-Za-z0-9_-]+$\"") }
            }
            let description = optionalString(f["description"], what: "description of input '\(name)'")
            var spec = InputSpec(name: name, kind: kind, required: required, defaultValue: nil,
                                 pattern: pattern, description: description, location: loc(k))
            if let d = f["default"] {
                if required { fail(d, "input '\(name)' is required, so a default would never be used; drop one of them") }
                switch InputCoercion.coerce(scalarValue(d), for: spec) {
                case .success(let v): spec.defaultValue = v
                case .failure(let problem): fail(d, "default of input '\(name)' \(problem)")
                }
            }
            out.append(spec)
        }
        return out
    }
}
