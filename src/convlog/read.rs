//! Reading a conversation log or a message log, row by row in bounded memory: the log's
//! own CSV, or a foreign export through a [`Mapping`]. A row that cannot be read stops the
//! reading with its file and line; a row whose times are impossible (a reply before the
//! arrival) is counted and listed by line, and left out of the fits.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use super::mapping::{Encoding, Mapping, TimeFormat};
use super::{Conversation, Message, Outcome, time};

/// Impossible rows listed by line at most (all are counted).
const LISTED: usize = 20;

/// What reading a file found besides its rows.
#[derive(Clone, Debug, Default)]
pub struct ReadNotes {
    /// Data rows in the file.
    pub rows: u64,
    /// Rows handed on.
    pub kept: u64,
    /// Rows a `[[drop]]` rule left out, by rule.
    pub dropped: BTreeMap<String, u64>,
    /// Rows with impossible times: how many, and the first few `(line, why)`.
    pub impossible: u64,
    pub impossible_lines: Vec<(u64, String)>,
    /// `"UTF-8"` or `"GBK"`.
    pub encoding: &'static str,
}

impl ReadNotes {
    fn impossible(&mut self, line: u64, why: String) {
        self.impossible += 1;
        if self.impossible_lines.len() < LISTED {
            self.impossible_lines.push((line, why));
        }
    }
}

/// A `Read` that turns GBK bytes into UTF-8, failing on a byte sequence that is not GBK.
struct GbkReader<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    start: usize,
    end: usize,
    output: Vec<u8>,
    out_start: usize,
    out_end: usize,
    eof: bool,
}

impl<R: Read> GbkReader<R> {
    fn new(inner: R) -> Self {
        GbkReader {
            inner,
            decoder: encoding_rs::GBK.new_decoder_without_bom_handling(),
            input: vec![0; 64 * 1024],
            start: 0,
            end: 0,
            output: vec![0; 192 * 1024 + 16],
            out_start: 0,
            out_end: 0,
            eof: false,
        }
    }
}

impl<R: Read> Read for GbkReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.out_start == self.out_end {
            if self.start == self.end && !self.eof {
                self.start = 0;
                self.end = self.inner.read(&mut self.input)?;
                self.eof = self.end == 0;
            }
            if self.eof && self.start == self.end {
                let (result, _, written) =
                    self.decoder
                        .decode_to_utf8_without_replacement(&[], &mut self.output, true);
                if let encoding_rs::DecoderResult::Malformed(..) = result {
                    return Err(not_gbk());
                }
                if written == 0 {
                    return Ok(0);
                }
                self.out_start = 0;
                self.out_end = written;
                break;
            }
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.input[self.start..self.end],
                &mut self.output,
                false,
            );
            if let encoding_rs::DecoderResult::Malformed(..) = result {
                return Err(not_gbk());
            }
            self.start += read;
            self.out_start = 0;
            self.out_end = written;
        }
        let n = buf.len().min(self.out_end - self.out_start);
        buf[..n].copy_from_slice(&self.output[self.out_start..self.out_start + n]);
        self.out_start += n;
        Ok(n)
    }
}

fn not_gbk() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        "a byte sequence that is neither UTF-8 nor GBK text",
    )
}

