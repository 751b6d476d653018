//! The scenario file as written: raw serde structs mirroring the TOML, unknown keys
//! rejected, serde defaults filled. `validate` turns them into domain types.

use serde::{Deserialize, Serialize};

pub use super::value_file::{ConversionFile, InSaleFile, SatisfactionFile};

/// The whole scenario file. Every key is documented in `scenarios/README.md`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Another scenario file (relative to this one) whose tables this file's merge over.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extends: Option<String>,
    /// Display name.
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// Clock time of scenario start, "MM-DD HH:MM".
    #[serde(default = "default_start")]
    pub start: String,
    /// Clock time when arrivals stop (the horizon); the run then drains.
    pub end: String,
    /// Hours after the start during which arrivals are not counted.
    #[serde(default)]
    pub warmup_h: f64,
    /// Length of a series interval, minutes.
    #[serde(default = "default_interval_min")]
    pub interval_min: f64,
    /// Threshold of the service-level KPIs, seconds.
    #[serde(default = "default_service_level_s")]
    pub service_level_s: f64,
    /// Windows ["MM-DD HH:MM", "MM-DD HH:MM"] when agents use their peak chat cap.
    #[serde(default)]
    pub peak_windows: Vec<Vec<String>>,
    /// KPI targets such as "avg_response_s <= 30".
    #[serde(default)]
    pub targets: Vec<String>,
    /// The scenario's display name on Chinese pages (default: `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_zh: Option<String>,
    /// Share of replications in which a target must hold, on the day and in each
    /// interval, for a PASS (see docs/outputs.md).
    #[serde(default = "default_target_share")]
    pub target_share: f64,
    /// Who arrives when.
    pub arrivals: ArrivalsFile,
    /// The conversation model.
    pub conversation: ConversationFile,
    /// Customer patience.
    pub patience: PatienceFile,
    /// Routing policy, priorities, hand-over, waiting-line cap.
    #[serde(default)]
    pub routing: RoutingFile,
    /// What the platform does with the messages of customers who stopped waiting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbox: Option<InboxFile>,
    /// How the platform scores response KPIs (per round, scoring hours, cap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scoring: Option<ScoringFile>,
    /// Agent groups (`[[groups]]`).
    #[serde(default)]
    pub groups: Vec<GroupFile>,
    /// Breaks by duty span (`[[breaks]]`), for every group that takes breaks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub breaks: Vec<super::breaks::BreakFile>,
    /// The bot tier in front of the agents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bot: Option<BotFile>,
    /// Network and hardware.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkFile>,
    /// Predicted conversion of pre-sale inquiries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversion: Option<ConversionFile>,
    /// Predicted satisfaction (满意度).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<SatisfactionFile>,
    /// 催付: payment reminders for unpaid orders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminders: Option<super::reminders::RemindersFile>,
    /// Named plan variants (`[[variants]]`), each overriding parts of this scenario.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<VariantFile>,
}

/// A value per class, or `default` for the classes not given.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClassValuesFile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_sale: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_sale: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_sale: Option<f64>,
}

/// `[bot]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BotFile {
    /// Share of arrivals the bot takes first, by class.
    pub first_touch: ClassValuesFile,
    /// Windows with their own first-touch shares (`[[bot.windows]]`).
    #[serde(default)]
    pub windows: Vec<BotWindowFile>,
    /// Bot reply latency.
    pub latency: DurationFile,
    /// Time with the bot after its first reply.
    pub session: DurationFile,
    /// Most concurrent bot sessions (absent: unlimited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity: Option<i64>,
    /// "queue" or "human": what happens beyond capacity.
    #[serde(default = "default_overflow")]
    pub overflow: String,
    /// P(resolve) by class: mean and sd of a Beta drawn once per replication.
    pub resolution: ResolutionFile,
    /// Share of unresolved customers who leave instead of escalating.
    #[serde(default)]
    pub leave_share: f64,
    /// Patience of escalated customers relative to fresh ones.
    #[serde(default = "one")]
    pub escalated_patience_factor: f64,
}

fn default_overflow() -> String {
    "human".to_string()
}

/// `[[bot.windows]]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BotWindowFile {
    pub from: String,
    pub to: String,
    pub first_touch: ClassValuesFile,
}

