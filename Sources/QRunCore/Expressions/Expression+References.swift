extension Expression {
    /// Every reference path in the expression, in source order (left to right, depth first),
    /// duplicates included. Each path starts with `.member(rootName)`.
    ///
    /// Validators use this to check roots (`inputs`, `steps`, `env`, …), that `steps.X.outputs.Y`
    /// names an upstream step, that `env.NAME` is declared, and so on. Because indexes are literal,
    /// a path is exactly what will be looked up at run time. References are listed even when
    /// short-circuiting would skip them.
    public var references: [[PathComponent]] {
        var paths: [[PathComponent]] = []
        collectReferences(into: &paths)
        return paths
    }

    private func collectReferences(into paths: inout [[PathComponent]]) {
        switch self {
        case .literal:
            break
        case .reference(let path):
            paths.append(path)
        case .not(let operand):
            operand.collectReferences(into: &paths)
        case .binary(_, let lhs, let rhs):
            lhs.collectReferences(into: &paths)
            rhs.collectReferences(into: &paths)
        case .call(_, let arguments):
            for argument in arguments {
                argument.collectReferences(into: &paths)
            }
        }
    }
}

extension Template {
    /// Every reference path in every expression of the template, in order of appearance.
    public var references: [[PathComponent]] {
        expressions.flatMap(\.references)
    }
}
