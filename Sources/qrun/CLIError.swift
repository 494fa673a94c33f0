import Foundation
import QRunCore
import QRunRuntime

/// Exit statuses (documented in `qrun --help`).
enum ExitStatus: Int32 {
    case ok = 0
    case runFailed = 1
    case invalidInput = 2
    case waiting = 3
    case cancelled = 4
    case state = 5
    case usage = 64

    static func of(_ status: RunStatus) -> ExitStatus {
        switch status {
        case .succeeded: return .ok
        case .waiting: return .waiting
        case .cancelled: return .cancelled
        case .failed, .pending, .running: return .runFailed
        }
    }
}

/// An error for a person: printed as one message, no stack trace, with an exit status.
struct CLIError: Error {
    var code: ExitStatus
    var message: String

    init(_ code: ExitStatus, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Maps the errors lower modules throw to messages and statuses.
    static func wrap(_ error: Error) -> CLIError? {
        switch error {
        case let e as CLIError: return e
        case let e as RuntimeError:
            switch e.kind {
            case .usage: return CLIError(.usage, e.message)
            case .invalidInput: return CLIError(.invalidInput, e.message)
            case .state: return CLIError(.state, e.message)
            }
        case let e as RunbookValidationError: return CLIError(.invalidInput, "runbook is not valid:\n\(e.description)")
        case let e as RunInputs.InputError: return CLIError(.invalidInput, e.description)
        case let e as StoreError:
            switch e.code {
            case .notFound, .invalidState: return CLIError(.usage, e.message)
            case .conflict, .forbidden, .replay: return CLIError(.invalidInput, e.message)
            default: return CLIError(.state, e.message)
            }
        case let e as ExecutorError: return CLIError(.state, e.message)
        case let e as SecretError: return CLIError(.invalidInput, e.message)
        default: return nil
        }
    }
}
