//! The page of `calibrate --report`: what was fitted from the store's log, how well each
//! fit follows the data (survival curves against every law, QQ plots, the arrival curve
//! against each day) and the holdout check (the scenario fitted without some days,
//! simulated, against those days).

use std::path::Path;

use super::charts::set_chinese;
use super::charts::xy::Xy;
use super::{Cell, Lang, Page, Painter, Section, Table};
use crate::calibrate::collect::Collected;
use crate::calibrate::estimate::Value;
use crate::calibrate::fits::Fits;
use crate::calibrate::holdout::Holdout;

/// What the page shows.
pub struct Calibrated<'a> {
    /// Every day of the log, collected.
    pub all: &'a Collected,
    /// The held-out days.
    pub held_out: &'a [i64],
    pub fits: &'a Fits,
    pub holdout: Option<&'a Holdout>,
    /// What stayed from the base scenario.
    pub kept: &'a [String],
    /// The scenario written.
    pub scenario: &'a Path,
    /// Effort and the switching penalty from the message log.
    pub effort: Option<&'a crate::calibrate::effort::EffortFit>,
}

mod figures;

use figures::{arrivals_chart, handling_qq, holdout_chart, patience_qq, survival_chart};

fn ci(v: &Value, digits: usize) -> String {
    let f = |x: f64| {
        if x.is_finite() {
            format!("{x:.digits$}")
        } else {
            "∞".to_string()
        }
    };
    if v.value.is_finite() {
        format!("{} [{}, {}]", f(v.value), f(v.lo), f(v.hi))
    } else {
        "∞".to_string()
    }
}

fn pct(v: &Value) -> String {
    format!(
        "{:.1}% [{:.1}, {:.1}]",
        v.value * 100.0,
        v.lo * 100.0,
        v.hi * 100.0
    )
}

fn kpi_name(kpi: &str, lang: Lang) -> &'static str {
    match kpi {
        "abandonment" => lang.pick("abandonment", "放弃率"),
        "service_level" => lang.pick("service level", "服务水平"),
        _ => lang.pick("first response (s)", "首响（秒）"),
    }
}

fn kpi_text(kpi: &str, v: f64) -> String {
    match kpi {
        "first_response_s" => format!("{v:.1} s"),
        _ => format!("{:.2}%", v * 100.0),
    }
}

