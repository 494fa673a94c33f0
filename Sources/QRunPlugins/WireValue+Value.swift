import QRunCore
import QRunPluginWire

extension WireValue {
    /// The wire form of a qrun value.
    public init(_ value: Value) {
        switch value {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(a.map(WireValue.init))
        case .object(let o): self = .object(o.mapValues(WireValue.init))
        }
    }
}

extension Value {
    /// The qrun form of a wire value.
    public init(_ wire: WireValue) {
        switch wire {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(a.map(Value.init))
        case .object(let o): self = .object(o.mapValues(Value.init))
        }
    }
}
