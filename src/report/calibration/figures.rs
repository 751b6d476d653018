//! The calibration page's charts: survival curves against each law, QQ plots, the arrival
//! fit and the holdout check, as data for the plain x-y chart.

use super::super::charts::tr;
use super::super::charts::xy::{Layer, Style, Xy};
use crate::calibrate::collect::{CLASSES, Collected, binned_quantiles, slot_name};
use crate::calibrate::estimate::{self, PatienceFit};
use crate::calibrate::fits::Fits;
use crate::calibrate::holdout::{Holdout, Row};

/// The probabilities of the QQ plots.
const QQ_P: [f64; 19] = [
    0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85,
    0.9, 0.95,
];

const SURVIVAL_NAMES: [&str; CLASSES] = [
    "patience_survival_pre_sale",
    "patience_survival_in_sale",
    "patience_survival_after_sale",
    "patience_survival_unknown",
];
const QQ_NAMES: [&str; CLASSES] = [
    "patience_qq_pre_sale",
    "patience_qq_in_sale",
    "patience_qq_after_sale",
    "patience_qq_unknown",
];

fn slot_of(class: &str) -> usize {
    (0..CLASSES).find(|&i| slot_name(i) == class).unwrap_or(3)
}

/// The KM steps of `p` and each law's survival over the same waits.
pub(super) fn survival_chart(p: &PatienceFit) -> Xy {
    let end = p.kaplan_meier.last().map_or(1.0, |k| k[0]).max(1.0);
    let mut layers = vec![Layer::new(
        tr("Kaplan-Meier 95% band", "Kaplan-Meier 95% 区间"),
        p.kaplan_meier
            .iter()
            .map(|k| (k[0], k[3]))
            .chain(p.kaplan_meier.iter().rev().map(|k| (k[0], k[2])))
            .collect(),
        0,
        Style::Band,
    )];
    layers.push(Layer::new(
        tr("Kaplan-Meier (the log)", "Kaplan-Meier（日志）"),
        p.kaplan_meier.iter().map(|k| (k[0], k[1])).collect(),
        6,
        Style::Steps,
    ));
    for f in &p.fits {
        let chosen = Some(f.law) == p.chosen;
        let label = if chosen {
            format!("{} {}", f.law, tr("(written)", "（写入场景）"))
        } else {
            f.law.to_string()
        };
        layers.push(Layer::new(
            label,
            (0..=100)
                .map(|i| {
                    let t = end * f64::from(i) / 100.0;
                    (t, f.survival(t))
                })
                .collect(),
            law_colour(f.law),
            if chosen {
                Style::Line(4)
            } else {
                Style::Dashed
            },
        ));
    }
    let lo = p
        .kaplan_meier
        .iter()
        .map(|k| k[2])
        .fold(1.0, f64::min)
        .clamp(0.0, 0.9);
    Xy {
        name: SURVIVAL_NAMES[slot_of(p.class)],
        title: format!(
            "{} {}",
            tr(
                "Patience: share still waiting,",
                "耐心：仍在等待的顾客占比，"
            ),
            p.class
        ),
        x_desc: tr("seconds waited for the first reply", "等待首次回复的秒数"),
        y_desc: tr("share still waiting", "仍在等待的占比"),
        clock_from_s: None,
        y_range: Some(((lo - 0.02).max(0.0), 1.0)),
        diagonal: false,
        layers,
    }
}

/// A law's colour, the same on every chart (the palette's index).
fn law_colour(law: &str) -> usize {
    match law {
        "exponential" => 1,
        "weibull" => 2,
        "lognormal" => 3,
        _ => 4,
    }
}

