//! The war-room report: files, PNG sizes and content, a self-contained page, the same bytes
//! for any thread count, and the page as a person sees it in headless Chromium.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common;

/// Charts of a run of the default scenario (bot and conversion present).
const CHARTS: [&str; 9] = [
    "arrivals_capacity",
    "queue_abandonment",
    "first_response_bands",
    "reply_response_bands",
    "response_histograms",
    "utilisation_by_group",
    "concurrency_by_group",
    "conversion_gmv",
    "bot_deflection",
];

/// Width, height and the share of pixels that are not white.
pub(crate) fn png_stats(path: &Path) -> (u32, u32, f64) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels = &buf[..info.buffer_size()];
    let inked = pixels
        .chunks(channels)
        .filter(|p| p.iter().take(3).any(|c| *c < 235))
        .count();
    (
        info.width,
        info.height,
        inked as f64 / (info.width * info.height) as f64,
    )
}

fn report(dir: &Path, extra: &[&str]) -> PathBuf {
    report_with(dir, "2", extra)
}

fn report_with(dir: &Path, replications: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join("report");
    let mut args = vec!["report", "-r", replications, "--out", "report"];
    args.extend(extra);
    let o = common::d11sim(&args, dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("report written to"));
    out
}

#[test]
fn report_writes_a_self_contained_page_markdown_and_readable_pngs() {
    // 10 replications, as the committed report: with 2 the evening of Nov 11 (平响 27-29 s
    // by quarter-hour) misses in "most" replications by chance
    let dir = common::temp_dir("report_files");
    let out = report_with(&dir, "10", &[]);
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    for name in CHARTS {
        let (w, h, inked) = png_stats(&out.join(format!("{name}.png")));
        assert_eq!((w, h), (1200, 600), "{name}");
        assert!(
            inked > 0.02 && inked < 0.9,
            "{name}: {inked} of the pixels inked"
        );
        let at = html
            .find(&format!("id=\"{name}\""))
            .unwrap_or_else(|| panic!("{name} missing from the page"));
        assert!(html[at..].starts_with(&format!("id=\"{name}\" data-png")));
        assert!(
            html[at..at + 400].contains("<svg"),
            "{name} is not inline SVG"
        );
        assert!(
            md.contains(&format!("({name}.png)")),
            "{name} missing from report.md"
        );
    }
    // self-contained: nothing is fetched (the only URL is the SVG namespace)
    for needle in ["<script src", "<link", "<img", "url("] {
        assert!(!html.contains(needle), "the page loads something: {needle}");
    }
    let urls = html.matches("http").count();
    let namespaces = html.matches("http://www.w3.org/2000/svg").count();
    assert_eq!(urls, namespaces, "the page refers to the network");
    // the verdict leads, with the default scenario's known outcome
    let verdict = html.find("id=\"verdict\"").unwrap();
    assert!(verdict < html.find("<table").unwrap());
    assert!(html.contains("3 of 4 targets not met (3 missed, 0 unsure)"));
    // one line per target, in the trade's names, never the raw key
    let verdict_md: Vec<&str> = md
        .lines()
        .skip_while(|l| !l.starts_with("**"))
        .take_while(|l| !l.starts_with("## "))
        .filter(|l| l.starts_with("- "))
        .collect();
    assert_eq!(verdict_md.len(), 4, "{verdict_md:?}");
    assert!(
        verdict_md
            .iter()
            .all(|l| !l.contains("avg_response_s") && !l.contains("reply_rate")),
        "{verdict_md:?}"
    );
    assert!(
        md.contains("询单转化率 inquiry conversion >= 65.00%: FAIL: 58.11% [")
            && md.contains("informative, not gated: no staffing reaches it")
            && md.contains("More agents do not fix it"),
        "{md}"
    );
    // the midnight strain is found, and fixed by the crew on duty over it
    assert!(
        md.contains("平响 avg response (s) <= 30.00: FAIL: 26.79 [")
            && md.contains("on the day (PASS, met in 100% of replications)")
            && md.contains("missed 11-10 23:45-00:45 (in 100% of replications)"),
        "{md}"
    );
    assert!(md.contains("agents on opening veterans"), "{md}");
    assert!(md.contains("## What the KPIs mean"), "{md}");
    assert!(md.contains("| 平响 avg response (s) |"));
}

