import Foundation

/// Python sources and Jupyter notebooks: tokens passed literally to Qiskit's account calls, and
/// tokens printed into a notebook's output cells.
extension PreflightScan {
    /// `save_account(token="…")`, `QiskitRuntimeService(channel=…, token="…")`, `IBMProvider(token="…")`:
    /// the `token=` keyword anywhere in the call (strings and one level of parentheses skipped).
    private static let qiskitKeyword = PreflightText.regex(
        #"(?:save_account|enable_account|QiskitRuntimeService|IBMProvider|IBMQ\.\w+)\s*\("#
            + #"(?:[^()"']|"[^"\n]*"|'[^'\n]*'|\([^()]*\))*?\btoken\s*=\s*(["'])([^"'\s]{8,})\1"#)
    /// `IBMQ.save_account("…")` / `enable_account("…")`: the token as the first positional argument.
    private static let qiskitPositional = PreflightText.regex(#"(?:save_account|enable_account)\s*\(\s*(["'])([^"'\s]{8,})\1"#)
    /// `'token': '…'` / `token=…` in printed output (e.g. `service.active_account()`).
    private static let printedToken = PreflightText.regex(#"(?i)\b(?:api_?)?token["']?\s*[:=]\s*["']?([A-Za-z0-9_-]{32,})"#)

    /// Tokens in Qiskit account calls in `source`, located in the file `path` whose text is `file`.
    func addQiskitCalls(in source: PreflightText, file: PreflightText, path: String) {
        for regex in [Self.qiskitKeyword, Self.qiskitPositional] {
            for c in source.captures(regex, group: 2) {
                add(.qiskitTokenInCode, at: "\(path):\(file.line(of: c.value) ?? c.line)", value: c.value)
            }
        }
    }

    /// A notebook: Qiskit calls in code cells, and token shapes or printed tokens in output cells.
    func scanNotebook(_ file: PreflightText, path: String) {
        guard let root = Self.json(file) as? [String: Any], let cells = root["cells"] as? [[String: Any]] else { return }
        for cell in cells {
            if let source = Self.joined(cell["source"]) { addQiskitCalls(in: PreflightText(source), file: file, path: path) }
            for output in cell["outputs"] as? [[String: Any]] ?? [] {
                var texts = [Self.joined(output["text"])]
                if let data = output["data"] as? [String: Any] { texts.append(Self.joined(data["text/plain"])) }
                for text in texts.compactMap({ $0 }) { addOutputTokens(PreflightText(text), file: file, path: path) }
            }
        }
    }

    private func addOutputTokens(_ output: PreflightText, file: PreflightText, path: String) {
        for m in shapes.scan(output, now: now) {
            add(.notebookOutputToken, at: "\(path):\(file.line(of: m.value) ?? 1)", value: m.value, severity: m.severity)
        }
        for c in output.captures(Self.printedToken) where TokenShapes.looksRandom(c.value[...]) || Self.isLongHex(c.value) {
            add(.notebookOutputToken, at: "\(path):\(file.line(of: c.value) ?? 1)", value: c.value)
        }
    }

    /// A hex string of 64 digits or more (IBM Quantum's 128-hex token), not a 40-digit commit id.
    static func isLongHex(_ s: String) -> Bool {
        s.count >= 64 && s.allSatisfy(\.isHexDigit)
    }

    /// A notebook's multi-line string: a string or an array of lines.
    static func joined(_ value: Any?) -> String? {
        if let s = value as? String { return s }
        if let lines = value as? [String] { return lines.joined() }
        return nil
    }
}
