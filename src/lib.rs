//! # d11sim
//!
//! A discrete-event simulator of e-commerce customer-service chat through Double-11
//! (Singles' Day): arrival curves that rise from 18:00 on 10 November and spike at
//! midnight, replayed against agent pools (shifts, skills, several chats per agent, new
//! hires and temps), with response-time histograms and the trade's KPIs, each with a 95%
//! confidence interval over independent replications.
//!
//! # Flow
//!
//! ```text
//! scenario.toml ──parse──▶ ScenarioFile ──validate──▶ Scenario
//!   (+ history.csv)            (raw serde)               │ (domain types)
//!                                                        ▼
//!                    replicate::run: R replications on N threads (results by index)
//!                       │ one replication = engine + model, one thread
//!                       ▼
//!                  ReplicationResult ×R ──summarise──▶ RunResults ──▶ output
//!                                                     (KPI means, CIs,    (table, summary.json,
//!                                                      merged histograms)  series.csv, .hgrm/.hlog)
//! ```
//!
//! # Layout
//!
//! - [`engine`]: generic discrete-event core: integer [`engine::SimTime`] (µs), the event
//!   queue ordered by (time, insertion sequence), the run loop. Knows nothing of chat.
//! - [`model`]: the one place that wires arrivals, roster, routing, patience, conversation
//!   and metrics into one replication; `messages` and `sessions` conversation handlers.
//! - [`arrivals`]: piecewise-constant rate curves (built-in Double-11 shapes, tables,
//!   CSVs), the non-homogeneous Poisson process, forecast error, class mix.
//! - [`roster`]: agent groups, shifts, chat caps, speed factors.
//! - [`bot`]: the bot tier in front of the agents (first touch, capacity, resolution,
//!   escalation).
//! - [`network`]: sites, delays, stalls, disconnects, workstations, outages.
//! - [`conversion`]: predicted conversion C = A x B of pre-sale inquiries.
//! - [`compare`]: plans side by side, paired differences under common random numbers.
//! - [`staffing`]: the handbook's staffing formula and exact Erlang B/C/A (and chat)
//!   staffing.
//! - [`sweep`]: every combination of parameter values, with common random numbers.
//! - [`routing`]: the pluggable [`routing::Router`] trait, least-loaded and longest-idle,
//!   per-class FCFS queues with priority windows, hand-over.
//! - [`conversation`], [`patience`]: the parameters of conversations and of customers'
//!   patience (first reply, mid-conversation, silent abandonment, retrials).
//! - [`inbox`]: what the platform does with a leaver's message (kept and still answered,
//!   withdrawn, closed after a while); [`scoring`]: the platform's scoring hours and cap
//!   on one round's time in 平响.
//! - [`class`]: inquiry classes (pre-sale, in-sale, after-sale) and skill sets.
//! - [`distribution`]: duration and count distributions.
//! - [`random`]: one master seed, one named PCG stream per purpose.
//! - [`metrics`]: streaming HdrHistograms, counters, time-weighted levels, series.
//! - [`kpi`]: the trade's KPIs computed per replication, and targets.
//! - [`stats`]: mean and Student-t 95% confidence intervals across replications.
//! - [`replicate`]: replications across threads, re-sorted by index, and their summary.
//! - [`scenario`]: the TOML file (`file`), validation (`validate`, `conversation`, `rates`,
//!   `distributions`, `plans`), clock times,
//!   `extends`, plan variants (`variants`), and the embedded default scenario.
//! - [`output`]: the stdout table, `summary.json`, `series.csv`, histogram files.
//! - [`convlog`]: the conversation log (`run --log` writes it; a mapping file reads a back
//!   office's export as it); [`calibrate`]: fitting a scenario to a log (patience with
//!   censoring, the arrival curve, handling, the bot) and the holdout check.
//!
//! # Glossary (trade term → code)
//!
//! | trade | code |
//! |---|---|
//! | 询单 inquiry before ordering | a [`class::Class::PreSale`] customer |
//! | 售前 / 售中 / 售后 pre-, in-, after-sale | [`class::Class`] |
//! | 平响 average response | [`kpi::Kpi::AvgResponseS`] (`avg_response_s`) |
//! | 回复率 reply rate | [`kpi::Kpi::ReplyRate`] (replied at any time / received by a human) |
//! | 首响 first response | [`kpi::Kpi::FirstResponseMeanS`] (from the chat reaching a human) |
//! | 留言 message left | [`kpi::Kpi::MessagesLeft`], [`inbox::Inbox`] |
//! | 分流 waiting-line cap | `routing.max_queue`, [`routing::QueueOverflow`] |
//! | 分流 by group (order, ratio, overflow) | `routing_tier`, `routing_weight`, `soft_cap`: [`roster::GroupRouting`] |
//! | 欢迎语 welcome message, 您好 | `[conversation.greeting]`: [`conversation::Greeting`] |
//! | 快捷短语 quick phrase | `conversation.quick_phrase_share` |
//! | 未回复 unanswered | `unanswered_end` in `series.csv` |
//! | 答问比 answer/question ratio | [`kpi::Kpi::AnswerQuestionRatio`] |
//! | 留言率 message rate (JD) | [`kpi::Kpi::MessageRate`] |
//! | 班表 roster, 早班/晚班 shifts | [`roster::AgentGroup`], its `shifts` |
//! | 接待量 conversations received | `arrived` / `served` counts |
//! | 转人工 escalation from bot to human | [`kpi::Kpi::Escalations`], `model::bot` |
//! | 智能客服 store bot | [`bot::Bot`] |
//! | 询单转化率 inquiry conversion | [`kpi::Kpi::InquiryConversion`], [`conversion::Conversion`] |
//! | 客单价 average order value | `conversion.average_order_value` |
//! | 子账号 agent sub-account | one agent of a group |
//!
//! # Example
//!
//! ```
//! use d11sim::kpi::Kpi;
//! use d11sim::replicate::{self, RunConfig};
//! use d11sim::scenario::Scenario;
//!
//! let toml = r#"
//!     name = "tiny"
//!     start = "11-10 20:00"
//!     end = "11-10 22:00"
//!     [arrivals]
//!     constant_per_hour = 60
//!     [conversation]
//!     model = "sessions"
//!     work = { dist = "exponential", mean_s = 180 }
//!     [patience.first_reply]
//!     default = { dist = "exponential", mean_s = 120 }
//!     [[groups]]
//!     name = "agents"
//!     count = 4
//!     max_chats = 1
//! "#;
//! let scenario = Scenario::from_toml(toml, "tiny.toml", std::path::Path::new(".")).unwrap();
//! let results = replicate::run(&scenario, RunConfig { replications: 5, seed: 1, threads: 2 });
//! let reply_rate = results.mean(Kpi::ReplyRate).unwrap();
//! assert!(reply_rate > 0.5 && reply_rate <= 1.0);
//! ```
#![forbid(unsafe_code)]

pub mod arrivals;
pub mod bot;
pub mod breaks;
pub mod calibrate;
pub mod class;
pub mod compare;
pub mod conversation;
pub mod conversion;
pub mod convlog;
pub mod distribution;
pub mod engine;
pub mod forecast;
pub mod inbox;
pub mod input;
pub mod kpi;
pub mod metrics;
pub mod model;
pub mod network;
pub mod nowcast;
pub mod output;
pub mod patience;
pub mod random;
pub mod reminders;
pub mod replicate;
pub mod report;
pub mod roster;
pub mod routing;
pub mod satisfaction;
pub mod scenario;
pub mod scoring;
pub mod service;
pub mod shard;
pub mod staffing;
pub mod state;
pub mod stats;
pub mod sweep;
