//! The KPIs in Chinese, for the report page written with `--lang zh`: each one's name as a
//! store's service manager says it, and what it counts. A table, like `definitions`.

use super::Kpi;

impl Kpi {
    /// The KPI's name in Chinese.
    pub fn label_zh(self) -> &'static str {
        match self {
            Kpi::AvgResponseS => "平响（秒）",
            Kpi::ReplyResponseP90S => "回复响应 P90（秒）",
            Kpi::FirstResponseMeanS => "首响（秒）",
            Kpi::FirstResponseP90S => "首响 P90（秒）",
            Kpi::FirstResponseFromArrivalMeanS => "自进线起首响，含机器人（秒）",
            Kpi::FirstReply30sShare => "30 秒首响率",
            Kpi::FirstReply3minShare => "3 分钟首响率",
            Kpi::Rounds3minShare => "3 分钟回复轮次占比",
            Kpi::ReplyRate => "回复率",
            Kpi::AnsweredWhilePresentRate => "在线应答率",
            Kpi::AbandonmentRate => "放弃率",
            Kpi::BlockedRate => "排队满占线率",
            Kpi::MidConversationLeaveRate => "会话中途离开率",
            Kpi::MessageRate => "留言率",
            Kpi::MessagesLeft => "留言数",
            Kpi::MessageResponseMeanS => "留言响应（秒）",
            Kpi::AnswerQuestionRatio => "答问比",
            Kpi::PWait => "需排队概率",
            Kpi::MeanWaitAllS => "平均等待，全部（秒）",
            Kpi::MeanWaitServedS => "平均等待，已接待（秒）",
            Kpi::MeanWaitAbandonedS => "放弃前等待（秒）",
            Kpi::ServiceLevelServed => "服务水平（已接待）",
            Kpi::ServiceLevelAllWait => "服务水平（全部等待）",
            Kpi::ServiceLevelAnswered => "服务水平（已应答）",
            Kpi::AgentUtilisation => "客服利用率",
            Kpi::MeanConcurrency => "人均并发会话",
            Kpi::SlotOccupancy => "接待位占用率",
            Kpi::BreakShare => "休息时间占比",
            Kpi::MeanQueue => "平均排队人数",
            Kpi::MeanInSystem => "平均在线人数",
            Kpi::ConversationDurationMeanS => "会话时长（秒）",
            Kpi::Arrived => "进线人数",
            Kpi::Served => "在线接待人数",
            Kpi::Abandoned => "放弃人数",
            Kpi::Conversion => "转化率（全部售前）",
            Kpi::InquiryConversion => "询单转化率",
            Kpi::Buyers => "下单人数（期望）",
            Kpi::CsGmv => "客服销售额",
            Kpi::GmvLost => "损失销售额（对比即时应答）",
            Kpi::InSalePayRate => "售中付款率（期望）",
            Kpi::InSaleGmvLost => "售中损失销售额（对比即时应答）",
            Kpi::Satisfaction => "满意度（预测）",
            Kpi::RemindersSent => "催付条数",
            Kpi::ReminderOrdersPaid => "催付后付款订单（期望）",
            Kpi::ReminderGmv => "催付挽回销售额",
            Kpi::ReminderAgentHours => "催付用时（人时）",
            Kpi::DeflectionRate => "机器人分流率",
            Kpi::Escalations => "转人工数",
            Kpi::BotUtilisation => "机器人利用率",
            Kpi::Disconnects => "客服掉线次数",
        }
    }

    /// What the KPI counts, in Chinese: the same rule as [`Kpi::definition`].
    pub fn definition_zh(self) -> &'static str {
        match self {
            Kpi::AvgResponseS => {
                "计分轮次的（顾客一轮消息后客服第一条消息送达 − 该轮发出）之和 / 计分轮次数；一轮是顾客连发的一组消息，客服的“您好”即结束开场一轮；已离开顾客收到的回复也计入；[scoring] 时段外的轮次不计，每轮最多按 round_cap_s 计"
            }
            Kpi::ReplyResponseP90S => "全部回复的（回复送达 − 顾客消息发出）的第 90 百分位",
            Kpi::FirstResponseMeanS => {
                "（首次人工回复送达 − 会话到达人工，即进线或转人工）之和 / 得到首次人工回复的顾客数；客服的“您好”计入，店铺自动欢迎语不计入"
            }
            Kpi::FirstResponseP90S => "首响（自会话到达人工起）的第 90 百分位",
            Kpi::FirstResponseFromArrivalMeanS => {
                "（首次人工回复 − 顾客进线，含机器人时间）之和 / 得到首次人工回复的顾客数"
            }
            Kpi::FirstReply30sShare => "到达人工后 30 秒内得到首次人工回复的顾客 / 人工接入的顾客",
            Kpi::FirstReply3minShare => {
                "到达人工后 3 分钟内得到首次人工回复的顾客 / 人工接入的顾客"
            }
            Kpi::Rounds3minShare => {
                "3 分钟内回复的计分顾客消息 / 人工接入顾客的计分消息（未回复算未达标）"
            }
            Kpi::ReplyRate => {
                "平台关闭会话前任何时候得到至少一次人工回复的人工接入顾客 / 人工接入的顾客（只由机器人接待的顾客不计入分子分母；因排队已满收到占线回复的进线计入分母、算未回复）。留言保留到关闭前几乎都会得到回复，有人值班的一天里接近 100%：比较方案请看在线应答率"
            }
            Kpi::AnsweredWhilePresentRate => {
                "顾客仍在线时得到首次人工回复的人工接入顾客 / 人工接入的顾客（含占线的进线，算未应答）：回复率饱和时用来比较方案的应答率"
            }
            Kpi::AbandonmentRate => {
                "首次回复（人工回复，含客服的“您好”，或机器人解决）前离开的顾客，含机器人阶段离开和排队满被拒的 / 进线顾客"
            }
            Kpi::BlockedRate => "因排队已满收到占线回复的进线 / 人工接入的顾客",
            Kpi::MidConversationLeaveRate => "首次回复后、会话结束前离开的顾客 / 进线顾客",
            Kpi::MessageRate => "进线时没有对应技能客服在岗的顾客 / 进线顾客",
            Kpi::MessagesLeft => "留言总数：无对应技能客服在岗时的进线，加上排队已满转为留言的进线",
            Kpi::MessageResponseMeanS => {
                "已回复留言的（人工回复 − 进入人工队列）之和 / 已回复留言数"
            }
            Kpi::AnswerQuestionRatio => {
                "客服消息数（每次回复的每条消息及每条“您好”；自动欢迎语不算）/ 顾客消息数"
            }
            Kpi::PWait => "未遇到空闲客服的接入尝试 / 接入尝试",
            Kpi::MeanWaitAllS => "排队等待之和（含放弃者放弃前的等待）/ 接入尝试",
            Kpi::MeanWaitServedS => "在线时得到应答的尝试的排队等待之和 / 这些尝试",
            Kpi::MeanWaitAbandonedS => "放弃前等待之和 / 放弃的尝试",
            Kpi::ServiceLevelServed => {
                "在线时应答且等待 <= service_level_s 的尝试 / 在线时应答的尝试"
            }
            Kpi::ServiceLevelAllWait => {
                "等待或放弃前等待 <= service_level_s 的尝试（任何结局）/ 接入尝试"
            }
            Kpi::ServiceLevelAnswered => "在线时应答且等待 <= service_level_s 的尝试 / 接入尝试",
            Kpi::AgentUtilisation => "客服工作时间 / 客服可接待时间（在岗且不在休息）",
            Kpi::BreakShare => "客服休息时间（用餐、小休、挂起）/ 客服在岗时间",
            Kpi::MeanConcurrency => {
                "时间平均的打开会话数 / 时间平均的可接待客服数（在岗且不在休息）"
            }
            Kpi::SlotOccupancy => {
                "时间平均的打开会话数 / 时间平均的在岗接待位数（班次结束后只计仍在进行的会话所占的接待位）"
            }
            Kpi::MeanQueue => "时间平均的排队顾客数（不含留言）",
            Kpi::MeanInSystem => "时间平均的在线顾客数",
            Kpi::ConversationDurationMeanS => {
                "（会话结束 − 分配客服）之和 / 顾客在线直到结束的会话数"
            }
            Kpi::Arrived => "预热期后进线的顾客",
            Kpi::Served => "仍在线时得到首次人工回复的顾客",
            Kpi::Abandoned => "首次有效回复前离开的顾客",
            Kpi::Conversion => "期望下单人数 / 全部售前顾客（含机器人解决和离开的）",
            Kpi::InquiryConversion => "期望下单人数 / 到达人工的售前顾客（询单）",
            Kpi::Buyers => "售前顾客中的期望下单人数（每人 C = A × B 之和）",
            Kpi::CsGmv => "期望下单人数 × 客单价",
            Kpi::GmvLost => "（全部即时应答时的期望下单人数 − 期望下单人数）× 客单价",
            Kpi::InSalePayRate => {
                "售中顾客的期望付款订单 / 售中顾客（每人 P(付款) = B × m_售中(首次有效回复时间)）"
            }
            Kpi::InSaleGmvLost => {
                "（全部售中顾客即时应答时的期望付款订单 − 期望付款订单）× 订单金额"
            }
            Kpi::Satisfaction => {
                "期望满意评价 / 得到人工回复的顾客（每人 P = 该类即时应答时的满意率 × s(首次有效回复时间)）"
            }
            Kpi::RemindersSent => {
                "为未付款订单发出的催付（售前顾客留下未付款订单的概率为 A ×（1 − B）；其中 [reminders] share 的订单在会话结束 after_min 分钟后、催付时段内催付）"
            }
            Kpi::ReminderOrdersPaid => {
                "催付条数 × 催付成功率（recovery）：提高 B，已计入下单人数、转化率和客服销售额"
            }
            Kpi::ReminderGmv => "催付后付款订单 × 客单价",
            Kpi::ReminderAgentHours => "客服发催付所用时间（每条用时按所在组速度），小时",
            Kpi::DeflectionRate => "机器人解决的顾客 / 进线顾客",
            Kpi::Escalations => "机器人转给人工的顾客（转人工）",
            Kpi::BotUtilisation => "时间平均的机器人会话数 / 机器人容量",
            Kpi::Disconnects => "客服掉线次数",
        }
    }
}
