//! The trade's KPIs (docs/outputs.md "KPIs"), computed per replication, and scenario targets on them.

use std::fmt;

use serde::Serialize;

use crate::model::ReplicationResult;

mod definitions;
mod group;
mod labels;
mod window;
mod zh;

pub use group::GroupKpi;
pub use window::WindowCounts;

/// A KPI. Names carry their unit (`_s` seconds, `_share` and `_rate` fractions in [0, 1]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kpi {
    /// 平响: mean per-reply response time (customer message to reply delivered), seconds.
    AvgResponseS,
    /// 90th percentile of per-reply response time, seconds.
    ReplyResponseP90S,
    /// 首响: mean time from the chat reaching a human (arrival, or 转人工) to the first human
    /// reply delivered (`sessions`: to service start), over customers with one, seconds.
    FirstResponseMeanS,
    /// 90th percentile first response, seconds.
    FirstResponseP90S,
    /// Mean time from the customer's arrival (bot time included) to the first human reply:
    /// the customer's experience, not the platform's 首响, seconds.
    FirstResponseFromArrivalMeanS,
    /// Customers whose first human reply came within 30 s of reaching a human / customers
    /// received by a human (never replied counts as a miss).
    FirstReply30sShare,
    /// The same within 3 min (Taobao's 3-minute rule), per customer.
    FirstReply3minShare,
    /// The 3-minute rule per round: scored customer messages answered within 3 min /
    /// scored customer messages of customers received by a human.
    Rounds3minShare,
    /// 回复率: customers received by a human who got a human reply at any time (even after
    /// they stopped reading) / customers received by a human. Bot-only customers are out.
    ReplyRate,
    /// Customers received by a human whose first human reply came while they were still
    /// there / customers received by a human.
    AnsweredWhilePresentRate,
    /// Customers who left before their first reply (human, a 您好 included, or bot; the bot's leavers
    /// and busy-blocked arrivals included) / customers arrived.
    AbandonmentRate,
    /// Arrivals turned away by a full waiting line with a busy reply / customers received.
    BlockedRate,
    /// Customers who left mid-conversation / customers received.
    MidConversationLeaveRate,
    /// 留言率: arrivals when no agent with their skill was on duty / all arrivals.
    MessageRate,
    /// 留言 (nobody on duty, or a full line) in all.
    MessagesLeft,
    /// Mean time from a 留言's arrival to its human reply, seconds.
    MessageResponseMeanS,
    /// 答问比: agent messages / customer messages.
    AnswerQuestionRatio,
    /// Attempts that had to wait for an agent / all attempts (Erlang P(W > 0)).
    PWait,
    /// Mean queue wait over all attempts, abandoners' time to abandon included (ASA), s.
    MeanWaitAllS,
    /// Mean queue wait of served attempts, seconds.
    MeanWaitServedS,
    /// Mean time to abandon of abandoning attempts, seconds.
    MeanWaitAbandonedS,
    /// Served attempts with wait <= the scenario's threshold / served attempts.
    ServiceLevelServed,
    /// Attempts (any fate) with wait <= threshold / all attempts.
    ServiceLevelAllWait,
    /// Served attempts with wait <= threshold / all attempts (abandoners always miss).
    ServiceLevelAnswered,
    /// Share of on-duty agent time spent working (composing a reply / holding a session).
    AgentUtilisation,
    /// Time-average open chats per on-duty agent.
    MeanConcurrency,
    /// Time-average open chats / chat slots staffed (past a shift, only those chats hold).
    SlotOccupancy,
    /// Share of on-duty agent time resting on a break ([`crate::breaks`]).
    BreakShare,
    /// Time-average customers waiting for an agent.
    MeanQueue,
    /// Time-average customers in the system.
    MeanInSystem,
    /// Mean conversation duration (agent assignment to end), seconds.
    ConversationDurationMeanS,
    /// Customers who arrived after the warm-up.
    Arrived,
    /// Customers served.
    Served,
    /// Customers who abandoned for good.
    Abandoned,
    /// Expected buyers / all pre-sale customers (bot-resolved and leavers included).
    Conversion,
    /// 询单转化率: expected buyers / pre-sale customers who reached a human (询单).
    InquiryConversion,
    /// Expected buyers among pre-sale customers.
    Buyers,
    /// CS-assisted GMV = buyers x average order value.
    CsGmv,
    /// GMV lost against instant service.
    GmvLost,
    /// In-sale orders paid (expected) / in-sale customers (`[conversion.in_sale]`).
    InSalePayRate,
    /// In-sale GMV lost against instant service.
    InSaleGmvLost,
    /// 满意度 (predicted): expected satisfied ratings / customers who got a human reply.
    Satisfaction,
    /// 催付: reminders sent for unpaid orders ([`crate::reminders`]).
    RemindersSent,
    /// 催付: expected orders paid after a reminder.
    ReminderOrdersPaid,
    /// 催付: their GMV (already inside CS-assisted GMV and the conversion).
    ReminderGmv,
    /// 催付: agent hours spent sending reminders.
    ReminderAgentHours,
    /// Customers the bot resolved / customers received.
    DeflectionRate,
    /// Customers the bot passed to a human (转人工).
    Escalations,
    /// Time-average bot sessions / bot capacity (finite capacity only).
    BotUtilisation,
    /// Agent disconnects (network).
    Disconnects,
}

