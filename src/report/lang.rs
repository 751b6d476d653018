//! The page's language (`--lang en|zh`): English by default, or Chinese for a war room that
//! reads it. Charts stay bilingual (the trade's name with English beside it) in both.

use crate::compare;
use crate::kpi::Kpi;
use crate::stats::Estimate;

/// The language of a report page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    /// English, with the trade's Chinese names beside the KPIs.
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Lang, String> {
        match s.to_ascii_lowercase().as_str() {
            "en" | "english" => Ok(Lang::En),
            "zh" | "zh-cn" | "cn" | "chinese" => Ok(Lang::Zh),
            _ => Err(format!("unknown language `{s}`: use `en` or `zh`")),
        }
    }
}

impl Lang {
    /// `en` in English, `zh` in Chinese.
    pub fn pick<'a>(self, en: &'a str, zh: &'a str) -> &'a str {
        match self {
            Lang::En => en,
            Lang::Zh => zh,
        }
    }

    /// What follows a PASS/FAIL mark before its line.
    pub fn colon(self) -> &'static str {
        self.pick(": ", "：")
    }

    /// The HTML `lang` attribute.
    pub fn html_tag(self) -> &'static str {
        self.pick("en", "zh-CN")
    }

    /// A KPI's name on the page.
    pub fn kpi(self, k: Kpi) -> &'static str {
        match self {
            Lang::En => k.label(),
            Lang::Zh => k.label_zh(),
        }
    }

    /// What a KPI counts.
    pub fn definition(self, k: Kpi) -> &'static str {
        match self {
            Lang::En => k.definition(),
            Lang::Zh => k.definition_zh(),
        }
    }
    /// A paired difference judged for a store: better, worse or no change.
    pub fn judge(self, k: Kpi, d: &Estimate) -> &'static str {
        match (self, compare::judge(k, d)) {
            (Lang::Zh, "better") => "改善",
            (Lang::Zh, "worse") => "变差",
            (Lang::Zh, "no change") => "无显著变化",
            (_, j) => j,
        }
    }

    /// A paired difference with its CI (`pp` for shares, spelt out in Chinese).
    pub fn diff(self, k: Kpi, d: &Estimate) -> String {
        let text = compare::fmt_diff(k, d);
        match self {
            Lang::En => text,
            Lang::Zh => text.replace("pp", " 个百分点"),
        }
    }

    /// A chart's caption on the page: the chart's own title in English, a Chinese one for
    /// the charts every run draws (the charts draw in the page's language where the system
    /// has a CJK font, in English otherwise).
    pub fn caption<'a>(self, chart: &str, title: &'a str) -> &'a str {
        if self == Lang::En {
            return title;
        }
        match chart {
            "arrivals_capacity" => {
                "负荷与接待能力：打开的会话与等待的顾客 vs 在岗接待位（客服 × 接待上限）；阴影为高峰窗口"
            }
            "queue_abandonment" => "各时段等待回复或分配的顾客，以及放弃数",
            "first_response_bands" => "首响 p50 / p90 / p99（按进线时段）",
            "reply_response_bands" => "平响：每条回复的响应 p50 / p90 / p99（按进线时段）",
            "response_histograms" => "首响与平响的分布（对数时间轴）",
            "utilisation_by_group" => "各分组客服利用率（撰写回复或占用会话的时间）",
            "concurrency_by_group" => "各分组在岗客服的人均打开会话数",
            "conversion_gmv" => "询单转化率预测，及响应慢损失的销售额（按小时）",
            "bot_deflection" => "机器人解决的咨询占比（按进线小时）",
            "plans_avg_response" => "各方案逐时段平响",
            _ => title,
        }
    }

    /// " (in 85% of replications)", with its leading space in English.
    pub fn in_share(self, share: f64) -> String {
        match self {
            Lang::En => format!(" (in {:.0}% of replications)", share * 100.0),
            Lang::Zh => format!("（{:.0}% 的模拟夜晚如此）", share * 100.0),
        }
    }

    /// A group's display name on the page (its label, its key where none is given).
    pub fn group(self, g: &crate::roster::AgentGroup) -> &str {
        self.pick(&g.label, &g.label_zh)
    }

    /// The scenario's display name on the page.
    pub fn scenario(self, sc: &crate::scenario::Scenario) -> &str {
        self.pick(&sc.name, &sc.name_zh)
    }

    /// A judgement's word: PASS, UNSURE or FAIL.
    pub fn verdict(self, v: crate::replicate::judge::Verdict) -> &'static str {
        use crate::replicate::judge::Verdict;
        match (self, v) {
            (Lang::En, _) => v.word(),
            (Lang::Zh, Verdict::Met) => "达标",
            (Lang::Zh, Verdict::Unsure) => "未能确认",
            (Lang::Zh, Verdict::Missed) => "未达标",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_parse_and_refuse_others() {
        assert_eq!("zh".parse::<Lang>(), Ok(Lang::Zh));
        assert_eq!("EN".parse::<Lang>(), Ok(Lang::En));
        assert!("fr".parse::<Lang>().unwrap_err().contains("`en` or `zh`"));
    }

    #[test]
    fn every_kpi_has_a_chinese_name_and_definition() {
        for k in Kpi::ALL {
            assert!(Lang::Zh.kpi(k).chars().any(|c| c > '\u{2E80}'), "{k:?}");
            assert!(!Lang::Zh.definition(k).is_empty(), "{k:?}");
        }
    }
}