#[test]
fn report_bytes_do_not_depend_on_the_thread_count() {
    let dir = common::temp_dir("report_threads");
    std::fs::create_dir_all(dir.join("a")).unwrap();
    std::fs::create_dir_all(dir.join("b")).unwrap();
    let a = report(&dir.join("a"), &["-t", "1"]);
    let b = report(&dir.join("b"), &["-t", "3"]);
    for f in [
        "index.html",
        "report.md",
        "arrivals_capacity.png",
        "reply_response_bands.png",
    ] {
        assert!(
            std::fs::read(a.join(f)).unwrap() == std::fs::read(b.join(f)).unwrap(),
            "{f} differs between 1 and 3 threads"
        );
    }
}

#[test]
fn run_with_report_puts_plans_side_by_side() {
    let dir = common::temp_dir("report_plans");
    let plans = common::root().join("scenarios/hardware_plans.toml");
    let o = common::d11sim(
        &[
            "run",
            plans.to_str().unwrap(),
            "-r",
            "2",
            "--quiet",
            "--report",
            "rep",
        ],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(dir.join("rep/index.html")).unwrap();
    assert!(html.contains("Plans side by side"));
    assert!(html.contains("id=\"plans_avg_response\""));
    for plan in [
        "upgraded_network",
        "old_pcs",
        "midnight_outage",
        "small_bot_server",
    ] {
        assert!(html.contains(&format!("<th>{plan}</th>")), "{plan}");
    }
    let (w, h, inked) = png_stats(&dir.join("rep/plans_avg_response.png"));
    assert_eq!((w, h), (1200, 600));
    assert!(inked > 0.02);
}

pub(crate) fn chromium() -> Option<PathBuf> {
    std::env::var_os("CHROMIUM").map(PathBuf::from).or_else(|| {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
            .iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
    })
}

pub(crate) fn headless(browser: &Path, profile: &Path) -> Command {
    let mut c = Command::new(browser);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// Opens `page` in headless Chromium inside a probe page: per chart its laid-out size,
/// the verdict's height, whether CJK text renders as glyphs; with Chromium's log.
pub(crate) fn probe_page(browser: &Path, page: &Path, dir: &Path) -> (String, String) {
    let probe = dir.join("probe.html");
    std::fs::write(
        &probe,
        format!(
            r#"<!DOCTYPE html><html><body><pre id="result">pending</pre>
<iframe id="f" src="file://{}" width="1280" height="2000"></iframe>
<script>
document.getElementById('f').addEventListener('load', () => {{
  const d = document.getElementById('f').contentDocument;
  const lines = [...d.querySelectorAll('figure.chart')].map(f => {{
    const s = f.querySelector('svg');
    const r = s ? s.getBoundingClientRect() : {{width: 0, height: 0}};
    return 'chart ' + f.id + ' ' + Math.round(r.width) + ' ' + Math.round(r.height);
  }});
  const v = d.getElementById('verdict').getBoundingClientRect();
  // a CJK string drawn in the page's font against private-use characters, which no font
  // has: identical pixels mean the trade's names render as missing-glyph boxes
  const font = getComputedStyle(d.body).fontFamily;
  const canvas = document.createElement('canvas');
  canvas.width = 400; canvas.height = 60;
  const g = canvas.getContext('2d', {{ willReadFrequently: true }});
  const draw = t => {{
    g.clearRect(0, 0, 400, 60); g.font = '32px ' + font; g.fillText(t, 4, 44);
    return g.getImageData(0, 0, 400, 60).data.join(',');
  }};
  const cjk = draw('平响回复率') === draw('\uE000\uE001\uE002\uE003\uE004') ? 'boxes' : 'glyphs';
  document.getElementById('result').textContent =
    ['verdict ' + Math.round(v.height), 'cjk ' + cjk].concat(lines).join('\n') + '\nend';
}});
</script></body></html>"#,
            page.display()
        ),
    )
    .unwrap();
    let o = headless(browser, &dir.join("profile1"))
        .args([
            "--allow-file-access-from-files",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(format!("file://{}", probe.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&o.stdout);
    let log = String::from_utf8_lossy(&o.stderr);
    let result = dom
        .split("<pre id=\"result\">")
        .nth(1)
        .and_then(|r| r.split("</pre>").next())
        .unwrap_or_default();
    (result.to_string(), log.to_string())
}

/// Opens `page` in headless Chromium and checks it as a person would see it: every chart
/// of `charts` laid out at its size, the verdict visible, Chinese drawn as glyphs (not
/// boxes), no console message, and a screenshot with something on it.
pub(crate) fn check_page_in_browser(browser: &Path, page: &Path, dir: &Path, charts: &[&str]) {
    let (result, log) = probe_page(browser, page, dir);
    let result = result.as_str();
    assert!(
        result.ends_with("end"),
        "the probe did not finish: {result}\n{log}"
    );
    let verdict: f64 = result
        .lines()
        .find_map(|l| l.strip_prefix("verdict "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(verdict > 50.0, "the verdict is not visible: {verdict} px");
    assert!(
        result.lines().any(|l| l == "cjk glyphs"),
        "the page's Chinese renders as missing-glyph boxes: no CJK font reaches the browser \
         (install one: `bash .ci/setup`, Debian's fonts-wqy-zenhei or fonts-noto-cjk)\n{result}"
    );
    for name in charts {
        let line = result
            .lines()
            .find(|l| l.starts_with(&format!("chart {name} ")))
            .unwrap_or_else(|| panic!("{name} not on the page: {result}"));
        let size: Vec<f64> = line
            .split(' ')
            .skip(2)
            .map(|x| x.parse().unwrap())
            .collect();
        assert!(
            size[0] >= 1000.0 && size[1] >= 500.0,
            "{name} laid out at {size:?}"
        );
    }
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console messages: {console:?}");

    let shot = dir.join("screenshot.png");
    let o = headless(browser, &dir.join("profile2"))
        .args(["--window-size=1280,3000"])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(shot.exists(), "{}", String::from_utf8_lossy(&o.stderr));
    let (w, h, inked) = png_stats(&shot);
    assert_eq!((w, h), (1280, 3000));
    assert!(inked > 0.03, "the screenshot is blank: {inked}");
}

/// Opens the page in headless Chromium: every chart laid out at its size, the verdict
/// visible, no console message, and a screenshot with something on it. It needs
/// Chromium, so a plain `cargo test` lists it as ignored; `.ci/run` runs it with
/// `--include-ignored` after installing Chromium.
#[test]
#[ignore = "needs Chromium (bash .ci/setup); run with cargo test -- --include-ignored"]
fn the_report_opens_in_headless_chromium_with_every_chart_and_no_console_errors() {
    let browser = chromium().expect("Chromium is missing: run `bash .ci/setup`");
    let dir = common::temp_dir("report_browser");
    let out = report(&dir, &[]);
    let page = std::fs::canonicalize(out.join("index.html")).unwrap();
    check_page_in_browser(&browser, &page, &dir, &CHARTS);

    // the Chinese page's charts speak Chinese: every chart's text as the browser holds it
    std::fs::create_dir_all(dir.join("zh")).unwrap();
    let zh = report(&dir.join("zh"), &["--lang", "zh"]);
    let zh_page = std::fs::canonicalize(zh.join("index.html")).unwrap();
    let o = headless(&browser, &dir.join("profile3"))
        .arg("--dump-dom")
        .arg(format!("file://{}", zh_page.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&o.stdout);
    for name in CHARTS {
        let at = dom
            .find(&format!("id=\"{name}\""))
            .unwrap_or_else(|| panic!("{name} not in the Chinese page"));
        let svg = &dom[at..at + dom[at..].find("</svg>").unwrap()];
        let texts: Vec<&str> = svg
            .split("<text")
            .skip(1)
            .filter_map(|t| {
                t.split_once('>')
                    .and_then(|(_, r)| r.split("</text>").next())
            })
            .collect();
        assert!(
            texts
                .iter()
                .any(|t| t.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))),
            "{name}: no Chinese in its text: {texts:?}"
        );
        for english in [
            "seconds",
            "arrivals per hour",
            "open chats per agent",
            "% of on-duty time",
            "customers (mean of replications)",
            "chats (mean of replications)",
            "mean (avg response)",
        ] {
            assert!(
                !texts.iter().any(|t| t.trim() == english),
                "{name}: English `{english}` on the Chinese page"
            );
        }
    }
}

/// The KPI table's rows of a Markdown page (five columns), the KPI's name left out.
fn table_values(md: &str) -> Vec<Vec<String>> {
    md.lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| KPI |"))
        .map(|l| {
            l.split(" | ")
                .skip(1)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|cells| cells.len() == 4)
        .collect()
}

#[test]
fn report_in_chinese_says_the_same_figures_in_chinese() {
    let dir = common::temp_dir("report_zh");
    std::fs::create_dir_all(dir.join("en")).unwrap();
    std::fs::create_dir_all(dir.join("zh")).unwrap();
    let en = report(&dir.join("en"), &["--lang", "en"]);
    std::fs::create_dir_all(dir.join("zh")).unwrap();
    let zh = report(&dir.join("zh"), &["--lang", "zh"]);
    let html = std::fs::read_to_string(zh.join("index.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"zh-CN\">"));
    for words in [
        "作战室报告",
        "KPI 与目标",
        "逐时段看这一夜",
        "KPI 的含义",
        "平响（秒）",
    ] {
        assert!(
            html.contains(words),
            "{words} missing from the Chinese page"
        );
    }
    assert!(!html.contains("KPIs against targets"));
    let english = std::fs::read_to_string(en.join("index.html")).unwrap();
    assert!(english.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    // the same run: every figure in the tables is the same, only the words change
    let (md_en, md_zh) = (
        std::fs::read_to_string(en.join("report.md")).unwrap(),
        std::fs::read_to_string(zh.join("report.md")).unwrap(),
    );
    let (a, b) = (table_values(&md_en), table_values(&md_zh));
    assert!(
        a.len() > 20 && a.len() == b.len(),
        "{} and {} rows",
        a.len(),
        b.len()
    );
    for (x, y) in a.iter().zip(&b) {
        // mean and CI columns; the target column says PASS/FAIL in each language
        assert_eq!(x.get(..2), y.get(..2), "{x:?} against {y:?}");
    }
    let headline = md_zh.lines().find(|l| l.starts_with("**")).unwrap();
    assert!(
        headline.contains("项目标"),
        "the verdict is not in Chinese: {headline}"
    );
    // the charts draw the same data in each page's language (where a CJK font exists)
    let (png_en, png_zh) = (
        std::fs::read(en.join("arrivals_capacity.png")).unwrap(),
        std::fs::read(zh.join("arrivals_capacity.png")).unwrap(),
    );
    assert_eq!(png_en == png_zh, !d11sim::report::text::has_cjk());
    // group and scenario display names: the Chinese labels, never the keys
    assert!(md_zh.contains("天猫大店 双十一"), "{md_zh}");
    assert!(md_zh.contains("开售加班老客服"), "{md_zh}");
    assert!(!md_zh.contains("opening_veterans"), "{md_zh}");
    // money as ¥ with separators
    assert!(md_zh.contains("¥") && md_en.contains("¥5,"), "{md_en}");
}

#[test]
fn plans_in_chinese_are_judged_in_chinese_and_an_unknown_language_is_refused() {
    let dir = common::temp_dir("report_plans_zh");
    let plans = common::root().join("scenarios/hardware_plans.toml");
    let plans = plans.to_str().unwrap();
    let o = common::d11sim(
        &[
            "run", plans, "-r", "2", "--quiet", "--report", "rep", "--lang", "zh",
        ],
        &dir,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let md = std::fs::read_to_string(dir.join("rep/report.md")).unwrap();
    assert!(md.contains("## 方案对比"), "{md}");
    let judged: Vec<&str> = md.lines().filter(|l| l.contains("对比基准：")).collect();
    assert_eq!(judged.len(), 4, "{md}");
    assert!(
        judged
            .iter()
            .all(|l| ["改善", "变差", "无显著变化"].iter().any(|j| l.contains(j))),
        "{judged:?}"
    );
    let o = common::d11sim(&["report", "--lang", "fr", "--out", "x"], &dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("`en` or `zh`"));
    assert!(!dir.join("x").exists());
}
