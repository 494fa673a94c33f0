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
        /// Largest runbook text accepted, in bytes.
        public var maxBytes = 1 << 20
        /// Deepest YAML nesting accepted (maps and lists).
        public var maxDepth = 64
        /// Most YAML nodes after aliases are expanded. A megabyte of ordinary YAML holds fewer;
        /// an alias bomb reaches it at once and is refused after this many visits.
        public var maxNodes = 500_000
        /// Most steps, main and on_failure together.
        public var maxSteps = 20_000
        /// Most issues reported for one file; the rest are counted in a last line.
        public var maxIssues = 100
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
            throw RunbookValidationError([RunbookIssue(start, "no runbook file at this path; check the name and the workspace (--home or QRUN_HOME)")])
        }
        guard !isDir.boolValue else {
            throw RunbookValidationError([RunbookIssue(start, "this is a directory, not a runbook file; give the path of a .yaml file")])
        }
        do {
            try FileTrust.checkCode(path, role: .runbook)
        } catch {
            throw RunbookValidationError([RunbookIssue(start, "refused: \(error.description)")])
        }
        if let attrs = try? FileManager.default.attributesOfItem(atPath: path),
           let size = (attrs[.size] as? NSNumber)?.intValue, size > limits.maxBytes {
            throw RunbookValidationError([RunbookIssue(start, tooLarge(size))])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RunbookValidationError([RunbookIssue(start, "cannot read this file; check that it exists and that you may read it")])
        }
        guard data.count <= limits.maxBytes else {
            throw RunbookValidationError([RunbookIssue(start, tooLarge(data.count))])
        }
        if let bad = Self.firstInvalidUTF8(data) {
            throw RunbookValidationError([RunbookIssue(SourceLocation(file: path, line: bad.line, column: bad.column),
                                                       "runbook is not valid UTF-8 text (byte \(bad.offset) is not part of a UTF-8 character); save it as UTF-8")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw RunbookValidationError([RunbookIssue(start, "runbook is not valid UTF-8 text; save it as UTF-8")])
        }
        return try load(text: text, path: path)
    }

    /// Loads runbook `text`; `path` is used for error positions and must name `<runbook>.yaml`.
    public func load(text: String, path: String) throws(RunbookValidationError) -> Runbook {
        let start = SourceLocation(file: path, line: 1, column: 1)
        guard text.utf8.count <= limits.maxBytes else {
            throw RunbookValidationError([RunbookIssue(start, tooLarge(text.utf8.count))])
        }
        let prescan = YAMLPrescan.scan(text)
        if let refusal = prescan.refusal {
            throw RunbookValidationError([RunbookIssue(SourceLocation(file: path, line: refusal.line, column: refusal.column), refusal.message)])
        }
        if prescan.depth > limits.maxDepth * 4 {
            throw RunbookValidationError([RunbookIssue(SourceLocation(file: path, line: prescan.depthLine, column: prescan.depthColumn),
                                                       tooDeep)])
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw RunbookValidationError([issue(for: error, path: path, text: text)])
        } catch {
            throw RunbookValidationError([RunbookIssue(start, "cannot parse YAML: \(error)")])
        }
        guard let root else {
            throw RunbookValidationError([RunbookIssue(start, "runbook is empty; it needs at least runbook, version and steps")])
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
        throw RunbookValidationError(capped(issues))
    }

    /// The first ``Limits/maxIssues`` issues in file order, then one line counting the rest, so a
    /// file of garbage cannot flood the terminal (or memory).
    func capped(_ issues: [RunbookIssue]) -> [RunbookIssue] {
        guard issues.count > limits.maxIssues else { return issues }
        let kept = Array(RunbookValidationError(issues).issues.prefix(limits.maxIssues))
        let rest = issues.count - kept.count
        return kept + [RunbookIssue(kept[kept.count - 1].location,
                                    "\(rest) more issue\(rest == 1 ? "" : "s") after this one are not shown; fix these first")]
    }

    var tooDeep: String {
        "YAML nesting is deeper than \(limits.maxDepth) levels; a runbook never needs that much, so the file is refused"
    }

    func tooLarge(_ size: Int) -> String {
        let limit = limits.maxBytes % (1 << 20) == 0 ? "\(limits.maxBytes >> 20) MiB" : "\(limits.maxBytes) bytes"
        return "runbook is \(size) bytes; the limit is \(limit), so the file is refused"
    }
}
