import Foundation
import Yams

/// Reads runbook text into a validated ``Runbook``, or refuses it with every issue found.
///
/// The loader never runs anything: it parses YAML (bounded in size, depth and alias expansion),
/// maps it onto the runbook model, and hands the result to ``RunbookValidator`` for the graph and
/// expression checks. Errors carry `file:line:col`.
public struct RunbookLoader: Sendable {
    /// Bounds that keep hostile YAML from costing time or memory.
    public struct Limits: Sendable {
        public var maxBytes = 1 << 20
        public var maxDepth = 64
        public var maxNodes = 100_000
        public var maxSteps = 20_000
        public init() {}
    }

    public var catalog: ActionCatalog
    public var limits: Limits

    public init(catalog: ActionCatalog, limits: Limits = Limits()) {
        self.catalog = catalog
        self.limits = limits
    }

    /// Loads the runbook file at `path`.
    public func load(path: String) throws(RunbookValidationError) -> Runbook {
        let start = SourceLocation(file: path, line: 1, column: 1)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw RunbookValidationError([RunbookIssue(start, "no runbook file at this path")])
        }
        guard !isDir.boolValue else {
            throw RunbookValidationError([RunbookIssue(start, "this is a directory, not a runbook file")])
        }
        if let attrs = try? FileManager.default.attributesOfItem(atPath: path),
           let size = attrs[.size] as? Int, size > limits.maxBytes {
            throw RunbookValidationError([RunbookIssue(start, "runbook is \(size) bytes; the limit is \(limits.maxBytes) bytes (1 MiB)")])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RunbookValidationError([RunbookIssue(start, "cannot read this file (permissions?)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw RunbookValidationError([RunbookIssue(start, "runbook is not valid UTF-8 text")])
        }
        return try load(text: text, path: path)
    }

    /// Loads runbook `text`; `path` is used for error positions and must name `<runbook>.yaml`.
    public func load(text: String, path: String) throws(RunbookValidationError) -> Runbook {
        let start = SourceLocation(file: path, line: 1, column: 1)
        guard text.utf8.count <= limits.maxBytes else {
            throw RunbookValidationError([RunbookIssue(start, "runbook is \(text.utf8.count) bytes; the limit is \(limits.maxBytes) bytes (1 MiB)")])
        }
        let estimate = YAMLPrescan.estimateDepth(text)
        if estimate.depth > limits.maxDepth * 4 {
            throw RunbookValidationError([RunbookIssue(SourceLocation(file: path, line: estimate.line, column: estimate.column),
                                                       "YAML nesting is deeper than \(limits.maxDepth) levels")])
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw RunbookValidationError([Self.issue(for: error, path: path)])
        } catch {
            throw RunbookValidationError([RunbookIssue(start, "cannot parse YAML: \(error)")])
        }
        guard let root else {
            throw RunbookValidationError([RunbookIssue(start, "runbook is empty")])
        }
        var budget = NodeBudget(maxNodes: limits.maxNodes, maxDepth: limits.maxDepth)
        if let issue = budget.check(root, path: path) {
            throw RunbookValidationError([issue])
        }
        var builder = RunbookBuilder(path: path, text: text, catalog: catalog, limits: limits)
        let runbook = builder.build(root)
        var issues = builder.issues
        if let runbook, issues.isEmpty {
            issues += RunbookValidator(runbook: runbook, catalog: catalog).validate()
            if issues.isEmpty { return runbook }
        }
        throw RunbookValidationError(issues)
    }

    static func issue(for error: YamlError, path: String) -> RunbookIssue {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: path, line: mark.line, column: mark.column) }
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let ctx = context.map { "\($0.text) " } ?? ""
            return RunbookIssue(at(mark), "invalid YAML: \(ctx)\(problem)".replacingOccurrences(of: "  ", with: " "))
        case .duplicatedKeysInMapping(let duplicates, let context):
            return RunbookIssue(at(context.mark), "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in the same map")
        case .reader(let problem, _, _, _):
            return RunbookIssue(SourceLocation(file: path, line: 1, column: 1), "cannot read YAML: \(problem)")
        default:
            return RunbookIssue(SourceLocation(file: path, line: 1, column: 1), "cannot parse YAML: \(error)")
        }
    }
}

/// Walks a composed tree once, refusing it when alias expansion or nesting goes past the limits.
struct NodeBudget {
    var maxNodes: Int
    var maxDepth: Int
    var seen = 0

    mutating func check(_ node: Node, path: String, depth: Int = 1) -> RunbookIssue? {
        seen += 1
        let loc = SourceLocation(file: path, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
        if seen > maxNodes {
            return RunbookIssue(loc, "runbook expands to more than \(maxNodes) YAML nodes (an alias bomb?); refused")
        }
        if depth > maxDepth {
            return RunbookIssue(loc, "YAML nesting is deeper than \(maxDepth) levels")
        }
        switch node {
        case .mapping(let m):
            for (k, v) in m {
                if let i = check(k, path: path, depth: depth + 1) { return i }
                if let i = check(v, path: path, depth: depth + 1) { return i }
            }
        case .sequence(let s):
            for v in s {
                if let i = check(v, path: path, depth: depth + 1) { return i }
            }
        default:
            break
        }
        return nil
    }
}
