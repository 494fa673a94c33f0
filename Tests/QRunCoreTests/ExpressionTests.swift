import Testing

@testable import QRunCore

// MARK: - Helpers

/// The data every evaluation test runs against.
private let scope = ValueScope([
    "inputs": [
        "provider": "aws",
        "count": 3,
        "ratio": 0.5,
        "hosts": ["web-1", "web-2"],
        "ports": [80, 443],
        "empty": "",
        "fmt": "{1}",
    ],
    "steps": ["check-health": ["outputs": ["status": "degraded", "code": 503]]],
    "alert": ["labels": ["team name": "payments", "severity": "critical"]],
    "env": ["STAGE": "prod"],
])

private func ref(_ names: String...) -> Expression {
    .reference(names.map { PathComponent.member($0) })
}

private func parseError(_ text: String) -> ExpressionError? {
    do {
        _ = try ExpressionParser.parse(text)
        return nil
    } catch {
        return error
    }
}

private func templateError(_ text: String) -> ExpressionError? {
    do {
        _ = try Template.parse(text)
        return nil
    } catch {
        return error
    }
}

private func eval(_ text: String) throws -> Value {
    try ExpressionParser.parse(text).evaluate(in: scope)
}

private func evalError(_ text: String) throws -> ExpressionError? {
    let expression = try ExpressionParser.parse(text)
    do {
        _ = try ExpressionEvaluator.evaluate(expression, in: scope)
        return nil
    } catch {
        return error
    }
}

private func render(_ text: String) throws -> Value {
    try Template.parse(text).render(in: scope)
}

private func renderError(_ text: String) throws -> ExpressionError? {
    let template = try Template.parse(text)
    do {
        _ = try template.render(in: scope)
        return nil
    } catch {
        return error
    }
}

private let functionList = "contains, startsWith, endsWith, join, format, toJSON, length"

// MARK: - Parser

@Suite("Expression parser")
struct ExpressionParserTests {
    @Test func literals() throws {
        #expect(try ExpressionParser.parse("'it''s'") == .literal(.string("it's")))
        #expect(try ExpressionParser.parse("''") == .literal(.string("")))
        #expect(try ExpressionParser.parse("''''") == .literal(.string("'")))
        #expect(try ExpressionParser.parse("'a \"b\" ${{ c }}'") == .literal(.string("a \"b\" ${{ c }}")))
        #expect(try ExpressionParser.parse("42") == .literal(.int(42)))
        #expect(try ExpressionParser.parse("-7") == .literal(.int(-7)))
        #expect(try ExpressionParser.parse("007") == .literal(.int(7)))
        #expect(try ExpressionParser.parse("3.25") == .literal(.double(3.25)))
        #expect(try ExpressionParser.parse("-0.5") == .literal(.double(-0.5)))
        #expect(try ExpressionParser.parse(" true ") == .literal(.bool(true)))
        #expect(try ExpressionParser.parse("false") == .literal(.bool(false)))
        #expect(try ExpressionParser.parse("null") == .literal(.null))
        #expect(try ExpressionParser.parse("9223372036854775807") == .literal(.int(Int.max)))
    }

