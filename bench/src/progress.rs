//! A one-line progress bar on standard error, redrawn at most ten times a
//! second, for the long steps of the data generator.

use std::io::Write as _;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Progress {
    label: String,
    total: u64,
    done: u64,
    started: Instant,
    drawn: Instant,
}

impl Progress {
    pub fn new(label: &str, total: u64) -> Progress {
        let now = Instant::now();
        let mut bar = Progress {
            label: label.to_string(),
            total: total.max(1),
            done: 0,
            started: now,
            drawn: now,
        };
        bar.draw();
        bar
    }

    pub fn add(&mut self, n: u64) {
        self.done = (self.done + n).min(self.total);
        if self.drawn.elapsed() >= Duration::from_millis(100) {
            self.draw();
        }
    }

    fn draw(&mut self) {
        const WIDTH: u64 = 30;
        let filled = (self.done * WIDTH / self.total) as usize;
        let rate = self.done as f64 / self.started.elapsed().as_secs_f64().max(0.001);
        eprint!(
            "\r  {:<16} [{}{}] {:>9}/{:<9} {:>9.0}/s",
            self.label,
            "#".repeat(filled),
            "-".repeat(WIDTH as usize - filled),
            self.done,
            self.total,
            rate
        );
        let _ = std::io::stderr().flush();
        self.drawn = Instant::now();
    }

    pub fn finish(mut self) {
        self.done = self.total;
        self.draw();
        eprintln!(" {:.1}s", self.started.elapsed().as_secs_f64());
    }
}