impl Kpi {
    /// Every KPI, in report order.
    pub const ALL: [Kpi; 50] = [
        Kpi::AvgResponseS,
        Kpi::ReplyResponseP90S,
        Kpi::FirstResponseMeanS,
        Kpi::FirstResponseP90S,
        Kpi::FirstResponseFromArrivalMeanS,
        Kpi::FirstReply30sShare,
        Kpi::FirstReply3minShare,
        Kpi::Rounds3minShare,
        Kpi::ReplyRate,
        Kpi::AnsweredWhilePresentRate,
        Kpi::AbandonmentRate,
        Kpi::BlockedRate,
        Kpi::MidConversationLeaveRate,
        Kpi::MessageRate,
        Kpi::MessagesLeft,
        Kpi::MessageResponseMeanS,
        Kpi::AnswerQuestionRatio,
        Kpi::PWait,
        Kpi::MeanWaitAllS,
        Kpi::MeanWaitServedS,
        Kpi::MeanWaitAbandonedS,
        Kpi::ServiceLevelServed,
        Kpi::ServiceLevelAllWait,
        Kpi::ServiceLevelAnswered,
        Kpi::AgentUtilisation,
        Kpi::MeanConcurrency,
        Kpi::SlotOccupancy,
        Kpi::BreakShare,
        Kpi::MeanQueue,
        Kpi::MeanInSystem,
        Kpi::ConversationDurationMeanS,
        Kpi::Arrived,
        Kpi::Served,
        Kpi::Abandoned,
        Kpi::Conversion,
        Kpi::InquiryConversion,
        Kpi::Buyers,
        Kpi::CsGmv,
        Kpi::GmvLost,
        Kpi::InSalePayRate,
        Kpi::InSaleGmvLost,
        Kpi::Satisfaction,
        Kpi::RemindersSent,
        Kpi::ReminderOrdersPaid,
        Kpi::ReminderGmv,
        Kpi::ReminderAgentHours,
        Kpi::DeflectionRate,
        Kpi::Escalations,
        Kpi::BotUtilisation,
        Kpi::Disconnects,
    ];

