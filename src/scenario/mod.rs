//! Scenarios: the TOML file (`file`), its validation into domain types (`validate`), clock
//! times (`clock`), and the embedded default Double-11 scenario.

pub mod breaks;
pub mod budget;
pub mod clock;
mod conversation;
mod csv_import;
pub mod distributions;
pub mod file;
mod plans;
mod rates;
mod reminders;
mod validate;
mod value_file;
pub mod variants;

use std::path::Path;

use crate::arrivals::Arrivals;
use crate::conversation::Conversation;
use crate::engine::SimTime;
use crate::kpi::Target;
use crate::patience::Patience;
use crate::roster::{AgentGroup, Window};
use crate::routing::Routing;
use clock::Calendar;
pub use csv_import::{CountFile, read_count_file};
pub use file::ScenarioFile;

/// The default scenario, embedded so that `d11sim run` works with no file.
pub const DEFAULT_TOML: &str = include_str!("../../scenarios/double11.toml");
/// The name the embedded default goes by in messages and outputs.
pub const DEFAULT_NAME: &str = "(embedded) scenarios/double11.toml";

/// `extends = "(embedded)"` extends the embedded default scenario.
pub const EMBEDDED: &str = "(embedded)";

/// A validated scenario: everything one replication needs, in domain types.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Display name.
    pub name: String,
    /// Display name on Chinese pages (`name` where none is given).
    pub name_zh: String,
    /// Free text.
    pub description: String,
    /// Where scenario time zero falls on the calendar.
    pub calendar: Calendar,
    /// End of arrivals; the run then drains until every counted customer is resolved.
    pub horizon: SimTime,
    /// Customers arriving before this are not counted.
    pub warmup: SimTime,
    /// Series interval length.
    pub interval: SimTime,
    /// Threshold of the service-level KPIs.
    pub service_level: SimTime,
    /// Windows when agents use their peak chat cap.
    pub peaks: Vec<Window>,
    /// Who arrives when.
    pub arrivals: Arrivals,
    /// The conversation model.
    pub conversation: Conversation,
    /// Customer patience.
    pub patience: Patience,
    /// Routing policy, priorities, hand-over and the waiting-line cap.
    pub routing: Routing,
    /// What the platform does with the messages of customers who stopped waiting.
    pub inbox: crate::inbox::Inbox,
    /// How the platform scores response times.
    pub scoring: crate::scoring::Scoring,
    /// The roster.
    pub groups: Vec<AgentGroup>,
    /// KPI targets.
    pub targets: Vec<Target>,
    /// Share of replications in which a target must hold for a PASS (the judgement's
    /// rule: docs/outputs.md).
    pub target_share: f64,
    /// Windows `[from, to)` a what-if asks about (the variants' `window`s): the KPIs of
    /// the customers arriving in each are kept per replication, for paired differences.
    pub windows: Vec<(SimTime, SimTime)>,
    /// Things worth a planner's attention that are not errors (e.g. shifts over 12 h).
    pub warnings: Vec<String>,
    /// The bot tier, if any.
    pub bot: Option<crate::bot::Bot>,
    /// Network and hardware, if modelled.
    pub network: Option<crate::network::Network>,
    /// Conversion prediction, if configured.
    pub conversion: Option<crate::conversion::Conversion>,
    /// Satisfaction prediction (满意度), if configured.
    pub satisfaction: Option<crate::satisfaction::Satisfaction>,
    /// 催付: the store's payment reminders, if it sends any.
    pub reminders: Option<crate::reminders::Reminders>,
    /// The file as read, with defaults filled, for echoing in outputs.
    pub echo: serde_json::Value,
}

/// Why a scenario was refused. Every variant names the file and the rule broken.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{file}: cannot read the scenario: {reason}")]
    Read {
        /// The file.
        file: String,
        /// The operating system's reason.
        reason: String,
    },
    /// The TOML is malformed, a key is unknown or a value has the wrong type.
    #[error("{file}:{line}:{column}: {message}")]
    Parse {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser says.
        message: String,
    },
    /// A value breaks a rule.
    #[error("{file}: `{key}`: {rule}")]
    Invalid {
        /// The file.
        file: String,
        /// Key path, e.g. `groups[2].shifts[0]`.
        key: String,
        /// The rule broken.
        rule: String,
    },
    /// A row of an arrivals CSV is bad.
    #[error("{file}:{line}: {rule}")]
    Csv {
        /// The CSV file.
        file: String,
        /// 1-based line.
        line: usize,
        /// The rule broken.
        rule: String,
    },
}

