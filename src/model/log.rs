//! `run --log`: the conversation log of one simulated day, written as a back office would
//! record it (docs/log-format.md). Only what a back office sees goes in: a customer who
//! goes quiet leaves no `left` time, and a reply sent after that still reads as served.
//!
//! The recorder is kept only when asked for; it holds one open row per customer record
//! present, keyed by the record's slot, and the finished rows as CSV text.

use std::collections::HashMap;

use super::customers::{CustRef, Customer};
use super::{Model, ReplicationResult, bot::Visit};
use crate::convlog::{self, BotOutcome, Conversation, Message, Outcome, Sender};
use crate::engine::SimTime;
use crate::routing::AgentId;

/// One simulated day's log, as CSV text without headers.
#[derive(Debug, Default)]
pub struct DayLog {
    pub conversations: String,
    pub messages: String,
}

/// Where replication `index` lies on the calendar: its day and its scenario time zero.
#[derive(Clone, Copy, Debug)]
pub struct LogDay {
    /// Days since 1970-01-01 of the day's date.
    pub day: i64,
    /// Seconds since 1970 of scenario time zero.
    pub origin_s: f64,
}

/// The calendar year a simulated day's clock is read in (a non-leap year, as scenario
/// clock times are).
const BASE_YEAR: i64 = 2025;

impl LogDay {
    /// Where replication `index` of `sc` lies on the calendar: replication 0 on the
    /// scenario's own dates of 2025, each next one [`LogDay::stride_days`] later (a day
    /// and its drain never overlap the next).
    pub fn of(sc: &crate::scenario::Scenario, index: u64) -> LogDay {
        let start = f64::from(sc.calendar.start().seconds_of_year());
        let jan1 = convlog::time::days_from_civil(BASE_YEAR, 1, 1);
        let start_day = jan1 + (start / 86_400.0).floor() as i64;
        let day = start_day + LogDay::stride_days(sc) * index as i64;
        let time_of_day = start.rem_euclid(86_400.0);
        LogDay {
            day,
            origin_s: day as f64 * 86_400.0 + time_of_day,
        }
    }

    /// Days between two simulated days: the scenario's span and a 12-hour drain, rounded
    /// up.
    pub fn stride_days(sc: &crate::scenario::Scenario) -> i64 {
        let span_h = sc.horizon.as_secs_f64() / 3600.0 + 12.0;
        (span_h / 24.0).ceil() as i64
    }

    /// `HH:MM` of the scenario's start: where each simulated day begins.
    pub fn day_start(sc: &crate::scenario::Scenario) -> String {
        let s = sc.calendar.start().seconds_of_year() % 86_400;
        format!("{:02}:{:02}", s / 3600, s / 60 % 60)
    }
}

pub(super) struct Recorder {
    at: LogDay,
    prefix: String,
    next_conversation: u64,
    next_customer: u64,
    open: HashMap<u32, (Conversation, u32)>,
    agent_names: Vec<(String, String)>,
    out: DayLog,
}

impl Recorder {
    pub fn new(sc: &crate::scenario::Scenario, index: u64, at: LogDay) -> Self {
        let agent_names = sc
            .groups
            .iter()
            .flat_map(|g| {
                (0..g.count).map(move |i| (format!("{}-{:03}", g.name, i + 1), g.name.clone()))
            })
            .collect();
        Recorder {
            at,
            prefix: format!("r{:03}-", index + 1),
            next_conversation: 0,
            next_customer: 0,
            open: HashMap::new(),
            agent_names,
            out: DayLog::default(),
        }
    }

    fn time(&self, t: SimTime) -> f64 {
        self.at.origin_s + t.as_secs_f64()
    }