    /// The key used in scenarios, targets and outputs.
    pub fn name(self) -> &'static str {
        match self {
            Kpi::AvgResponseS => "avg_response_s",
            Kpi::ReplyResponseP90S => "reply_response_p90_s",
            Kpi::FirstResponseMeanS => "first_response_mean_s",
            Kpi::FirstResponseP90S => "first_response_p90_s",
            Kpi::FirstResponseFromArrivalMeanS => "first_response_from_arrival_mean_s",
            Kpi::FirstReply30sShare => "first_reply_30s_share",
            Kpi::FirstReply3minShare => "first_reply_3min_share",
            Kpi::Rounds3minShare => "rounds_3min_share",
            Kpi::ReplyRate => "reply_rate",
            Kpi::AnsweredWhilePresentRate => "answered_while_present_rate",
            Kpi::AbandonmentRate => "abandonment_rate",
            Kpi::BlockedRate => "blocked_rate",
            Kpi::MidConversationLeaveRate => "mid_conversation_leave_rate",
            Kpi::MessageRate => "message_rate",
            Kpi::MessagesLeft => "messages_left",
            Kpi::MessageResponseMeanS => "message_response_mean_s",
            Kpi::AnswerQuestionRatio => "answer_question_ratio",
            Kpi::PWait => "p_wait",
            Kpi::MeanWaitAllS => "mean_wait_all_s",
            Kpi::MeanWaitServedS => "mean_wait_served_s",
            Kpi::MeanWaitAbandonedS => "mean_wait_abandoned_s",
            Kpi::ServiceLevelServed => "service_level_served",
            Kpi::ServiceLevelAllWait => "service_level_all_wait",
            Kpi::ServiceLevelAnswered => "service_level_answered",
            Kpi::AgentUtilisation => "agent_utilisation",
            Kpi::MeanConcurrency => "mean_concurrency",
            Kpi::SlotOccupancy => "slot_occupancy",
            Kpi::BreakShare => "break_share",
            Kpi::MeanQueue => "mean_queue",
            Kpi::MeanInSystem => "mean_in_system",
            Kpi::ConversationDurationMeanS => "conversation_duration_mean_s",
            Kpi::Arrived => "arrived",
            Kpi::Served => "served",
            Kpi::Abandoned => "abandoned",
            Kpi::Conversion => "conversion",
            Kpi::InquiryConversion => "inquiry_conversion",
            Kpi::Buyers => "buyers",
            Kpi::CsGmv => "cs_gmv",
            Kpi::GmvLost => "gmv_lost",
            Kpi::InSalePayRate => "in_sale_pay_rate",
            Kpi::InSaleGmvLost => "in_sale_gmv_lost",
            Kpi::Satisfaction => "satisfaction",
            Kpi::RemindersSent => "reminders_sent",
            Kpi::ReminderOrdersPaid => "reminder_orders_paid",
            Kpi::ReminderGmv => "reminder_gmv",
            Kpi::ReminderAgentHours => "reminder_agent_hours",
            Kpi::DeflectionRate => "deflection_rate",
            Kpi::Escalations => "escalations",
            Kpi::BotUtilisation => "bot_utilisation",
            Kpi::Disconnects => "disconnects",
        }
    }

    /// Which way is better for a store: `Some(true)` higher, `Some(false)` lower, `None`
    /// neither (utilisation, counts of events).
    pub fn higher_is_better(self) -> Option<bool> {
        match self {
            Kpi::FirstReply30sShare
            | Kpi::FirstReply3minShare
            | Kpi::Rounds3minShare
            | Kpi::ReplyRate
            | Kpi::AnsweredWhilePresentRate
            | Kpi::ServiceLevelServed
            | Kpi::ServiceLevelAllWait
            | Kpi::ServiceLevelAnswered
            | Kpi::Conversion
            | Kpi::InquiryConversion
            | Kpi::InSalePayRate
            | Kpi::Satisfaction
            | Kpi::ReminderOrdersPaid
            | Kpi::ReminderGmv
            | Kpi::Buyers
            | Kpi::CsGmv
            | Kpi::DeflectionRate
            | Kpi::AnswerQuestionRatio => Some(true),
            Kpi::AvgResponseS
            | Kpi::ReplyResponseP90S
            | Kpi::FirstResponseMeanS
            | Kpi::FirstResponseP90S
            | Kpi::FirstResponseFromArrivalMeanS
            | Kpi::AbandonmentRate
            | Kpi::BlockedRate
            | Kpi::MidConversationLeaveRate
            | Kpi::MessageRate
            | Kpi::MessageResponseMeanS
            | Kpi::PWait
            | Kpi::MeanWaitAllS
            | Kpi::MeanWaitServedS
            | Kpi::MeanWaitAbandonedS
            | Kpi::MeanQueue
            | Kpi::GmvLost
            | Kpi::InSaleGmvLost
            | Kpi::Abandoned => Some(false),
            _ => None,
        }
    }

    /// True for money, printed in currency.
    pub fn is_money(self) -> bool {
        matches!(
            self,
            Kpi::CsGmv | Kpi::GmvLost | Kpi::InSaleGmvLost | Kpi::ReminderGmv
        )
    }

    /// True for shares and rates, printed as percentages.
    pub fn is_share(self) -> bool {
        matches!(
            self,
            Kpi::FirstReply30sShare
                | Kpi::FirstReply3minShare
                | Kpi::Rounds3minShare
                | Kpi::ReplyRate
                | Kpi::AnsweredWhilePresentRate
                | Kpi::AbandonmentRate
                | Kpi::BlockedRate
                | Kpi::MidConversationLeaveRate
                | Kpi::MessageRate
                | Kpi::AnswerQuestionRatio
                | Kpi::PWait
                | Kpi::ServiceLevelServed
                | Kpi::ServiceLevelAllWait
                | Kpi::ServiceLevelAnswered
                | Kpi::AgentUtilisation
                | Kpi::SlotOccupancy
                | Kpi::BreakShare
                | Kpi::Conversion
                | Kpi::InquiryConversion
                | Kpi::InSalePayRate
                | Kpi::Satisfaction
                | Kpi::DeflectionRate
                | Kpi::BotUtilisation
        )
    }

    /// True for shares that cannot exceed 100% (答问比, a ratio printed as a percentage,
    /// can: a good store sends more messages than it receives).
    pub fn at_most_one(self) -> bool {
        self.is_share() && self != Kpi::AnswerQuestionRatio
    }

    /// Parses a KPI key.
    pub fn parse(s: &str) -> Option<Kpi> {
        Kpi::ALL.into_iter().find(|k| k.name() == s)
    }

    /// This KPI's value in one replication; `None` when undefined (nothing to average, or
    /// a per-reply KPI in the `sessions` model).
    pub fn value(self, r: &ReplicationResult) -> Option<f64> {
        let c = &r.counters;
        let ratio = |a: f64, b: u64| (b > 0).then(|| a / b as f64);
        let seconds = |h: &hdrhistogram::Histogram<u64>, q: f64| {
            (!h.is_empty()).then(|| h.value_at_quantile(q) as f64 / 1e3)
        };
        // per agent available: on duty and not resting on a break
        let available_s = r.areas.on_duty_s - r.areas.on_break_s;
        let per_agent = |area: f64| (available_s > 0.0).then(|| area / available_s);
        let window = |area: f64| (r.areas.window_s > 0.0).then(|| area / r.areas.window_s);
        // the customers the first-response KPIs score ([scoring] hours, the 留言 rule)
        let reminders = c.reminders_sent + c.reminders_expired > 0;
        let scored = c.received - c.first_response_left_out;
        let scored_replies = c.first_replies - c.first_replies_left_out;
        match self {
            Kpi::AvgResponseS => ratio(c.reply_response_sum_s, c.replies),
            Kpi::ReplyResponseP90S => seconds(&r.histograms.reply_response_ms, 0.9),
            Kpi::FirstResponseMeanS => ratio(c.first_response_sum_s, scored_replies),
            Kpi::FirstResponseP90S => seconds(&r.histograms.first_response_ms, 0.9),
            Kpi::FirstResponseFromArrivalMeanS => {
                ratio(c.first_response_from_arrival_sum_s, scored_replies)
            }
            Kpi::FirstReply30sShare => ratio(c.first_reply_30s as f64, scored),
            Kpi::FirstReply3minShare => ratio(c.first_reply_180s as f64, scored),
            Kpi::Rounds3minShare => {
                ratio(c.rounds_within_180s as f64, c.replies + c.rounds_unanswered)
            }
            Kpi::ReplyRate => ratio(c.first_replies as f64, c.received),
            Kpi::AnsweredWhilePresentRate => ratio(c.served as f64, c.received),
            Kpi::AbandonmentRate => ratio(c.abandoned as f64, c.arrived),
            Kpi::BlockedRate => ratio(c.blocked as f64, c.received),
            Kpi::MidConversationLeaveRate => ratio(c.left_mid_conversation as f64, c.arrived),
            Kpi::MessageRate => ratio(c.outside_hours as f64, c.arrived),
            Kpi::MessagesLeft => Some(c.messages_left as f64),
            Kpi::MessageResponseMeanS => ratio(c.message_response_sum_s, c.messages_answered),
            Kpi::AnswerQuestionRatio => ratio(c.agent_messages as f64, c.customer_messages),
            Kpi::PWait => ratio(c.waited as f64, c.attempts),
            Kpi::MeanWaitAllS => ratio(c.wait_served_sum_s + c.wait_abandoned_sum_s, c.attempts),
            Kpi::MeanWaitServedS => ratio(c.wait_served_sum_s, served_attempts(c)),
            Kpi::MeanWaitAbandonedS => ratio(c.wait_abandoned_sum_s, abandoned_attempts(c)),
            Kpi::ServiceLevelServed => ratio(c.served_within_sl as f64, served_attempts(c)),
            Kpi::ServiceLevelAllWait => ratio(
                (c.served_within_sl + c.abandoned_within_sl) as f64,
                c.attempts,
            ),
            Kpi::ServiceLevelAnswered => ratio(c.served_within_sl as f64, c.attempts),
            Kpi::AgentUtilisation => per_agent(r.areas.working_s),
            Kpi::MeanConcurrency => per_agent(r.areas.chats_s),
            Kpi::SlotOccupancy => {
                (r.areas.capacity_s > 0.0).then(|| r.areas.chats_s / r.areas.capacity_s)
            }
            Kpi::BreakShare => {
                (r.areas.on_duty_s > 0.0).then(|| r.areas.on_break_s / r.areas.on_duty_s)
            }
            Kpi::MeanQueue => window(r.areas.waiting_s),
            Kpi::MeanInSystem => window(r.areas.in_system_s),
            Kpi::ConversationDurationMeanS => ratio(c.duration_sum_s, c.conversations_ended),
            Kpi::Arrived => Some(c.arrived as f64),
            Kpi::Served => Some(c.served as f64),
            Kpi::Abandoned => Some(c.abandoned as f64),
            Kpi::Conversion => ratio(c.expected_buyers, c.pre_sale_customers),
            Kpi::InquiryConversion => ratio(c.inquiry_buyers, c.inquiry_customers),
            Kpi::Buyers => (c.pre_sale_customers > 0).then_some(c.expected_buyers),
            Kpi::CsGmv => (c.pre_sale_customers > 0).then_some(c.cs_gmv),
            Kpi::GmvLost => (c.pre_sale_customers > 0).then_some(c.gmv_lost),
            Kpi::InSalePayRate => ratio(c.in_sale_paid, c.in_sale_customers),
            Kpi::InSaleGmvLost => (c.in_sale_customers > 0).then_some(c.in_sale_gmv_lost),
            Kpi::Satisfaction => ratio(c.satisfied, c.rated),
            Kpi::RemindersSent => reminders.then_some(c.reminders_sent as f64),
            Kpi::ReminderOrdersPaid => reminders.then_some(c.reminder_orders_paid),
            Kpi::ReminderGmv => reminders.then_some(c.reminder_gmv),
            Kpi::ReminderAgentHours => reminders.then_some(c.reminder_agent_s / 3600.0),
            Kpi::DeflectionRate => {
                (c.bot_touched > 0).then(|| c.deflected as f64 / c.arrived as f64)
            }
            Kpi::Escalations => (c.bot_touched > 0).then_some(c.escalations as f64),
            Kpi::BotUtilisation => (r.areas.bot_capacity_s > 0.0)
                .then(|| r.areas.bot_sessions_s / r.areas.bot_capacity_s),
            Kpi::Disconnects => (c.disconnects > 0).then_some(c.disconnects as f64),
        }
    }
}

