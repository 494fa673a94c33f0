import Foundation
import Logging
import QRunCore
import Synchronization

/// One JSON object per line on standard error: `ts`, `level`, `label`, `message` and the
/// metadata (`qrun.run.id`, `qrun.step.id`, …), every string masked by the redactor.
struct JSONLogHandler: LogHandler {
    let label: String
    let redactor: Redactor
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    private static let output = Mutex(())

    init(label: String, redactor: Redactor) {
        self.label = label
        self.redactor = redactor
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var o: [String: Value] = [
            "ts": .string(Timestamp.format(Date())), "level": .string(event.level.rawValue), "label": .string(label),
            "message": .string(event.message.description),
        ]
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { _, new in new } }
        for (k, v) in all { o[k] = Self.value(v) }
        let line = redactor.redact(Value.object(o)).jsonText + "\n"
        Self.output.withLock { _ in FileHandle.standardError.write(Data(line.utf8)) }
    }

    static func value(_ m: Logger.MetadataValue) -> Value {
        switch m {
        case .string(let s): return .string(s)
        case .stringConvertible(let c): return .string(c.description)
        case .array(let items): return .array(items.map(value))
        case .dictionary(let d): return .object(d.mapValues(value))
        }
    }
}
