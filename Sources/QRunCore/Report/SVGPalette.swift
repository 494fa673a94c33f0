/// The colours of outcomes in the HTML review, chosen to stay apart for the common forms of colour
/// blindness and on paper: each outcome also has its own symbol and, for skipped, a dashed border.
enum SVGPalette {
    /// Border, fill and symbol of a step by its status.
    static func step(_ s: StepStatus) -> (stroke: String, fill: String, symbol: String) {
        switch s {
        case .succeeded: return ("#1b7a3a", "#e3f4e8", "✓")
        case .failed: return ("#b3261e", "#fde4e2", "✗")
        case .cancelled: return ("#8a5a00", "#fbf0dc", "⊘")
        case .skipped: return ("#8c8c8c", "#f3f3f3", "–")
        case .waitingApproval: return ("#a15c00", "#fff1cc", "‖")
        case .pending, .running, .retryWait: return ("#1f5fbf", "#e6efff", "…")
        }
    }

    /// Fill of an attempt segment in the timeline by the attempt's outcome.
    static func attempt(_ status: String) -> String {
        switch status {
        case "succeeded": return "#2e9e55"
        case "failed": return "#d93a32"
        case "interrupted": return "#e08a00"
        case "skipped": return "#a0a0a0"
        default: return "#3b7ddd"
        }
    }

    /// Colour of a timeline mark.
    static func mark(_ k: Timeline.Mark.Kind) -> String {
        switch k {
        case .trigger: return "#6a3fb5"
        case .approval: return "#a15c00"
        case .firstContainment: return "#1b7a3a"
        case .contained: return "#0b5d27"
        case .finished: return "#444444"
        }
    }

    /// Every step status with its word, for the legend.
    static let legend: [(StepStatus, String)] = [(.succeeded, "succeeded"), (.failed, "failed"), (.cancelled, "cancelled (blocked)"),
                                                 (.skipped, "skipped (condition false)"), (.waitingApproval, "waiting approval"),
                                                 (.running, "pending / running")]
}
