//! A progress line on stderr, only when stderr is a terminal and progress
//! was asked for. Silent (and free) otherwise.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::stats::Stats;

#[derive(Clone)]
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    stats: Stats,
    /// Accounts done and to do, when the audit spans an organization.
    accounts: Arc<[AtomicU64; 2]>,
}

impl Progress {
    pub(crate) fn new(wanted: bool, stats: &Stats) -> Self {
        let bar = (wanted && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template("{spinner} {pos}/{len} regions  {msg}  {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Progress {
            bar,
            stats: stats.clone(),
            accounts: Arc::default(),
        }
    }

    pub(crate) fn silent() -> Self {
        Progress {
            bar: None,
            stats: Stats::new(),
            accounts: Arc::default(),
        }
    }

    pub(crate) fn add_scopes(&self, n: u64) {
        if let Some(b) = &self.bar {
            b.inc_length(n);
        }
    }

    pub(crate) fn page(&self) {
        if let Some(b) = &self.bar {
            let [done, total] = [0, 1].map(|i| self.accounts[i].load(Ordering::Relaxed));
            let accounts = if total > 0 {
                format!("{done}/{total} accounts  ")
            } else {
                String::new()
            };
            b.set_message(format!("{accounts}{} API calls", self.stats.calls()));
        }
    }

    pub(crate) fn scope_done(&self) {
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }

    pub(crate) fn add_accounts(&self, n: u64) {
        self.accounts[1].fetch_add(n, Ordering::Relaxed);
        self.page();
    }

    pub(crate) fn account_done(&self) {
        self.accounts[0].fetch_add(1, Ordering::Relaxed);
        self.page();
    }

    pub(crate) fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
