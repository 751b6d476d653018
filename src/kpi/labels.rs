//! The KPIs' labels in the trade's words for the terminal table, kept apart from the
//! arithmetic in `kpi`.

use super::Kpi;

impl Kpi {
    /// The label without its Chinese trade name, for charts drawn with a Latin font.
    pub fn label_ascii(self) -> String {
        let ascii: String = self.label().chars().filter(char::is_ascii).collect();
        ascii.trim().to_string()
    }

    /// The trade's label for the table.
    pub fn label(self) -> &'static str {
        match self {
            Kpi::AvgResponseS => "平响 avg response (s)",
            Kpi::ReplyResponseP90S => "reply response p90 (s)",
            Kpi::FirstResponseMeanS => "首响 first response (s)",
            Kpi::FirstResponseP90S => "first response p90 (s)",
            Kpi::FirstResponseFromArrivalMeanS => "from arrival, incl. bot (s)",
            Kpi::FirstReply30sShare => "first reply <= 30 s",
            Kpi::FirstReply3minShare => "first reply <= 3 min",
            Kpi::Rounds3minShare => "rounds answered <= 3 min",
            Kpi::ReplyRate => "回复率 reply rate",
            Kpi::AnsweredWhilePresentRate => "answered while present",
            Kpi::AbandonmentRate => "abandonment",
            Kpi::BlockedRate => "busy (line full)",
            Kpi::MidConversationLeaveRate => "left mid-conversation",
            Kpi::MessageRate => "留言率 message rate",
            Kpi::MessagesLeft => "留言 messages left",
            Kpi::MessageResponseMeanS => "留言 response (s)",
            Kpi::AnswerQuestionRatio => "答问比 answer/question",
            Kpi::PWait => "P(wait)",
            Kpi::MeanWaitAllS => "ASA, all (s)",
            Kpi::MeanWaitServedS => "wait, served (s)",
            Kpi::MeanWaitAbandonedS => "time to abandon (s)",
            Kpi::ServiceLevelServed => "service level, served",
            Kpi::ServiceLevelAllWait => "service level, all waits",
            Kpi::ServiceLevelAnswered => "service level, answered",
            Kpi::AgentUtilisation => "agent utilisation",
            Kpi::MeanConcurrency => "chats per agent",
            Kpi::SlotOccupancy => "slot occupancy",
            Kpi::BreakShare => "time on breaks",
            Kpi::MeanQueue => "mean queue",
            Kpi::MeanInSystem => "mean in system",
            Kpi::ConversationDurationMeanS => "conversation (s)",
            Kpi::Arrived => "customers arrived",
            Kpi::Served => "customers served",
            Kpi::Abandoned => "customers abandoned",
            Kpi::Conversion => "conversion, all pre-sale",
            Kpi::InquiryConversion => "询单转化率 inquiry conversion",
            Kpi::Buyers => "buyers (expected)",
            Kpi::CsGmv => "CS-assisted GMV",
            Kpi::GmvLost => "GMV lost vs instant",
            Kpi::InSalePayRate => "in-sale orders paid",
            Kpi::InSaleGmvLost => "in-sale GMV lost",
            Kpi::Satisfaction => "满意度 satisfaction",
            Kpi::RemindersSent => "催付 reminders sent",
            Kpi::ReminderOrdersPaid => "orders paid after 催付",
            Kpi::ReminderGmv => "GMV recovered by 催付",
            Kpi::ReminderAgentHours => "催付 agent hours",
            Kpi::DeflectionRate => "bot deflection",
            Kpi::Escalations => "转人工 escalations",
            Kpi::BotUtilisation => "bot utilisation",
            Kpi::Disconnects => "agent disconnects",
        }
    }
}