/// `[bot.resolution]`: per class, or `default`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ResolutionFile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<UncertainFile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_sale: Option<UncertainFile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_sale: Option<UncertainFile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_sale: Option<UncertainFile>,
}

/// A probability with its uncertainty: `{ mean = 0.35, sd = 0.05 }`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UncertainFile {
    pub mean: f64,
    #[serde(default)]
    pub sd: f64,
}

/// `[network]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkFile {
    /// Platform delivery delay of every message (default none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_delay: Option<DurationFile>,
    /// Extra platform delay inside peak windows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_peak_extra: Option<DurationFile>,
    /// `[[network.sites]]`.
    #[serde(default)]
    pub sites: Vec<SiteFile>,
    /// `[[network.workstations]]`.
    #[serde(default)]
    pub workstations: Vec<WorkstationFile>,
    /// `[[network.outages]]`.
    #[serde(default)]
    pub outages: Vec<OutageFile>,
}

/// `[[network.sites]]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SiteFile {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<DurationFile>,
    #[serde(default)]
    pub stall_prob: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stall: Option<DurationFile>,
    #[serde(default)]
    pub disconnects_per_hour: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relogin: Option<DurationFile>,
}

/// `[[network.workstations]]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorkstationFile {
    pub name: String,
    #[serde(default)]
    pub lag_base_s: f64,
    #[serde(default)]
    pub lag_per_chat_s: f64,
}

/// `[[network.outages]]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OutageFile {
    pub site: String,
    pub from: String,
    pub to: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reassign_after_s: Option<f64>,
}

/// `[[variants]]`: a named plan that overrides parts of the scenario.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct VariantFile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Dotted key paths -> new values; groups and sites are addressed by name
    /// (`"groups.night_veterans.count" = 140`). A whole table set on a missing named
    /// element adds it (`"groups.temps" = { count = 20, max_chats = 3 }`).
    #[serde(default)]
    pub set: toml::Table,
    /// Elements of arrays taken out before `set` applies (`["groups.temps"]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<String>,
    /// The hours the what-if asks about (`["11-11 00:00", "11-11 01:00"]`): the
    /// comparison and the verdict report the customers arriving then first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Vec<String>>,
}

fn default_start() -> String {
    "11-10 18:00".to_string()
}
fn default_interval_min() -> f64 {
    15.0
}
fn default_target_share() -> f64 {
    0.5
}
fn default_service_level_s() -> f64 {
    20.0
}
fn one() -> f64 {
    1.0
}

/// `[arrivals]`: exactly one rate source (shape, table, csv or constant_per_hour).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ArrivalsFile {
    /// Built-in shape: "double11_midnight" or "double11_evening".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shape: Option<String>,
    /// Normal-day mean inquiries per hour (multiplied by the shape or table).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_per_hour: Option<f64>,
    /// Inline table of ["MM-DD HH:MM", multiplier] rows; each holds until the next row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<Vec<(String, f64)>>,
    /// CSV of past counts `interval_start,count`, relative to the scenario file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csv: Option<String>,
    /// The CSV's column of customer inquiries: a header name or a 1-based number (needed
    /// when the file has more than one count column and none has a known name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csv_column: Option<String>,
    /// Forecast total the CSV's counts are scaled to (default: the CSV's own total).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forecast_total: Option<f64>,
    /// A constant rate, inquiries per hour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub constant_per_hour: Option<f64>,
    /// Multiplier on every rate (what-if: 1.3 = 30% above forecast).
    #[serde(default = "one")]
    pub scale: f64,
    /// Coefficient of variation of a per-replication volume multiplier (0 = none).
    #[serde(default)]
    pub forecast_error_cv: f64,
    /// Class mix periods.
    #[serde(default)]
    pub mix: Vec<MixFile>,
}

/// `[[arrivals.mix]]`: the class mix from `from` on.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MixFile {
    /// Clock time the mix starts.
    pub from: String,
    /// Share of pre-sale inquiries.
    pub pre_sale: f64,
    /// Share of in-sale inquiries.
    pub in_sale: f64,
    /// Share of after-sale inquiries.
    pub after_sale: f64,
}

