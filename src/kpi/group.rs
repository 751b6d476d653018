//! KPIs of one agent group (a store reads each sub-account group apart): what it took,
//! how fast it answered, how busy it was and what its customers bought.

use super::Kpi;
use crate::metrics::GroupCounts;

/// A per-group KPI. Names carry their unit, as [`Kpi`]'s do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupKpi {
    /// 接待量: chats the group's agents took (every assignment), per replication.
    Chats,
    /// 首响 of the customers the group answered first: mean, seconds.
    FirstResponseMeanS,
    /// Of those, the share answered within 30 s.
    FirstReply30sShare,
    /// 平响 of the group's replies (scored rounds, capped as the store-wide one), seconds.
    AvgResponseS,
    /// 询单转化率 of the pre-sale customers the group answered first while they were
    /// there: expected buyers / those customers.
    InquiryConversion,
    /// Expected CS-assisted GMV of those customers, currency units.
    CsGmv,
    /// Agents composing (messages) or holding a chat (sessions) / agents on duty.
    AgentUtilisation,
    /// Open chats per agent on duty, time-averaged.
    MeanConcurrency,
}

impl GroupKpi {
    /// Every per-group KPI, in output order.
    pub const ALL: [GroupKpi; 8] = [
        GroupKpi::Chats,
        GroupKpi::FirstResponseMeanS,
        GroupKpi::FirstReply30sShare,
        GroupKpi::AvgResponseS,
        GroupKpi::InquiryConversion,
        GroupKpi::CsGmv,
        GroupKpi::AgentUtilisation,
        GroupKpi::MeanConcurrency,
    ];

    /// The key in `summary.json`.
    pub fn name(self) -> &'static str {
        self.store_kpi().map_or("chats", Kpi::name)
    }

    /// The store-wide KPI of the same meaning, which a scenario target may name: a target
    /// on it is then checked per group as well.
    pub fn store_kpi(self) -> Option<Kpi> {
        Some(match self {
            GroupKpi::Chats => return None,
            GroupKpi::FirstResponseMeanS => Kpi::FirstResponseMeanS,
            GroupKpi::FirstReply30sShare => Kpi::FirstReply30sShare,
            GroupKpi::AvgResponseS => Kpi::AvgResponseS,
            GroupKpi::InquiryConversion => Kpi::InquiryConversion,
            GroupKpi::CsGmv => Kpi::CsGmv,
            GroupKpi::AgentUtilisation => Kpi::AgentUtilisation,
            GroupKpi::MeanConcurrency => Kpi::MeanConcurrency,
        })
    }

    /// The per-group KPI a store-wide one has, if any.
    pub fn of(kpi: Kpi) -> Option<GroupKpi> {
        GroupKpi::ALL
            .into_iter()
            .find(|g| g.store_kpi() == Some(kpi))
    }

    /// The value in one replication from the group's counts and its time integrals
    /// (agents working, open chats, agents on duty, x seconds); `None` when undefined
    /// (the group answered nobody, or was never on duty).
    pub fn value(self, c: &GroupCounts, areas: [f64; 3]) -> Option<f64> {
        let ratio = |a: f64, b: u64| (b > 0).then(|| a / b as f64);
        let per_agent = |a: f64| (areas[2] > 0.0).then(|| a / areas[2]);
        match self {
            GroupKpi::Chats => Some(c.chats as f64),
            GroupKpi::FirstResponseMeanS => ratio(c.first_response_sum_s, c.first_replies),
            GroupKpi::FirstReply30sShare => ratio(c.first_reply_30s as f64, c.first_replies),
            GroupKpi::AvgResponseS => ratio(c.reply_response_sum_s, c.replies),
            GroupKpi::InquiryConversion => ratio(c.buyers, c.inquiries),
            GroupKpi::CsGmv => (c.inquiries > 0).then_some(c.cs_gmv),
            GroupKpi::AgentUtilisation => per_agent(areas[0]),
            GroupKpi::MeanConcurrency => per_agent(areas[1]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_kpis_divide_by_what_the_group_did() {
        let c = GroupCounts {
            chats: 10,
            first_replies: 4,
            first_response_sum_s: 80.0,
            first_reply_30s: 3,
            replies: 20,
            reply_response_sum_s: 300.0,
            inquiries: 5,
            buyers: 3.0,
            cs_gmv: 900.0,
        };
        let areas = [1800.0, 7200.0, 3600.0];
        let v = |k: GroupKpi| k.value(&c, areas);
        assert_eq!(v(GroupKpi::FirstResponseMeanS), Some(20.0));
        assert_eq!(v(GroupKpi::FirstReply30sShare), Some(0.75));
        assert_eq!(v(GroupKpi::AvgResponseS), Some(15.0));
        assert_eq!(v(GroupKpi::InquiryConversion), Some(0.6));
        assert_eq!(v(GroupKpi::AgentUtilisation), Some(0.5));
        assert_eq!(v(GroupKpi::MeanConcurrency), Some(2.0));
        let idle = GroupCounts::default();
        assert_eq!(GroupKpi::InquiryConversion.value(&idle, [0.0; 3]), None);
        assert_eq!(
            GroupKpi::of(Kpi::InquiryConversion),
            Some(GroupKpi::InquiryConversion)
        );
        assert_eq!(GroupKpi::of(Kpi::ReplyRate), None);
    }
}