    fn new_row(
        &mut self,
        customer: Option<String>,
        arrival: SimTime,
        cu: &Customer,
    ) -> Conversation {
        self.next_conversation += 1;
        let customer = customer.unwrap_or_else(|| {
            self.next_customer += 1;
            format!("{}c{:06}", self.prefix, self.next_customer)
        });
        Conversation {
            id: format!("{}{:06}", self.prefix, self.next_conversation),
            customer,
            day: Some(self.at.day),
            arrival: self.time(arrival),
            class: Some(cu.class),
            bot_start: None,
            bot_end: None,
            bot_outcome: None,
            queued: None,
            assigned: None,
            first_reply: None,
            left: None,
            end: None,
            outcome: Outcome::Other,
            agent: String::new(),
            group: String::new(),
            customer_messages: None,
            agent_messages: None,
        }
    }

    fn message(&mut self, c: CustRef, sender: Sender, t: SimTime, n: u64, agent: Option<AgentId>) {
        let time = self.time(t);
        let Some((row, _)) = self.open.get_mut(&c.slot()) else {
            return;
        };
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        let count = match sender {
            Sender::Customer => &mut row.customer_messages,
            Sender::Agent => &mut row.agent_messages,
        };
        *count = Some(count.unwrap_or(0) + n);
        self.out.messages.push_str(
            &Message {
                conversation: row.id.clone(),
                sender,
                time,
                messages: n,
                account: agent.map_or(String::new(), |a| self.agent_names[a as usize].0.clone()),
            }
            .csv_line(),
        );
    }

    pub fn finish(self) -> DayLog {
        self.out
    }
}

