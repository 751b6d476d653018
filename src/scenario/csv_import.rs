//! Reading a back office's count export: the rows `(interval start, count)` and what was
//! decided on the way (which column, rows skipped), said in words.
//!
//! What it reads: UTF-8 (with or without a BOM) or GBK text; `,`, `;` or tab delimited; a
//! header row or none; the interval start in one column (`2024-11-10 18:00`,
//! `11/10 18:00`, `2025年11月10日 18:00`, a time slot `... 18:00-18:15`) or as a date
//! column and a time (or time-slot) column; counts written `1050`, `"1,050"`, `1 050`;
//! total rows (`合计`, `总计`, `Total`) skipped and reported. A file with more than one
//! count column needs the column named (`arrivals.csv_column`), unless exactly one of its
//! headers is a known arrivals name (`咨询量`, ...), which is then chosen and stated.

use super::clock::ClockTime;

/// Header names that mean "customer inquiries" in the exports this reads (Chinese back
/// offices and English ones). `接待人数` (chats an agent took) is deliberately not one.
const ARRIVAL_HEADERS: [&str; 11] = [
    "咨询量",
    "咨询人数",
    "咨询数",
    "进线量",
    "进线人数",
    "进线数",
    "询单量",
    "arrivals",
    "inquiries",
    "count",
    "interval_count",
];

/// First cells of a total row.
const TOTAL_ROWS: [&str; 7] = ["合计", "总计", "总和", "汇总", "小计", "total", "sum"];

/// The rows read, and notes on what was decided (the column chosen, rows skipped).
pub(crate) struct Read {
    /// `(line, interval start, count)` in file order.
    pub rows: Vec<(usize, ClockTime, f64)>,
    /// What a planner should know about how the file was read.
    pub notes: Vec<String>,
}

/// Decodes the bytes of an export: UTF-8 (a BOM dropped), else GBK; the error says what
/// to do.
pub(crate) fn decode(bytes: &[u8]) -> Result<(String, Option<&'static str>), String> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((
            text.strip_prefix('\u{feff}').unwrap_or(text).to_string(),
            None,
        ));
    }
    match encoding_rs::GBK.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok((text.into_owned(), Some("GBK"))),
        None => Err(
            "the file is neither UTF-8 nor GBK text; save it as UTF-8 (CSV UTF-8 in \
                     Excel)"
                .into(),
        ),
    }
}

/// Where a column is: `column` as the scenario names it (a header or a 1-based number).
fn find_column(column: &str, header: Option<&[String]>) -> Option<usize> {
    if let Some(h) = header
        && let Some(i) = h.iter().position(|c| c.trim() == column.trim())
    {
        return Some(i);
    }
    column
        .trim()
        .parse::<usize>()
        .ok()
        .filter(|&n| n >= 1)
        .map(|n| n - 1)
}

/// How the interval start is written: one column, or a date column and a time column.
#[derive(Clone, Copy, PartialEq)]
enum When {
    One,
    DateAndTime,
}

fn start_of(cells: &[String], when: When) -> Result<ClockTime, String> {
    match when {
        When::One => parse_interval_start(&cells[0]),
        When::DateAndTime => {
            let time = cells.get(1).map_or("", |s| s.as_str());
            parse_interval_start(&format!("{} {}", cells[0].trim(), time.trim()))
        }
    }
}

/// A count export read whole: its rows, the notes on how, and its number of lines.
pub(crate) struct Counts {
    /// The rows and notes, each note led by the file's name.
    pub read: Read,
    /// Notes on the file as a whole (its encoding), led by the file's name.
    pub notes: Vec<String>,
    /// Lines in the file (where "too few rows" points).
    pub lines: usize,
}

/// Why a count export could not be read.
pub(crate) enum CountsError {
    /// The file could not be opened or is too large.
    Unreadable(String),
    /// `(line, rule)`: a row breaks a rule.
    Row(usize, String),
}