    @Test func references() throws {
        #expect(try ExpressionParser.parse("steps.check-health.outputs.status")
            == ref("steps", "check-health", "outputs", "status"))
        #expect(try ExpressionParser.parse("inputs.hosts[0]") == .reference([.member("inputs"), .member("hosts"), .index(0)]))
        #expect(try ExpressionParser.parse("alert.labels['team name'] ") == ref("alert", "labels", "team name"))
        #expect(try ExpressionParser.parse("a [ 'b' ] [ 12 ] . c") == .reference([.member("a"), .member("b"), .index(12), .member("c")]))
        #expect(try ExpressionParser.parse("inputs.true.null") == ref("inputs", "true", "null"))
        #expect(try ExpressionParser.parse("_x.y_2") == ref("_x", "y_2"))
    }

    @Test func precedence() throws {
        let a = ref("a"), b = ref("b"), c = ref("c"), d = ref("d"), e = ref("e")
        #expect(try ExpressionParser.parse("a || b && c == d < e")
            == .binary(.or, a, .binary(.and, b, .binary(.equal, c, .binary(.less, d, e)))))
        #expect(try ExpressionParser.parse("a < b == c && d || e")
            == .binary(.or, .binary(.and, .binary(.equal, .binary(.less, a, b), c), d), e))
        #expect(try ExpressionParser.parse("!a == b") == .binary(.equal, .not(a), b))
        #expect(try ExpressionParser.parse("!(a == b)") == .not(.binary(.equal, a, b)))
        #expect(try ExpressionParser.parse("(a || b) && c") == .binary(.and, .binary(.or, a, b), c))
        #expect(try ExpressionParser.parse("!!a") == .not(.not(a)))
    }

    @Test func leftAssociativity() throws {
        let a = ref("a"), b = ref("b"), c = ref("c")
        #expect(try ExpressionParser.parse("a == b != c") == .binary(.notEqual, .binary(.equal, a, b), c))
        #expect(try ExpressionParser.parse("a || b || c") == .binary(.or, .binary(.or, a, b), c))
        #expect(try ExpressionParser.parse("a<=b>=c") == .binary(.greaterOrEqual, .binary(.lessOrEqual, a, b), c))
    }

    @Test func calls() throws {
        #expect(try ExpressionParser.parse("contains(inputs.hosts, 'web-1')")
            == .call(.contains, [ref("inputs", "hosts"), .literal(.string("web-1"))]))
        #expect(try ExpressionParser.parse("format ( '{0}' , 1 )") == .call(.format, [.literal(.string("{0}")), .literal(.int(1))]))
        #expect(try ExpressionParser.parse("length(toJSON(a))") == .call(.length, [.call(.toJSON, [ref("a")])]))
    }

    @Test func syntaxErrorsHaveExactMessagesAndOffsets() {
        #expect(parseError("inputs.provider == )")
            == ExpressionError(message: "unexpected ')' after 'inputs.provider =='; expected a value", offset: 19))
        #expect(parseError("inputs.provider ==")
            == ExpressionError(message: "the expression ended after 'inputs.provider =='; expected a value", offset: 18))
        #expect(parseError("(a == b")
            == ExpressionError(message: "the expression ended after '(a == b'; expected ')' to close the '(' at character 1", offset: 7))
        #expect(parseError("a b") == ExpressionError(message: "unexpected 'b' after 'a'", offset: 2))
        #expect(parseError(") a") == ExpressionError(message: "unexpected ')' at the start of the expression; expected a value", offset: 0))
        #expect(parseError("a = b")
            == ExpressionError(message: "'=' on its own is not an operator; use '==' to compare values", offset: 2))
        #expect(parseError("a & b") == ExpressionError(message: "'&' on its own is not an operator; use '&&' for 'and'", offset: 2))
        #expect(parseError("a | b") == ExpressionError(message: "'|' on its own is not an operator; use '||' for 'or'", offset: 2))
        #expect(parseError("a + 1")
            == ExpressionError(message: "unexpected character '+'; arithmetic is not supported in expressions", offset: 2))
        #expect(parseError("a == \"x\"")
            == ExpressionError(message: "double quotes are not allowed; write strings in single quotes, like 'text'", offset: 5))
        #expect(parseError("")
            == ExpressionError(message: "empty expression; write a value or condition between ${{ and }}", offset: 0))
        #expect(parseError("   ")
            == ExpressionError(message: "empty expression; write a value or condition between ${{ and }}", offset: 3))
        #expect(parseError("inputs.")
            == ExpressionError(message: "the expression ended after 'inputs.'; expected a name after '.' (use [0] for a list item)", offset: 7))
        #expect(parseError("inputs[x]")
            == ExpressionError(
                message: "unexpected 'x' after 'inputs['; expected a list index like [0] or a quoted key like ['name']", offset: 7))
        #expect(parseError("inputs[-1]")
            == ExpressionError(
                message: "unexpected number -1 after 'inputs['; expected a list index like [0] or a quoted key like ['name']", offset: 7))
        #expect(parseError("inputs[0")
            == ExpressionError(message: "the expression ended after 'inputs[0'; expected ']'", offset: 8))
        #expect(parseError("contains(a b)")
            == ExpressionError(message: "unexpected 'b' after 'contains(a'; expected ',' or ')' in the call to contains", offset: 11))
        #expect(parseError("'abc' 'def'") == ExpressionError(message: "unexpected string 'def' after ''abc''", offset: 6))
    }

    @Test func stringErrors() {
        let unterminated = "unterminated string literal; add a closing ' (write '' for a quote inside the string)"
        #expect(parseError("'abc") == ExpressionError(message: unterminated, offset: 0))
        #expect(parseError("a == 'it''s") == ExpressionError(message: unterminated, offset: 5))
        #expect(parseError("a == 'it's'") == ExpressionError(message: unterminated, offset: 10))
        #expect(throws: ExpressionError(message: unterminated, offset: 2)) {
            try ExpressionParser.parse("x(' ")
        }
    }

    @Test func numberErrors() {
        #expect(parseError("1.") == ExpressionError(
            message: "malformed number '1.'; a decimal needs digits after the '.', like 1.0", offset: 0))
        #expect(parseError("a == 12abc") == ExpressionError(message: "malformed number '12abc'", offset: 5))
        #expect(parseError("1.2.3") == ExpressionError(message: "malformed number '1.2.3'", offset: 0))
        #expect(parseError("99999999999999999999") == ExpressionError(
            message: "number 99999999999999999999 is too large; integers must be between -9223372036854775808 and 9223372036854775807",
            offset: 0))
    }

    @Test func unknownFunctionsCannotRun() {
        #expect(parseError("system('x')") == ExpressionError(
            message: "unknown function 'system'; functions are \(functionList)", offset: 0))
        #expect(parseError("a || exec('rm -rf /')") == ExpressionError(
            message: "unknown function 'exec'; functions are \(functionList)", offset: 5))
        #expect(parseError("StartsWith('a', 'b')") == ExpressionError(
            message: "unknown function 'StartsWith'; did you mean 'startsWith'? Names are case-sensitive. functions are \(functionList)",
            offset: 0))
        #expect(parseError("`rm`") == ExpressionError(
            message: "unexpected character '`'; expressions contain only names, 'strings', numbers, "
                + "operators (== != < <= > >= && || !), parentheses, commas, dots and [brackets]",
            offset: 0))
        // A dotted name cannot be called either.
        #expect(parseError("env.exec('x')") == ExpressionError(message: "unexpected '(' after 'env.exec'", offset: 8))
    }

    @Test func arityIsChecked() {
        #expect(parseError("contains('a')") == ExpressionError(
            message: "function 'contains' takes 2 arguments, contains(haystack, needle), but was given 1", offset: 0))
        #expect(parseError("x == length()") == ExpressionError(
            message: "function 'length' takes 1 argument, length(value), but was given 0", offset: 5))
        #expect(parseError("join(a, b, c)") == ExpressionError(
            message: "function 'join' takes 1 or 2 arguments, join(list, separator), but was given 3", offset: 0))
        #expect(parseError("format()") == ExpressionError(
            message: "function 'format' takes at least 1 argument, format(template, value, …), but was given 0", offset: 0))
    }

    @Test func literalFormatTemplatesAreCheckedWhenParsing() {
        #expect(parseError("format('{0} {1}', a)") == ExpressionError(
            message: "format: the template uses {1} but only 1 value follows it (placeholders count from {0})", offset: 7))
        #expect(parseError("format('x {', a)") == ExpressionError(
            message: "format: the template has a '{' that is not a placeholder like {0}; write '{{' for a literal brace", offset: 7))
        #expect(parseError("format('x } y')") == ExpressionError(
            message: "format: the template has a '}' without a matching '{'; write '}}' for a literal brace", offset: 7))
    }

    @Test func depthLimit() throws {
        let tooDeep = "expression is nested too deeply (more than 64 levels); simplify it or split it across steps"
        let ok = String(repeating: "(", count: 64) + "a" + String(repeating: ")", count: 64)
        #expect(try ExpressionParser.parse(ok) == ref("a"))
        let parens = String(repeating: "(", count: 65) + "a" + String(repeating: ")", count: 65)
        #expect(parseError(parens) == ExpressionError(message: tooDeep, offset: 64))
        // 10,000 parentheses do not blow the stack: the limit stops the descent early.
        #expect(parseError(String(repeating: "(", count: 4000)) == ExpressionError(message: tooDeep, offset: 64))

        #expect(throws: Never.self) { try ExpressionParser.parse(String(repeating: "!", count: 64) + "a") }
        #expect(parseError(String(repeating: "!", count: 65) + "a") == ExpressionError(message: tooDeep, offset: 64))

        let calls64 = String(repeating: "length(", count: 64) + "a" + String(repeating: ")", count: 64)
        #expect(throws: Never.self) { try ExpressionParser.parse(calls64) }
        let calls65 = String(repeating: "length(", count: 65) + "a" + String(repeating: ")", count: 65)
        #expect(parseError(calls65) == ExpressionError(message: tooDeep, offset: 7 * 64 + 6))

        // A flat chain builds a deep tree, so it is limited too; the 65th '||' is at 5*65-3.
        #expect(throws: Never.self) { try ExpressionParser.parse("a" + String(repeating: " || a", count: 64)) }
        #expect(parseError("a" + String(repeating: " || a", count: 65)) == ExpressionError(message: tooDeep, offset: 322))
    }

    @Test func lengthLimit() throws {
        #expect(try ExpressionParser.parse(String(repeating: " ", count: 4095) + "a") == ref("a"))
        #expect(parseError(String(repeating: " ", count: 4096) + "a") == ExpressionError(
            message: "expression is too long (4097 characters; the limit is 4096); split it up or compute the value in a step",
            offset: 4096))
    }

    @Test func offsetsCountCharactersNotBytes() {
        // 'é' and the flag are one character each.
        #expect(parseError("'é🇫🇷' == )") == ExpressionError(message: "unexpected ')' after ''é🇫🇷' =='; expected a value", offset: 8))
    }

    @Test func descriptionIsCanonicalAndRoundTrips() throws {
        let cases: [(String, String)] = [
            ("(a || b) && !c", "(a || b) && !c"),
            ("a || (b && c)", "a || b && c"),
            ("((a))", "a"),
            ("!(a == 'it''s')", "!(a == 'it''s')"),
            ("a == (b == c)", "a == (b == c)"),
            ("alert.labels [ 'team name' ][0].x", "alert.labels['team name'][0].x"),
            ("format('{0}',-1.5, null,true)", "format('{0}', -1.5, null, true)"),
            ("x<=2.0", "x <= 2.0"),
        ]
        for (source, canonical) in cases {
            let parsed = try ExpressionParser.parse(source)
            #expect(parsed.description == canonical)
            #expect(try ExpressionParser.parse(parsed.description) == parsed)
        }
    }
}