impl Kpi {
    /// KPIs that can be judged on one interval's arrival cohort.
    pub const PER_INTERVAL: [Kpi; 8] = [
        Kpi::AvgResponseS,
        Kpi::FirstResponseP90S,
        Kpi::FirstReply30sShare,
        Kpi::FirstReply3minShare,
        Kpi::ReplyRate,
        Kpi::AbandonmentRate,
        Kpi::Conversion,
        Kpi::Satisfaction,
    ];

    /// This KPI for the customers who arrived in one interval (`row`) of a replication:
    /// `None` when the KPI is not judged per interval ([`Kpi::PER_INTERVAL`]) or the cohort
    /// had nobody to average over. A cohort with arrivals of whom nobody got a reply has an
    /// infinite response time (it fails any `<=` target), so an unstaffed hour whose
    /// customers all give up does not pass a 平响 target.
    pub fn interval_value(self, row: &crate::model::IntervalRow) -> Option<f64> {
        let n = &row.counts;
        let ratio = |a: f64, b: u64| (b > 0).then(|| a / b as f64);
        let nobody_replied = n.received > 0 && n.replied == 0;
        let scored = n.received - n.first_response_left_out;
        match self {
            Kpi::AvgResponseS => {
                ratio(n.reply_response_sum_s, n.replies).or(nobody_replied.then_some(f64::INFINITY))
            }
            Kpi::FirstResponseP90S => row
                .first_response_p90_s
                .or(nobody_replied.then_some(f64::INFINITY)),
            Kpi::FirstReply30sShare => ratio(n.first_reply_30s as f64, scored),
            Kpi::FirstReply3minShare => ratio(n.first_reply_180s as f64, scored),
            Kpi::ReplyRate => ratio(n.replied as f64, n.received),
            Kpi::AbandonmentRate => ratio(n.abandoned as f64, n.arrived),
            Kpi::Conversion => ratio(n.expected_buyers, n.pre_sale),
            Kpi::Satisfaction => ratio(n.satisfied, n.rated),
            _ => None,
        }
    }
}

