import Foundation
import Yams

extension RunbookBuilder {
    static let inputKeys = ["type", "required", "default", "pattern", "description", "values"]

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
            if let t = f["type"] {
                switch scalarString(t) ?? "" {
                case "string": kind = .string
                case "int", "integer": kind = .int
                case "bool", "boolean": kind = .bool
                case "duration": kind = .duration
                case "secret": kind = .secret
                case "enum":
                    if case .sequence(let values)? = f["values"], !values.isEmpty {
                        let strings = values.compactMap { scalarString($0) }
                        if strings.count != values.count || Set(strings).count != strings.count {
                            fail(f["values"]!, "enum values must be distinct strings")
                        }
                        kind = .enumeration(strings)
                    } else {
                        fail(t, "an enum input needs 'values', a non-empty list")
                    }
                default:
                    fail(t, "unknown input type '\(scalarString(t) ?? "?")'; use string, int, bool, enum, duration or secret")
                }
            } else {
                fail(v, "input '\(name)' needs a 'type' (string, int, bool, enum, duration or secret)")
            }
            if f["values"] != nil, case .enumeration = kind {} else if let vn = f["values"] {
                fail(vn, "'values' only applies to enum inputs")
            }
            var required = false
            if let r = f["required"] {
                if let b = boolValue(r) { required = b } else { fail(r, "required must be true or false") }
            }
            var pattern: String?
            if let p = f["pattern"] {
                if let s = scalarString(p) {
                    if (try? NSRegularExpression(pattern: s)) == nil {
                        fail(p, "pattern is not a valid regular expression")
                    } else if case .string = kind {
                        pattern = s
                    } else {
                        fail(p, "pattern only applies to string inputs")
                    }
                } else { fail(p, "pattern must be a string") }
            }
            let description = f["description"].flatMap { scalarString($0) }
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