/// The page, its charts drawn into `dir`.
pub fn calibration_page(dir: &Path, v: &Calibrated, lang: Lang) -> Result<Page, String> {
    let painter = Painter::new(dir, lang)?;
    let f = v.fits;
    let c = v.all;
    let mut verdict = vec![(
        match lang {
            Lang::En => format!(
                "Fitted from {} conversations over {} days: {}",
                c.conversations,
                f.arrivals.days.len(),
                v.scenario.display()
            ),
            Lang::Zh => format!(
                "由 {} 天的 {} 个会话拟合：{}",
                f.arrivals.days.len(),
                c.conversations,
                v.scenario.display()
            ),
        },
        true,
    )];
    for p in &f.patience {
        let line = match p.fits.iter().find(|x| Some(x.law) == p.chosen) {
            Some(x) => (
                match lang {
                    Lang::En => format!(
                        "Patience {}: {}, mean {} s from {} leavers among {} (the leavers alone \
                         would say {:.0} s)",
                        p.class,
                        x.law,
                        ci(&x.mean_s, 0),
                        p.left,
                        p.n,
                        p.naive_mean_s.unwrap_or(f64::NAN)
                    ),
                    Lang::Zh => format!(
                        "耐心 {}：{}，均值 {} 秒，{} 人中 {} 人离开（只看离开者会得出 {:.0} 秒）",
                        p.class,
                        x.law,
                        ci(&x.mean_s, 0),
                        p.n,
                        p.left,
                        p.naive_mean_s.unwrap_or(f64::NAN)
                    ),
                },
                true,
            ),
            None => (
                format!(
                    "{} {}{}{}",
                    lang.pick("Patience", "耐心"),
                    p.class,
                    lang.colon(),
                    p.not_fitted.as_deref().unwrap_or("")
                ),
                false,
            ),
        };
        verdict.push(line);
    }
    if let Some(h) = v.holdout {
        for r in &h.day {
            verdict.push((
                match lang {
                    Lang::En => format!(
                        "Holdout, {} over the {} held-out days: {} observed, {} simulated \
                         (prediction interval {} to {}); {:.0}% of intervals inside",
                        kpi_name(r.kpi, lang),
                        h.held_out_days.len(),
                        kpi_text(r.kpi, r.observed.value),
                        kpi_text(r.kpi, r.simulated.value),
                        kpi_text(r.kpi, r.band[0].max(0.0)),
                        kpi_text(r.kpi, r.band[1]),
                        share_of(h, r.kpi) * 100.0
                    ),
                    Lang::Zh => format!(
                        "留出检验，{} 个留出日的{}：实际 {}，模拟 {}（预测区间 {} 至 {}）；\
                         {:.0}% 的时段在区间内",
                        h.held_out_days.len(),
                        kpi_name(r.kpi, lang),
                        kpi_text(r.kpi, r.observed.value),
                        kpi_text(r.kpi, r.simulated.value),
                        kpi_text(r.kpi, r.band[0].max(0.0)),
                        kpi_text(r.kpi, r.band[1]),
                        share_of(h, r.kpi) * 100.0
                    ),
                },
                r.consistent,
            ));
        }
    }
    let sections = sections(&painter, v, lang);
    set_chinese(false);
    Ok(Page {
        title: lang
            .pick("Calibration from the store's log", "由店铺日志校准")
            .to_string(),
        subtitle: match lang {
            Lang::En => format!("days fitted: {}", f.arrivals.days.join(", ")),
            Lang::Zh => format!("拟合所用日期：{}", f.arrivals.days.join("、")),
        },
        verdict,
        sections: sections?,
        lang,
    })
}

/// Draws the chart `make` builds, its words in `lang` (drawing a chart resets the
/// charts' language, so it is set again before each is built).
fn paint(
    painter: &Painter,
    lang: Lang,
    make: impl FnOnce() -> Xy,
) -> Result<super::Figure, String> {
    set_chinese(lang == Lang::Zh);
    let chart = make();
    painter.draw(&chart)
}

fn share_of(h: &Holdout, kpi: &str) -> f64 {
    h.consistent_share
        .iter()
        .find(|(k, _, _)| *k == kpi)
        .map_or(0.0, |x| x.1)
}

fn table(header: &[&str], rows: Vec<Vec<Cell>>) -> Option<Table> {
    (!rows.is_empty()).then(|| Table {
        header: header.iter().map(|h| h.to_string()).collect(),
        rows,
    })
}