// MARK: - Evaluator

@Suite("Expression evaluator")
struct ExpressionEvaluatorTests {
    @Test func precedenceChangesResults() throws {
        // If '&&' bound looser than '||' this would be false.
        #expect(try eval("true || false && false") == .bool(true))
        // (!'a') == 'b' is false; !('a' == 'b') would be true.
        #expect(try eval("!'a' == 'b'") == .bool(false))
        #expect(try eval("!('a' == 'b')") == .bool(true))
        // (1 < 2) == true; 1 < (2 == true) would be a type error.
        #expect(try eval("1 < 2 == true") == .bool(true))
    }

    @Test func shortCircuit() throws {
        #expect(try eval("false && nope.x") == .bool(false))
        #expect(try eval("true || nope") == .bool(true))
        #expect(try eval("inputs.count > 1 || contains(nope, 'x')") == .bool(true))
        #expect(try evalError("true && nope") == ExpressionError(
            message: "unknown name 'nope'; names available here are alert, env, inputs, steps", offset: 0))
        // The operands themselves are returned, so '||' gives defaults.
        #expect(try eval("inputs.region || 'us-east-1'") == .string("us-east-1"))
        #expect(try eval("inputs.empty || inputs.count") == .int(3))
        #expect(try eval("inputs.provider || 'x'") == .string("aws"))
        #expect(try eval("inputs.provider && inputs.count") == .int(3))
        #expect(try eval("0 && nope") == .int(0))
        #expect(try eval("!inputs.missing") == .bool(true))
    }

    @Test func truthiness() {
        let falsy: [Value] = [.null, false, 0, 0.0, .double(.nan), "", [], [:]]
        let truthy: [Value] = [true, 1, -1, 0.1, "0", "false", " ", [.null], ["a": .null]]
        for value in falsy { #expect(ExpressionEvaluator.isTruthy(value) == false, "\(value)") }
        for value in truthy { #expect(ExpressionEvaluator.isTruthy(value) == true, "\(value)") }
    }

    @Test func equality() throws {
        #expect(try eval("1 == 1.0") == .bool(true))
        #expect(try eval("-2.0 == -2") == .bool(true))
        #expect(try eval("inputs.count != 3.5") == .bool(true))
        #expect(try eval("'1' == 1") == .bool(false))
        #expect(try eval("true == 1") == .bool(false))
        #expect(try eval("null == inputs.missing") == .bool(true))
        #expect(try eval("null == ''") == .bool(false))
        #expect(try eval("'abc' == 'abc'") == .bool(true))
        #expect(try eval("'abc' == 'ABC'") == .bool(false))
        #expect(try eval("inputs.hosts == inputs.hosts") == .bool(true))
        #expect(try eval("inputs.hosts == inputs.ports") == .bool(false))
        // Exact, not via a lossy conversion to Double.
        #expect(try eval("9007199254740993 == 9007199254740992.0") == .bool(false))
        #expect(try eval("9007199254740992 == 9007199254740992.0") == .bool(true))
        #expect(ExpressionEvaluator.areEqual([1, ["k": 2.0]], [1.0, ["k": 2]]))
        #expect(!ExpressionEvaluator.areEqual(["k": 1], ["j": 1]))
    }

    @Test func comparisons() throws {
        #expect(try eval("2 < 10") == .bool(true))
        #expect(try eval("'2' < '10'") == .bool(false))
        #expect(try eval("'abc' < 'abd'") == .bool(true))
        #expect(try eval("'b' >= 'b'") == .bool(true))
        #expect(try eval("1.5 >= 1") == .bool(true))
        #expect(try eval("1 > 0.9") == .bool(true))
        #expect(try eval("3 <= 3.0") == .bool(true))
        #expect(try eval("3 < 3.0") == .bool(false))
        #expect(try eval("-1 < -0.5") == .bool(true))
        #expect(try eval("steps.check-health.outputs.code >= 500") == .bool(true))
        #expect(try eval("9223372036854775807 < 9223372036854775808.0") == .bool(true))
    }

    @Test func comparingMixedTypesIsAnError() throws {
        #expect(try evalError("inputs.provider < 3") == ExpressionError(
            message: "cannot compare string with integer using '<' in 'inputs.provider < 3'; only two numbers or two strings can be compared",
            offset: 0))
        #expect(try evalError("inputs.missing > 1") == ExpressionError(
            message: "cannot compare null with integer using '>' in 'inputs.missing > 1'; "
                + "only two numbers or two strings can be compared (a missing value is null)",
            offset: 0))
        #expect(try evalError("true <= inputs.hosts") == ExpressionError(
            message: "cannot compare boolean with list using '<=' in 'true <= inputs.hosts'; only two numbers or two strings can be compared",
            offset: 0))
        // Chained comparisons compare a boolean with a number.
        #expect(try evalError("1 < 2 < 3") == ExpressionError(
            message: "cannot compare boolean with integer using '<' in '1 < 2 < 3'; only two numbers or two strings can be compared",
            offset: 0))
    }

    @Test func missingRootIsAnError() throws {
        #expect(try evalError("nope.x") == ExpressionError(
            message: "unknown name 'nope'; names available here are alert, env, inputs, steps", offset: 0))
        #expect(throws: ExpressionError(message: "unknown name 'inputs'; nothing can be referenced here", offset: 0)) {
            try ExpressionParser.parse("inputs.x").evaluate(in: ValueScope(roots: [:]))
        }
    }

    @Test func missingMembersAreNull() throws {
        #expect(try eval("inputs.nothing") == .null)
        #expect(try eval("inputs.nothing.deeper[3]") == .null)
        #expect(try eval("inputs.hosts[5]") == .null)
        #expect(try eval("inputs.hosts.first") == .null)
        #expect(try eval("inputs.provider.x") == .null)
        #expect(try eval("inputs[0]") == .null)
        #expect(try eval("steps.check-health.outputs.status") == .string("degraded"))
        #expect(try eval("inputs.hosts[1]") == .string("web-2"))
        #expect(try eval("alert.labels['team name']") == .string("payments"))
        #expect(try eval("env") == ["STAGE": "prod"])
    }

    @Test func stringFunctions() throws {
        #expect(try eval("contains('hello world', 'o w')") == .bool(true))
        #expect(try eval("contains('hello world', 'O W')") == .bool(false))
        #expect(try eval("contains('abc', '')") == .bool(true))
        #expect(try eval("startsWith(inputs.provider, 'aw')") == .bool(true))
        #expect(try eval("startsWith('abc', 'b')") == .bool(false))
        #expect(try eval("endsWith(inputs.provider, 'ws')") == .bool(true))
        #expect(try eval("endsWith(inputs.missing, 'ws')") == .bool(false))
        #expect(try evalError("contains('abc', 1)") == ExpressionError(
            message: "contains: when the first argument is a string the second must be a string too, but it is an integer, "
                + "in 'contains('abc', 1)'",
            offset: 0))
        #expect(try evalError("startsWith(3, 'x')") == ExpressionError(
            message: "startsWith: the first argument must be a string, but it is an integer, in 'startsWith(3, 'x')'", offset: 0))
        #expect(try evalError("endsWith('x', null)") == ExpressionError(
            message: "endsWith: the suffix must be a string, but it is null, in 'endsWith('x', null)'", offset: 0))
    }

    @Test func listFunctions() throws {
        #expect(try eval("contains(inputs.hosts, 'web-2')") == .bool(true))
        #expect(try eval("contains(inputs.hosts, 'web-3')") == .bool(false))
        #expect(try eval("contains(inputs.ports, 443.0)") == .bool(true))
        #expect(try eval("contains(inputs.ports, '443')") == .bool(false))
        #expect(try eval("contains(inputs.missing, 'x')") == .bool(false))
        #expect(try evalError("contains(alert.labels, 'x')") == ExpressionError(
            message: "contains: the first argument must be a string or a list, but it is a map, in 'contains(alert.labels, 'x')'",
            offset: 0))
        #expect(try eval("join(inputs.hosts, ', ')") == .string("web-1, web-2"))
        #expect(try eval("join(inputs.hosts)") == .string("web-1,web-2"))
        #expect(try eval("join(inputs.ports, '')") == .string("80443"))
        #expect(try eval("join('solo', '-')") == .string("solo"))
        #expect(try eval("join(inputs.missing)") == .string(""))
        #expect(try evalError("join(inputs.hosts, 1)") == ExpressionError(
            message: "join: the separator must be a string, but it is an integer, in 'join(inputs.hosts, 1)'", offset: 0))
    }

    @Test func formatToJSONAndLength() throws {
        #expect(try eval("format('{0} has {1} hosts, {{literal}} {0}', inputs.provider, length(inputs.hosts))")
            == .string("aws has 2 hosts, {literal} aws"))
        #expect(try eval("format('[{0}|{1}|{2}]', null, inputs.ratio, inputs.ports)") == .string("[|0.5|[80,443]]"))
        #expect(try evalError("format(inputs.fmt, 'only one')") == ExpressionError(
            message: "format: the template uses {1} but only 1 value follows it (placeholders count from {0}), "
                + "in 'format(inputs.fmt, 'only one')'",
            offset: 0))
        #expect(try eval("toJSON(alert.labels)") == .string(#"{"severity":"critical","team name":"payments"}"#))
        #expect(try eval("toJSON('a')") == .string(#""a""#))
        #expect(try eval("toJSON(inputs.missing)") == .string("null"))
        #expect(try eval("length('héllo')") == .int(5))
        #expect(try eval("length(inputs.hosts)") == .int(2))
        #expect(try eval("length(alert.labels)") == .int(2))
        #expect(try eval("length(inputs.missing)") == .int(0))
        #expect(try evalError("length(3)") == ExpressionError(
            message: "length: the argument must be a string, a list or a map, but it is an integer, in 'length(3)'", offset: 0))
    }

    @Test func customScopeSeesFullPathsAndItsErrorsAreRebased() throws {
        struct Recording: ExpressionScope {
            func resolve(_ path: [PathComponent]) throws(ExpressionError) -> Value {
                if path == [.member("bad")] { throw ExpressionError(message: "nope", offset: 99) }
                return .string(PathComponent.pathText(path))
            }
        }
        let expression = try ExpressionParser.parse("a.b['c d'][2]")
        #expect(try expression.evaluate(in: Recording()) == .string("a.b['c d'][2]"))
        #expect(throws: ExpressionError(message: "nope", offset: 0)) {
            try ExpressionParser.parse("bad").evaluate(in: Recording())
        }
    }
}

