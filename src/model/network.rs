//! Network and hardware in the model: delivery delay of each message leg, workstation lag,
//! agent disconnects, and site outages with optional reassignment of chats.

use rand::RngExt;
use rand_distr::{Distribution, Exp};

use super::customers::{CustRef, Gone, State};
use super::{Ev, Model};
use crate::distribution::Duration;
use crate::engine::{EventQueue, SimTime};
use crate::routing::AgentId;

/// Samplers of one site.
pub(super) struct SiteSamplers {
    delay: Duration,
    stall: Duration,
    stall_prob: f64,
    relogin: Duration,
    disconnect_gap: Option<Exp<f64>>,
}

/// Samplers of the whole network.
pub(super) struct NetSamplers {
    platform: Duration,
    peak_extra: Duration,
    sites: Vec<SiteSamplers>,
}

impl NetSamplers {
    pub(super) fn build(net: &crate::network::Network) -> Self {
        NetSamplers {
            platform: net.platform_delay.build(),
            peak_extra: net.platform_peak_extra.build(),
            sites: net
                .sites
                .iter()
                .map(|s| SiteSamplers {
                    delay: s.delay.build(),
                    stall: s.stall.build(),
                    stall_prob: s.stall_prob,
                    relogin: s.relogin.build(),
                    disconnect_gap: (s.disconnects_per_hour > 0.0).then(|| {
                        Exp::new(s.disconnects_per_hour / 3600.0).expect("validated rate")
                    }),
                })
                .collect(),
        }
    }
}