impl Model<'_> {
    /// The customer reaches the agents' queue (directly, from the bot, or on a retrial).
    pub(super) fn log_queued(&mut self, c: CustRef, now: SimTime) {
        let messages_model = self.messages_model();
        let Some(log) = self.log.as_mut() else {
            return;
        };
        let cu = self.customers.get(c);
        let slot = c.slot();
        if !log.open.contains_key(&slot) {
            let arrival = if cu.attempt == 1 {
                cu.first_arrived
            } else {
                now
            };
            let mut row = log.new_row(None, arrival, cu);
            if now > arrival {
                row.bot_start = Some(log.time(arrival));
                row.bot_end = Some(log.time(now));
                row.bot_outcome = Some(BotOutcome::Escalated);
            }
            log.open.insert(slot, (row, 0));
        }
        let t = log.time(now);
        if let Some((row, retrial)) = log.open.get_mut(&slot)
            && row.queued.is_none()
        {
            if *retrial == 1 {
                row.arrival = t;
            }
            row.queued = Some(t);
        }
        if messages_model {
            // the opening turn goes with the chat
            log.message(
                c,
                Sender::Customer,
                now,
                super::messages::turn_messages(cu, 1),
                None,
            );
        }
    }

    /// A retrial's record `next` continues customer `c`'s row's customer.
    pub(super) fn log_retrial(&mut self, c: CustRef, next: CustRef) {
        let Some(log) = self.log.as_mut() else {
            return;
        };
        let Some((row, _)) = log.open.get(&c.slot()) else {
            return;
        };
        let customer = row.customer.clone();
        let cu = self.customers.get(next);
        let row = log.new_row(Some(customer), SimTime::ZERO, cu);
        // the arrival is set when the retrial reaches the queue
        log.open.insert(next.slot(), (row, 1));
    }

    /// An agent gets the chat. In `sessions` that is the first reply, also to a customer
    /// who already left silently: the agent answers a chat nobody reads, and the log shows
    /// a served customer.
    pub(super) fn log_assigned(&mut self, c: CustRef, a: AgentId, now: SimTime) {
        let sessions = !self.messages_model();
        let Some(log) = self.log.as_mut() else {
            return;
        };
        let t = log.time(now);
        let (agent, group) = log.agent_names[a as usize].clone();
        if let Some((row, _)) = log.open.get_mut(&c.slot())
            && row.assigned.is_none()
        {
            row.assigned = Some(t);
            if sessions {
                row.first_reply = Some(t);
            }
            row.agent = agent;
            row.group = group;
        }
    }

    /// The first human reply reached the customer.
    pub(super) fn log_first_reply(&mut self, c: CustRef, now: SimTime) {
        let Some(log) = self.log.as_mut() else {
            return;
        };
        let t = log.time(now);
        let a = self.customers.get(c).agent;
        let (agent, group) = log.agent_names[a as usize].clone();
        if let Some((row, _)) = log.open.get_mut(&c.slot())
            && row.first_reply.is_none()
        {
            row.first_reply = Some(t);
            row.agent = agent;
            row.group = group;
        }
    }

    /// The customer closed the chat (a silent leaver leaves no trace).
    pub(super) fn log_left(&mut self, c: CustRef, now: SimTime) {
        let Some(log) = self.log.as_mut() else {
            return;
        };
        if self.customers.get(c).silent {
            return;
        }
        let t = log.time(now);
        if let Some((row, _)) = log.open.get_mut(&c.slot())
            && row.left.is_none()
        {
            row.left = Some(t);
        }
    }

    /// A message turn: `n` messages from `sender`.
    pub(super) fn log_message(&mut self, c: CustRef, sender: Sender, now: SimTime, n: u64) {
        if self.log.is_none() {
            return;
        }
        // an agent turn names its sender: after a hand-over it is not the row's agent
        let agent = (sender == Sender::Agent).then(|| self.customers.get(c).agent);
        if let Some(log) = self.log.as_mut() {
            log.message(c, sender, now, n, agent);
        }
    }

    /// The customer's record goes: its row is written.
    pub(super) fn log_end(&mut self, c: CustRef, now: SimTime) {
        let messages_model = self.messages_model();
        let Some(log) = self.log.as_mut() else {
            return;
        };
        let Some((mut row, retrial)) = log.open.remove(&c.slot()) else {
            return;
        };
        if retrial == 1 && row.queued.is_none() {
            return; // a retrial that never came back
        }
        row.end = Some(log.time(now));
        row.outcome = match (row.first_reply, row.left) {
            (Some(r), Some(l)) if l < r => Outcome::Abandoned,
            (Some(_), _) => Outcome::Served,
            (None, Some(_)) => Outcome::Abandoned,
            (None, None) => Outcome::Other,
        };
        if messages_model {
            row.customer_messages.get_or_insert(0);
            row.agent_messages.get_or_insert(0);
        }
        log.out.conversations.push_str(&row.csv_line());
    }

    /// A bot session ends without a human: the row is written whole.
    pub(super) fn log_bot_only(&mut self, visit: &Visit, outcome: BotOutcome, now: SimTime) {
        let Some(log) = self.log.as_mut() else {
            return;
        };
        let cu = visit.customer();
        let mut row = log.new_row(None, visit.arrived, &cu);
        row.bot_start = Some(log.time(visit.arrived));
        row.bot_end = Some(log.time(now));
        row.bot_outcome = Some(outcome);
        row.end = row.bot_end;
        row.outcome = match outcome {
            BotOutcome::Resolved => Outcome::BotResolved,
            _ => Outcome::Other,
        };
        log.out.conversations.push_str(&row.csv_line());
    }

    fn messages_model(&self) -> bool {
        matches!(
            self.sc.conversation,
            crate::conversation::Conversation::Messages(_)
        )
    }
}

/// Runs replication `index` of `scenario` with a recorder, placing it on the calendar at
/// `at`; the result and the day's log.
pub fn run_logged(
    scenario: &crate::scenario::Scenario,
    seed: u64,
    index: u64,
    at: LogDay,
) -> Result<(ReplicationResult, DayLog), super::Exhausted> {
    let router = scenario.routing.policy.build(scenario.agents());
    let memory = crate::scenario::budget::replication_memory();
    let mut log = None;
    let result = super::run::run_within_with(
        scenario,
        seed,
        index,
        router,
        memory,
        |m| {
            m.log = Some(Box::new(Recorder::new(scenario, index, at)));
        },
        |m| {
            log = m.log.take().map(|r| r.finish());
        },
    )?;
    Ok((result, log.unwrap_or_default()))
}

/// The message log's columns and the conversation log's, as header lines.
pub fn headers() -> (String, String) {
    (
        format!("{}\n", convlog::COLUMNS.join(",")),
        format!("{}\n", convlog::MESSAGE_COLUMNS.join(",")),
    )
}