/// Each law's quantile against the Kaplan-Meier curve's, where the curve reaches it.
pub(super) fn patience_qq(p: &PatienceFit) -> Option<Xy> {
    // the curve's last point is its longest wait, where a censored tail ends: a quantile
    // only reached there is not read from the curve
    let body = &p.kaplan_meier[..p.kaplan_meier.len().saturating_sub(1)];
    let km_q = |q: f64| body.iter().find(|k| k[1] <= 1.0 - q).map(|k| k[0]);
    let layers: Vec<Layer> = p
        .fits
        .iter()
        .map(|f| {
            Layer::new(
                f.law,
                QQ_P.iter()
                    .filter_map(|&q| Some((f.quantile(q), km_q(q)?)))
                    .collect(),
                law_colour(f.law),
                Style::Points,
            )
        })
        .filter(|l| l.points.len() >= 2)
        .collect();
    (!layers.is_empty()).then(|| Xy {
        name: QQ_NAMES[slot_of(p.class)],
        title: format!("{} {}", tr("Patience QQ plot,", "耐心 QQ 图，"), p.class),
        x_desc: tr("the law's quantile, s", "分布的分位数（秒）"),
        y_desc: tr(
            "the log's quantile (Kaplan-Meier), s",
            "日志的分位数（Kaplan-Meier，秒）",
        ),
        clock_from_s: None,
        y_range: None,
        diagonal: true,
        layers,
    })
}

/// The log-normal's quantiles against the binned handling times', by class.
pub(super) fn handling_qq(c: &Collected) -> Option<Xy> {
    let fits = estimate::handling_by_class(c);
    let z = |q: f64| {
        use statrs::distribution::ContinuousCDF;
        statrs::distribution::Normal::standard().inverse_cdf(q)
    };
    let layers: Vec<Layer> = (0..CLASSES)
        .filter_map(|i| {
            let f = fits[i].as_ref()?;
            let obs = binned_quantiles(&c.handling_bins[i], &QQ_P);
            let pts = QQ_P
                .iter()
                .zip(obs)
                .map(|(&q, o)| (f.median_s.value * (f.sigma.value * z(q)).exp(), o))
                .collect();
            Some(Layer::new(slot_name(i), pts, i, Style::Points))
        })
        .collect();
    (!layers.is_empty()).then(|| Xy {
        name: "handling_qq",
        title: tr(
            "Handling QQ plot: the fitted log-normal against the log, by class",
            "处理时长 QQ 图：拟合的对数正态 vs 日志，按咨询类型",
        ),
        x_desc: tr("the log-normal's quantile, s", "对数正态的分位数（秒）"),
        y_desc: tr("the log's quantile, s", "日志的分位数（秒）"),
        clock_from_s: None,
        y_range: None,
        diagonal: true,
        layers,
    })
}

/// Each day's arrivals per hour by interval, the held-out days apart, against the fitted
/// curve and its interval.
pub(super) fn arrivals_chart(c: &Collected, held: &[i64], f: &Fits) -> Xy {
    let h = |offset_min: f64| offset_min / 60.0;
    let mid = c.interval_s / 7200.0;
    let iv = &f.arrivals.intervals;
    let mut layers = vec![Layer::new(
        tr("fitted curve, 95% CI", "拟合曲线 95% 置信区间"),
        iv.iter()
            .map(|i| (h(i.offset_min) + mid, i.per_hour.hi))
            .chain(
                iv.iter()
                    .rev()
                    .map(|i| (h(i.offset_min) + mid, i.per_hour.lo)),
            )
            .collect(),
        0,
        Style::Band,
    )];
    let mut days: Vec<i64> = c.arrivals.keys().map(|(d, _)| *d).collect();
    days.dedup();
    let per_hour = 3600.0 / c.interval_s;
    let (mut fitted_label, mut held_label) = (true, true);
    for d in days {
        let pts: Vec<(f64, f64)> = c
            .arrivals
            .range((d, i64::MIN)..=(d, i64::MAX))
            .map(|((_, k), n)| {
                let x = *k as f64 * c.interval_s / 3600.0 + mid;
                (x, n.iter().sum::<u64>() as f64 * per_hour)
            })
            .collect();
        let is_held = held.contains(&d);
        let first = if is_held {
            &mut held_label
        } else {
            &mut fitted_label
        };
        let label = if std::mem::take(first) {
            if is_held {
                tr("a held-out day", "留出检验的一天")
            } else {
                tr("a fitted day", "用于拟合的一天")
            }
        } else {
            String::new()
        };
        layers.push(Layer::new(
            label,
            pts,
            if is_held { 1 } else { 10 },
            Style::Line(if is_held { 2 } else { 1 }),
        ));
    }
    layers.push(Layer::new(
        tr("fitted curve", "拟合曲线"),
        iv.iter()
            .map(|i| (h(i.offset_min) + mid, i.per_hour.value))
            .collect(),
        0,
        Style::Line(4),
    ));
    Xy {
        name: "arrivals_fit",
        title: tr(
            "Arrivals per hour by interval: the fitted curve against each day",
            "各时段每小时进线：拟合曲线与每一天",
        ),
        x_desc: tr("time of day", "时间"),
        y_desc: tr("conversations per hour", "每小时会话数"),
        clock_from_s: Some(c.day_start_s),
        y_range: None,
        diagonal: false,
        layers,
    }
}

