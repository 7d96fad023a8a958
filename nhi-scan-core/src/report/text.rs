use std::io::{self, Write};

use super::{ReportOptions, format_date, printable, shown_secret};
use crate::finding::{Finding, Location, Origin};

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

fn place(l: &Location) -> String {
    printable(&match &*l.origin {
        Origin::Git(g) if g.commit.is_empty() => format!(
            "{}:{}:{}:{} (blob {}, in no commit)",
            g.reference.as_deref().unwrap_or("unreachable"),
            g.path,
            l.line,
            l.column,
            &g.blob[..g.blob.len().min(10)],
        ),
        Origin::Git(g) => format!(
            "{}:{}:{}:{} ({}, {} <{}>)",
            &g.commit[..g.commit.len().min(10)],
            g.path,
            l.line,
            l.column,
            format_date(g.author_time),
            g.author_name,
            g.author_email
        ),
        other => format!("{}:{}:{}", other.label(), l.line, l.column),
    })
}

pub(crate) fn write(
    findings: &[Finding],
    opts: &ReportOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let st = Style { on: opts.color };
    for f in findings {
        let first = &f.locations[0];
        writeln!(
            out,
            "{}: {} {} {}",
            st.paint("1", &place(first)),
            st.paint("31;1", &f.rule_name),
            st.paint("2", &format!("[{}]", f.rule_id)),
            st.paint("33", &shown_secret(f, opts)),
        )?;
        if let Some((name, value)) = &f.companion {
            let value = super::shown(value, opts);
            writeln!(out, "    {name}: {value}")?;
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
            writeln!(out, "    {} {fix}", st.paint("32", "fix:"))?;
        }
    }
    Ok(())
}