fn sections(painter: &Painter, v: &Calibrated, lang: Lang) -> Result<Vec<Section>, String> {
    let (f, c) = (v.fits, v.all);
    let a = &f.arrivals;
    let mut out = Vec::new();
    let mut text = vec![match lang {
        Lang::En => format!(
            "Conversations a day: {} (first attempts; retrials are {} of all).",
            ci(&a.day_total, 0),
            a.retrial_share.as_ref().map_or("-".into(), pct)
        ),
        Lang::Zh => format!(
            "每天会话数：{}（首次进线；重复进线占全部的 {}）。",
            ci(&a.day_total, 0),
            a.retrial_share.as_ref().map_or("-".into(), pct)
        ),
    }];
    if let Some(cv) = &a.forecast_error_cv {
        text.push(match lang {
            Lang::En => format!(
                "Day-to-day spread beyond chance (the scenario's forecast error): {}.",
                ci(cv, 3)
            ),
            Lang::Zh => format!("超出随机波动的日间差异（场景的预测误差）：{}。", ci(cv, 3)),
        });
    }
    if let Some(m) = &a.event_multiplier {
        text.push(format!(
            "{}{}",
            lang.pick("Event days against ordinary days: x ", "活动日相对平日：x "),
            ci(m, 2)
        ));
    }
    out.push(Section {
        heading: lang.pick("Arrivals", "进线").into(),
        text,
        table: None,
        figures: vec![paint(painter, lang, || arrivals_chart(c, v.held_out, f))?],
    });
    let mut rows = Vec::new();
    let mut figures = Vec::new();
    for p in &f.patience {
        let best = p.fits.first().map_or(0.0, |x| x.aic);
        for x in &p.fits {
            let chosen = Some(x.law) == p.chosen;
            rows.push(vec![
                Cell::plain(p.class),
                Cell::plain(format!("{} / {}", p.left, p.n)),
                Cell::plain(if chosen {
                    format!("{} ✔", x.law)
                } else {
                    x.law.to_string()
                }),
                Cell::plain(ci(&x.mean_s, 0)),
                Cell::plain(ci(&x.median_s, 0)),
                Cell::plain(format!("{:.1}", x.aic - best)),
                Cell::plain(p.naive_mean_s.map_or("-".into(), |m| format!("{m:.0}"))),
            ]);
        }
        if !p.kaplan_meier.is_empty() {
            figures.push(paint(painter, lang, || survival_chart(p))?);
        }
        set_chinese(lang == Lang::Zh);
        if let Some(q) = patience_qq(p) {
            figures.push(painter.draw(&q)?);
        }
    }
    out.push(Section {
        heading: lang.pick("Patience (first reply)", "耐心（首次回复）").into(),
        text: vec![match lang {
            Lang::En => format!(
                "Customers answered before they left are censored, not dropped; a share {:.0}% \
                 of leavers is taken to leave silently (seen as answered). ✔ marks the law \
                 written into the scenario: the lowest AIC among those a scenario holds whose \
                 mean stays within 10x the longest wait seen. The last column is the mean of \
                 the leavers' waits alone, the classic mistake.",
                f.patience.first().map_or(0.0, |p| p.silent_share * 100.0)
            ),
            Lang::Zh => format!(
                "离开前已得到回复的顾客按删失处理，不丢弃；离开者中 {:.0}% 视为无声离开（看起来像已回复）。\
                 ✔ 为写入场景的分布：场景可用、均值不超过最长等待 10 倍的分布中 AIC 最低者。\
                 最后一列只用离开者的等待求均值，是常见的错误做法。",
                f.patience.first().map_or(0.0, |p| p.silent_share * 100.0)
            ),
        }],
        table: table(
            &[
                lang.pick("class", "类型"),
                lang.pick("left / n", "离开 / 总数"),
                lang.pick("law", "分布"),
                lang.pick("mean s [95% CI]", "均值 秒 [95% CI]"),
                lang.pick("median s", "中位数 秒"),
                "ΔAIC",
                lang.pick("leavers only, s", "仅离开者 秒"),
            ],
            rows,
        ),
        figures,
    });
    let rows = f
        .handling
        .iter()
        .map(|h| {
            vec![
                Cell::plain(h.class),
                Cell::plain(h.group.clone()),
                Cell::plain(h.fit.median_s.n.to_string()),
                Cell::plain(ci(&h.fit.median_s, 0)),
                Cell::plain(ci(&h.fit.p90_s, 0)),
                Cell::plain(ci(&h.fit.mean_s, 0)),
            ]
        })
        .collect();
    let short: Vec<String> = f
        .short_service_share
        .iter()
        .map(|(k, v)| format!("{k} {}", pct(v)))
        .collect();
    out.push(Section {
        heading: lang.pick("Handling", "处理时长").into(),
        text: vec![format!(
            "{}{}",
            lang.pick(
                "From the agent taking the chat to its end, log-normal by class and group. \
                 Served in under 10 s (a sign of closing customers early): ",
                "从客服接入到会话结束，按类型与分组拟合对数正态。10 秒内结束的服务（提前关闭顾客的迹象）：",
            ),
            short.join(", ")
        )],
        table: table(
            &[
                lang.pick("class", "类型"),
                lang.pick("group", "分组"),
                "n",
                lang.pick("median s", "中位数 秒"),
                "p90 s",
                lang.pick("mean s", "均值 秒"),
            ],
            rows,
        ),
        figures: {
            set_chinese(lang == Lang::Zh);
            handling_qq(c)
        }
        .map(|q| painter.draw(&q))
            .transpose()?
            .into_iter()
            .collect(),
    });
    if let Some(e) = v.effort {
        out.push(effort_section(e, lang));
    }
    if !f.bot.is_empty() {
        let rows = f
            .bot
            .iter()
            .map(|b| {
                vec![
                    Cell::plain(b.class),
                    Cell::plain(b.touched.to_string()),
                    Cell::plain(pct(&b.resolution)),
                    Cell::plain(b.leave_share.as_ref().map_or("-".into(), pct)),
                    Cell::plain(b.session.map_or("-".into(), |s| ci(&s.median_s, 0))),
                ]
            })
            .collect();
        out.push(Section {
            heading: lang.pick("Bot", "机器人").into(),
            text: Vec::new(),
            table: table(
                &[
                    lang.pick("class", "类型"),
                    lang.pick("sessions", "会话"),
                    lang.pick("resolved", "解决率"),
                    lang.pick("left at the bot", "在机器人处离开"),
                    lang.pick("session median s", "会话时长中位数 秒"),
                ],
                rows,
            ),
            figures: Vec::new(),
        });
    }
    if let Some(h) = v.holdout {
        out.push(holdout_section(painter, h, c, lang)?);
    }
    out.push(Section {
        heading: lang
            .pick("What the log could not tell", "日志无法提供的输入")
            .into(),
        text: vec![
            lang.pick(
                "These stay as the base scenario has them (marked in scenario.toml):",
                "以下输入保留基础场景的取值（在 scenario.toml 中注明）：",
            )
            .to_string(),
            v.kept.join("; "),
        ],
        table: None,
        figures: Vec::new(),
    });
    Ok(out)
}