/// One KPI of the holdout check by interval: the simulated prediction band and mean, the
/// held-out days' mean.
pub(super) fn holdout_chart(h: &Holdout, kpi: &'static str, day_start_s: f64, len_h: f64) -> Xy {
    let rows: Vec<&Row> = h.rows.iter().filter(|r| r.kpi == kpi).collect();
    let scale = if kpi == "first_response_s" {
        1.0
    } else {
        100.0
    };
    let x = |r: &Row| r.offset_min / 60.0 + len_h / 2.0;
    let (inside, outside): (Vec<&Row>, Vec<&Row>) = rows.iter().partition(|r| r.consistent);
    let layers = vec![
        Layer::new(
            tr("simulated: 95% prediction interval", "模拟：95% 预测区间"),
            rows.iter()
                .map(|r| (x(r), r.band[1] * scale))
                .chain(
                    rows.iter()
                        .rev()
                        .map(|r| (x(r), r.band[0].max(0.0) * scale)),
                )
                .collect(),
            0,
            Style::Band,
        ),
        Layer::new(
            tr("simulated mean", "模拟均值"),
            rows.iter()
                .map(|r| (x(r), r.simulated.value * scale))
                .collect(),
            0,
            Style::Line(3),
        ),
        Layer::new(
            tr("held-out days: inside", "留出日：区间内"),
            inside
                .iter()
                .map(|r| (x(r), r.observed.value * scale))
                .collect(),
            2,
            Style::Points,
        ),
        Layer::new(
            tr("held-out days: outside", "留出日：区间外"),
            outside
                .iter()
                .map(|r| (x(r), r.observed.value * scale))
                .collect(),
            1,
            Style::Points,
        ),
    ];
    let (name, title, y) = match kpi {
        "abandonment" => (
            "holdout_abandonment",
            tr(
                "Holdout check: abandonment by interval",
                "留出检验：各时段放弃率",
            ),
            tr("% of customers who reached a human", "人工接入顾客的 %"),
        ),
        "service_level" => (
            "holdout_service_level",
            tr(
                "Holdout check: service level by interval",
                "留出检验：各时段服务水平",
            ),
            tr("% answered within the threshold", "在阈值内回复的 %"),
        ),
        _ => (
            "holdout_first_response",
            tr(
                "Holdout check: mean first response by interval",
                "留出检验：各时段平均首响",
            ),
            tr("seconds", "秒"),
        ),
    };
    Xy {
        name,
        title,
        x_desc: tr("interval of arrival", "进线时段"),
        y_desc: y,
        clock_from_s: Some(day_start_s),
        y_range: None,
        diagonal: false,
        layers,
    }
}
