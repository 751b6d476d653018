//! What one agent group did: the per-group counts a store reads sub-account group by group.

/// What one agent group did for counted customers: the per-group outputs (a store reads
/// each sub-account group's 接待量, 首响, 平响 and 询单转化率 apart).
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GroupCounts {
    /// Chats the group's agents took (every assignment: reassignments and hand-overs too).
    pub chats: u64,
    /// Customers whose first human reply came from the group.
    pub first_replies: u64,
    /// Sum of their first responses (from the chat reaching a human), s.
    pub first_response_sum_s: f64,
    /// Their first responses within 30 s.
    pub first_reply_30s: u64,
    /// Replies the group delivered to messages sent in scoring hours (平响's rounds).
    pub replies: u64,
    /// Sum of those replies' response times, each capped as 平响 caps it, s.
    pub reply_response_sum_s: f64,
    /// Pre-sale customers the group answered first while they were there (its 询单).
    pub inquiries: u64,
    /// Their expected buyers.
    pub buyers: f64,
    /// Their expected CS-assisted GMV, currency units.
    pub cs_gmv: f64,
}

impl GroupCounts {
    /// Adds another replication's (or shard's) counts.
    pub fn add(&mut self, o: &GroupCounts) {
        self.chats += o.chats;
        self.first_replies += o.first_replies;
        self.first_response_sum_s += o.first_response_sum_s;
        self.first_reply_30s += o.first_reply_30s;
        self.replies += o.replies;
        self.reply_response_sum_s += o.reply_response_sum_s;
        self.inquiries += o.inquiries;
        self.buyers += o.buyers;
        self.cs_gmv += o.cs_gmv;
    }
}
