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

/// A KPI's name on a chart: the trade's name with English beside it when the charts can draw
/// Chinese, the English alone otherwise; never the raw key.
pub fn kpi_name(kpi: crate::kpi::Kpi) -> String {
    if has_cjk() {
        kpi.label().to_string()
    } else {
        kpi.label_ascii()
    }
}

/// `zh en` when the charts can draw Chinese, `en` otherwise.
pub fn trade(zh: &str, en: &str) -> String {
    if has_cjk() {
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