// MARK: - Templates

@Suite("Templates")
struct TemplateTests {
    @Test func literalText() throws {
        let template = try Template.parse("plain }} $ { text")
        #expect(template.isLiteral)
        #expect(!template.isSingleExpression)
        #expect(template.expressions == [])
        #expect(template.segments == [.text("plain }} $ { text")])
        #expect(try template.render(in: scope) == .string("plain }} $ { text"))
        #expect(try Template.parse("").render(in: scope) == .string(""))
        #expect(try Template.parse("").segments == [])
    }

    @Test func singleExpressionKeepsItsType() throws {
        #expect(try render("${{ inputs.count }}") == .int(3))
        #expect(try render("${{inputs.ratio}}") == .double(0.5))
        #expect(try render("${{\n  inputs.hosts\n}}") == ["web-1", "web-2"])
        #expect(try render("${{ inputs.missing }}") == .null)
        #expect(try render("${{ inputs.count > 2 }}") == .bool(true))
        #expect(try Template.parse("${{ a }}").isSingleExpression)
    }

    @Test func anythingOutsideMakesAString() throws {
        #expect(try render(" ${{ inputs.count }}") == .string(" 3"))
        #expect(try render("${{ inputs.count }}\n") == .string("3\n"))
        #expect(try render("${{ inputs.count }}${{ inputs.count }}") == .string("33"))
        #expect(try render("Host ${{ inputs.hosts }} x ${{ inputs.missing }}!") == .string(#"Host ["web-1","web-2"] x !"#))
        #expect(try render("ratio=${{ inputs.ratio }} ok=${{ true }} n=${{ 2.0 }}") == .string("ratio=0.5 ok=true n=2"))
        #expect(try render("[${{ inputs.region || 'us-east-1' }}]") == .string("[us-east-1]"))
    }