/// Attempts at the agents that ended in abandonment (final abandonments plus those followed
/// by a retrial; not the bot's leavers, not busy-blocked arrivals).
fn abandoned_attempts(c: &crate::metrics::Counters) -> u64 {
    c.abandoned + c.retrials - c.abandoned_at_bot - c.blocked
}

/// Attempts admitted to the line that got an agent while the customer was there.
fn served_attempts(c: &crate::metrics::Counters) -> u64 {
    c.attempts - abandoned_attempts(c) - c.blocked
}

impl fmt::Display for Kpi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A KPI computed for one inquiry class (by the class of the customer's question).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassKpi {
    /// Customers of the class received by a human who got a human reply / received.
    ReplyRate,
    /// Customers of the class who left for good without a reply / received.
    AbandonmentRate,
    /// Mean first response (from reaching a human) of the class's replied customers, s.
    FirstResponseMeanS,
    /// Mean queue wait over the class's attempts (abandoners with their time to abandon), s.
    MeanWaitAllS,
}

impl ClassKpi {
    /// Every per-class KPI.
    pub const ALL: [ClassKpi; 4] = [
        ClassKpi::ReplyRate,
        ClassKpi::AbandonmentRate,
        ClassKpi::FirstResponseMeanS,
        ClassKpi::MeanWaitAllS,
    ];