/// Reads a count export from `path` (see the module's notes on what it reads), taking
/// `column` as the count column where given.
pub(crate) fn read_counts(
    path: &std::path::Path,
    column: Option<&str>,
) -> Result<Counts, CountsError> {
    let shown = path.display().to_string();
    let bytes = crate::input::read_capped(path, crate::input::MAX_CSV_BYTES)
        .map_err(CountsError::Unreadable)?;
    let (text, encoding) = decode(&bytes).map_err(|rule| CountsError::Row(1, rule))?;
    let delim = delimiter(&text);
    // Each row is one physical line (a count export has no multi-line fields), read on its
    // own so that its number is the one an editor shows, with `\n` or `\r\n` endings and
    // blank or `#` comment lines between rows: the CSV reader's positions miss those.
    let mut records: Vec<(usize, Vec<String>)> = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let line_no = i + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let record = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .delimiter(delim)
            .from_reader(line.as_bytes())
            .records()
            .next();
        let record = match record {
            Some(Ok(r)) => r,
            Some(Err(e)) => return Err(CountsError::Row(line_no, format!("not a CSV row: {e}"))),
            None => continue,
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() < 2 {
            return Err(CountsError::Row(
                line_no,
                "expected at least two columns: interval start, count".into(),
            ));
        }
        records.push((line_no, record.iter().map(String::from).collect()));
    }
    let mut read = read(&records, column).map_err(|(line, rule)| CountsError::Row(line, rule))?;
    read.notes = read
        .notes
        .into_iter()
        .map(|n| format!("{shown}: {n}"))
        .collect();
    let notes = encoding
        .map(|enc| format!("{shown}: read as {enc} text"))
        .into_iter()
        .collect();
    Ok(Counts {
        read,
        notes,
        lines: text.lines().count(),
    })
}

/// The rows of a count export: `(line, interval start in seconds of the year, count)`,
/// counts finite and non-negative, starts strictly increasing.
pub struct CountFile {
    /// `(line, seconds since 01-01 00:00, count)` in file order.
    pub rows: Vec<(usize, f64, f64)>,
    /// What a planner should know about how the file was read.
    pub notes: Vec<String>,
}

/// Reads a count export (a scenario's `arrivals.csv` form) on its own: `column` names the
/// count column where the file has more than one.
///
/// # Errors
/// `file:line: rule`, or why the file cannot be read.
pub fn read_count_file(path: &std::path::Path, column: Option<&str>) -> Result<CountFile, String> {
    let file = path.display().to_string();
    let err = |line: usize, rule: String| format!("{file}:{line}: {rule}");
    let counts = read_counts(path, column).map_err(|e| match e {
        CountsError::Unreadable(e) => format!("{file}: cannot read: {e}"),
        CountsError::Row(line, rule) => err(line, rule),
    })?;
    let mut notes = counts.notes;
    notes.extend(counts.read.notes);
    let mut rows: Vec<(usize, f64, f64)> = Vec::new();
    for (line, at, count) in counts.read.rows {
        if !count.is_finite() || count < 0.0 {
            return Err(err(
                line,
                format!("count must be a finite number >= 0, got {count}"),
            ));
        }
        let at = f64::from(at.seconds_of_year());
        if rows.last().is_some_and(|r| r.1 >= at) {
            return Err(err(
                line,
                "interval starts must be in strictly increasing time order".into(),
            ));
        }
        rows.push((line, at, count));
    }
    if rows.is_empty() {
        return Err(err(counts.lines.max(1), "has no count rows".into()));
    }
    Ok(CountFile { rows, notes })
}

