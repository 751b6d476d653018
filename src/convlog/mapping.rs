//! The column mapping: how a foreign export's columns, codes and times read as the
//! conversation log (docs/log-format.md, "Reading another system's export"). The same file
//! form is the `log.toml` that `run --log` writes beside its own log.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::{BotOutcome, Outcome};
use crate::class::Class;

/// How times are written in the export.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeFormat {
    /// A date and a time of day in one cell (`2025-11-10 18:05:30`, `2025/11/10 18:05`,
    /// `2025年11月10日 18:05:30`, `2025-11-10T18:05:30`).
    #[default]
    Datetime,
    /// Seconds since 1970-01-01 00:00 UTC, read on the store's clock with `utc_offset_h`.
    EpochS,
    /// Milliseconds since 1970-01-01 00:00 UTC.
    EpochMs,
    /// A time of day (`H:MM:SS`) on the row's `date` column; a time more than 12 hours
    /// earlier than the arrival's is on the next day (a chat across midnight).
    Clock,
}

/// The file's character encoding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    /// UTF-8 (a BOM dropped) when the start of the file is UTF-8, else GBK.
    #[default]
    Auto,
    #[serde(rename = "utf-8", alias = "utf8")]
    Utf8,
    Gbk,
}

/// Rows to leave out (test chats, phantom records): counted and reported, never silent.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Drop {
    /// The export's column (a header or a 1-based number).
    pub column: String,
    /// Drop the row when the cell is one of these (trimmed).
    #[serde(default)]
    pub equals: Vec<String>,
    /// Drop the row when the cell contains this text.
    #[serde(default)]
    pub contains: Option<String>,
    /// Drop the row when the cell is empty.
    #[serde(default)]
    pub empty: bool,
}

/// A mapping file as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// `"d11sim-conversation-log"` in the `log.toml` that `run --log` writes.
    #[serde(default)]
    pub format: Option<String>,
    /// The mapping form's version (1).
    #[serde(default)]
    pub version: Option<u32>,
    #[serde(default)]
    pub encoding: Encoding,
    /// `","`, `";"`, `"\t"` or `"auto"` (the first line's most frequent of the three).
    #[serde(default)]
    pub delimiter: Option<String>,
    #[serde(default)]
    pub time_format: TimeFormat,
    /// Hours the store's clock is ahead of UTC, for epoch times (8 for China).
    #[serde(default)]
    pub utc_offset_h: Option<f64>,
    /// When a day begins (`HH:MM`): a night from 18:00 to the next morning is one day with
    /// `day_start = "12:00"`. Used when the log has no `day` column.
    #[serde(default)]
    pub day_start: Option<String>,
    /// The fitted curve's interval, minutes.
    #[serde(default)]
    pub interval_min: Option<f64>,
    /// Days (`YYYY-MM-DD`) that are the event (Double-11 nights); the others are ordinary
    /// days, against which the event's multiplier is measured. Empty: every day is.
    #[serde(default)]
    pub event_days: Vec<String>,
    /// Share of customers who leave without closing the chat (they read as answered):
    /// the patience fit's mixture. Default: the base scenario's `patience.silent_share`.
    #[serde(default)]
    pub silent_share: Option<f64>,
    /// Written by `run --log`; informational.
    #[serde(default)]
    pub first_day: Option<String>,
    #[serde(default)]
    pub days: Option<u64>,
    #[serde(default)]
    pub stride_days: Option<u64>,
    /// Standard column name to the export's header (or 1-based column number).
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// The export's class codes to `pre_sale`, `in_sale`, `after_sale`.
    #[serde(default)]
    pub classes: BTreeMap<String, String>,
    /// The export's outcome codes to `served`, `abandoned`, `bot_resolved`, `other`.
    #[serde(default)]
    pub outcomes: BTreeMap<String, String>,
    /// The export's bot outcome codes to `resolved`, `escalated`, `abandoned`.
    #[serde(default)]
    pub bot_outcomes: BTreeMap<String, String>,
    /// The export's sender codes to `customer` or `agent` (message logs).
    #[serde(default)]
    pub senders: BTreeMap<String, String>,
    #[serde(default)]
    pub drop: Vec<Drop>,
}