/// Opens `path` as UTF-8 text (decoding GBK on the way when the file is GBK), with the
/// first line's text for sniffing the delimiter.
fn open(path: &Path, encoding: Encoding) -> Result<(Box<dyn Read>, String, &'static str), String> {
    let shown = path.display();
    let mut file = std::fs::File::open(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    let mut head = vec![0u8; 64 * 1024];
    let mut n = 0;
    while n < head.len() {
        let k = file
            .read(&mut head[n..])
            .map_err(|e| format!("{shown}: cannot read: {e}"))?;
        if k == 0 {
            break;
        }
        n += k;
    }
    head.truncate(n);
    let bom = head.starts_with(b"\xEF\xBB\xBF");
    let utf8 = match encoding {
        Encoding::Utf8 => true,
        Encoding::Gbk => false,
        Encoding::Auto => {
            bom || match std::str::from_utf8(&head) {
                Ok(_) => true,
                Err(e) => e.error_len().is_none() && n == 64 * 1024,
            }
        }
    };
    let skip = if bom { 3 } else { 0 };
    let first_line = |text: &str| text.lines().next().unwrap_or("").to_string();
    if utf8 {
        let text = String::from_utf8_lossy(&head[skip..]).into_owned();
        let reader = std::io::Cursor::new(head[skip..].to_vec()).chain(file);
        Ok((Box::new(reader), first_line(&text), "UTF-8"))
    } else {
        let (text, _, _) = encoding_rs::GBK.decode(&head);
        let line = first_line(&text);
        let reader = GbkReader::new(std::io::Cursor::new(head).chain(file));
        Ok((Box::new(reader), line, "GBK"))
    }
}

fn delimiter(mapping: &Mapping, first_line: &str) -> u8 {
    match mapping.delimiter.as_deref() {
        Some(",") => b',',
        Some(";") => b';',
        Some("\t") => b'\t',
        _ => {
            let count = |c: char| first_line.matches(c).count();
            let (comma, semi, tab) = (count(','), count(';'), count('\t'));
            if tab > comma && tab >= semi {
                b'\t'
            } else if semi > comma {
                b';'
            } else {
                b','
            }
        }
    }
}

/// Finds the export's column for `name` (a header or a 1-based number).
fn column(header: &csv::StringRecord, wanted: &str) -> Option<usize> {
    header
        .iter()
        .position(|h| h.trim() == wanted.trim())
        .or_else(|| {
            wanted
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|&k| k >= 1 && k <= header.len())
                .map(|k| k - 1)
        })
}

/// The columns found, by standard name.
struct Columns {
    index: BTreeMap<&'static str, usize>,
    drops: Vec<(usize, String)>,
}

