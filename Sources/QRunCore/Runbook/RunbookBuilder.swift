import Foundation
import Yams

/// Maps a composed YAML tree onto the runbook model, collecting every issue on the way.
struct RunbookBuilder {
    let path: String
    let text: String
    let catalog: ActionCatalog
    let limits: RunbookLoader.Limits
    var issues: [RunbookIssue] = []
    /// Built on the first expression error; most runbooks never need it.
    lazy var locator = ScalarLocator(text: text)

    init(path: String, text: String, catalog: ActionCatalog, limits: RunbookLoader.Limits) {
        self.path = path
        self.text = text
        self.catalog = catalog
        self.limits = limits
    }

    static let topLevelKeys = RunbookKeys.topLevel

    mutating func build(_ root: Node) -> Runbook? {
        guard case .mapping(let top) = root else {
            fail(root, "a runbook is a map with keys runbook, version, steps, …; found \(kind(of: root))")
            return nil
        }
        let fields = members(top, allowed: Self.topLevelKeys, context: "at the top level")

        var name = ""
        if let node = fields["runbook"] {
            if let s = scalarString(node), s.range(of: #"^[a-z0-9][a-z0-9._-]{0,63}$"#, options: .regularExpression) != nil {
                name = s
                let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                if stem != s, path.hasSuffix(".yaml") || path.hasSuffix(".yml") {
                    fail(node, "runbook '\(s)' must live in a file named \(s).yaml (this file is \((path as NSString).lastPathComponent))")
                }
            } else {
                fail(node, "runbook name must be lower-case letters, digits, '.', '_' or '-' (at most 64), e.g. credential-leak")
            }
        } else {
            failAt(root, "missing required key 'runbook' (the runbook's name)")
        }

        var version = 0
        if let node = fields["version"] {
            if let v = intValue(node), v >= 1 { version = v } else { fail(node, "version must be a positive integer; bump it on every change") }
        } else {
            failAt(root, "missing required key 'version' (an integer, bumped on every change)")
        }

        let description = optionalString(fields["description"], what: "description")

        let inputs = fields["inputs"].map { buildInputs($0) } ?? []
        let env = fields["env"].map { buildEnv($0) } ?? []

        var concurrency: Template?
        var concurrencyLocation: SourceLocation?
        var absorb: Duration?
        if let node = fields["concurrency"] {
            var keyNode: Node? = node
            if case .mapping(let m) = node {
                let f = members(m, allowed: RunbookKeys.concurrency, context: "in concurrency")
                keyNode = f["key"]
                if let a = f["absorb"] { absorb = duration(a, what: "absorb") }
                if keyNode == nil { fail(node, "concurrency needs a 'key', e.g. key: \"credential-leak/${{ inputs.token_id }}\"") }
            }
            if let keyNode {
                if let s = scalarString(keyNode) {
                    concurrency = template(s, at: keyNode)
                    concurrencyLocation = loc(keyNode)
                } else {
                    fail(keyNode, "concurrency key must be a string, e.g. key: \"my-runbook/${{ inputs.token_id }}\"")
                }
            }
        }

        var maxParallel: Int?
        if let node = fields["max_parallel"] {
            if let v = intValue(node), (1...1024).contains(v) { maxParallel = v } else { fail(node, "max_parallel must be an integer from 1 to 1024") }
        }

        let triggers = fields["triggers"].map { buildTriggers($0) } ?? []

        var steps: [StepSpec] = []
        if let node = fields["steps"] {
            steps = buildSteps(node, phase: .main)
            if case .sequence(let seq) = node, seq.isEmpty { fail(node, "steps is empty; a runbook needs at least one step, e.g. - { id: contain, uses: core.noop }") }
        } else {
            failAt(root, "missing required key 'steps' (a list of steps)")
        }
        let onFailure = fields["on_failure"].map { buildSteps($0, phase: .onFailure) } ?? []

        if steps.count + onFailure.count > limits.maxSteps {
            failAt(root, "runbook has \(steps.count + onFailure.count) steps; the limit is \(limits.maxSteps)")
        }
        guard issues.isEmpty else { return nil }
        var runbook = Runbook(name: name, version: version, description: description, inputs: inputs,
                              declaredEnvironment: env, concurrency: concurrency, maxParallel: maxParallel,
                              triggers: triggers, steps: steps, onFailure: onFailure,
                              source: RunbookSource(path: path, text: text), concurrencyLocation: concurrencyLocation)
        if let absorb { runbook.absorbWindow = absorb }
        return runbook
    }

