//! Network and hardware between agents and the platform: per-site delivery delays, stalls
//! and disconnects, workstation lag that grows with open chats, site outages, and platform
//! delay that grows in the peak minutes. A plan change ("upgrade home agents' network",
//! "replace old PCs") is an edit of these values.

use crate::distribution::DurationSpec;
use crate::engine::SimTime;
use crate::roster::Window;

/// Where agents work and what their connection does to each message.
#[derive(Clone, Debug, PartialEq)]
pub struct Site {
    /// Name used by groups and outages.
    pub name: String,
    /// One-way delivery delay of each message to or from an agent here.
    pub delay: DurationSpec,
    /// Probability that a message stalls.
    pub stall_prob: f64,
    /// Extra delay of a stalled message.
    pub stall: DurationSpec,
    /// Disconnects per agent-hour on duty.
    pub disconnects_per_hour: f64,
    /// Time to log in again after a disconnect; the agent's chats get no replies meanwhile.
    pub relogin: DurationSpec,
}

/// A class of agent PC and chat client.
#[derive(Clone, Debug, PartialEq)]
pub struct Workstation {
    /// Name used by groups.
    pub name: String,
    /// Client lag added to every reply, seconds.
    pub lag_base_s: f64,
    /// Extra lag per open chat, seconds (an old PC slows as chats pile up).
    pub lag_per_chat_s: f64,
}

impl Workstation {
    /// The lag of one reply while the agent holds `open_chats`.
    pub fn lag(&self, open_chats: u16) -> SimTime {
        SimTime::from_secs_f64(self.lag_base_s + self.lag_per_chat_s * f64::from(open_chats))
    }
}

/// A site's agents cannot reply during `window`.
#[derive(Clone, Debug, PartialEq)]
pub struct Outage {
    /// Index into [`Network::sites`].
    pub site: usize,
    /// When.
    pub window: Window,
    /// After this long into the outage, the agents' chats go back to the queue for others.
    pub reassign_after: Option<SimTime>,
}

/// The network and hardware plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    /// Platform delivery delay of every message.
    pub platform_delay: DurationSpec,
    /// Extra platform delay inside the scenario's peak windows.
    pub platform_peak_extra: DurationSpec,
    /// Sites.
    pub sites: Vec<Site>,
    /// Workstation classes.
    pub workstations: Vec<Workstation>,
    /// Site outages.
    pub outages: Vec<Outage>,
    /// Site index of each agent group (by group index), if its site is listed.
    pub group_site: Vec<Option<usize>>,
    /// Workstation index of each agent group, if it names one.
    pub group_workstation: Vec<Option<usize>>,
}