/// Reads the records (`(line, cells)`, blank and comment lines already gone).
pub(crate) fn read(
    records: &[(usize, Vec<String>)],
    column: Option<&str>,
) -> Result<Read, (usize, String)> {
    let mut notes = Vec::new();
    let is_total = |cells: &[String]| {
        cells.first().is_some_and(|c| {
            let c = c.trim().to_lowercase();
            TOTAL_ROWS
                .iter()
                .any(|t| c == *t || c.starts_with(&format!("{t}:")))
        })
    };
    // the layout from the first row that is neither a header nor a total
    let mut header: Option<(usize, Vec<String>)> = None;
    let mut layout: Option<When> = None;
    for (line, cells) in records {
        if is_total(cells) {
            continue;
        }
        if parse_interval_start(&cells[0]).is_ok() {
            layout = Some(When::One);
            break;
        }
        if cells.len() > 1 && start_of(cells, When::DateAndTime).is_ok() {
            layout = Some(When::DateAndTime);
            break;
        }
        if header.is_none() && layout.is_none() {
            header = Some((*line, cells.clone()));
            continue;
        }
        return Err((
            *line,
            format!(
                "`{}` is not an interval start: write `MM-DD HH:MM` (a year may lead, or \
                 `2025年11月10日 18:00`), or a date column then a time or time-slot column",
                shorten(&cells[0])
            ),
        ));
    }
    let Some(when) = layout else {
        return Err((
            records.last().map_or(1, |r| r.0),
            "no data rows: each row needs an interval start and a count".into(),
        ));
    };
    let first_value = if when == When::One { 1 } else { 2 };
    let data: Vec<&(usize, Vec<String>)> = records
        .iter()
        .filter(|(l, c)| Some(*l) != header.as_ref().map(|h| h.0) && !is_total(c))
        .collect();
    let header_cells = header.as_ref().map(|h| h.1.as_slice());
    let name_of = |i: usize| {
        header_cells
            .and_then(|h| h.get(i))
            .map_or(format!("column {}", i + 1), |h| format!("`{}`", h.trim()))
    };
    let width = data.iter().map(|(_, c)| c.len()).max().unwrap_or(0);
    let chosen = match column {
        Some(name) => {
            let i = find_column(name, header_cells).ok_or_else(|| {
                (
                    header.as_ref().map_or(1, |h| h.0),
                    format!(
                        "no column `{name}` (arrivals.csv_column): the header has {}",
                        header_cells.map_or("no names (give a column number)".into(), |h| h
                            .iter()
                            .map(|c| format!("`{}`", c.trim()))
                            .collect::<Vec<_>>()
                            .join(", "))
                    ),
                )
            })?;
            if i < first_value {
                return Err((
                    header.as_ref().map_or(1, |h| h.0),
                    format!("arrivals.csv_column `{name}` is the interval start, not a count"),
                ));
            }
            i
        }
        None => {
            let numeric: Vec<usize> = (first_value..width)
                .filter(|&i| {
                    data.iter()
                        .any(|(_, c)| c.get(i).is_some_and(|x| parse_count(x).is_some()))
                })
                .collect();
            let known: Vec<usize> = numeric
                .iter()
                .copied()
                .filter(|&i| {
                    header_cells.and_then(|h| h.get(i)).is_some_and(|h| {
                        ARRIVAL_HEADERS.contains(&h.trim().to_lowercase().as_str())
                    })
                })
                .collect();
            match (numeric.as_slice(), known.as_slice()) {
                ([], _) => first_value,
                ([only], _) => *only,
                (_, [one]) => {
                    notes.push(format!(
                        "arrivals read from column {} (a known name for customer inquiries); \
                         other count columns ignored: {}; name another with \
                         arrivals.csv_column",
                        name_of(*one),
                        numeric
                            .iter()
                            .filter(|&&i| i != *one)
                            .map(|&i| name_of(i))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                    *one
                }
                (many, _) => {
                    return Err((
                        header.as_ref().map_or(data[0].0, |h| h.0),
                        format!(
                            "{} count columns ({}): say which holds the customer inquiries \
                             with arrivals.csv_column = \"NAME\" (or its number)",
                            many.len(),
                            many.iter()
                                .map(|&i| name_of(i))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
            }
        }
    };
    let mut rows = Vec::new();
    for (line, cells) in records {
        if Some(*line) == header.as_ref().map(|h| h.0) {
            continue;
        }
        if is_total(cells) {
            notes.push(format!(
                "line {line}: a total row (`{}`) skipped",
                cells[0].trim()
            ));
            continue;
        }
        let at = start_of(cells, when).map_err(|rule| (*line, rule))?;
        let Some(c) = cells.get(chosen) else {
            return Err((
                *line,
                format!("no value in {} (the row is short)", name_of(chosen)),
            ));
        };
        let count = parse_count(c).ok_or_else(|| {
            (
                *line,
                format!(
                    "count `{}` is not a number ({})",
                    shorten(c),
                    name_of(chosen)
                ),
            )
        })?;
        rows.push((*line, at, count));
    }
    Ok(Read { rows, notes })
}

/// An interval start as a back office writes it: `MM-DD HH:MM`, with or without a year
/// (`2024-11-10 18:00`, `2024/11/10 18:00`, `11/10 18:00`, `2025年11月10日 18:00`) and
/// seconds, or a time slot (`18:00-18:15`: its start). The year is dropped: a scenario's
/// calendar has none.
pub(crate) fn parse_interval_start(s: &str) -> Result<ClockTime, String> {
    let s = s.trim();
    let s = s.replace(['年', '月'], "-").replace(['日', '号'], " ");
    let s = s.trim();
    let (date, time) = s
        .split_once(|c: char| c.is_whitespace() || c == 'T')
        .ok_or_else(|| {
            format!(
                "`{}` is not a time `MM-DD HH:MM` (a year may lead)",
                shorten(s)
            )
        })?;
    let date = date.replace('/', "-");
    let parts: Vec<&str> = date.split('-').collect();
    let month_day = match parts.as_slice() {
        [y, m, d] if y.len() == 4 && y.chars().all(|c| c.is_ascii_digit()) => {
            format!("{m:0>2}-{d:0>2}")
        }
        [m, d] => format!("{m:0>2}-{d:0>2}"),
        _ => {
            return Err(format!(
                "`{}`: the date must read MM-DD, YYYY-MM-DD, YYYY/MM/DD or YYYY年MM月DD日",
                shorten(s)
            ));
        }
    };
    // a time slot `18:00-18:15` or `18:00~18:15` starts at its first time
    let time = time.trim();
    let time = time
        .split(['-', '~', '～', '至'])
        .next()
        .unwrap_or(time)
        .trim();
    let time = if time.len() == 4 && time.as_bytes()[1] == b':' {
        format!("0{time}")
    } else {
        time.to_string()
    };
    ClockTime::parse(&format!("{month_day} {time}"))
}

/// A count as a back office writes it: `1050`, `"1,050"`, `1 050`, `1050.0`.
pub(crate) fn parse_count(s: &str) -> Option<f64> {
    let digits: String = s
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '\u{a0}' | '_'))
        .collect();
    digits.parse().ok()
}

/// `s` for an error message: at most 40 characters.
pub(crate) fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if s.chars().count() > 40 {
        out.push_str("...");
    }
    out
}

/// The CSV's delimiter: `;` or a tab when the first data line uses one and no comma (a
/// back office's export in a locale with decimal commas), else `,`.
pub(crate) fn delimiter(text: &str) -> u8 {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or("");
    let outside_quotes: String = first.split('"').step_by(2).collect();
    if outside_quotes.contains(',') {
        b','
    } else if outside_quotes.contains(';') {
        b';'
    } else if outside_quotes.contains('\t') {
        b'\t'
    } else {
        b','
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recs(text: &str) -> Vec<(usize, Vec<String>)> {
        text.lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.split(',').map(String::from).collect()))
            .collect()
    }

    #[test]
    fn chinese_dates_and_time_slots_read() {
        let a = parse_interval_start("2025年11月10日 18:00").unwrap();
        assert_eq!(a, ClockTime::parse("11-10 18:00").unwrap());
        let b = parse_interval_start("2025-11-11 00:00-00:15").unwrap();
        assert_eq!(b, ClockTime::parse("11-11 00:00").unwrap());
    }

    #[test]
    fn two_count_columns_need_a_name_unless_one_is_known() {
        let text = "时间,接待人数,咨询量\n11-10 18:00,40,100\n11-10 19:00,42,300\n";
        let r = read(&recs(text), None).unwrap();
        assert_eq!(r.rows[1].2, 300.0);
        assert!(r.notes[0].contains("`咨询量`") && r.notes[0].contains("`接待人数`"));
        let text = "时间,接待人数,会话数\n11-10 18:00,40,100\n11-10 19:00,42,300\n";
        let (line, e) = read(&recs(text), None).err().unwrap();
        assert_eq!(line, 1);
        assert!(
            e.contains("arrivals.csv_column") && e.contains("`会话数`"),
            "{e}"
        );
        let r = read(&recs(text), Some("会话数")).unwrap();
        assert_eq!(r.rows[0].2, 100.0);
        let r = read(&recs(text), Some("2")).unwrap();
        assert_eq!(r.rows[0].2, 40.0);
    }

    #[test]
    fn date_and_slot_columns_and_total_rows() {
        let text = "日期,时段,咨询量\n2025/11/10,23:45-24:00,100\n2025/11/11,00:00-00:15,900\n合计,,1000\n";
        let r = read(&recs(text), None).unwrap();
        assert_eq!(r.rows.len(), 2);
        assert_eq!(r.rows[1].1, ClockTime::parse("11-11 00:00").unwrap());
        assert!(
            r.notes
                .iter()
                .any(|n| n.contains("line 4") && n.contains("合计"))
        );
    }

    #[test]
    fn gbk_bytes_decode() {
        let (bytes, _, _) = encoding_rs::GBK.encode("时间,咨询量\n");
        let (text, enc) = decode(&bytes).unwrap();
        assert_eq!((text.as_str(), enc), ("时间,咨询量\n", Some("GBK")));
        assert!(decode(&[0xff, 0xfe, 0xfd, 0x80, 0x81]).is_err());
    }
}