impl Scenario {
    /// Reads, parses and validates a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let shown = path.display().to_string();
        let text = crate::input::read_text(path, crate::input::MAX_TOML_BYTES).map_err(|e| {
            ScenarioError::Read {
                file: shown.clone(),
                reason: e,
            }
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Scenario::from_toml(&text, &shown, base)
    }

    /// The embedded default Double-11 scenario.
    pub fn default_double11() -> Scenario {
        Scenario::from_toml(DEFAULT_TOML, DEFAULT_NAME, Path::new("scenarios"))
            .expect("the embedded default scenario is valid (tested)")
    }

    /// Parses and validates TOML text; `file` names it in errors and `base_dir` resolves
    /// relative paths (the arrivals CSV).
    pub fn from_toml(text: &str, file: &str, base_dir: &Path) -> Result<Scenario, ScenarioError> {
        let raw = parse_extending(text, file, base_dir)?;
        Scenario::from_file(&raw, file, base_dir)
    }

    /// Validates an already parsed file (tests and sweeps edit the raw form first).
    pub fn from_file(
        raw: &ScenarioFile,
        file: &str,
        base_dir: &Path,
    ) -> Result<Scenario, ScenarioError> {
        validate::validate(raw, &validate::Ctx { file, base_dir })
    }

    /// Total agents over all groups.
    pub fn agents(&self) -> usize {
        self.groups.iter().map(|g| g.count as usize).sum()
    }
}

/// Files `extends` may chain through before it is taken for a loop.
const MAX_EXTENDS: usize = 8;

/// Parses TOML text into the raw file form, following `extends` (relative to `base_dir`):
/// this file's tables merge over the extended file's, and other values replace its.
pub fn parse_extending(
    text: &str,
    file: &str,
    base_dir: &Path,
) -> Result<ScenarioFile, ScenarioError> {
    let table = table_of(text, file)?;
    if !table.contains_key("extends") {
        return parse(text, file);
    }
    let merged = merged_table(table, file, base_dir, 0)?;
    from_table(merged, text, file, None)
}

/// Deserialises an edited or merged table into the raw file form. A failure names the key
/// path at fault (`arrivals.scale`, `groups[2].count`) and, where `text` writes that key,
/// its line; `origin` says where the value came from (a variant's `set` entry).
pub(crate) fn from_table(
    table: toml::Table,
    text: &str,
    file: &str,
    origin: Option<&str>,
) -> Result<ScenarioFile, ScenarioError> {
    serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(
        |e: serde_path_to_error::Error<toml::de::Error>| {
            let path = e.path().to_string();
            let mut rule = e.inner().message().trim().to_string();
            let key = match (path.as_str(), origin) {
                (".", Some(o)) => o.to_string(),
                (".", None) => "(top level)".to_string(),
                (p, Some(o)) => {
                    rule = format!("{rule} (set by {o})");
                    p.to_string()
                }
                (p, None) => p.to_string(),
            };
            match line_of(text, &path) {
                Some(line) if origin.is_none() => ScenarioError::Parse {
                    file: file.to_string(),
                    line,
                    column: 1,
                    message: format!("`{key}`: {rule}"),
                },
                _ => ScenarioError::Invalid {
                    file: file.to_string(),
                    key,
                    rule,
                },
            }
        },
    )
}

/// The 1-based line where `text` writes the last key of `path` (`a.b[2].c` -> `c = ...`),
/// after its table's header when it has one.
fn line_of(text: &str, path: &str) -> Option<usize> {
    let names: Vec<&str> = path
        .split('.')
        .map(|p| p.split('[').next().unwrap_or(p))
        .filter(|p| !p.is_empty())
        .collect();
    let last = *names.last()?;
    let writes = |l: &str| {
        let l = l.trim_start().trim_start_matches(['{', ',']).trim_start();
        l.strip_prefix(last)
            .or_else(|| l.strip_prefix(&format!("\"{last}\"")))
            .is_some_and(|r| r.trim_start().starts_with('='))
            || l.contains(&format!(", {last} ="))
            || l.contains(&format!("{{ {last} ="))
    };
    let header = names.len().checked_sub(2).map(|i| names[..=i].join("."));
    let from = header
        .and_then(|h| {
            text.lines()
                .position(|l| l.trim() == format!("[{h}]") || l.trim() == format!("[[{h}]]"))
        })
        .unwrap_or(0);
    text.lines()
        .enumerate()
        .skip(from)
        .find(|(_, l)| writes(l))
        .map(|(i, _)| i + 1)
}

/// TOML text as a table, with line and column on a syntax error.
fn table_of(text: &str, file: &str) -> Result<toml::Table, ScenarioError> {
    toml::from_str(text).map_err(|e| toml_error(text, file, &e))
}

/// A TOML error as a scenario error with the line and column it points at.
fn toml_error(text: &str, file: &str, e: &toml::de::Error) -> ScenarioError {
    let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
    ScenarioError::Parse {
        file: file.to_string(),
        line,
        column,
        message: e.message().trim().to_string(),
    }
}

fn merged_table(
    mut table: toml::Table,
    file: &str,
    base_dir: &Path,
    depth: usize,
) -> Result<toml::Table, ScenarioError> {
    let invalid = |key: &str, rule: String| ScenarioError::Invalid {
        file: file.to_string(),
        key: key.into(),
        rule,
    };
    let Some(parent) = table.remove("extends") else {
        return Ok(table);
    };
    let parent = parent
        .as_str()
        .ok_or_else(|| invalid("extends", "must be a file path".into()))?
        .to_string();
    if depth >= MAX_EXTENDS {
        return Err(invalid(
            "extends",
            format!("more than {MAX_EXTENDS} files deep: is there a loop?"),
        ));
    }
    let (path, shown, parent_text) = if parent == EMBEDDED {
        let path = Path::new("scenarios").join("double11.toml");
        (path, DEFAULT_NAME.to_string(), DEFAULT_TOML.to_string())
    } else {
        let path = base_dir.join(&parent);
        let shown = path.display().to_string();
        let text = crate::input::read_text(&path, crate::input::MAX_TOML_BYTES)
            .map_err(|e| invalid("extends", format!("cannot read `{shown}`: {e}")))?;
        (path, shown, text)
    };
    let parent_table = table_of(&parent_text, &shown)?;
    if !parent_table.contains_key("extends") {
        parse(&parent_text, &shown)?; // the extended file must be a valid scenario on its own
    }
    let parent_dir = path.parent().unwrap_or(Path::new("."));
    let mut base = merged_table(parent_table, &shown, parent_dir, depth + 1)?;
    if parent != EMBEDDED {
        anchor_paths(&mut base, parent_dir);
    }
    replace_arrival_source(&mut base, &table);
    merge(&mut base, table);
    Ok(base)
}

/// The keys that name where arrivals come from; a scenario has exactly one.
const ARRIVAL_SOURCES: [&str; 4] = ["shape", "table", "csv", "constant_per_hour"];

/// When the extending file names an arrival source, the extended file's source (and the
/// keys that only go with it) is dropped, so `extends` can swap a shape for a CSV.
fn replace_arrival_source(base: &mut toml::Table, over: &toml::Table) {
    let Some(toml::Value::Table(new)) = over.get("arrivals") else {
        return;
    };
    let Some(toml::Value::Table(old)) = base.get_mut("arrivals") else {
        return;
    };
    if !ARRIVAL_SOURCES.iter().any(|k| new.contains_key(*k)) {
        return;
    }
    for k in ARRIVAL_SOURCES {
        old.remove(k);
    }
    old.remove("forecast_total");
    // base_per_hour scales a shape or a table; it means nothing to a CSV or a constant
    if !(new.contains_key("shape") || new.contains_key("table")) {
        old.remove("base_per_hour");
    }
}

/// Makes the relative file paths of an extended file (its arrivals CSV) absolute against
/// the folder of the file that declares them, so they mean the same from the extending
/// file, wherever that one is.
fn anchor_paths(table: &mut toml::Table, dir: &Path) {
    let Some(toml::Value::Table(arrivals)) = table.get_mut("arrivals") else {
        return;
    };
    let Some(toml::Value::String(csv)) = arrivals.get_mut("csv") else {
        return;
    };
    if Path::new(csv.as_str()).is_relative() {
        let joined = dir.join(csv.as_str());
        let anchored = std::path::absolute(&joined).unwrap_or(joined);
        *csv = anchored.display().to_string();
    }
}

/// Merges `over` into `base`: tables recursively, everything else replaced.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            // a distribution that names its `dist` is one value: it replaces the base's
            // whole (the base's parameters of another law would not apply)
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) if !o.contains_key("dist") => {
                merge(b, o)
            }
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// Parses TOML text into the raw file form, with line and column on error.
pub fn parse(text: &str, file: &str) -> Result<ScenarioFile, ScenarioError> {
    toml::from_str(text).map_err(|e| toml_error(text, file, &e))
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}