/// Columns a mapping may name: the log's own and `date` (a date column for `clock` times).
pub fn known_columns() -> Vec<&'static str> {
    let mut v: Vec<&str> = super::COLUMNS.to_vec();
    v.extend(["date", "sender", "time", "messages", "account"]);
    v
}

impl Mapping {
    /// Reads a mapping file; the error names the file and the key.
    pub fn load(path: &Path) -> Result<Mapping, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        Mapping::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses and checks a mapping.
    pub fn parse(text: &str) -> Result<Mapping, String> {
        let de = toml::Deserializer::parse(text).map_err(|e| e.to_string())?;
        let m: Mapping = serde_path_to_error::deserialize(de).map_err(|e| {
            let key = e.path().to_string();
            format!("key `{key}`: {}", e.into_inner().message())
        })?;
        m.check()?;
        Ok(m)
    }

    fn check(&self) -> Result<(), String> {
        if let Some(v) = self.version
            && v != super::VERSION
        {
            return Err(format!(
                "key `version`: {v} is not a version this d11sim reads (it reads {})",
                super::VERSION
            ));
        }
        let known = known_columns();
        for k in self.columns.keys() {
            if !known.contains(&k.as_str()) {
                return Err(format!(
                    "key `columns.{k}`: not a column of the log; the columns are {}",
                    known.join(", ")
                ));
            }
        }
        for (code, v) in &self.classes {
            if Class::parse(v).is_none() && v != "other" {
                return Err(format!(
                    "key `classes.{code}`: `{v}` is not pre_sale, in_sale, after_sale or other"
                ));
            }
        }
        for (code, v) in &self.outcomes {
            if Outcome::parse(v).is_none() {
                return Err(format!(
                    "key `outcomes.{code}`: `{v}` is not served, abandoned, bot_resolved or other"
                ));
            }
        }
        for (code, v) in &self.bot_outcomes {
            if BotOutcome::parse(v).is_none() {
                return Err(format!(
                    "key `bot_outcomes.{code}`: `{v}` is not resolved, escalated or abandoned"
                ));
            }
        }
        for (code, v) in &self.senders {
            if v != "customer" && v != "agent" {
                return Err(format!(
                    "key `senders.{code}`: `{v}` is not customer or agent"
                ));
            }
        }
        if let Some(d) = &self.delimiter
            && !matches!(d.as_str(), "," | ";" | "\t" | "auto")
        {
            return Err(format!(
                "key `delimiter`: `{d}` is not \",\", \";\", \"\\t\" or \"auto\""
            ));
        }
        if let Some(s) = &self.day_start {
            self.day_start_s()
                .map_err(|e| format!("key `day_start`: {e} ({s})"))?;
        }
        if let Some(i) = self.interval_min
            && !(i > 0.0 && i <= 1440.0 && (1440.0 / i).fract() == 0.0)
        {
            return Err(format!(
                "key `interval_min`: {i} must divide a day (e.g. 15, 30, 60)"
            ));
        }
        if let Some(s) = self.silent_share
            && !(0.0..1.0).contains(&s)
        {
            return Err(format!("key `silent_share`: {s} is not in [0, 1)"));
        }
        for d in &self.event_days {
            super::time::parse_date(d).map_err(|e| format!("key `event_days`: {e}"))?;
        }
        for (i, d) in self.drop.iter().enumerate() {
            if d.equals.is_empty() && d.contains.is_none() && !d.empty {
                return Err(format!(
                    "key `drop[{i}]`: says no rule: give `equals`, `contains` or `empty = true`"
                ));
            }
        }
        if self.time_format == TimeFormat::Clock && !self.columns.contains_key("date") {
            return Err(
                "key `time_format`: `clock` times need a `date` column (`columns.date`)".into(),
            );
        }
        Ok(())
    }

