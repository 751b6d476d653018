//! What each KPI counts, in the trade's words (written into `summary.json` and the
//! report's glossary): a table, kept apart from the arithmetic in `kpi`.

use super::Kpi;

impl Kpi {
    /// What the KPI counts, in the trade's words: numerator / denominator for a rate.
    pub fn definition(self) -> &'static str {
        match self {
            Kpi::AvgResponseS => {
                "平响: sum over scored rounds of (the agent's first message after the customer's turn delivered - the turn sent) / scored rounds; a turn is a burst of customer messages, and an agent's 您好 closes the opening round; replies to customers who left count; rounds outside [scoring] hours are left out and one round counts at most [scoring] round_cap_s"
            }
            Kpi::ReplyResponseP90S => {
                "90th percentile of (reply delivered - customer message sent) over every reply"
            }
            Kpi::FirstResponseMeanS => {
                "首响: sum of (first human reply delivered - chat reaching a human, i.e. arrival or 转人工) / customers with a first human reply; the agent's 您好 counts, the store's automatic welcome message does not; customers reaching a human outside [scoring] hours are left out, and a 留言 left while nobody was on duty counts by [scoring] messages_left (its whole wait, from the next staffed shift start, or left out)"
            }
            Kpi::FirstResponseP90S => {
                "90th percentile of the first response (from the chat reaching a human)"
            }
            Kpi::FirstResponseFromArrivalMeanS => {
                "sum of (first human reply - customer's arrival, bot time included) / customers with a first human reply"
            }
            Kpi::FirstReply30sShare => {
                "customers whose first human reply came within 30 s of reaching a human / customers received by a human"
            }
            Kpi::FirstReply3minShare => {
                "customers whose first human reply came within 3 min of reaching a human / customers received by a human"
            }
            Kpi::Rounds3minShare => {
                "scored customer messages answered within 3 min / scored customer messages of customers received by a human (never answered counts as a miss)"
            }
            Kpi::ReplyRate => {
                "回复率: customers received by a human who got at least one human reply at any time before the platform closed the chat / customers received by a human (bot-only customers are out of both; arrivals a full line turned away with a busy reply are in the denominator, unreplied). A kept inbox answers nearly every message before the close, so in a staffed day it sits near 100%: compare plans by answered_while_present_rate"
            }
            Kpi::AnsweredWhilePresentRate => {
                "customers received by a human whose first human reply came while they were still there / customers received by a human (busy-blocked arrivals included, unanswered): the reply rate a planner can compare plans by where 回复率 saturates"
            }
            Kpi::AbandonmentRate => {
                "customers who left before their first reply (a human's, the agent's 您好 included, or the bot's resolution), the bot's leavers and busy-blocked arrivals included / customers arrived"
            }
            Kpi::BlockedRate => {
                "arrivals turned away with a busy reply by a full waiting line / customers received by a human"
            }
            Kpi::MidConversationLeaveRate => {
                "customers who left after a first reply, before the conversation ended / customers arrived"
            }
            Kpi::MessageRate => {
                "留言率: arrivals when no agent with their skill was on duty / customers arrived"
            }
            Kpi::MessagesLeft => {
                "留言 in all: arrivals when nobody with the skill was on duty plus arrivals a full line turned into 留言"
            }
            Kpi::MessageResponseMeanS => {
                "sum of (human reply - arrival at the human queue) over answered 留言 / answered 留言"
            }
            Kpi::AnswerQuestionRatio => {
                "答问比: agent messages (every message of every reply, and each 您好; automatic welcome messages are not an agent's) / customer messages"
            }
            Kpi::PWait => "attempts that found no free agent / attempts",
            Kpi::MeanWaitAllS => {
                "sum of queue waits (abandoners' time to abandon included) / attempts"
            }
            Kpi::MeanWaitServedS => {
                "sum of queue waits of attempts answered while present / those attempts"
            }
            Kpi::MeanWaitAbandonedS => "sum of times to abandon / abandoned attempts",
            Kpi::ServiceLevelServed => {
                "attempts answered while present with wait <= service_level_s / attempts answered while present"
            }
            Kpi::ServiceLevelAllWait => {
                "attempts (any fate) whose wait or time to abandon <= service_level_s / attempts"
            }
            Kpi::ServiceLevelAnswered => {
                "attempts answered while present with wait <= service_level_s / attempts"
            }
            Kpi::AgentUtilisation => {
                "agent time spent working / agent time available (on duty and not resting on a break)"
            }
            Kpi::BreakShare => {
                "agent time resting on a break (meals, rests, shrinkage) / agent time on duty: rostered heads less this share are the available heads"
            }
            Kpi::MeanConcurrency => {
                "time-average open chats / time-average agents available (on duty and not resting on a break)"
            }
            Kpi::SlotOccupancy => {
                "time-average open chats / time-average chat slots staffed (past a shift's \
                 end, only the slots its remaining chats hold)"
            }
            Kpi::MeanQueue => "time-average customers waiting in line (留言 excluded)",
            Kpi::MeanInSystem => "time-average customers in the system",
            Kpi::ConversationDurationMeanS => {
                "sum of (conversation end - agent assignment) / conversations that ended with the customer there"
            }
            Kpi::Arrived => "customers arrived after the warm-up",
            Kpi::Served => "customers whose first human reply came while they were still there",
            Kpi::Abandoned => {
                "customers who left before their first reply (a human's, a 您好 included, or the bot's resolution)"
            }
            Kpi::Conversion => {
                "expected buyers / all pre-sale customers (bot-resolved and leavers included)"
            }
            Kpi::InquiryConversion => {
                "询单转化率: expected buyers / pre-sale customers who reached a human (询单)"
            }
            Kpi::Buyers => "expected buyers among pre-sale customers (sum of each one's C = A x B)",
            Kpi::CsGmv => "expected buyers x average order value",
            Kpi::GmvLost => {
                "(expected buyers had every one been answered at once - expected buyers) x average order value"
            }
            Kpi::InSalePayRate => {
                "expected paid orders / in-sale customers (each one's P(pay) = B x m_in(time to the first useful reply))"
            }
            Kpi::Satisfaction => {
                "expected satisfied ratings / customers who got a human reply: each one's P = the class's share satisfied when answered at once x s(time to the first useful reply)"
            }
            Kpi::InSaleGmvLost => {
                "(expected paid orders had every in-sale customer been answered at once - expected paid orders) x order value"
            }
            Kpi::RemindersSent => {
                "催付: reminders sent for unpaid orders (a pre-sale customer leaves one with chance A x (1 - B) = C (1 - B) / B; [reminders] share of them are due `after_min` later, inside its window)"
            }
            Kpi::ReminderOrdersPaid => {
                "催付: expected orders paid after a reminder (reminders sent x [reminders] recovery); they raise B, so they are inside buyers, conversion and CS-assisted GMV"
            }
            Kpi::ReminderGmv => "催付: expected orders paid after a reminder x average order value",
            Kpi::ReminderAgentHours => {
                "催付: agent time spent sending reminders (effort per reminder at the group's speed), hours"
            }
            Kpi::DeflectionRate => "customers the bot resolved / customers arrived",
            Kpi::Escalations => "customers the bot passed to a human (转人工)",
            Kpi::BotUtilisation => "time-average bot sessions / bot capacity",
            Kpi::Disconnects => "agent disconnects",
        }
    }
}