/// A duration distribution as written; `dist` picks which other keys apply.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DurationFile {
    /// fixed | exponential | weibull | lognormal | uniform | gamma | never
    pub dist: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shape: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p90_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sd_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_s: Option<f64>,
}

/// A count distribution as written.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CountFile {
    /// fixed | negative_binomial | geometric
    pub dist: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dispersion: Option<f64>,
}

/// `[conversation.greeting]`: the automatic welcome and the agent's quick 您好.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GreetingFile {
    /// The store's automatic welcome message (欢迎语) is on.
    #[serde(default)]
    pub auto_welcome: bool,
    /// First-reply patience of a welcomed customer, x (default 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_welcome_patience_factor: Option<f64>,
    /// The agent sends a quick 您好 as the chat reaches them.
    #[serde(default)]
    pub agent_hello: bool,
    /// From the chat reaching the agent to the 您好 being sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hello: Option<DurationFile>,
    /// Patience for the answer after a 您好, x the mid-conversation patience (default 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hello_patience_factor: Option<f64>,
}

/// `[conversation]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConversationFile {
    /// "messages" (default) or "sessions".
    #[serde(default = "default_model")]
    pub model: String,
    // --- messages model ---
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_messages: Option<CountFile>,
    /// Customer messages per turn (default: one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub burst: Option<CountFile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra_agent_message_prob: Option<f64>,
    /// Agent messages per reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_messages: Option<CountFile>,
    /// `[conversation.greeting]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub greeting: Option<GreetingFile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effort: Option<DurationFile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub think: Option<DurationFile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub switch_penalty: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wrap_up_s: Option<f64>,
    /// Share of replies sent as quick phrases (快捷短语) by a veteran (groups may override).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quick_phrase_share: Option<f64>,
    /// Effort of a quick-phrase reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quick_phrase: Option<DurationFile>,
    // --- sessions model ---
    #[serde(skip_serializing_if = "Option::is_none")]
    pub work: Option<DurationFile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speed: Option<Vec<f64>>,
}

fn default_model() -> String {
    "messages".to_string()
}

/// `[patience]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PatienceFile {
    /// Patience for the first reply.
    pub first_reply: FirstReplyFile,
    /// Patience for each later reply (messages model); default: never leaves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mid_conversation: Option<DurationFile>,
    /// Share of abandonments that are silent.
    #[serde(default)]
    pub silent_share: f64,
    /// Seconds a silent abandoner holds a slot.
    #[serde(default = "default_silent_timeout_s")]
    pub silent_timeout_s: f64,
    /// Retrials after abandoning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retrial: Option<RetrialFile>,
}

fn default_silent_timeout_s() -> f64 {
    300.0
}

/// `[patience.first_reply]`: one distribution per class, or `default` for the rest.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FirstReplyFile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<DurationFile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_sale: Option<DurationFile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_sale: Option<DurationFile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_sale: Option<DurationFile>,
}

/// `[patience.retrial]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RetrialFile {
    /// Probability of trying again after each abandonment.
    pub probability: f64,
    /// Delay before the new attempt.
    pub delay: DurationFile,
    /// Patience of a new attempt relative to a fresh one.
    #[serde(default = "one")]
    pub patience_factor: f64,
    /// Most attempts per customer, the first included.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: i64,
}

fn default_max_attempts() -> i64 {
    3
}

/// `[routing]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingFile {
    /// "least_loaded" or "longest_idle".
    #[serde(default = "default_policy")]
    pub policy: String,
    /// Class priority windows (`[[routing.priority]]`).
    #[serde(default)]
    pub priority: Vec<PriorityFile>,
    /// Hand-over of after-sale questions found by pre-sale agents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handover: Option<HandoverFile>,
    /// Most customers waiting in line for an agent (分流); absent: no limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_queue: Option<i64>,
    /// What an arrival finding the line full gets: "message" (留言) or "busy".
    #[serde(default = "default_queue_overflow")]
    pub queue_overflow: String,
}

impl Default for RoutingFile {
    fn default() -> Self {
        RoutingFile {
            policy: default_policy(),
            priority: Vec::new(),
            handover: None,
            max_queue: None,
            queue_overflow: default_queue_overflow(),
        }
    }
}

fn default_queue_overflow() -> String {
    "message".to_string()
}