    /// The key used in outputs.
    pub fn name(self) -> &'static str {
        match self {
            ClassKpi::ReplyRate => "reply_rate",
            ClassKpi::AbandonmentRate => "abandonment_rate",
            ClassKpi::FirstResponseMeanS => "first_response_mean_s",
            ClassKpi::MeanWaitAllS => "mean_wait_all_s",
        }
    }

    /// The value for `class` in one replication; `None` when the class had nobody.
    pub fn value(self, class: crate::class::Class, r: &ReplicationResult) -> Option<f64> {
        let c = &r.counters.by_class[class.index()];
        let ratio = |a: f64, b: u64| (b > 0).then(|| a / b as f64);
        match self {
            ClassKpi::ReplyRate => ratio(c.replied as f64, c.received),
            ClassKpi::AbandonmentRate => ratio(c.abandoned as f64, c.arrived),
            ClassKpi::FirstResponseMeanS => {
                ratio(c.first_response_sum_s, c.replied - c.first_replies_left_out)
            }
            ClassKpi::MeanWaitAllS => ratio(c.wait_sum_s, c.attempts),
        }
    }
}

/// `<=` or `>=`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Comparison {
    /// The KPI must not exceed the value.
    #[serde(rename = "<=")]
    AtMost,
    /// The KPI must reach the value.
    #[serde(rename = ">=")]
    AtLeast,
}

