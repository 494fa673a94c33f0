// Plugins written in Swift get `Value` with the wire types, from this target alone.
@_exported import QRunValue

extension Value {
    /// The JSON type name as the plugin protocol's messages use it ("a string", "an object"):
    /// JSON's vocabulary, not qrun's, since the reader is a plugin's author.
    var jsonTypeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
