//! Drawing speed: one frame of a busy board (100 things: a load balancer in
//! front of 99 instances, mid-run, every chart live) into ratatui's
//! `TestBackend`. Run with `cargo bench --bench frame`.

use peakload::format::Solution;
use peakload::format::solution::{Algorithm, LoadBalancer, Purchase, Scheme, Thing};
use peakload::tui::app::App;
use peakload::tui::keymap::Msg;
use peakload::tui::progress::Store;
use peakload::tui::strings::Lang;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn main() {
    divan::main();
}

fn busy_app() -> App {
    let mut app = App::new(Some(Lang::En), Store::none()).expect("bundled data");
    app.open_sandbox(1);
    let mut solution = Solution::default();
    solution.things.push(Thing::LoadBalancer(LoadBalancer {
        id: "front".into(),
        scheme: Scheme::InternetFacing,
        algorithm: Algorithm::RoundRobin,
        draining: None,
        health_interval: None,
        healthy_threshold: None,
    }));
    solution.links.push(("visitors".into(), "front".into()));
    for i in 0..99 {
        let id = format!("web-{i}");
        solution.things.push(Thing::Instance {
            id: id.clone(),
            instance_type: "m5.large".into(),
            purchase: Purchase::OnDemand,
        });
        solution.links.push(("front".into(), id.clone()));
        solution
            .layout
            .insert(id, (1 + (i % 11) as u16, (i / 11) as u16));
    }
    let level = app.play.as_ref().expect("sandbox open").level.clone();
    app.open(level, solution, None, None);
    app.update(Msg::Run);
    let play = app.play.as_mut().expect("open");
    assert!(play.run.is_some(), "busy board runs: {:?}", play.status);
    play.select("web-5");
    let run = play.run.as_mut().expect("running");
    for _ in 0..2000 {
        run.step();
    }
    run.refresh();
    app
}

#[divan::bench(args = [(80, 24), (160, 48), (200, 50)], sample_count = 50)]
fn draw_busy_board(bencher: divan::Bencher, size: (u16, u16)) {
    let mut app = busy_app();
    app.size = size;
    let mut terminal = Terminal::new(TestBackend::new(size.0, size.1)).expect("terminal");
    bencher.bench_local(|| {
        terminal
            .draw(|f| f.render_widget(&app, f.area()))
            .expect("draws");
    });
}
