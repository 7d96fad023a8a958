//! Text for humans: the first location, rule and redacted secret on one line, then companion,
//! further locations and a fix hint. Everything from scanned content is escaped.

use std::io::{self, Write};

use super::{ReportOptions, format_date, printable, shown, shown_secret};
use crate::finding::{Finding, ImageItem, Location, Origin};

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

/// `where:line:col` with what a responder needs to find it: commit, author and date in
/// history; layer and command in an image.
pub(crate) fn place(l: &Location) -> String {
    printable(&format!(
        "{}:{}:{}{}",
        where_(&l.origin),
        l.line,
        l.column,
        detail(&l.origin)
    ))
}

fn where_(o: &Origin) -> String {
    match o {
        Origin::Git(g) if g.commit.is_empty() => format!(
            "{}:{}",
            g.reference.as_deref().unwrap_or("unreachable"),
            g.path
        ),
        Origin::Git(g) => format!("{}:{}", &g.commit[..g.commit.len().min(10)], g.path),
        Origin::Archive { outer, member } => format!("{}!/{member}", where_(outer)),
        other => other.label(),
    }
}

fn detail(o: &Origin) -> String {
    match o {
        Origin::Git(g) if g.commit.is_empty() => {
            format!(" (blob {}, in no commit)", &g.blob[..g.blob.len().min(10)])
        }
        Origin::Git(g) => format!(
            " ({}, {} <{}>)",
            format_date(g.author_time),
            g.author_name,
            g.author_email
        ),
        Origin::Image(i) => {
            let mut parts = Vec::new();
            if let Some(d) = &i.layer_digest {
                parts.push(format!("layer {}", &d[..d.len().min(19)]));
            }
            if i.item == ImageItem::LayerFile && !i.visible {
                parts.push("deleted in a later layer".to_string());
            }
            if let Some(c) = &i.created_by {
                let c: String = c.chars().take(60).collect();
                parts.push(format!("by `{c}`"));
            }
            if parts.is_empty() {
                String::new()
            } else {
                format!(" ({})", parts.join(", "))
            }
        }
        Origin::Archive { outer, .. } => detail(outer),
        _ => String::new(),
    }
}

pub(crate) fn write(
    findings: &[Finding],
    opts: &ReportOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let st = Style { on: opts.color };
    for f in findings {
        let Some(first) = f.locations.first() else {
            continue;
        };
        writeln!(
            out,
            "{}: {} {} {}",
            st.paint("1", &place(first)),
            st.paint("31;1", &printable(&f.rule_name)),
            st.paint("2", &format!("[{}]", printable(&f.rule_id))),
            st.paint("33", &printable(&shown_secret(f, opts))),
        )?;
        if let Some(c) = &f.companion {
            writeln!(
                out,
                "    {}: {}",
                printable(&c.name),
                printable(&shown(&c.value, opts))
            )?;
        }
        if let Some(v) = &f.validation {
            let mut line = format!("    validation: {:?}", v.status).to_lowercase();
            if let Some(r) = &v.reason {
                line.push_str(&format!(" ({})", printable(r)));
            }
            let identity: Vec<String> = v
                .identity
                .iter()
                .map(|(k, val)| match val {
                    serde_json::Value::String(s) => format!("{k}={s}"),
                    other => format!("{k}={other}"),
                })
                .collect();
            if !identity.is_empty() {
                line.push_str(&format!(": {}", printable(&identity.join(", "))));
            }
            writeln!(out, "{line}")?;
        }
        for l in &f.locations[1..] {
            writeln!(out, "    also at {}", place(l))?;
        }
        if f.commit_count > 1 || f.path_count > 1 {
            writeln!(
                out,
                "    seen in {} paths, introduced by {} commits",
                f.path_count, f.commit_count
            )?;
        }
        if let Some(fix) = &f.fix {
            writeln!(out, "    {} {}", st.paint("32", "fix:"), printable(fix))?;
        }
    }
    Ok(())
}