    /// Seconds after midnight at which a day begins.
    pub fn day_start_s(&self) -> Result<f64, String> {
        match &self.day_start {
            None => Ok(0.0),
            Some(s) => {
                let t = super::time::parse_clock(s)?;
                if t >= 86_400.0 {
                    return Err("a day must start before 24:00".into());
                }
                Ok(t)
            }
        }
    }

    /// The fitted curve's interval, seconds.
    pub fn interval_s(&self) -> f64 {
        self.interval_min.unwrap_or(15.0) * 60.0
    }

    /// The export's header for standard column `name` (itself when not mapped).
    pub fn header_for<'a>(&'a self, name: &'a str) -> &'a str {
        self.columns.get(name).map_or(name, String::as_str)
    }

    /// The class of an export's code (`None` for `other`; the error when unmapped).
    pub fn class(&self, code: &str) -> Result<Option<Class>, String> {
        let code = code.trim();
        if code.is_empty() {
            return Ok(None);
        }
        let word = self.classes.get(code).map_or(code, String::as_str);
        if word == "other" {
            return Ok(None);
        }
        Class::parse(word).map(Some).ok_or_else(|| {
            format!(
                "class `{code}` is unknown: map it under [classes] (`\"{code}\" = \"pre_sale\"`)"
            )
        })
    }

    /// The outcome of an export's code.
    pub fn outcome(&self, code: &str) -> Result<Outcome, String> {
        let code = code.trim();
        let word = self.outcomes.get(code).map_or(code, String::as_str);
        Outcome::parse(word).ok_or_else(|| {
            format!(
                "outcome `{code}` is unknown: map it under [outcomes] (`\"{code}\" = \"served\"`)"
            )
        })
    }

    /// The bot outcome of an export's code (`None` for an empty cell).
    pub fn bot_outcome(&self, code: &str) -> Result<Option<BotOutcome>, String> {
        let code = code.trim();
        if code.is_empty() {
            return Ok(None);
        }
        let word = self.bot_outcomes.get(code).map_or(code, String::as_str);
        BotOutcome::parse(word).map(Some).ok_or_else(|| {
            format!(
                "bot outcome `{code}` is unknown: map it under [bot_outcomes] (`\"{code}\" = \"escalated\"`)"
            )
        })
    }

    /// The sender of an export's code.
    pub fn sender(&self, code: &str) -> Result<super::Sender, String> {
        let code = code.trim();
        match self.senders.get(code).map_or(code, String::as_str) {
            "customer" => Ok(super::Sender::Customer),
            "agent" => Ok(super::Sender::Agent),
            _ => Err(format!(
                "sender `{code}` is unknown: map it under [senders] (`\"{code}\" = \"agent\"`)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapping_names_the_key_it_refuses() {
        let e = Mapping::parse("[columns]\narrivl = \"进线时间\"\n").unwrap_err();
        assert!(e.contains("columns.arrivl"), "{e}");
        let e = Mapping::parse("encodng = \"gbk\"\n").unwrap_err();
        assert!(e.contains("encodng"), "{e}");
        let e = Mapping::parse("[outcomes]\n\"已接待\" = \"answered\"\n").unwrap_err();
        assert!(e.contains("outcomes.已接待"), "{e}");
        let e = Mapping::parse("time_format = \"clock\"\n").unwrap_err();
        assert!(e.contains("date"), "{e}");
        let e = Mapping::parse("interval_min = 7\n").unwrap_err();
        assert!(e.contains("interval_min"), "{e}");
        let m = Mapping::parse(
            "encoding = \"gbk\"\nday_start = \"12:00\"\n[columns]\narrival = \"进线时间\"\n[classes]\n\"售前\" = \"pre_sale\"\n",
        )
        .unwrap();
        assert_eq!(m.encoding, Encoding::Gbk);
        assert_eq!(m.day_start_s().unwrap(), 43_200.0);
        assert_eq!(m.class("售前").unwrap(), Some(Class::PreSale));
        assert!(m.class("售后").is_err());
    }
}