fn holdout_section(
    painter: &Painter,
    h: &Holdout,
    c: &Collected,
    lang: Lang,
) -> Result<Section, String> {
    let rows = h
        .day
        .iter()
        .map(|r| {
            vec![
                Cell::plain(kpi_name(r.kpi, lang)),
                Cell::verdict(kpi_text(r.kpi, r.observed.value), r.consistent),
                Cell::plain(kpi_text(r.kpi, r.simulated.value)),
                Cell::plain(format!(
                    "{} - {}",
                    kpi_text(r.kpi, r.band[0].max(0.0)),
                    kpi_text(r.kpi, r.band[1])
                )),
                Cell::plain(format!(
                    "{:.0}% / {}",
                    share_of(h, r.kpi) * 100.0,
                    h.consistent_share
                        .iter()
                        .find(|x| x.0 == r.kpi)
                        .map_or(0, |x| x.2)
                )),
            ]
        })
        .collect();
    let mut figures = Vec::new();
    for kpi in crate::calibrate::holdout::KPIS {
        if h.rows.iter().any(|r| r.kpi == kpi) {
            figures.push(paint(painter, lang, || {
                holdout_chart(h, kpi, c.day_start_s, c.interval_s / 3600.0)
            })?);
        }
    }
    Ok(Section {
        heading: lang.pick("Holdout check", "留出检验").into(),
        text: vec![match lang {
            Lang::En => format!(
                "Fitted on {} days, the scenario was simulated for {} days and set against the \
                 {} held-out days ({}), which the fit never saw. A KPI is consistent when the \
                 held-out days' mean lies in the simulated days' 95% prediction interval for a \
                 mean of that many days; about 95% of intervals should be.",
                h.fitted_days.len(),
                h.replications,
                h.held_out_days.len(),
                h.held_out_days.join(", ")
            ),
            Lang::Zh => format!(
                "用 {} 天拟合的场景模拟了 {} 天，与拟合未用到的 {} 个留出日（{}）对比。留出日均值落在\
                 模拟日同样天数均值的 95% 预测区间内即为一致；约 95% 的时段应当一致。",
                h.fitted_days.len(),
                h.replications,
                h.held_out_days.len(),
                h.held_out_days.join("、")
            ),
        }],
        table: table(
            &[
                "KPI",
                lang.pick("held-out days", "留出日实际"),
                lang.pick("simulated", "模拟"),
                lang.pick("95% prediction interval", "95% 预测区间"),
                lang.pick("intervals inside", "区间内的时段"),
            ],
            rows,
        ),
        figures,
    })
}