    @Test func segmentsAndOffsets() throws {
        let template = try Template.parse("a${{ x }}b${{ y.z }}")
        #expect(template.segments == [
            .text("a"), .expression(ref("x"), offset: 1), .text("b"), .expression(ref("y", "z"), offset: 10),
        ])
        #expect(template.expressions == [ref("x"), ref("y", "z")])
        #expect(!template.isLiteral)
        #expect(template.source == "a${{ x }}b${{ y.z }}")
    }

    @Test func closingBracesInsideStringsDoNotEndTheExpression() throws {
        #expect(try render("${{ format('{{{0}}}', inputs.count) }}") == .string("{3}"))
        #expect(try render("${{ '}}' }}!") == .string("}}!"))
        #expect(try render("${{ '${{' }}") == .string("${{"))
        #expect(try render("${{ 'it''s }}' }}") == .string("it's }}"))
    }

    @Test func unclosedExpressionReportsItsStart() {
        #expect(templateError("restart ${{ inputs.service") == ExpressionError(
            message: "unclosed '${{'; add '}}' to end the expression", offset: 8))
        #expect(templateError("${{ a }} and ${{ b }") == ExpressionError(
            message: "unclosed '${{'; add '}}' to end the expression", offset: 13))
        #expect(throws: ExpressionError(message: "unclosed '${{'; add '}}' to end the expression", offset: 0)) {
            try Template.parse("${{")
        }
        #expect(templateError("a ${{ 'x }}") == ExpressionError(
            message: "unterminated string literal; add a closing ' (write '' for a quote inside the string)", offset: 6))
    }

    @Test func syntaxErrorOffsetsAreWithinTheWholeString() {
        #expect(templateError("Host ${{ inputs.provider == ) }} down") == ExpressionError(
            message: "unexpected ')' after 'inputs.provider =='; expected a value", offset: 28))
        #expect(templateError("x ${{ }}") == ExpressionError(
            message: "empty expression; write a value or condition between ${{ and }}", offset: 6))
        #expect(templateError("ok ${{ a }} ${{ a = 1 }}") == ExpressionError(
            message: "'=' on its own is not an operator; use '==' to compare values", offset: 18))
    }

    @Test func noCodeExecution() throws {
        #expect(templateError("${{ system('x') }}") == ExpressionError(
            message: "unknown function 'system'; functions are \(functionList)", offset: 4))
        #expect(templateError("run: ${{ eval('rm -rf /') }}") == ExpressionError(
            message: "unknown function 'eval'; functions are \(functionList)", offset: 9))
        #expect(templateError("${{ $(rm -rf /) }}") == ExpressionError(
            message: "unexpected character '$'; expressions contain only names, 'strings', numbers, "
                + "operators (== != < <= > >= && || !), parentheses, commas, dots and [brackets]",
            offset: 4))
        // Shell syntax outside ${{ }} is just text: it is never interpreted here.
        #expect(try render("$(whoami) `id` ${{ 'x' }}") == .string("$(whoami) `id` x"))
    }

    @Test func evaluationErrorsPointAtTheSegment() throws {
        #expect(try renderError("ok ${{ inputs.count }} and ${{ nope.x }}") == ExpressionError(
            message: "unknown name 'nope'; names available here are alert, env, inputs, steps", offset: 27))
        #expect(try renderError("${{ inputs.provider < 1 }}") == ExpressionError(
            message: "cannot compare string with integer using '<' in 'inputs.provider < 1'; only two numbers or two strings can be compared",
            offset: 0))
    }
}

