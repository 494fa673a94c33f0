// Function calls and reference paths: the productions of the grammar below `primary`.

extension ExpressionParser.Parser {
    mutating func parseCall(name: String, nameToken: ExpressionParser.Token) throws(ExpressionError) -> Node {
        guard let function = Expression.Function(rawValue: name) else {
            var message = "unknown function '\(name)'; "
            if let near = Expression.Function.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) {
                message += "did you mean '\(near.rawValue)'? Names are case-sensitive. "
            }
            message += "functions are \(Expression.Function.nameList)"
            throw ExpressionError(message: message, offset: nameToken.start)
        }
        advance()  // name
        try enter(current)
        advance()  // (
        var arguments: [Expression] = []
        var argumentStarts: [Int] = []
        var height = 0
        if current.kind == .rightParen {
            advance()
        } else {
            while true {
                argumentStarts.append(current.start)
                let argument = try parseBinary(level: 0)
                arguments.append(argument.expression)
                height = max(height, argument.height)
                if current.kind == .comma {
                    advance()
                    continue
                }
                if current.kind == .rightParen {
                    advance()
                    break
                }
                throw unexpected(current, expecting: "',' or ')' in the call to \(name)")
            }
        }
        nesting -= 1
        let count = arguments.count
        let tooFew = count < function.minimumArguments
        let tooMany = function.maximumArguments.map { count > $0 } ?? false
        if tooFew || tooMany {
            let expected: String
            if let maximum = function.maximumArguments, maximum == function.minimumArguments {
                expected = "\(maximum) argument" + (maximum == 1 ? "" : "s")
            } else if let maximum = function.maximumArguments {
                expected = "\(function.minimumArguments) or \(maximum) arguments"
            } else {
                expected = "at least \(function.minimumArguments) argument" + (function.minimumArguments == 1 ? "" : "s")
            }
            throw ExpressionError(
                message: "function '\(name)' takes \(expected), \(function.signature), but was given \(count)",
                offset: nameToken.start)
        }
        if function == .format, case .literal(.string(let template)) = arguments[0] {
            do {
                _ = try ExpressionEvaluator.formatPieces(template, argumentCount: count - 1)
            } catch {
                throw error.shifted(by: argumentStarts[0])
            }
        }
        height += 1
        if height > ExpressionParser.maximumDepth { throw tooDeep(at: nameToken.start) }
        return Node(expression: .call(function, arguments), height: height)
    }

    mutating func parseReference(root: String) throws(ExpressionError) -> Node {
        var path: [PathComponent] = [.member(root)]
        advance()
        while true {
            switch current.kind {
            case .dot:
                advance()
                guard case .identifier(let member) = current.kind else {
                    throw unexpected(current, expecting: "a name after '.' (use [0] for a list item)")
                }
                path.append(.member(member))
                advance()
            case .leftBracket:
                advance()
                switch current.kind {
                case .integer(let n) where n >= 0:
                    path.append(.index(n))
                case .string(let key):
                    path.append(.member(key))
                default:
                    throw unexpected(current, expecting: "a list index like [0] or a quoted key like ['name']")
                }
                advance()
                guard current.kind == .rightBracket else {
                    throw unexpected(current, expecting: "']'")
                }
                advance()
            default:
                return Node(expression: .reference(path), height: 0)
            }
        }
    }
}
