import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A parsed XML element of an AWS query-protocol response (IAM, STS): name, text and children.
/// Namespaces are ignored; lookups go by local element name.
public struct AWSXMLNode: Sendable {
    /// Local element name (`AccessKeyMetadata`).
    public var name: String
    /// Concatenated character data directly inside the element, trimmed.
    public var text: String
    /// Child elements in document order.
    public var children: [AWSXMLNode]

    /// Parses a document; nil when it is not well-formed XML.
    public static func parse(_ data: Data) -> AWSXMLNode? {
        let builder = Builder()
        let parser = XMLParser(data: data)
        parser.delegate = builder
        parser.shouldProcessNamespaces = false
        guard parser.parse(), let root = builder.root else { return nil }
        return root
    }

    /// The first child named `name`.
    public func child(_ name: String) -> AWSXMLNode? {
        children.first { $0.name == name }
    }

    /// The node at a path of child names (`["GetUserResult", "User"]`).
    public func at(_ path: String...) -> AWSXMLNode? {
        var node: AWSXMLNode? = self
        for p in path { node = node?.child(p) }
        return node
    }

    /// The first descendant (depth first, self included) named `name`.
    public func first(_ name: String) -> AWSXMLNode? {
        if self.name == name { return self }
        for c in children { if let f = c.first(name) { return f } }
        return nil
    }

    /// Every descendant named `name`.
    public func all(_ name: String) -> [AWSXMLNode] {
        var out: [AWSXMLNode] = []
        collect(name, into: &out)
        return out
    }

    private func collect(_ name: String, into out: inout [AWSXMLNode]) {
        if self.name == name { out.append(self) }
        for c in children { c.collect(name, into: &out) }
    }

    /// Text of the first descendant named `name`.
    public func text(of name: String) -> String? {
        first(name)?.text
    }

    /// Builds the tree while `XMLParser` reads; used on one thread only, inside ``parse(_:)``.
    private final class Builder: NSObject, XMLParserDelegate {
        var stack: [AWSXMLNode] = []
        var root: AWSXMLNode?

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
            let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
            stack.append(AWSXMLNode(name: local, text: "", children: []))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            guard var node = stack.popLast() else { return }
            node.text = node.text.trimmingCharacters(in: .whitespacesAndNewlines)
            if stack.isEmpty { root = node } else { stack[stack.count - 1].children.append(node) }
        }
    }
}