// MARK: - References

@Suite("Expression references")
struct ExpressionReferenceTests {
    @Test func expressionReferencesInOrder() throws {
        let expression = try ExpressionParser.parse(
            "contains(steps.check-health.outputs.status, 'degraded') && env.STAGE == inputs.hosts[0] || !alert.labels['team name'] || 1")
        #expect(expression.references == [
            [.member("steps"), .member("check-health"), .member("outputs"), .member("status")],
            [.member("env"), .member("STAGE")],
            [.member("inputs"), .member("hosts"), .index(0)],
            [.member("alert"), .member("labels"), .member("team name")],
        ])
        #expect(try ExpressionParser.parse("'steps.x' == 1").references == [])
        #expect(try ExpressionParser.parse("a == a").references == [[.member("a")], [.member("a")]])
    }

    @Test func templateReferencesInOrder() throws {
        let template = try Template.parse("${{ run.id }}: ${{ format('{0}', event.kind) }} ${{ 'literal' }} ${{ env.X || env.Y }}")
        #expect(template.references == [
            [.member("run"), .member("id")],
            [.member("event"), .member("kind")],
            [.member("env"), .member("X")],
            [.member("env"), .member("Y")],
        ])
        #expect(try Template.parse("no refs ${{ 1 }}").references == [])
    }

    @Test func pathText() {
        #expect(PathComponent.pathText([.member("steps"), .member("a-b"), .member("x y"), .index(3)]) == "steps.a-b['x y'][3]")
        #expect(PathComponent.isIdentifier("a-b_9"))
        #expect(!PathComponent.isIdentifier("9a"))
        #expect(!PathComponent.isIdentifier(""))
        #expect(!PathComponent.isIdentifier("-a"))
    }
}