fn resolve(
    header: &csv::StringRecord,
    mapping: &Mapping,
    names: &[&'static str],
    required: &[&'static str],
    shown: &str,
) -> Result<Columns, String> {
    let headers: Vec<&str> = header.iter().map(str::trim).collect();
    let mut index = BTreeMap::new();
    for &name in names {
        let wanted = mapping.header_for(name);
        match column(header, wanted) {
            Some(i) => {
                index.insert(name, i);
            }
            None if mapping.columns.contains_key(name) => {
                return Err(format!(
                    "{shown}: key `columns.{name}` names `{wanted}`, which is not a column of \
                     the file; its columns are: {}",
                    headers.join(", ")
                ));
            }
            None if required.contains(&name) => {
                return Err(format!(
                    "{shown}: line 1: no `{name}` column; map the export's column with \
                     `[columns] {name} = \"...\"` in a mapping file (--map); its columns are: {}",
                    headers.join(", ")
                ));
            }
            None => {}
        }
    }
    let mut drops = Vec::new();
    for (i, d) in mapping.drop.iter().enumerate() {
        let c = column(header, &d.column).ok_or_else(|| {
            format!(
                "{shown}: key `drop[{i}].column` names `{}`, which is not a column of the file; \
                 its columns are: {}",
                d.column,
                headers.join(", ")
            )
        })?;
        drops.push((c, d.column.clone()));
    }
    Ok(Columns { index, drops })
}

/// The rule (as a description) that drops `record`, if any.
fn dropped_by(record: &csv::StringRecord, mapping: &Mapping, cols: &Columns) -> Option<String> {
    for (d, (c, name)) in mapping.drop.iter().zip(&cols.drops) {
        let cell = record.get(*c).unwrap_or("").trim();
        if d.equals.iter().any(|e| e.trim() == cell) {
            return Some(format!("{name} = {cell}"));
        }
        if let Some(s) = &d.contains
            && cell.contains(s.as_str())
        {
            return Some(format!("{name} contains {s}"));
        }
        if d.empty && cell.is_empty() {
            return Some(format!("{name} empty"));
        }
    }
    None
}

/// Reads time cells the mapping's way.
struct Clock<'m> {
    mapping: &'m Mapping,
    offset_s: f64,
}

impl<'m> Clock<'m> {
    /// The mapping's times, shifted by its `utc_offset_h`.
    fn of(mapping: &'m Mapping) -> Clock<'m> {
        Clock {
            mapping,
            offset_s: mapping.utc_offset_h.unwrap_or(0.0) * 3600.0,
        }
    }

    /// A time cell; `date` the row's date (days) for time-of-day cells, `after` the time
    /// it may not precede by a day's roll (a night's 00:10 after 23:50).
    fn parse(
        &self,
        cell: &str,
        date: Option<i64>,
        after: Option<f64>,
    ) -> Result<Option<f64>, String> {
        let cell = cell.trim();
        if cell.is_empty() {
            return Ok(None);
        }
        match self.mapping.time_format {
            TimeFormat::EpochS | TimeFormat::EpochMs => {
                let v: f64 = cell
                    .parse()
                    .map_err(|_| format!("`{cell}` is not a number of seconds since 1970"))?;
                let s = if self.mapping.time_format == TimeFormat::EpochMs {
                    v / 1000.0
                } else {
                    v
                } + self.offset_s;
                if !(0.0..time::END_S).contains(&s) {
                    return Err(format!(
                        "`{cell}` is not a time between 1970 and 2200 (is `time_format` right?)"
                    ));
                }
                return Ok(Some(s));
            }
            _ => {}
        }
        let has_date = cell.contains(['-', '/', '年', 'T', ' ']) && !cell.starts_with('-');
        if has_date {
            return time::parse_datetime(cell).map(Some);
        }
        let Some(day) = date else {
            return Err(format!(
                "`{cell}` is a time of day without a date: map the date column (`columns.date`)"
            ));
        };
        let mut t = day as f64 * 86_400.0 + time::parse_clock(cell)?;
        // past midnight: a time more than half a day before the arrival is the next day's
        // (a few seconds before it is an impossible time, reported as such)
        if let Some(a) = after
            && t < a - 43_200.0
        {
            t += 86_400.0;
        }
        Ok(Some(t))
    }
}

fn cell<'r>(record: &'r csv::StringRecord, cols: &Columns, name: &str) -> &'r str {
    cols.index
        .get(name)
        .and_then(|&i| record.get(i))
        .unwrap_or("")
}

fn count(s: &str) -> Result<Option<u32>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse()
        .map(Some)
        .map_err(|_| format!("`{s}` is not a count"))
}

fn csv_reader<'r>(reader: Box<dyn Read + 'r>, delim: u8) -> csv::Reader<Box<dyn Read + 'r>> {
    csv::ReaderBuilder::new()
        .delimiter(delim)
        .has_headers(true)
        .flexible(false)
        .comment(Some(b'#'))
        .from_reader(reader)
}

fn csv_error(shown: &str, e: &csv::Error) -> String {
    let line = e
        .position()
        .map_or(String::new(), |p| format!(" line {}:", p.line()));
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => format!(
            "{shown}:{line} not UTF-8 text; save the file as UTF-8 or set `encoding = \"gbk\"` in \
             the mapping"
        ),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!(
            "{shown}:{line} a malformed row: {len} fields where the header has {expected_len}"
        ),
        csv::ErrorKind::Io(io) => format!("{shown}:{line} {io}"),
        _ => format!("{shown}:{line} {e}"),
    }
}

/// What became of a row handed to [`each_row`]'s taker.
enum Taken {
    Kept,
    /// Left out for impossible times, with why.
    Impossible(String),
}

