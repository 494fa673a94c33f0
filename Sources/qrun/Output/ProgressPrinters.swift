import Foundation
import QRunCore
import Synchronization

/// Live per-step progress for a person: one line per transition, already committed.
final class TerminalProgress: RunObserver {
    private let lock = Mutex(())
    private let colors = Console.colors

    func observe(_ e: ProgressEvent) {
        let time = String(Timestamp.format(e.at).dropFirst(11).prefix(12))
        let step = e.stepID ?? ""
        let line: String
        switch e.kind {
        case .runStarted: line = "\(time)  run \(e.runID) started"
        case .runResumed: line = "\(time)  run \(e.runID) resumed"
        case .runStatus: line = "\(time)  run \(e.status ?? "?")"
        case .stepStarted: line = "\(time)  \(paint("▶", 36)) \(step)\(e.attempt.map { $0 > 1 ? " (attempt \($0))" : "" } ?? "")"
        case .stepSucceeded: line = "\(time)  \(paint("✓", 32)) \(step)\(e.message.map { $0.isEmpty ? "" : "  \($0)" } ?? "")"
        case .stepFailed: line = "\(time)  \(paint("✗", 31)) \(step)  \(e.message ?? "")"
        case .stepRetry: line = "\(time)  \(paint("↻", 33)) \(step)  \(e.message ?? "")"
        case .stepSkipped: line = "\(time)  \(paint("–", 90)) \(step)  skipped: \(e.message ?? "")"
        case .stepCancelled: line = "\(time)  \(paint("⊘", 90)) \(step)  cancelled: \(e.message ?? "")"
        case .stepWaiting: line = "\(time)  \(paint("⏸", 35)) \(step)  waiting for approval: \(e.message ?? "")\n              approve: qrun approve \(e.runID) \(step)   reject: qrun reject \(e.runID) \(step)"
        case .stepLog: line = "\(time)      \(step): \(e.message ?? "")"
        }
        lock.withLock { _ in Console.out(line) }
    }

    private func paint(_ s: String, _ code: Int) -> String {
        colors ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s
    }
}

/// Progress as JSON lines, for programs reading a pipe.
final class JSONLinesProgress: RunObserver {
    private let lock = Mutex(())

    func observe(_ e: ProgressEvent) {
        let text = e.json.jsonText
        lock.withLock { _ in Console.out(text) }
    }
}
