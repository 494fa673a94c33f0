extension IncidentReport {
    /// The review page's only style sheet, inline: no external asset is ever loaded.
    static let htmlStyle = """
        :root{--ink:#1d232a;--muted:#5c6670;--line:#d7dde3;--panel:#f6f8fa}
        *{box-sizing:border-box}
        body{font:14px/1.45 "DejaVu Sans",system-ui,sans-serif;color:var(--ink);margin:0;background:#fff}
        main{max-width:1140px;margin:0 auto;padding:22px 20px 40px}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:26px 0 8px;padding-bottom:4px;border-bottom:2px solid var(--line)}
        .sub{color:var(--muted);margin:0 0 14px}
        code,.mono{font:12px/1.4 "DejaVu Sans Mono",ui-monospace,monospace;overflow-wrap:anywhere}
        .badge{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:bold;color:#fff;vertical-align:middle;font-size:13px}
        .b-succeeded{background:#1b7a3a}.b-failed{background:#b3261e}.b-cancelled{background:#8a5a00}
        .b-waiting,.b-running,.b-pending{background:#1f5fbf}
        .drill{background:#fff1cc;border:1px solid #e0b84c;padding:6px 10px;border-radius:6px;margin:8px 0}
        .facts{display:grid;grid-template-columns:repeat(4,1fr);gap:8px;margin:12px 0}
        .fact{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:8px 10px}
        .fact b{display:block;font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:bold}
        .fact span{font-size:15px}.fact.wide{grid-column:span 2}.fact.full{grid-column:span 4}
        .ok{color:#1b7a3a;font-weight:bold}.bad{color:#b3261e;font-weight:bold}.warn{color:#8a5a00;font-weight:bold}
        table{border-collapse:collapse;width:100%;margin:4px 0 8px}
        th,td{border-bottom:1px solid var(--line);padding:4px 7px;text-align:left;vertical-align:top}
        th{background:var(--panel);font-size:12px;color:var(--muted)}
        td.num{text-align:right;white-space:nowrap}td.t{white-space:nowrap}td.nw code{white-space:nowrap;overflow-wrap:normal}
        table.fixed{table-layout:fixed}table.fixed td{overflow-wrap:anywhere}td.req code{word-break:break-all}
        tr.failed td:first-child{border-left:4px solid #b3261e}tr.succeeded td:first-child{border-left:4px solid #1b7a3a}
        tr.cancelled td:first-child{border-left:4px solid #8a5a00}tr.skipped td{color:var(--muted)}
        .figure{border:1px solid var(--line);border-radius:6px;padding:8px;overflow-x:auto;background:#fff}
        .figure svg{max-width:100%;height:auto;display:block}
        .legend{display:flex;flex-wrap:wrap;gap:14px;color:var(--muted);font-size:12px;margin:6px 2px 0}
        .legend i{display:inline-block;width:12px;height:12px;border-radius:3px;margin-right:5px;vertical-align:-2px;border:2px solid}
        ul.triggers{margin:0;padding-left:18px}ul.triggers li{margin:3px 0}
        .kv{display:inline-block;background:var(--panel);border:1px solid var(--line);border-radius:4px;padding:0 5px;margin:1px 2px}
        svg text{font-family:"DejaVu Sans",sans-serif;fill:var(--ink)}
        svg text.id{font-size:13px;font-weight:bold}svg text.action{font:11px "DejaVu Sans Mono",monospace;fill:#4a545e}
        svg text.detail{font-size:11px;font-weight:bold}svg text.band{font-size:11px;fill:var(--muted);text-transform:uppercase;letter-spacing:.05em}
        svg rect.tag{fill:#fff;stroke:#7d8791}svg text.tag{font-size:10px;fill:#4a545e}
        svg .edge{fill:none;stroke:#7d8791;stroke-width:1.6;stroke-linejoin:round}svg .edge.blocked{stroke:#b3261e;stroke-dasharray:6 4}
        svg .sep{stroke:var(--line);stroke-width:1.5;stroke-dasharray:4 4}
        svg line.tick{stroke:#e3e7eb}svg text.tick{font-size:10px;fill:var(--muted)}svg rect.stripe{fill:#f8fafb}
        svg text.label{font:12px "DejaVu Sans Mono",monospace}svg text.none{font-size:11px;fill:#8c8c8c;font-style:italic}
        svg line.wait{stroke:#9aa3ad;stroke-width:1.5;stroke-dasharray:2 3}svg text.dur{font-size:10px;fill:var(--muted)}
        svg line.mark{stroke-width:1.5;stroke-dasharray:5 3}svg text.mark{font-size:11px;font-weight:bold}
        .chain{padding:10px 12px;border-radius:6px;border:1px solid var(--line);background:var(--panel)}
        @media print{main{max-width:none}.figure{break-inside:avoid}}
        """
}
