//! Text on the charts: the font (a CJK family when the system has one, so the trade's
//! Chinese names draw in the PNGs), KPI names in the trade's words, and money.

/// CJK-capable font families looked for through the system's font source, in order.
const CJK_FAMILIES: [&str; 6] = [
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
];

/// The charts' font: the first CJK family the system has (so 平响 and 回复率 draw in the
/// PNGs), else its sans-serif with the KPIs' English names only.
pub fn chart_font() -> &'static str {
    static FONT: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();
    FONT.get_or_init(|| {
        let source = font_kit::source::SystemSource::new();
        CJK_FAMILIES
            .into_iter()
            .find(|f| source.select_family_by_name(f).is_ok())
            .unwrap_or("sans-serif")
    })
}

/// True when the charts can draw Chinese.
pub fn has_cjk() -> bool {
    chart_font() != "sans-serif"
}

thread_local! {
    /// The language the charts of the page being drawn speak (set by the painter).
    static CHINESE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Sets the charts' language for this thread (the painter, before each chart).
pub fn set_chinese(zh: bool) {
    CHINESE.with(|c| c.set(zh));
}

/// True when the chart being drawn is for a Chinese page and the system can draw Chinese.
fn chinese() -> bool {
    CHINESE.with(std::cell::Cell::get) && has_cjk()
}

/// A chart text in the page's language: `zh` on a Chinese page (where the system can draw
/// it), else `en`.
pub fn tr(en: &str, zh: &str) -> String {
    if chinese() { zh } else { en }.to_string()
}

/// A KPI's name on a chart: on a Chinese page its Chinese name; else the trade's name with
/// English beside it when the charts can draw Chinese, the English alone otherwise; never
/// the raw key.
pub fn kpi_name(kpi: crate::kpi::Kpi) -> String {
    if chinese() {
        kpi.label_zh().to_string()
    } else if has_cjk() {
        kpi.label().to_string()
    } else {
        kpi.label_ascii()
    }
}

/// On a Chinese page `zh` alone; else `zh en` when the charts can draw Chinese, `en`
/// otherwise.
pub fn trade(zh: &str, en: &str) -> String {
    if chinese() {
        zh.to_string()
    } else if has_cjk() {
        format!("{zh} {en}")
    } else {
        en.to_string()
    }
}

/// An amount of money with thousands separators: `¥1,250,000`.
pub fn money(v: f64) -> String {
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{}¥{out}", if v < 0.0 { "-" } else { "" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_has_thousands_separators() {
        assert_eq!(money(1_250_000.4), "¥1,250,000");
        assert_eq!(money(999.0), "¥999");
        assert_eq!(money(-12_345.0), "-¥12,345");
        assert_eq!(money(0.0), "¥0");
    }

    #[test]
    fn trade_names_come_with_english_or_english_alone() {
        let t = trade("平响", "avg response");
        assert!(t == "平响 avg response" || t == "avg response", "{t}");
        assert_eq!(t.contains('平'), has_cjk());
    }
}
