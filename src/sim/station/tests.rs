use super::*;

fn terms(service_s: f64, deadline_s: f64, give_up_s: f64) -> Vec<KindTerms> {
    vec![KindTerms {
        service_s,
        deadline_s,
        give_up_s,
        waits: true,
        fixed: false,
    }]
}

fn arrivals(count: u64, expected: f64, at: f64) -> Vec<Cohort> {
    vec![Cohort {
        stream: 0,
        workload: 0,
        count,
        expected,
        arrived_s: at,
        tries: 0,
    }]
}

fn pooled(servers: u32, hold: u64) -> Capacity {
    Capacity {
        servers,
        slots_per_server: 1,
        hold_per_server: hold,
        sharing: Sharing::Pooled,
    }
}

/// Serves `per_tick` arrivals (expected as many) each tick of `ticks`; returns the tally's totals.
fn run(
    st: &mut Station,
    ticks: std::ops::Range<u32>,
    terms: &[KindTerms],
    cap: Capacity,
    per_tick: u64,
    tally: &mut Tally,
    sum: &mut Outcomes,
) {
    for tick in ticks {
        tally.begin_tick();
        let now = f64::from(tick);
        st.serve(
            now,
            1.0,
            terms,
            cap,
            &arrivals(per_tick, per_tick as f64, now + 0.5),
            tally,
        );
        sum.add(&tally.by_stream[0]);
    }
}

#[test]
fn light_load_is_all_ok_and_every_request_is_counted() {
    let mut st = Station::default();
    let mut tally = Tally::new(1);
    let mut sum = Outcomes::default();
    run(
        &mut st,
        0..100,
        &terms(0.1, 2.0, 30.0),
        pooled(10, 100),
        50,
        &mut tally,
        &mut sum,
    );
    assert_eq!(sum.late + sum.dropped_total(), 0, "{sum:?}");
    assert_eq!(sum.ok + st.in_flight(), 5000);
}

#[test]
fn no_room_to_wait_blocks_like_erlang_b() {
    let mut st = Station::default();
    let mut tally = Tally::new(1);
    let mut sum = Outcomes::default();
    // 3 servers at 1/s, 2.4 arriving a second, nowhere to wait: Erlang B 26.8%.
    let cap = Capacity {
        servers: 3,
        slots_per_server: 1,
        hold_per_server: 0,
        sharing: Sharing::Pooled,
    };
    let t = terms(1.0, 100.0, 100.0);
    for tick in 0..20_000 {
        tally.begin_tick();
        let now = f64::from(tick);
        // Alternate 2 and 3 arrivals so the count averages 2.4 (the expectation says 2.4).
        let n = if tick % 5 < 2 { 3 } else { 2 };
        st.serve(now, 1.0, &t, cap, &arrivals(n, 2.4, now + 0.5), &mut tally);
        sum.add(&tally.by_stream[0]);
    }
    let arrived = 48_000.0;
    let blocked = sum.dropped[DropReason::QueueFull.index()] as f64 / arrived;
    assert!((blocked - 0.268).abs() < 0.003, "{blocked}");
}

#[test]
fn a_burst_builds_a_backlog_that_drains() {
    let mut st = Station::default();
    let mut tally = Tally::new(1);
    let mut sum = Outcomes::default();
    let t = terms(0.1, 60.0, 600.0);
    let cap = pooled(10, 10_000);
    tally.begin_tick();
    st.serve(0.0, 1.0, &t, cap, &arrivals(400, 400.0, 0.5), &mut tally);
    sum.add(&tally.by_stream[0]);
    assert!(st.waiting() >= 250, "{}", st.waiting());
    run(&mut st, 1..20, &t, cap, 0, &mut tally, &mut sum);
    assert_eq!(st.in_flight(), 0);
    assert_eq!(sum.ok, 400);
}

#[test]
fn callers_who_give_up_never_hold_a_server() {
    // Twice the capacity for a minute, patience 10 s: the backlog stops
    // growing at ten seconds of work, and the servers serve only callers
    // still there (400 a second), never those who left.
    let mut st = Station::default();
    let mut tally = Tally::new(1);
    let mut sum = Outcomes::default();
    let t = terms(0.01, 60.0, 10.0);
    let cap = Capacity {
        servers: 1,
        slots_per_server: 4,
        hold_per_server: 1_000_000,
        sharing: Sharing::Pooled,
    };
    run(&mut st, 0..60, &t, cap, 800, &mut tally, &mut sum);
    let served = sum.ok + sum.late;
    // The servers are busy all 60 s: 400 a second.
    assert!((served as f64 - 24_000.0).abs() < 100.0, "served {served}");
    // At the end ten seconds of arrivals still wait; the rest left.
    assert!(st.in_flight().abs_diff(8_000) < 100, "{}", st.in_flight());
    let gave_up = sum.dropped[DropReason::GaveUp.index()];
    assert!(gave_up.abs_diff(16_000) < 200, "gave up {gave_up}");
    assert_eq!(served + gave_up + st.in_flight(), 48_000);
}

#[test]
fn a_split_takes_its_share_of_everything_held() {
    let mut st = Station::default();
    let mut tally = Tally::new(1);
    let t = terms(5.0, 60.0, 600.0);
    tally.begin_tick();
    st.serve(
        0.0,
        1.0,
        &t,
        pooled(2, 100),
        &arrivals(10, 10.0, 0.5),
        &mut tally,
    );
    let held = st.in_flight();
    let part = st.split_off(0.5);
    assert_eq!(part.in_flight() + st.in_flight(), held);
    assert!(part.in_flight().abs_diff(held / 2) <= 1);
}
