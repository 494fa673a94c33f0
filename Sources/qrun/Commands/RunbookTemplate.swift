import Foundation

/// The built-in scaffolds of `qrun new`, and the name rules they share with the validator.
enum RunbookTemplate {
    static let defaultName = "basic"
    static let names = ["basic", "containment"]

    /// The validator's rule for `runbook:` (RunbookBuilder).
    static func isValidName(_ s: String) -> Bool {
        s.range(of: #"^[a-z0-9][a-z0-9._-]{0,63}$"#, options: .regularExpression) != nil
    }

    /// A valid name close to `s`: lower-cased, other characters turned into '-', trimmed.
    static func suggestName(_ s: String) -> String {
        var out = ""
        for c in s.lowercased() {
            let ok = c.isASCII && (c.isLetter || c.isNumber || "._-".contains(c))
            let next: Character = ok ? c : "-"
            if next == "-", out.last == "-" { continue }
            out.append(next)
        }
        let trimmed = String(out.drop { !($0.isLetter || $0.isNumber) }.prefix(64))
        let tidy = trimmed.hasSuffix("-") ? String(trimmed.dropLast()) : trimmed
        return tidy.isEmpty ? "my-runbook" : tidy
    }

    /// An existing runbook's text under a new name at version 1 (its header's first line too).
    static func copy(_ text: String, from old: String, to new: String) -> String {
        var lines = text.components(separatedBy: "\n")
        for i in lines.indices {
            if lines[i].hasPrefix("runbook:") { lines[i] = "runbook: \(new)" }
            if lines[i].hasPrefix("version:") { lines[i] = "version: 1" }
            if lines[i].hasPrefix("# \(old), version ") { lines[i] = "# \(new), version 1 (from \(old))" }
        }
        return lines.joined(separator: "\n")
    }

    /// The text of template `template` for runbook `name`, nil when there is no such template.
    static func text(_ template: String, name: String) -> String? {
        switch template {
        case "basic": return header(name) + basic(name)
        case "containment": return header(name) + containment(name)
        default: return nil
        }
    }

    static func header(_ name: String) -> String {
        """
        # \(name), version 1
        #
        # When to use: TODO: the alert, finding or report this runbook answers.
        # Inputs: target (what the incident is about). TODO: list every input.
        # What it changes: nothing yet (core.noop placeholders); TODO: name each provider change.
        # What it cannot undo: TODO: what stays changed after the run (revoked keys, killed processes).

        """
    }

    static func basic(_ name: String) -> String {
        """
        runbook: \(name)
        version: 1
        description: TODO one sentence on what this runbook contains.
        inputs:
          target:
            type: string
            required: true
            pattern: "^[A-Za-z0-9_.:-]{1,128}$"
            description: What the incident is about (a token id, an agent name)
        concurrency:
          key: "\(name)/${{ inputs.target }}"
        steps:
          # Replace each core.noop with a real action; `qrun docs runbooks` lists them with their
          # parameters (docs/runbooks.md).
          - id: contain
            description: Shut the door (revoke, disable, kill).
            uses: core.noop
          - id: notify
            needs: [contain]
            description: Tell the responders what happened.
            uses: core.noop

        """
    }

    static func containment(_ name: String) -> String {
        """
        runbook: \(name)
        version: 1
        description: TODO one sentence on what this runbook contains.
        inputs:
          target:
            type: string
            required: true
            pattern: "^[A-Za-z0-9_.:-]{1,128}$"
            description: What the incident is about (a token id, an agent name)
          auto_approve:
            type: bool
            default: false
            description: Skip the human approval gate
        concurrency:
          key: "\(name)/${{ inputs.target }}"
        steps:
          - id: approve
            if: "${{ !inputs.auto_approve }}"
            uses: core.approval
            with:
              message: "Contain ${{ inputs.target }}?"
              allow_self: true
          - id: contain
            needs: [approve]
            description: Shut the door (revoke, disable, kill); replace core.noop with the action.
            uses: core.noop
            retry: { max_attempts: 4, backoff: exponential, initial: 1s, max: 20s }
            timeout: 20s
          - id: notify
            needs: [contain]
            uses: http.request
            with:
              method: POST
              url: "secret:env:QRUN_INCIDENT_WEBHOOK"
              body: { text: "Contained ${{ inputs.target }} (run ${{ run.id }})" }
            retry: { max_attempts: 4, initial: 2s, max: 20s }
        on_failure:
          - id: page
            uses: http.request
            with:
              method: POST
              url: "secret:env:QRUN_INCIDENT_WEBHOOK"
              body: { text: "qrun ${{ run.id }} could not contain ${{ inputs.target }}: a responder is needed" }

        """
    }
}