fn effort_section(e: &crate::calibrate::effort::EffortFit, lang: Lang) -> Section {
    let fmt = |f: &Option<crate::calibrate::estimate::LogNormalFit>| {
        f.as_ref().map_or(("0".to_string(), "-".to_string()), |x| {
            (x.median_s.n.to_string(), ci(&x.median_s, 1))
        })
    };
    let rows = e
        .by_group
        .iter()
        .map(|g| {
            let (n1, m1) = fmt(&g.alone);
            let (n2, m2) = fmt(&g.holding_more);
            vec![
                Cell::plain(g.group.clone()),
                Cell::plain(format!("{:.2}", g.speed_factor)),
                Cell::plain(n1),
                Cell::plain(m1),
                Cell::plain(n2),
                Cell::plain(m2),
            ]
        })
        .collect();
    let mut text = vec![match lang {
        Lang::En => format!(
            "{} composed replies timed from the message log's chain (each reply from the \
             later of the agent's previous reply and the turn it answers; {} agent messages \
             not timed). A reply's time in the log holds the inbox wait as well, so it is \
             not the effort.",
            e.replies, e.not_timed
        ),
        Lang::Zh => format!(
            "由消息日志的回复链计时 {} 条回复（每条从客服上一条回复与所答顾客消息中较晚者算起；\
             {} 条客服消息未计时）。日志里的回复时长含排队等待，并非撰写用时。",
            e.replies, e.not_timed
        ),
    }];
    // a log-normal effort's median and p90, after its label
    let quantiles = |label: &str, x: &crate::calibrate::estimate::LogNormalFit| {
        format!("{label}{} s, p90 {} s", ci(&x.median_s, 1), ci(&x.p90_s, 1))
    };
    if let Some(x) = &e.effort {
        text.push(quantiles(
            lang.pick(
                "Effort per reply holding one chat, at a veteran's speed: median ",
                "只接待一个会话时每条回复的用时（熟练客服速度）：中位数 ",
            ),
            x,
        ));
    }
    if let Some(x) = &e.typed_effort {
        text.push(quantiles(
            lang.pick(
                "Typed replies (quick phrases taken out with the base's shares and law): median ",
                "手打回复（按基础场景的快捷短语占比与分布剔除快捷短语）：中位数 ",
            ),
            x,
        ));
    }
    if let Some(p) = &e.switch_penalty {
        text.push(format!(
            "{}+{:.0}% [{:.0}, {:.0}]",
            lang.pick(
                "Switching penalty while holding more than one chat: ",
                "同时接待多个会话时的切换损耗：",
            ),
            p.value * 100.0,
            p.lo * 100.0,
            p.hi * 100.0
        ));
    }
    Section {
        heading: lang.pick("Effort per reply", "每条回复的用时").into(),
        text,
        table: table(
            &[
                lang.pick("group", "分组"),
                lang.pick("speed", "速度"),
                lang.pick("n, one chat", "单会话 n"),
                lang.pick("median s, one chat", "单会话中位数 秒"),
                lang.pick("n, more", "多会话 n"),
                lang.pick("median s, more", "多会话中位数 秒"),
            ],
            rows,
        ),
        figures: Vec::new(),
    }
}