/// Whether a missed target fails `run --fail-on-targets` (see docs/outputs.md).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Gate {
    /// Gating unless the model shows that no staffing reaches it.
    #[default]
    Auto,
    /// Always gating (`... gating`).
    Gating,
    /// Reported, never gating (`... informative`).
    Informative,
}

/// A KPI target such as `avg_response_s <= 30`, optionally followed by `gating` or
/// `informative`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Target {
    /// The KPI.
    pub kpi: Kpi,
    /// The direction.
    pub op: Comparison,
    /// The threshold, in the KPI's unit.
    pub value: f64,
    /// Whether missing it fails the gate.
    pub gate: Gate,
}

impl Target {
    /// Parses `KPI <= VALUE` or `KPI >= VALUE`, optionally followed by `gating` or
    /// `informative`; the error says which rule is broken.
    pub fn parse(s: &str) -> Result<Target, String> {
        let (name, op, rest) = if let Some((a, b)) = s.split_once("<=") {
            (a, Comparison::AtMost, b)
        } else if let Some((a, b)) = s.split_once(">=") {
            (a, Comparison::AtLeast, b)
        } else {
            return Err(format!(
                "target `{s}` must read `KPI <= VALUE` or `KPI >= VALUE`"
            ));
        };
        let name = name.trim();
        let (rest, gate) = match rest.trim().rsplit_once(char::is_whitespace) {
            Some((v, "gating")) => (v, Gate::Gating),
            Some((v, "informative")) => (v, Gate::Informative),
            _ => (rest, Gate::Auto),
        };
        let kpi = Kpi::parse(name).ok_or_else(|| {
            let names: Vec<&str> = Kpi::ALL.iter().map(|k| k.name()).collect();
            format!(
                "unknown KPI `{name}` in target; known: {}",
                names.join(", ")
            )
        })?;
        let value: f64 = rest.trim().parse().map_err(|_| {
            format!(
                "target `{s}`: `{}` is not a number (a target may end with `gating` or \
                     `informative`, nothing else)",
                rest.trim()
            )
        })?;
        if !value.is_finite() {
            return Err(format!("target `{s}`: the value must be finite"));
        }
        Ok(Target {
            kpi,
            op,
            value,
            gate,
        })
    }

    /// True when `x` meets the target.
    pub fn met_by(&self, x: f64) -> bool {
        match self.op {
            Comparison::AtMost => x <= self.value,
            Comparison::AtLeast => x >= self.value,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            Comparison::AtMost => "<=",
            Comparison::AtLeast => ">=",
        };
        write!(f, "{} {op} {}", self.kpi, self.value)?;
        match self.gate {
            Gate::Auto => Ok(()),
            Gate::Gating => write!(f, " gating"),
            Gate::Informative => write!(f, " informative"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_and_judge() {
        let t = Target::parse("avg_response_s <= 30").unwrap();
        assert_eq!(
            (t.kpi, t.op, t.value),
            (Kpi::AvgResponseS, Comparison::AtMost, 30.0)
        );
        assert!(t.met_by(30.0) && !t.met_by(30.1));
        let t = Target::parse("reply_rate>=0.99").unwrap();
        assert!(t.met_by(0.995) && !t.met_by(0.98));
        assert!(
            Target::parse("speed < 3")
                .unwrap_err()
                .contains("KPI <= VALUE")
        );
        assert!(
            Target::parse("nope <= 3")
                .unwrap_err()
                .contains("unknown KPI")
        );
        assert!(
            Target::parse("reply_rate >= x")
                .unwrap_err()
                .contains("not a number")
        );
        let t = Target::parse("inquiry_conversion >= 0.65 informative").unwrap();
        assert_eq!((t.value, t.gate), (0.65, Gate::Informative));
        assert_eq!(t.to_string(), "inquiry_conversion >= 0.65 informative");
        let t = Target::parse("avg_response_s <= 30 gating").unwrap();
        assert_eq!((t.value, t.gate), (30.0, Gate::Gating));
        assert!(
            Target::parse("avg_response_s <= 30 maybe")
                .unwrap_err()
                .contains("`gating` or `informative`")
        );
    }

    #[test]
    fn kpi_names_are_unique_and_round_trip() {
        for k in Kpi::ALL {
            assert_eq!(Kpi::parse(k.name()), Some(k));
        }
    }
}