/// Reads every record of `rdr`: counts it, applies the `[[drop]]` rules, reads its `date`
/// column, and hands it with its line and date to `take`. A record that cannot be read
/// stops the reading with its file and line.
fn each_row(
    rdr: &mut csv::Reader<Box<dyn Read + '_>>,
    shown: &str,
    mapping: &Mapping,
    cols: &Columns,
    notes: &mut ReadNotes,
    mut take: impl FnMut(&csv::StringRecord, u64, Option<i64>) -> Result<Taken, String>,
) -> Result<(), String> {
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) => return Err(csv_error(shown, &e)),
        }
        let line = record.position().map_or(0, |p| p.line());
        notes.rows += 1;
        if let Some(rule) = dropped_by(&record, mapping, cols) {
            *notes.dropped.entry(rule).or_default() += 1;
            continue;
        }
        let date = match cell(&record, cols, "date").trim() {
            "" => None,
            d => Some(
                time::parse_date(d)
                    .map_err(|e| format!("{shown}: line {line}: column `date`: {e}"))?,
            ),
        };
        match take(&record, line, date)? {
            Taken::Kept => notes.kept += 1,
            Taken::Impossible(why) => notes.impossible(line, why),
        }
    }
}

/// Reads a conversation log, handing each readable row with possible times to `each`.
pub fn conversations(
    path: &Path,
    mapping: &Mapping,
    each: impl FnMut(Conversation),
) -> Result<ReadNotes, String> {
    let shown = path.display().to_string();
    let (reader, first_line, encoding) = open(path, mapping.encoding)?;
    conversations_from(reader, &first_line, encoding, &shown, mapping, each)
}

/// [`conversations`] of UTF-8 text already in memory (`shown` names it in errors).
pub fn conversations_in(
    text: &str,
    shown: &str,
    mapping: &Mapping,
    each: impl FnMut(Conversation),
) -> Result<ReadNotes, String> {
    let first_line = text.lines().next().unwrap_or("").to_string();
    let reader: Box<dyn Read + '_> = Box::new(text.as_bytes());
    conversations_from(reader, &first_line, "UTF-8", shown, mapping, each)
}

fn conversations_from<'r>(
    reader: Box<dyn Read + 'r>,
    first_line: &str,
    encoding: &'static str,
    shown: &str,
    mapping: &Mapping,
    mut each: impl FnMut(Conversation),
) -> Result<ReadNotes, String> {
    let shown = shown.to_string();
    let mut rdr = csv_reader(reader, delimiter(mapping, first_line));
    let header = rdr.headers().map_err(|e| csv_error(&shown, &e))?.clone();
    let mut names: Vec<&'static str> = super::COLUMNS.to_vec();
    names.push("date");
    let cols = resolve(&header, mapping, &names, &["arrival"], &shown)?;
    let clock = Clock::of(mapping);
    let day_start = mapping.day_start_s()?;
    let mut notes = ReadNotes {
        encoding,
        ..ReadNotes::default()
    };
    each_row(
        &mut rdr,
        &shown,
        mapping,
        &cols,
        &mut notes,
        |record, line, date| {
            let at = |e: String| format!("{shown}: line {line}: {e}");
            let time_of = |name: &str, after: Option<f64>| {
                clock
                    .parse(cell(record, &cols, name), date, after)
                    .map_err(|e| at(format!("column `{}`: {e}", mapping.header_for(name))))
            };
            let arrival = time_of("arrival", None)?.ok_or_else(|| at("no arrival time".into()))?;
            let later = |name: &str| time_of(name, Some(arrival));
            let day = match cell(record, &cols, "day").trim() {
                "" => ((arrival - day_start) / 86_400.0).floor() as i64,
                d => time::parse_date(d).map_err(|e| at(format!("column `day`: {e}")))?,
            };
            let outcome_cell = cell(record, &cols, "outcome");
            let row = Conversation {
                id: match cell(record, &cols, "conversation").trim() {
                    "" => format!("line-{line}"),
                    s => s.to_string(),
                },
                customer: cell(record, &cols, "customer").trim().to_string(),
                day: Some(day),
                arrival,
                class: mapping
                    .class(cell(record, &cols, "class"))
                    .map_err(|e| at(format!("column `{}`: {e}", mapping.header_for("class"))))?,
                bot_start: later("bot_start")?,
                bot_end: later("bot_end")?,
                bot_outcome: mapping
                    .bot_outcome(cell(record, &cols, "bot_outcome"))
                    .map_err(at)?,
                queued: later("queued")?,
                assigned: later("assigned")?,
                first_reply: later("first_reply")?,
                left: later("left")?,
                end: later("end")?,
                outcome: if outcome_cell.trim().is_empty() {
                    Outcome::Other
                } else {
                    mapping.outcome(outcome_cell).map_err(at)?
                },
                agent: cell(record, &cols, "agent").trim().to_string(),
                group: cell(record, &cols, "group").trim().to_string(),
                customer_messages: count(cell(record, &cols, "customer_messages"))
                    .map_err(|e| at(format!("column `customer_messages`: {e}")))?,
                agent_messages: count(cell(record, &cols, "agent_messages"))
                    .map_err(|e| at(format!("column `agent_messages`: {e}")))?,
            };
            if let Some(why) = impossible(&row) {
                return Ok(Taken::Impossible(why));
            }
            each(row);
            Ok(Taken::Kept)
        },
    )?;
    Ok(notes)
}