    // MARK: - Node helpers

    func loc(_ node: Node) -> SourceLocation {
        SourceLocation(file: path, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }

    mutating func fail(_ node: Node, _ message: String) {
        issues.append(RunbookIssue(loc(node), message))
    }

    mutating func failAt(_ node: Node, _ message: String) {
        issues.append(RunbookIssue(loc(node), message))
    }

    /// A string field; anything else is reported.
    mutating func optionalString(_ node: Node?, what: String) -> String? {
        guard let node else { return nil }
        guard case .scalar = node, let s = scalarString(node) else {
            fail(node, "\(what) must be a string; found \(kind(of: node))")
            return nil
        }
        return s
    }

    func kind(of node: Node) -> String {
        switch node {
        case .scalar: return "a scalar"
        case .mapping: return "a map"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// The members of a map, reporting unknown keys (with a suggestion) and non-string keys.
    mutating func members(_ mapping: Node.Mapping, allowed: [String], context: String) -> [String: Node] {
        var out: [String: Node] = [:]
        for (k, v) in mapping {
            guard let key = scalarString(k) else {
                fail(k, "map keys must be plain strings; write the key as plain text")
                continue
            }
            if allowed.contains(key) {
                out[key] = v
            } else {
                let hint = Suggest.closest(to: key, in: allowed).map { "; did you mean '\($0)'?" } ?? "; allowed keys are \(allowed.joined(separator: ", "))"
                fail(k, "unknown key '\(key)' \(context)\(hint)")
            }
        }
        return out
    }

    func scalarString(_ node: Node) -> String? {
        guard case .scalar(let s) = node else { return nil }
        return s.string
    }

    func isQuoted(_ node: Node) -> Bool {
        guard case .scalar(let s) = node else { return false }
        return s.style == .singleQuoted || s.style == .doubleQuoted
    }

    func intValue(_ node: Node) -> Int? {
        guard case .scalar(let s) = node, !isQuoted(node) else { return nil }
        return Int(s.string)
    }

    func boolValue(_ node: Node) -> Bool? {
        guard case .scalar(let s) = node, !isQuoted(node) else { return nil }
        switch s.string {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: return nil
        }
    }

    /// A typed value from a scalar: plain scalars resolve as YAML core schema; quoted ones are strings.
    func scalarValue(_ node: Node) -> Value {
        guard case .scalar(let s) = node else { return .null }
        if isQuoted(node) { return .string(s.string) }
        let text = s.string
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if text.range(of: #"^[-+]?[0-9]+$"#, options: .regularExpression) != nil, let i = Int(text) { return .int(i) }
        if text.range(of: #"^[-+]?([0-9]*\.[0-9]+|[0-9]+\.[0-9]*)([eE][-+]?[0-9]+)?$"#, options: .regularExpression) != nil,
           let d = Double(text) { return .double(d) }
        return .string(text)
    }

    mutating func duration(_ node: Node, what: String) -> Duration? {
        guard let s = scalarString(node), case .scalar = node else {
            fail(node, "\(what) must be a duration like 500ms, 20s, 5m or 24h; found \(kind(of: node))")
            return nil
        }
        guard let d = DurationParser.parse(s) else {
            let found = s.isEmpty ? "nothing" : "'\(s)'" + (Int(s) != nil ? ", which has no unit" : "")
            fail(node, "\(what) must be a duration like 500ms, 20s, 5m or 24h; found \(found)")
            return nil
        }
        return d
    }

    /// Parses a template, reporting a syntax error at its exact line and column.
    mutating func template(_ text: String, at node: Node) -> Template? {
        do {
            return try Template.parse(text)
        } catch {
            expressionError(error, in: text, at: node)
            return nil
        }
    }

    /// Parses a bare expression (an `if` written without `${{ }}`) as a one-expression template.
    mutating func bareExpression(_ text: String, at node: Node) -> Template? {
        do {
            let expression = try ExpressionParser.parse(text)
            return Template(source: text, segments: [.expression(expression, offset: 0)])
        } catch {
            expressionError(error, in: text, at: node)
            return nil
        }
    }

    /// Reports an expression syntax error at the file position of the character it names.
    mutating func expressionError(_ error: ExpressionError, in text: String, at node: Node) {
        let at = locator.location(ofOffset: error.offset, in: text, at: loc(node))
        issues.append(RunbookIssue(at, "invalid expression: \(error.message)"))
    }
}
