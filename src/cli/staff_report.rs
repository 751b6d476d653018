//! The report of `staff optimize`: the verification run's page, led by the recommendation
//! (the requirement per interval, the shift plan, what staffing cannot reach).

use d11sim::compare::PlanResults;
use d11sim::replicate;
use d11sim::report::{self, Cell, Lang, Table};
use d11sim::scenario::Scenario;
use d11sim::staffing::{
    optimize::{self, Settings},
    shifts,
};

use crate::Failure;

/// Writes the page of `staff optimize` into `dir`.
pub(crate) fn optimize_report(
    dir: &std::path::Path,
    req: &optimize::Requirement,
    cover: Option<(&optimize::Cover, &[shifts::ShiftOption])>,
    planned: &Scenario,
    results: &replicate::RunResults,
    settings: &Settings,
    lang: Lang,
) -> Result<(), Failure> {
    let run = PlanResults {
        name: lang.pick("optimised roster", "优化后的排班").into(),
        description: String::new(),
        results: results.clone(),
        window: None,
    };
    let mut page =
        report::run_page(dir, &[(planned, &run)], Vec::new(), lang).map_err(Failure::Internal)?;
    page.title = format!(
        "{}{}",
        lang.pick("d11sim staffing report: ", "d11sim 排班报告："),
        lang.scenario(planned)
    );
    let required: Vec<f64> = req.intervals.iter().map(|r| f64::from(r.agents)).collect();
    let mut columns = vec![
        (
            lang.pick("analytic (Erlang A)", "解析值（Erlang A）")
                .to_string(),
            req.intervals
                .iter()
                .map(|r| f64::from(r.analytic))
                .collect(),
        ),
        (
            lang.pick("required (simulation)", "所需（仿真）")
                .to_string(),
            required,
        ),
    ];
    let targets = settings
        .targets
        .iter()
        .map(|t| report::target_words(t, lang))
        .collect::<Vec<_>>()
        .join(lang.pick(" and ", " 且 "));
    let (like, share) = (&settings.like, settings.confidence * 100.0);
    let (reps, evaluations) = (settings.replications, req.evaluations);
    let mut notes = vec![match lang {
        Lang::En => format!(
            "Agents like `{like}` per interval so that each interval's arrivals meet {targets} \
             in at least {share:.0}% of {reps} replications; {evaluations} candidates simulated \
             in the search."
        ),
        Lang::Zh => format!(
            "每个时段所需的 `{like}` 类客服人数，使该时段进线在 {reps} 次模拟中至少 {share:.0}% \
             达到 {targets}；搜索共仿真 {evaluations} 个候选。"
        ),
    }];
    let n = req.intervals.len();
    let mut verdict: Vec<(String, bool)> = req
        .unreachable
        .iter()
        .map(|u| {
            let target = report::target_words(&u.target, lang);
            let missed = u.intervals.len();
            let line = match lang {
                Lang::En => format!(
                    "{target} cannot be met by staffing in {missed} of {n} intervals (left out \
                     there)"
                ),
                Lang::Zh => {
                    format!("{target} 在 {n} 个时段中有 {missed} 个靠加人无法达到（已略去）")
                }
            };
            (line, false)
        })
        .collect();
    let mut shift_table = None;
    if let Some((c, opts)) = cover {
        columns.push((
            lang.pick("shift plan covers", "排班覆盖").to_string(),
            (0..n)
                .map(|k| shifts::coverage(opts, &c.plan.heads, k, settings.interval))
                .collect(),
        ));
        let heads = c.plan.heads.iter().sum::<u32>();
        let (hours, bound) = (c.plan.agent_hours, c.plan.lower_bound);
        let held = match (lang, c.verified) {
            (Lang::En, true) => "yes",
            (Lang::En, false) => "no",
            (Lang::Zh, true) => "是",
            (Lang::Zh, false) => "否",
        };
        let line = match lang {
            Lang::En => format!(
                "Shift plan: {heads} agents, {hours:.1} agent-hours (LP lower bound {bound:.1}); \
                 every reachable target held in the search's holdout replications: {held} (the \
                 lines below judge the fresh verification replications)"
            ),
            Lang::Zh => format!(
                "排班方案：{heads} 人，{hours:.1} 人时（线性规划下界 {bound:.1}）；搜索的留出模拟中\
                 每项可达目标均达标：{held}（以下各行按新的验证模拟判断）"
            ),
        };
        verdict.insert(0, (line, c.verified));
        let mut t = Table {
            header: match lang {
                Lang::En => ["group", "shift", "heads"],
                Lang::Zh => ["分组", "班次", "人数"],
            }
            .map(String::from)
            .to_vec(),
            rows: Vec::new(),
        };
        for g in &c.groups {
            t.rows.push(vec![
                Cell::plain(
                    match lang {
                        Lang::Zh => g.label_zh.clone().or_else(|| g.label.clone()),
                        Lang::En => g.label.clone(),
                    }
                    .unwrap_or_else(|| g.name.clone()),
                ),
                Cell::plain(
                    g.shifts
                        .iter()
                        .map(|s| s.join(" - "))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                Cell::plain(g.count.to_string()),
            ]);
        }
        shift_table = Some(t);
        notes.push(
            lang.pick(
                "The shift plan's groups follow the table.",
                "排班方案的分组见下表。",
            )
            .into(),
        );
    }
    // the verification run's judgement leads; what the search and the holdout check found
    // follows it
    let mut lines = std::mem::take(&mut page.verdict);
    let rest = lines.split_off(1.min(lines.len()));
    lines.append(&mut verdict);
    lines.extend(rest);
    page.verdict = lines;
    let section = report::staffing_section(
        dir,
        &planned.calendar,
        settings.interval,
        lang.pick(
            "Agents required per interval: analytic floor, simulation, and the shift plan",
            "每个时段所需客服：解析下限、仿真与排班方案",
        ),
        &columns,
        notes,
        lang,
    )
    .map_err(Failure::Internal)?;
    page.sections.insert(0, section);
    if let Some(t) = shift_table {
        page.sections.insert(
            1,
            report::Section {
                heading: lang.pick("Shift plan", "排班方案").into(),
                text: Vec::new(),
                table: Some(t),
                figures: Vec::new(),
            },
        );
    }
    report::write_page(dir, &page)
        .map_err(|e| Failure::Internal(format!("{}: cannot write the report: {e}", dir.display())))
}