/// Why a row's times cannot be, if they cannot (a millisecond's rounding allowed).
fn impossible(r: &Conversation) -> Option<String> {
    const EPS: f64 = 0.001;
    let order: [(&str, Option<f64>); 7] = [
        ("bot_start", r.bot_start),
        ("bot_end", r.bot_end),
        ("queued", r.queued),
        ("assigned", r.assigned),
        ("first_reply", r.first_reply),
        ("left", r.left),
        ("end", r.end),
    ];
    for (name, t) in order {
        if let Some(t) = t
            && t + EPS < r.arrival
        {
            return Some(format!("{name} before the arrival"));
        }
    }
    let pairs = [
        ("bot_end", r.bot_end, "bot_start", r.bot_start),
        ("assigned", r.assigned, "queued", r.queued),
        ("first_reply", r.first_reply, "queued", r.queued),
        ("end", r.end, "first_reply", r.first_reply),
        ("end", r.end, "left", r.left),
        ("end", r.end, "queued", r.queued),
    ];
    for (a, ta, b, tb) in pairs {
        if let (Some(x), Some(y)) = (ta, tb)
            && x + EPS < y
        {
            return Some(format!("{a} before {b}"));
        }
    }
    if r.end.is_some_and(|e| e - r.arrival > 7.0 * 86_400.0) {
        return Some("a conversation of more than a week".into());
    }
    None
}

/// Reads a message log, handing each row to `each`.
pub fn messages(
    path: &Path,
    mapping: &Mapping,
    mut each: impl FnMut(Message),
) -> Result<ReadNotes, String> {
    let shown = path.display().to_string();
    let (reader, first_line, encoding) = open(path, mapping.encoding)?;
    let mut rdr = csv_reader(reader, delimiter(mapping, &first_line));
    let header = rdr.headers().map_err(|e| csv_error(&shown, &e))?.clone();
    let names = [
        "conversation",
        "sender",
        "time",
        "messages",
        "account",
        "date",
    ];
    let cols = resolve(
        &header,
        mapping,
        &names,
        &["conversation", "sender", "time"],
        &shown,
    )?;
    let clock = Clock::of(mapping);
    let mut notes = ReadNotes {
        encoding,
        ..ReadNotes::default()
    };
    each_row(
        &mut rdr,
        &shown,
        mapping,
        &cols,
        &mut notes,
        |record, line, date| {
            let at = |e: String| format!("{shown}: line {line}: {e}");
            let t = clock
                .parse(cell(record, &cols, "time"), date, None)
                .map_err(|e| at(format!("column `{}`: {e}", mapping.header_for("time"))))?
                .ok_or_else(|| at("no time".into()))?;
            each(Message {
                conversation: cell(record, &cols, "conversation").trim().to_string(),
                sender: mapping.sender(cell(record, &cols, "sender")).map_err(at)?,
                time: t,
                messages: count(cell(record, &cols, "messages"))
                    .map_err(|e| at(format!("column `messages`: {e}")))?
                    .unwrap_or(1),
                account: cell(record, &cols, "account").trim().to_string(),
            });
            Ok(Taken::Kept)
        },
    )?;
    Ok(notes)
}
