//! The inventory as one self-contained HTML page: inline CSS, a little vanilla JavaScript, no
//! network. The table and every detail are rendered here, so the page reads with JavaScript
//! off; the script only sorts, filters and pages the rows that are already there.
//!
//! Everything that came from scanned content (paths, commit subjects, author names, rule names
//! from a repository's own configuration, CODEOWNERS entries) is attacker-controlled: it is
//! escaped for HTML (and control and bidirectional characters made visible), and a Content
//! Security Policy allows only this page's own script (by hash), so markup that slipped through
//! could still not run.

use std::io::{self, Write};

use base64::Engine;
use sha2::{Digest, Sha256};

use super::{Credential, Inventory, Place, RiskLevel, SourceEntry};
use crate::report::printable;
use crate::validate::ValidationStatus;

/// Settings of the HTML page.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HtmlOptions {
    /// Locations listed per credential in its detail view; the rest are counted and left to
    /// the JSON inventory (keeps a 100,000-location report a size a browser opens quickly).
    pub max_locations: usize,
    /// Rows per page when JavaScript pages the table (all rows show without it).
    pub page_size: usize,
}

impl HtmlOptions {
    /// Locations listed per credential.
    pub fn max_locations(mut self, n: usize) -> Self {
        self.max_locations = n;
        self
    }
}

impl Default for HtmlOptions {
    fn default() -> Self {
        HtmlOptions {
            max_locations: 20,
            page_size: 100,
        }
    }
}