/// `[inbox]`: the platform keeps a customer's message until it is answered.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InboxFile {
    /// A leaver's pending message is still owed a reply (default: true in `messages`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keep_messages: Option<bool>,
    /// Share of leavers who withdraw the chat, so that nothing is owed.
    #[serde(default)]
    pub withdraw_share: f64,
    /// Hours the platform keeps a left customer's unanswered chat before closing it.
    #[serde(default = "default_close_after_h")]
    pub close_after_h: f64,
}

fn default_close_after_h() -> f64 {
    24.0
}

impl Default for InboxFile {
    fn default() -> Self {
        InboxFile {
            keep_messages: None,
            withdraw_share: 0.0,
            close_after_h: default_close_after_h(),
        }
    }
}

/// `[scoring]`: how the platform scores response times.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringFile {
    /// Daily hours ["HH:MM", "HH:MM"] outside which rounds do not count in 平响 and the
    /// per-round 3-minute share; absent: every hour counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours: Option<Vec<String>>,
    /// Cap on one round's time in 平响, seconds; absent: no cap.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub round_cap_s: Option<f64>,
    /// How a 留言 left while nobody was on duty counts in 首响 and the per-customer
    /// first-reply shares: "whole_wait" (absent), "from_staffed" or "left_out".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages_left: Option<String>,
}

fn default_policy() -> String {
    "least_loaded".to_string()
}

/// `[[routing.priority]]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityFile {
    /// Clock time the order starts.
    pub from: String,
    /// Clock time it ends.
    pub to: String,
    /// Classes, most urgent first.
    pub order: Vec<String>,
}

/// `[routing.handover]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HandoverFile {
    /// Share of after-sale arrivals that reach a pre-sale agent first.
    pub share: f64,
    /// Fewest replies before the hand-over.
    #[serde(default = "default_replies_min")]
    pub replies_min: i64,
    /// Most replies before the hand-over.
    #[serde(default = "default_replies_max")]
    pub replies_max: i64,
}

fn default_replies_min() -> i64 {
    1
}
fn default_replies_max() -> i64 {
    2
}

/// `[[groups]]`: agents who share skills, caps, speed, site and shifts.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GroupFile {
    /// Name used in outputs.
    pub name: String,
    /// Display name on English pages (default: the name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Display name on Chinese pages (default: the label).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_zh: Option<String>,
    /// Number of agents.
    pub count: i64,
    /// Classes served (default: all).
    #[serde(default = "all_classes")]
    pub skills: Vec<String>,
    /// Most chats at once.
    pub max_chats: i64,
    /// Most chats at once inside peak windows (default: max_chats).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_chats_peak: Option<i64>,
    /// Speed relative to a veteran (effort is divided by it).
    #[serde(default = "one")]
    pub speed_factor: f64,
    /// Work site name.
    #[serde(default = "default_site")]
    pub site: String,
    /// Shifts ["MM-DD HH:MM", "MM-DD HH:MM"]; none = on duty the whole run.
    #[serde(default)]
    pub shifts: Vec<Vec<String>>,
    /// Workstation class (a `[[network.workstations]]` name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workstation: Option<String>,
    /// Share of this group's replies sent as quick phrases (default: the conversation's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quick_phrase_share: Option<f64>,
    /// Multiplier on the base order probability of pre-sale customers this group answers.
    #[serde(default = "one")]
    pub conversion_factor: f64,
    /// 分流 tier: 0 (default) is offered chats first; higher tiers are overflow.
    #[serde(default)]
    pub routing_tier: i64,
    /// 分流 weight within the tier (default 1).
    #[serde(default = "one")]
    pub routing_weight: f64,
    /// Open chats from which the group's agents stop being preferred (default: the cap).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub soft_cap: Option<i64>,
    /// Clock time from which the group takes a full share (weight 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_share_from: Option<String>,
    /// Whether the scenario's `[[breaks]]` apply (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub breaks: Option<bool>,
    /// Share of every on-duty hour each agent is away (挂起, training...), default 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shrinkage: Option<f64>,
}

fn all_classes() -> Vec<String> {
    vec!["pre_sale".into(), "in_sale".into(), "after_sale".into()]
}
fn default_site() -> String {
    "office".to_string()
}
