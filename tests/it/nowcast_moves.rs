//! `nowcast --moves`: what each move does to the scenario from the state's moment, and
//! moves that break a rule refused by file, move and key.

use d11sim::engine::SimTime;
use d11sim::nowcast::moves;
use d11sim::roster::Window;
use d11sim::scenario::Scenario;
use d11sim::scenario::clock::ClockTime;

use super::common::{raw_scenario, validate};

fn small() -> Scenario {
    validate(&raw_scenario("small_store.toml"))
}

fn t(sc: &Scenario, clock: &str) -> SimTime {
    sc.calendar
        .offset(ClockTime::parse(clock).unwrap())
        .unwrap()
}

fn one(sc: &Scenario, at: SimTime, text: &str) -> Scenario {
    let mut m = moves::load(text, "moves.toml", sc, at).unwrap();
    assert_eq!(m.len(), 1);
    m.remove(0).scenario
}

fn group(sc: &Scenario, name: &str) -> usize {
    sc.groups.iter().position(|g| g.name == name).unwrap()
}

#[test]
fn each_move_changes_what_it_names_from_the_moment() {
    let sc = small();
    let at = t(&sc, "11-10 23:40");
    let day = group(&sc, "day_staff");
    // the day staff's 03:00-15:00 shift brought in at midnight keeps its 12 hours
    let s = one(
        &sc,
        at,
        "[[move]]\nname = \"day staff at midnight\"\nmove_shift = { group = \"day_staff\", start = \"11-11 00:00\" }\n",
    );
    assert_eq!(
        s.groups[day].shifts,
        vec![Window {
            start: t(&sc, "11-11 00:00"),
            end: t(&sc, "11-11 12:00")
        }]
    );
    // with an end of its own; a moved shift that meets another becomes one with it
    let owner = group(&sc, "owner_and_staff");
    let s = one(
        &sc,
        at,
        "[[move]]\nname = \"owner back early\"\nmove_shift = { group = \"owner_and_staff\", start = \"11-11 02:00\", end = \"11-11 10:00\" }\n",
    );
    assert_eq!(
        s.groups[owner].shifts,
        vec![Window {
            start: t(&sc, "11-10 18:00"),
            end: t(&sc, "11-11 10:00")
        }]
    );
    // everything else is as it was
    assert_eq!(s.groups[day].shifts, sc.groups[day].shifts);
    // extend_shift moves the end of the shift under way
    let s = one(
        &sc,
        at,
        "[[move]]\nname = \"temps to 04:00\"\nextend_shift = { group = \"temps\", until = \"11-11 04:00\" }\n",
    );
    let temps = group(&sc, "temps");
    assert_eq!(s.groups[temps].shifts[0].end, t(&sc, "11-11 04:00"));
    // call_in adds a group like the one named, on from the login
    let s = one(
        &sc,
        at,
        "[[move]]\nname = \"+3\"\ncall_in = { group = \"temps\", agents = 3, login_delay_min = 15 }\n",
    );
    let called = s.groups.last().unwrap();
    assert_eq!((called.count, called.skills), (3, sc.groups[temps].skills));
    assert_eq!(called.shifts[0].start, t(&sc, "11-10 23:55"));
    let s = one(&sc, at, "[[move]]\nname = \"cap\"\ncap_line = 5\n");
    assert_eq!(s.routing.max_queue, Some(5));
}

#[test]
fn moves_that_break_a_rule_are_refused_by_key() {
    let sc = small();
    let at = t(&sc, "11-10 23:40");
    let cases = [
        (
            "move_shift = { group = \"day_staff\", start = \"11-10 23:00\" }",
            "move[0].move_shift.start: must come at or after the state's moment",
        ),
        (
            "move_shift = { group = \"day_staff\", start = \"11-11 01:00\", end = \"11-11 00:30\" }",
            "move[0].move_shift.end: must come after its start",
        ),
        (
            "move_shift = { group = \"night\", start = \"11-11 01:00\" }",
            "move[0].move_shift.group: no group `night`",
        ),
        (
            "extend_shift = { group = \"temps\", until = \"11-10 23:00\" }",
            "move[0].extend_shift.until: must come after",
        ),
        (
            "call_in = { group = \"temps\", agents = 0 }",
            "move[0].call_in.agents: must be 1 to 100000",
        ),
        (
            "bot_window = { share = 0.9 }",
            "move[0].bot_window: the scenario has no [bot]",
        ),
        (
            "split = { group = \"temps\" }",
            "move[0].split: give tier, weight or soft_cap",
        ),
        (
            "cap_line = 5\nextend_shift = { group = \"temps\", until = \"11-11 04:00\" }",
            "move[0].name: give exactly one of",
        ),
    ];
    for (body, want) in cases {
        let text = format!("[[move]]\nname = \"m\"\n{body}\n");
        let e = match moves::load(&text, "moves.toml", &sc, at) {
            Ok(_) => panic!("{body}: accepted"),
            Err(e) => e,
        };
        assert!(
            e.starts_with("moves.toml: ") && e.contains(want),
            "{body}: {e}"
        );
    }
    // at 20:00 on the 11th the temps' last shift is under way
    let late = t(&sc, "11-11 20:00");
    let e = moves::load(
        "[[move]]\nname = \"m\"\nmove_shift = { group = \"temps\", start = \"11-11 21:00\" }\n",
        "moves.toml",
        &sc,
        late,
    )
    .err()
    .unwrap();
    assert!(
        e.contains("move[0].move_shift.group: group `temps` has no shift still to start"),
        "{e}"
    );
}
