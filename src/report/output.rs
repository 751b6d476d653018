//! A page as a self-contained HTML document and as Markdown.

use std::fmt::Write;
use std::path::Path;

use super::Page;
use crate::output::write_atomic;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Text for the page: escaped, with Markdown's `code` spans as `<code>` (a backtick never
/// shows on the page).
fn inline(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in esc(s).split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

const STYLE: &str = "body{font-family:'Noto Sans CJK SC','Source Han Sans SC','PingFang SC',\
'Microsoft YaHei','WenQuanYi Zen Hei',DejaVu Sans,Arial,sans-serif;margin:24px auto;max-width:1240px;color:#111;font-size:18px}\
h1{font-size:30px;margin:0}h2{font-size:24px;margin-top:36px;border-bottom:2px solid #ccc}\
.sub{color:#555;margin:6px 0 18px}.verdict{font-size:22px;padding:12px 18px;border-radius:8px;\
margin:8px 0;list-style:none}.verdict li{margin:6px 0}.verdict li.pass::before{content:'\\2714  ';\
color:#1a7f37}.verdict li.fail::before{content:'\\2718  ';color:#c62828}.verdict li:first-child\
{font-size:26px;font-weight:bold}table{border-collapse:collapse;margin:12px 0;font-size:16px}\
th,td{border:1px solid #ccc;padding:4px 10px;text-align:right}th:first-child,td:first-child\
{text-align:left}td.pass{background:#d8f5dd;color:#0b5d1e}td.fail{background:#fde0e0;\
color:#9b1c1c;font-weight:bold}td.unsure{background:#fff3cd;color:#7a5200;font-weight:bold}figure{margin:18px 0}figcaption{font-size:16px;color:#333}\
svg{max-width:100%;height:auto}code{font-family:inherit;background:#f0f0f0;padding:0 4px;border-radius:3px}";

/// The page as a self-contained HTML document.
pub fn html(page: &Page) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n\
         <p class=\"sub\">{}</p>\n<ul class=\"verdict\" id=\"verdict\">\n",
        page.lang.html_tag(),
        esc(&page.title),
        esc(&page.title),
        esc(&page.subtitle)
    );
    for (line, ok) in &page.verdict {
        let _ = writeln!(
            out,
            "<li class=\"{}\">{}</li>",
            if *ok { "pass" } else { "fail" },
            inline(line)
        );
    }
    out.push_str("</ul>\n");
    for s in &page.sections {
        let _ = writeln!(out, "<section>\n<h2>{}</h2>", esc(&s.heading));
        for p in &s.text {
            let _ = writeln!(out, "<p>{}</p>", inline(p));
        }
        if let Some(t) = &s.table {
            out.push_str("<table>\n<tr>");
            for h in &t.header {
                let _ = write!(out, "<th>{}</th>", esc(h));
            }
            out.push_str("</tr>\n");
            for r in &t.rows {
                out.push_str("<tr>");
                for c in r {
                    if c.class.is_empty() {
                        let _ = write!(out, "<td>{}</td>", inline(&c.text));
                    } else {
                        let _ = write!(out, "<td class=\"{}\">{}</td>", c.class, inline(&c.text));
                    }
                }
                out.push_str("</tr>\n");
            }
            out.push_str("</table>\n");
        }
        for f in &s.figures {
            let svg = f.svg.find("<svg").map_or(f.svg.as_str(), |i| &f.svg[i..]);
            let _ = writeln!(
                out,
                "<figure class=\"chart\" id=\"{}\" data-png=\"{}.png\">\n{svg}\n\
                 <figcaption>{}{}<a href=\"{}.png\">{}.png</a>{}</figcaption>\n</figure>",
                f.name,
                f.name,
                esc(page.lang.caption(&f.name, &f.title)),
                page.lang.pick(" (PNG: ", "（PNG："),
                f.name,
                f.name,
                page.lang.pick(")", "）"),
            );
        }
        out.push_str("</section>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// The page as Markdown (charts as PNG links).
pub fn markdown(page: &Page) -> String {
    let mut out = format!("# {}\n\n{}\n\n", page.title, page.subtitle);
    for (i, (line, ok)) in page.verdict.iter().enumerate() {
        let mark = if *ok { "✔" } else { "✘" };
        if i == 0 {
            let _ = writeln!(out, "**{mark} {line}**\n");
        } else {
            let _ = writeln!(out, "- {mark} {line}");
        }
    }
    for s in &page.sections {
        let _ = writeln!(out, "\n## {}\n", s.heading);
        for p in &s.text {
            let _ = writeln!(out, "{p}\n");
        }
        if let Some(t) = &s.table {
            let _ = writeln!(out, "| {} |", t.header.join(" | "));
            let _ = writeln!(out, "|{}", "---|".repeat(t.header.len()));
            for r in &t.rows {
                let cells: Vec<String> = r
                    .iter()
                    .map(|c| match c.class {
                        "fail" | "unsure" => format!("**{}**", c.text.replace('|', "/")),
                        _ => c.text.replace('|', "/"),
                    })
                    .collect();
                let _ = writeln!(out, "| {} |", cells.join(" | "));
            }
            out.push('\n');
        }
        for f in &s.figures {
            let _ = writeln!(
                out,
                "![{}]({}.png)\n",
                page.lang.caption(&f.name, &f.title),
                f.name
            );
        }
    }
    out
}

/// Writes `index.html` and `report.md` into `dir` (charts are already there).
pub fn write_page(dir: &Path, page: &Page) -> std::io::Result<()> {
    write_atomic(&dir.join("report.md"), markdown(page).as_bytes())?;
    write_atomic(&dir.join("index.html"), html(page).as_bytes())
}
