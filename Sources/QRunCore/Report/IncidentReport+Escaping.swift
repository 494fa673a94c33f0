extension IncidentReport {
    /// A value as HTML text: masked, then escaped (``HTMLText``).
    func esc(_ s: String) -> String { HTMLText.escape(mask(s)) }

    /// A value masked, then cut to `limit` characters (so a cut never leaves part of a secret).
    func clip(_ s: String, _ limit: Int) -> String { HTMLText.clipped(mask(s), limit) }

    /// A value as Markdown text: masked, then escaped (``MarkdownText``).
    func mdText(_ s: String) -> String { MarkdownText.text(mask(s)) }

    /// A value as a Markdown code span: masked, then fenced (``MarkdownText``).
    func mdCode(_ s: String) -> String { MarkdownText.code(mask(s)) }
}