const STYLE: &str = r#"
:root{--fg:#1d2430;--muted:#5b6574;--line:#dde2ea;--bg:#f6f8fb;--card:#fff;--accent:#2456c8;
--critical:#b3122e;--high:#d9480f;--medium:#b8860b;--low:#2f7d32}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--fg);background:var(--bg)}
header{padding:20px 28px 8px}
h1{margin:0 0 4px;font-size:22px}
h2{font-size:17px;margin:22px 0 10px}
main{padding:0 28px 40px}
.meta{color:var(--muted);margin:0}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:12px;margin:14px 0}
.tile{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.tile b{display:block;font-size:26px;line-height:1.1}
.tile span{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.tile.critical b{color:var(--critical)}.tile.live b{color:var(--high)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.card h3{margin:0 0 8px;font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.bar{display:grid;grid-template-columns:9em 1fr 3.5em;gap:8px;align-items:center;margin:3px 0;font-size:13px}
.bar .label{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.track{background:#edf0f5;border-radius:3px;height:10px;overflow:hidden}
.fill{display:block;height:100%;background:var(--accent)}
.fill.critical{background:var(--critical)}.fill.high{background:var(--high)}.fill.medium{background:var(--medium)}.fill.low{background:var(--low)}
.bar .n{text-align:right;font-variant-numeric:tabular-nums}
#controls{display:flex;flex-wrap:wrap;gap:10px;align-items:center;margin:0 0 10px}
#controls input[type=search]{min-width:260px;padding:6px 8px;border:1px solid var(--line);border-radius:6px}
#controls select{padding:5px;border:1px solid var(--line);border-radius:6px}
#count{color:var(--muted)}
table{border-collapse:collapse;width:100%;background:var(--card)}
#creds{border:1px solid var(--line);table-layout:fixed}
.js tbody.later{display:none}
td{overflow-wrap:anywhere}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#eef1f6;font-size:12px;text-transform:uppercase;letter-spacing:.03em;white-space:nowrap}
th button{all:unset;cursor:pointer}
th[aria-sort=descending] button::after{content:" \25BE"}
th[aria-sort=ascending] button::after{content:" \25B4"}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;min-width:5.2em;padding:1px 6px;border-radius:10px;color:#fff;font-size:12px;font-weight:600;text-align:center}
.badge.critical{background:var(--critical)}.badge.high{background:var(--high)}.badge.medium{background:var(--medium)}.badge.low{background:var(--low)}
.live-valid{color:var(--critical);font-weight:600}.live-invalid{color:var(--low)}.live-unknown,.live-not_checked{color:var(--muted)}
code,.mono{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12.5px;word-break:break-all}
tr.more td{background:#fbfcfe;padding:0 8px}
details>summary{cursor:pointer;color:var(--accent);padding:4px 0}
.detail{display:grid;grid-template-columns:10em 1fr;gap:4px 14px;margin:6px 0 10px}
.detail dt{color:var(--muted)}.detail dd{margin:0}
.reasons{margin:0;padding-left:1.2em}
.locs{font-size:12.5px;margin:4px 0 12px;padding-left:1.6em}
.locs li{margin:2px 0}.when{color:var(--muted);font-variant-numeric:tabular-nums}
.note{color:var(--muted);font-size:12.5px}
.sources td{font-size:13px}
@media print{#controls{display:none}}
"#;

/// Runs first, before the table is parsed: rows past the first page are then never laid out
/// (a 10,000-row report loads in a fraction of the time); without JavaScript they all show.
const EARLY: &str = "document.documentElement.classList.add('js');";

const SCRIPT: &str = r#"
(function () {
  'use strict';
  var table = document.getElementById('creds');
  if (!table) { return; }
  var $ = function (id) { return document.getElementById(id); };
  var q = $('q'), fRisk = $('f-risk'), fProvider = $('f-provider'), fLive = $('f-live'),
    fHead = $('f-head'), count = $('count'), prev = $('prev'), next = $('next'), pageInfo = $('page');
  var pageSize = parseInt(table.getAttribute('data-page-size'), 10) || 100;
  var page = 0;
  // One record per credential; attributes are read once. Only the rows of the current page are
  // ever shown or moved, so sorting and filtering cost little however many rows there are.
  var rows = Array.prototype.map.call(table.querySelectorAll('tbody.cred'), function (el, i) {
    return { el: el, index: i, keys: {} };
  });
  function key(r, name, numeric) {
    if (!(name in r.keys)) {
      var v = r.el.getAttribute('data-' + name) || '';
      r.keys[name] = numeric ? parseFloat(v) : v;
    }
    return r.keys[name];
  }
  var order = rows.slice();
  var shown = rows.slice(0, pageSize);
  function apply() {
    var text = q.value.trim().toLowerCase();
    var matching = order.filter(function (r) {
      return (!text || key(r, 'search').indexOf(text) >= 0) &&
        (!fRisk.value || key(r, 'level') === fRisk.value) &&
        (!fProvider.value || key(r, 'provider') === fProvider.value) &&
        (!fLive.checked || key(r, 'live') === 'valid') &&
        (!fHead.checked || key(r, 'head') === '1');
    });
    var pages = Math.max(1, Math.ceil(matching.length / pageSize));
    if (page >= pages) { page = pages - 1; }
    if (page < 0) { page = 0; }
    var next_ = matching.slice(page * pageSize, (page + 1) * pageSize);
    shown.forEach(function (r) { r.el.hidden = true; });
    next_.forEach(function (r) {
      r.el.classList.remove('later');
      r.el.hidden = false;
      table.appendChild(r.el);
    });
    shown = next_;
    count.textContent = matching.length + ' of ' + rows.length + ' credentials';
    pageInfo.textContent = 'page ' + (page + 1) + ' of ' + pages;
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
  }
  Array.prototype.forEach.call(table.querySelectorAll('th[data-key]'), function (th) {
    th.querySelector('button').addEventListener('click', function () {
      var current = th.getAttribute('aria-sort');
      var numeric = th.getAttribute('data-type') === 'num';
      var direction = current === 'descending' ? 'ascending' :
        current === 'ascending' ? 'descending' : (numeric ? 'descending' : 'ascending');
      Array.prototype.forEach.call(table.querySelectorAll('th[aria-sort]'), function (o) {
        o.removeAttribute('aria-sort');
      });
      th.setAttribute('aria-sort', direction);
      var name = th.getAttribute('data-key');
      var sign = direction === 'ascending' ? 1 : -1;
      order.sort(function (a, b) {
        var x = key(a, name, numeric), y = key(b, name, numeric);
        var c = numeric ? x - y : x.localeCompare(y);
        return sign * c || a.index - b.index;
      });
      page = 0;
      apply();
    });
  });
  [q, fRisk, fProvider, fLive, fHead].forEach(function (el) {
    el.addEventListener('input', function () { page = 0; apply(); });
    el.addEventListener('change', function () { page = 0; apply(); });
  });
  prev.addEventListener('click', function () { page -= 1; apply(); });
  next.addEventListener('click', function () { page += 1; apply(); });
  $('controls').hidden = false;
  apply();
})();
"#;

/// Text from anywhere (scanned content included) made safe inside HTML text and
/// double-quoted attribute values.
pub(crate) fn esc(s: &str) -> String {
    let s = printable(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The first `n` characters (a merged inventory is read from files anyone may have written:
/// never slice it by bytes).
fn head(s: &str, n: usize) -> &str {
    s.char_indices().nth(n).map_or(s, |(i, _)| &s[..i])
}

fn short(commit: &str) -> &str {
    head(commit, 12)
}

fn date_only(d: &Option<String>) -> String {
    d.as_deref()
        .map_or_else(|| "—".into(), |d| esc(head(d, 10)))
}

fn live(c: &Credential) -> (&'static str, &'static str, u8) {
    match c.validation.as_ref().map(|v| v.status) {
        Some(ValidationStatus::Valid) => ("valid", "live", 3),
        Some(ValidationStatus::Unknown) => ("unknown", "unknown", 2),
        None => ("not_checked", "not checked", 1),
        Some(ValidationStatus::Invalid) => ("invalid", "rejected", 0),
    }
}

/// Writes `inv` as one HTML page.
pub fn write_html(inv: &Inventory, opts: &HtmlOptions, out: &mut dyn Write) -> io::Result<()> {
    let hash =
        |s: &str| base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s.as_bytes()));
    let (early, main) = (hash(EARLY), hash(SCRIPT));
    let s = &inv.summary;
    write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{early}' 'sha256-{main}'; base-uri 'none'; form-action 'none'\">\
<meta name=\"referrer\" content=\"no-referrer\">\
<title>NHI inventory: {} credentials</title><style>{STYLE}</style></head><body><script>{EARLY}</script>\n",
        s.credentials
    )?;
    write!(
        out,
        "<header><h1>Non-human identity inventory</h1><p class=\"meta\">Generated {} by {} {} from {} source{}. Secrets are {}.</p></header><main>",
        esc(&inv.generated_at),
        esc(&inv.tool.name),
        esc(&inv.tool.version),
        s.sources,
        if s.sources == 1 { "" } else { "s" },
        if inv.credentials.iter().all(|c| c.redacted) {
            "masked"
        } else {
            "<strong>shown in full</strong>"
        }
    )?;
    writeln!(out)?;
    tiles(inv, out)?;
    charts(inv, out)?;
    sources(&inv.sources, out)?;
    table(inv, opts, out)?;
    writeln!(out, "</main><script>{SCRIPT}</script></body></html>")
}

fn tiles(inv: &Inventory, out: &mut dyn Write) -> io::Result<()> {
    let s = &inv.summary;
    let critical = s.by_risk.get("critical").copied().unwrap_or(0);
    let high = s.by_risk.get("high").copied().unwrap_or(0);
    let valid = s.by_validation.get("valid").copied().unwrap_or(0);
    let oldest = inv.credentials.iter().filter_map(|c| c.age_days).max();
    write!(out, "<section class=\"tiles\" aria-label=\"summary\">")?;
    let tile = |out: &mut dyn Write, class: &str, n: String, label: &str| {
        write!(
            out,
            "<div class=\"tile {class}\"><b>{n}</b><span>{label}</span></div>"
        )
    };
    tile(out, "", s.credentials.to_string(), "credentials")?;
    tile(out, "critical", critical.to_string(), "critical")?;
    tile(out, "", high.to_string(), "high")?;
    tile(out, "live", valid.to_string(), "live (validated)")?;
    tile(out, "", s.at_head.to_string(), "still at HEAD")?;
    tile(out, "", s.history_only.to_string(), "history only")?;
    tile(
        out,
        "",
        oldest.map_or_else(|| "—".into(), |d| d.to_string()),
        "oldest (days)",
    )?;
    tile(out, "", s.locations.to_string(), "locations")?;
    writeln!(out, "</section>")
}

fn bars(out: &mut dyn Write, title: &str, rows: &[(String, usize, &str)]) -> io::Result<()> {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    write!(out, "<div class=\"card\"><h3>{}</h3>", esc(title))?;
    for (label, n, class) in rows {
        let pct = (*n as f64 / max as f64 * 100.0).round();
        write!(
            out,
            "<div class=\"bar\"><span class=\"label\" title=\"{l}\">{l}</span><span class=\"track\"><span class=\"fill {class}\" style=\"width:{pct}%\"></span></span><span class=\"n\">{n}</span></div>",
            l = esc(label)
        )?;
    }
    write!(out, "</div>")
}

fn charts(inv: &Inventory, out: &mut dyn Write) -> io::Result<()> {
    let s = &inv.summary;
    write!(out, "<section class=\"charts\" aria-label=\"counts\">")?;
    let risk: Vec<(String, usize, &str)> = RiskLevel::ALL
        .iter()
        .map(|l| {
            (
                l.as_str().to_string(),
                s.by_risk.get(l.as_str()).copied().unwrap_or(0),
                l.as_str(),
            )
        })
        .collect();
    bars(out, "By risk", &risk)?;
    let top = |m: &std::collections::BTreeMap<String, usize>| {
        let mut v: Vec<(String, usize, &str)> =
            m.iter().map(|(k, n)| (k.clone(), *n, "")).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        if v.len() > 12 {
            let rest: usize = v[11..].iter().map(|r| r.1).sum();
            let others = v.len() - 11;
            v.truncate(11);
            v.push((format!("{others} others"), rest, ""));
        }
        v
    };
    bars(out, "By kind", &top(&s.by_kind))?;
    bars(out, "By provider", &top(&s.by_provider))?;
    let ages: Vec<(String, usize, &str)> = s
        .age_histogram
        .iter()
        .map(|b| (b.label.clone(), b.count, ""))
        .collect();
    bars(out, "Age since first introduction", &ages)?;
    let validation: Vec<(String, usize, &str)> = [
        ("valid", "live"),
        ("unknown", "unknown"),
        ("not_checked", "not checked"),
        ("invalid", "rejected"),
    ]
    .iter()
    .map(|(k, label)| {
        (
            label.to_string(),
            s.by_validation.get(*k).copied().unwrap_or(0),
            "",
        )
    })
    .collect();
    bars(out, "Validation", &validation)?;
    writeln!(out, "</section>")
}

fn sources(list: &[SourceEntry], out: &mut dyn Write) -> io::Result<()> {
    write!(
        out,
        "<h2>Sources</h2><table class=\"sources\"><thead><tr><th>kind</th><th>location</th><th>HEAD</th><th>remote</th><th>CODEOWNERS</th><th>.mailmap</th></tr></thead><tbody>"
    )?;
    for s in list {
        write!(
            out,
            "<tr><td>{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td>{}</td></tr>",
            s.kind.as_str(),
            esc(&s.location),
            s.head.as_deref().map(short).map(esc).unwrap_or_default(),
            s.remote.as_deref().map(esc).unwrap_or_default(),
            s.codeowners.as_deref().map(esc).unwrap_or_default(),
            if s.mailmap { "yes" } else { "" }
        )?;
    }
    writeln!(out, "</tbody></table>")
}

fn table(inv: &Inventory, opts: &HtmlOptions, out: &mut dyn Write) -> io::Result<()> {
    let levels: String = RiskLevel::ALL
        .iter()
        .map(|l| format!("<option value=\"{0}\">{0}</option>", l.as_str()))
        .collect();
    let providers: String = inv
        .summary
        .by_provider
        .keys()
        .map(|p| format!("<option value=\"{0}\">{0}</option>", esc(p)))
        .collect();
    write!(
        out,
        "<h2 id=\"credentials\">Credentials</h2>\
<div id=\"controls\" hidden><input id=\"q\" type=\"search\" placeholder=\"Filter: rule, provider, owner, path…\" aria-label=\"filter\">\
<select id=\"f-risk\" aria-label=\"risk level\"><option value=\"\">any risk</option>{levels}</select>\
<select id=\"f-provider\" aria-label=\"provider\"><option value=\"\">any provider</option>{providers}</select>\
<label><input id=\"f-live\" type=\"checkbox\"> live only</label>\
<label><input id=\"f-head\" type=\"checkbox\"> at HEAD only</label>\
<span id=\"count\"></span><button id=\"prev\" type=\"button\">‹ prev</button><span id=\"page\"></span><button id=\"next\" type=\"button\">next ›</button></div>\n\
<table id=\"creds\" data-page-size=\"{}\">\
<colgroup><col style=\"width:8.5em\"><col style=\"width:24%\"><col style=\"width:8em\"><col style=\"width:10em\"><col><col style=\"width:6.5em\"><col style=\"width:8.5em\"><col style=\"width:6em\"><col style=\"width:7em\"></colgroup>\
<thead><tr>\
<th data-key=\"risk\" data-type=\"num\" aria-sort=\"descending\"><button type=\"button\">Risk</button></th>\
<th data-key=\"name\" data-type=\"text\"><button type=\"button\">Credential</button></th>\
<th data-key=\"provider\" data-type=\"text\"><button type=\"button\">Provider</button></th>\
<th data-key=\"kind\" data-type=\"text\"><button type=\"button\">Kind</button></th>\
<th data-key=\"owner\" data-type=\"text\"><button type=\"button\">Owner</button></th>\
<th data-key=\"age\" data-type=\"num\"><button type=\"button\">Age (days)</button></th>\
<th data-key=\"liverank\" data-type=\"num\"><button type=\"button\">Live</button></th>\
<th data-key=\"head\" data-type=\"num\"><button type=\"button\">At HEAD</button></th>\
<th data-key=\"locations\" data-type=\"num\"><button type=\"button\">Locations</button></th>\
</tr></thead>\n",
        opts.page_size.max(1)
    )?;
    for (i, c) in inv.credentials.iter().enumerate() {
        row(c, i >= opts.page_size.max(1), inv, opts, out)?;
    }
    writeln!(out, "</table>")
}

fn row(
    c: &Credential,
    later: bool,
    inv: &Inventory,
    opts: &HtmlOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let (live_key, live_label, live_rank) = live(c);
    let owner = c.owner.display.as_deref().unwrap_or("");
    let level = c.risk.level.as_str();
    let mut search = format!(
        "{} {} {} {} {} {} {}",
        c.rule_id,
        c.rule_name,
        c.provider,
        c.kind,
        owner,
        head(&c.fingerprint, 12),
        c.owner.identity.as_deref().unwrap_or("")
    );
    for p in c.locations.iter().take(opts.max_locations) {
        search.push(' ');
        search.push_str(&p.path);
    }
    let id = esc(head(&c.fingerprint, 16));
    write!(
        out,
        "<tbody class=\"cred{}\" id=\"c-{id}\" data-risk=\"{}\" data-level=\"{level}\" data-name=\"{}\" data-provider=\"{}\" data-kind=\"{}\" data-owner=\"{}\" data-age=\"{}\" data-live=\"{live_key}\" data-liverank=\"{live_rank}\" data-head=\"{}\" data-locations=\"{}\" data-search=\"{}\">",
        if later { " later" } else { "" },
        c.risk.score,
        esc(&c.rule_name.to_lowercase()),
        esc(&c.provider),
        c.kind,
        esc(&owner.to_lowercase()),
        c.age_days.map_or(-1, |d| d as i64),
        u8::from(c.present_at_head),
        c.location_count,
        esc(&search.to_lowercase()),
    )?;
    write!(
        out,
        "<tr><td><span class=\"badge {level}\">{level} {}</span></td><td>{}<br><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"live-{live_key}\">{live_label}</td><td>{}</td><td class=\"num\">{}</td></tr>",
        c.risk.score,
        esc(&c.rule_name),
        esc(&c.secret),
        esc(&c.provider),
        c.kind,
        esc(owner),
        c.age_days.map_or_else(|| "—".into(), |d| d.to_string()),
        if c.present_at_head { "yes" } else { "no" },
        c.location_count,
    )?;
    write!(
        out,
        "<tr class=\"more\"><td colspan=\"9\"><details><summary>details and {} location{}</summary>",
        c.location_count,
        if c.location_count == 1 { "" } else { "s" }
    )?;
    detail(c, inv, opts, out)?;
    writeln!(out, "</details></td></tr></tbody>")
}

fn sighting_html(s: &super::Sighting, c: &Credential, inv: &Inventory) -> String {
    let mut parts = vec![date_only(&s.date)];
    if let Some(commit) = &s.commit {
        let url = c
            .locations
            .iter()
            .find(|p| p.commit.as_deref() == Some(commit))
            .and_then(|p| p.url.clone());
        parts.push(commit_html(commit, url.as_deref()));
    }
    if let Some(a) = &s.author {
        parts.push(esc(a));
    }
    parts.push(format!("<code>{}</code>", esc(&s.path)));
    if inv.sources.len() > 1 {
        parts.push(format!("in <code>{}</code>", esc(&s.source)));
    }
    parts.join(" · ")
}

fn commit_html(commit: &str, url: Option<&str>) -> String {
    match url {
        Some(u) => format!(
            "<a class=\"mono\" href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
            esc(u),
            esc(short(commit))
        ),
        None => format!("<code>{}</code>", esc(short(commit))),
    }
}

fn detail(
    c: &Credential,
    inv: &Inventory,
    opts: &HtmlOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    write!(out, "<dl class=\"detail\">")?;
    let field = |out: &mut dyn Write, name: &str, html: String| {
        write!(out, "<dt>{name}</dt><dd>{html}</dd>")
    };
    field(
        out,
        "Fingerprint",
        format!("<code>{}</code>", esc(&c.fingerprint)),
    )?;
    field(
        out,
        "Rule",
        format!("{} <code>{}</code>", esc(&c.rule_name), esc(&c.rule_id)),
    )?;
    field(out, "Secret", format!("<code>{}</code>", esc(&c.secret)))?;
    let mut grants = esc(&c.grants.description);
    if !c.grants.scopes.is_empty() {
        grants.push_str(&format!(
            "<br>scopes: <code>{}</code>",
            esc(&c.grants.scopes.join(", "))
        ));
    }
    if let Some(i) = &c.grants.identity {
        grants.push_str(&format!("<br>acts as: {}", esc(i)));
    }
    field(out, "Grants", grants)?;
    let mut owner = Vec::new();
    if let Some(a) = &c.owner.author {
        owner.push(format!("introduced by {}", esc(a)));
    }
    if !c.owner.codeowners.is_empty() {
        owner.push(format!(
            "CODEOWNERS: {}",
            esc(&c.owner.codeowners.join(" "))
        ));
    }
    if let Some(i) = &c.owner.identity {
        owner.push(format!("identity: {}", esc(i)));
    }
    field(
        out,
        "Owner",
        if owner.is_empty() {
            "unknown".into()
        } else {
            owner.join("<br>")
        },
    )?;
    field(out, "First seen", sighting_html(&c.first_seen, c, inv))?;
    field(out, "Last seen", sighting_html(&c.last_seen, c, inv))?;
    field(
        out,
        "Spread",
        format!(
            "{} location{}, {} path{}, {} commit{}, {} source{}",
            c.location_count,
            if c.location_count == 1 { "" } else { "s" },
            c.path_count,
            if c.path_count == 1 { "" } else { "s" },
            c.commit_count,
            if c.commit_count == 1 { "" } else { "s" },
            c.sources.len(),
            if c.sources.len() == 1 { "" } else { "s" }
        ),
    )?;
    let validation = match &c.validation {
        None => "not validated".to_string(),
        Some(v) => {
            let mut s = format!("{} (checked {})", live(c).1, esc(&v.checked_at));
            if let Some(r) = &v.reason {
                s.push_str(&format!(": {}", esc(r)));
            }
            for (k, val) in &v.identity {
                let shown = match val {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                s.push_str(&format!("<br><code>{}</code>: {}", esc(k), esc(&shown)));
            }
            s
        }
    };
    field(out, "Validation", validation)?;
    let reasons: String = c
        .risk
        .reasons
        .iter()
        .map(|r| format!("<li>{:+} {}</li>", r.points, esc(&r.reason)))
        .collect();
    field(
        out,
        "Risk",
        format!(
            "{} ({}) <ul class=\"reasons\">{reasons}</ul>",
            c.risk.score,
            c.risk.level.as_str()
        ),
    )?;
    write!(out, "</dl>")?;
    locations(&c.locations, c.location_count, inv, opts, out)
}

fn locations(
    places: &[Place],
    total: usize,
    inv: &Inventory,
    opts: &HtmlOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    // A list, not a table: a 100,000-location report stays a DOM the browser handles.
    let multi = inv.sources.len() > 1;
    write!(out, "<ol class=\"locs\">")?;
    for p in places.iter().take(opts.max_locations) {
        write!(
            out,
            "<li><span class=\"when\">{}</span> <code>{}:{}</code>",
            date_only(&p.date),
            esc(&p.path),
            p.line
        )?;
        if multi {
            write!(out, " in <code>{}</code>", esc(&p.source))?;
        }
        if let Some(c) = &p.commit {
            write!(out, " · {}", commit_html(c, p.url.as_deref()))?;
        }
        if let Some(l) = p.layer {
            write!(out, " · layer {l}")?;
        }
        if let Some(subject) = p.subject.as_deref().or(p.created_by.as_deref()) {
            write!(out, " {}", esc(subject))?;
        }
        if let Some(a) = &p.author {
            write!(out, " · {}", esc(a))?;
        }
        write!(
            out,
            " · {}</li>",
            if p.at_head { "still there" } else { "gone" }
        )?;
    }
    write!(out, "</ol>")?;
    if total > opts.max_locations {
        write!(
            out,
            "<p class=\"note\">… and {} more location{} in the JSON inventory (<code>--format inventory</code>).</p>",
            total - opts.max_locations,
            if total - opts.max_locations == 1 {
                ""
            } else {
                "s"
            }
        )?;
    }
    Ok(())
}