impl Model<'_> {
    /// Delivery delay of one message between agent `a` and the customer (either way).
    pub(super) fn leg_delay(&mut self, a: AgentId, now: SimTime) -> SimTime {
        let Some(net) = self.net.as_ref() else {
            return SimTime::ZERO;
        };
        let rng = &mut self.rng_network;
        let mut d = net.platform.sample(rng);
        if self.sc.peaks.iter().any(|w| w.contains(now)) {
            d += net.peak_extra.sample(rng);
        }
        if let Some(site) = self.agents[a as usize].site.map(|s| &net.sites[s]) {
            d += site.delay.sample(rng);
            if site.stall_prob > 0.0 && rng.random::<f64>() < site.stall_prob {
                d += site.stall.sample(rng);
            }
        }
        d
    }

    /// Client lag of one reply by agent `a` (its workstation, its open chats).
    pub(super) fn client_lag(&self, a: AgentId) -> SimTime {
        let agent = &self.agents[a as usize];
        match (agent.workstation, self.sc.network.as_ref()) {
            (Some(w), Some(net)) => net.workstations[w].lag(agent.load),
            _ => SimTime::ZERO,
        }
    }

    /// Starts agent `a`'s chain of disconnects, if its site has any.
    pub(super) fn start_disconnects(&mut self, a: AgentId, q: &mut EventQueue<Ev>) {
        let agent = &self.agents[a as usize];
        if agent.disconnects_running {
            return;
        }
        let Some(gap) = agent
            .site
            .and_then(|s| self.net.as_ref().and_then(|n| n.sites[s].disconnect_gap))
        else {
            return;
        };
        self.agents[a as usize].disconnects_running = true;
        let t = SimTime::from_secs_f64(gap.sample(&mut self.rng_network));
        q.schedule(q.now() + t, Ev::Disconnect(a));
    }

    pub(super) fn on_disconnect(&mut self, a: AgentId, q: &mut EventQueue<Ev>) {
        let now = q.now();
        if !self.agents[a as usize].present {
            self.agents[a as usize].disconnects_running = false;
            return;
        }
        let site = self.agents[a as usize]
            .site
            .expect("disconnects need a site");
        let net = self.net.as_ref().expect("disconnects need a network");
        let back = now + net.sites[site].relogin.sample(&mut self.rng_network);
        let gap = net.sites[site].disconnect_gap.expect("disconnect rate");
        let next = back + SimTime::from_secs_f64(gap.sample(&mut self.rng_network));
        if self.customers_counted_at(now) {
            self.counters.disconnects += 1;
        }
        self.go_offline(a, back, now);
        q.schedule(back, Ev::Reconnect(a));
        q.schedule(next, Ev::Disconnect(a));
    }

    fn customers_counted_at(&self, now: SimTime) -> bool {
        now >= self.sc.warmup && now < self.sc.horizon
    }

    fn go_offline(&mut self, a: AgentId, until: SimTime, now: SimTime) {
        let agent = &mut self.agents[a as usize];
        agent.offline = true;
        agent.offline_until = agent.offline_until.max(until);
        self.notify_router(a, now);
    }

    /// Agent `a` may be back: it resumes replying and takes chats again.
    pub(super) fn on_reconnect(&mut self, a: AgentId, q: &mut EventQueue<Ev>) {
        let now = q.now();
        let agent = &mut self.agents[a as usize];
        if !agent.offline || now < agent.offline_until {
            return;
        }
        agent.offline = false;
        self.notify_router(a, now);
        self.start_compose_if_idle(a, q);
        self.fill(a, q);
    }

    fn site_agents(&self, outage: usize) -> Vec<AgentId> {
        let site = self
            .sc
            .network
            .as_ref()
            .expect("outage without network")
            .outages[outage]
            .site;
        (0..self.agents.len() as AgentId)
            .filter(|&a| self.agents[a as usize].site == Some(site))
            .collect()
    }

    pub(super) fn on_outage_start(&mut self, i: usize, q: &mut EventQueue<Ev>) {
        let now = q.now();
        let end = self.sc.network.as_ref().expect("outage").outages[i]
            .window
            .end;
        for a in self.site_agents(i) {
            self.go_offline(a, end, now);
        }
    }

    pub(super) fn on_outage_end(&mut self, i: usize, q: &mut EventQueue<Ev>) {
        for a in self.site_agents(i) {
            self.on_reconnect(a, q);
        }
    }

    /// The outage has lasted long enough: its agents' chats go back to the queue.
    pub(super) fn on_reassign(&mut self, i: usize, q: &mut EventQueue<Ev>) {
        for a in self.site_agents(i) {
            if self.agents[a as usize].offline {
                self.reassign_chats(a, q);
            }
        }
    }

    fn reassign_chats(&mut self, a: AgentId, q: &mut EventQueue<Ev>) {
        let now = q.now();
        let chats: Vec<CustRef> = self.agents[a as usize].chats.iter().map(|x| x.0).collect();
        for c in chats {
            let Some(cu) = self.customers.try_get(c) else {
                continue;
            };
            let owed = cu.msgs_sent > cu.replies && self.sc.inbox.keep_messages && !cu.withdrew;
            if (cu.gone != Gone::No && !owed) || cu.state != State::Chat {
                self.release(c, q);
                continue;
            }
            let agent = &mut self.agents[a as usize];
            self.in_inboxes -= super::messages::remove_from_inbox(&mut agent.inbox, c);
            agent.chats.retain(|x| x.0 != c);
            if agent.composing == Some(c) {
                agent.composing = None;
                agent.token = agent.token.wrapping_add(1);
                let g = usize::from(agent.group);
                self.group_levels[g][0].add(now, -1, &self.clocking);
            }
            self.change_load(a, -1, now);
            let cu = self.customers.get_mut(c);
            cu.state = if cu.gone == Gone::No {
                State::Waiting
            } else {
                State::Ghost
            };
            let (class, counted) = (cu.queue_class, cu.counted);
            if counted {
                self.counters.reassigned += 1;
            }
            self.join_line(c, class, now, true);
            self.dispatch(class, q);
        }
        self.maybe_go_off_duty(a, now);
        self.maybe_start_break(a, q);
    }

    /// Gives waiting customers of `class` to agents the router finds, while it finds any.
    pub(super) fn dispatch(&mut self, class: crate::class::Class, q: &mut EventQueue<Ev>) {
        while self.queue_head(class.index()).is_some() {
            let Some(b) = self.router.route(class, q.now()) else {
                break;
            };
            self.check_routable(b, class);
            let c = self.queues[class.index()].pop_front().expect("head exists");
            self.leave_line(c, q.now());
            self.assign(c, b, q);
        }
    }
}
