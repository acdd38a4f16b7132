//! graphgate's fuzzing harness, on stable Rust: each target is an ordinary
//! test that replays its corpus (`fuzz/corpus/<target>/`, real-client
//! transcripts, real messages, Graph answers and every failure found so
//! far), then feeds mutated corpus entries to the real code for a time
//! budget, checking properties of the answers, not just that nothing
//! panicked. cargo-fuzz needs nightly, which this toolchain does not have;
//! coverage feedback is traded for a mutator that knows the input formats.
//!
//! Knobs, read from the environment (docs/fuzzing.md):
//! - `GRAPHGATE_FUZZ_SECONDS`: budget per target (default 2; CI sets it).
//! - `GRAPHGATE_FUZZ_SEED`: the run's seed (default: from the clock). Input
//!   number `i` is a function of the seed, `i` and the corpus only.
//! - `GRAPHGATE_FUZZ_ITER`: replay only that input of that seed.
//!
//! A failure is saved as `fuzz/corpus/<target>/found-<hash>` (commit it with
//! the fix: from then on every run replays it) and the test fails with the
//! seed and iteration that reproduce it. An input that runs for a minute
//! (code spinning without yielding, which no async timeout can stop) is
//! saved the same way and ends the test process.

mod corpus;
mod imap;
mod imap_backend;
mod imap_check;
mod loopback;
mod mime;
mod mutate;
mod mutf7;
mod sasl;
mod smtp;

use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

pub(crate) use mutate::{Rng, Shape};

/// The one account of the fuzzed sessions: login `fuzz`, password `fuzz`.
fn fuzz_login(
    login: &str,
    password: &crate::secret::Secret,
) -> Result<crate::accounts::Account, crate::accounts::LoginError> {
    if login.eq_ignore_ascii_case("fuzz") && password.expose() == "fuzz" {
        Ok(crate::accounts::Account {
            login: "fuzz".into(),
            microsoft_user: "fuzz@contoso.test".into(),
            mode: crate::accounts::Mode::Delegated,
            created_at: 0,
            password_id: None,
        })
    } else {
        Err(crate::accounts::LoginError::BadCredentials)
    }
}

/// What one execution concluded: `Err` names the property that broke.
pub(crate) type Verdict = Result<(), String>;

/// The knobs of one run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Run {
    pub seed: u64,
    pub budget: Duration,
    /// Replay only this iteration.
    pub only: Option<u64>,
}

impl Run {
    pub(crate) fn from_env() -> Run {
        let budget = std::env::var("GRAPHGATE_FUZZ_SECONDS")
            .ok()
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map_or(Duration::from_secs(2), Duration::from_secs_f64);
        let seed = std::env::var("GRAPHGATE_FUZZ_SEED")
            .ok()
            .and_then(|s| parse_u64(&s))
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            });
        let only = std::env::var("GRAPHGATE_FUZZ_ITER")
            .ok()
            .and_then(|s| parse_u64(&s));
        Run { seed, budget, only }
    }
}

fn parse_u64(s: &str) -> Option<u64> {
    let s = s.trim();
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

/// The deepest BODYSTRUCTURE imap-codec's response parser reads: it allows
/// eight recursions and spends one per body level, so a leaf seven levels
/// down is the last it accepts. graphgate sends deeper structures when a
/// message has them (forwards of forwards do; Dovecot's limit is about
/// 100 levels, ours `mime::scan::MAX_DEPTH`), so the checks that read
/// responses back with imap-codec keep to structures it can read.
pub(crate) const PARSER_BODY_DEPTH: usize = 7;

/// Levels of a BODYSTRUCTURE: a single part is 1, a message/rfc822 part or
/// a multipart one more than what it holds.
pub(crate) fn body_depth(bs: &imap_types::body::BodyStructure<'_>) -> usize {
    use imap_types::body::{BodyStructure, SpecificFields};
    match bs {
        BodyStructure::Multi { bodies, .. } => {
            1 + bodies.as_ref().iter().map(body_depth).max().unwrap_or(0)
        }
        BodyStructure::Single { body, .. } => match &body.specific {
            SpecificFields::Message { body_structure, .. } => 1 + body_depth(body_structure),
            _ => 1,
        },
    }
}

/// The messages of the MIME corpus, for targets that need a mailbox: those
/// whose structure imap-codec's parser can read back (`PARSER_BODY_DEPTH`;
/// deeper ones are the MIME target's business).
pub(crate) fn corpus_messages() -> &'static [bytes::Bytes] {
    static MESSAGES: std::sync::OnceLock<Vec<bytes::Bytes>> = std::sync::OnceLock::new();
    MESSAGES.get_or_init(|| {
        corpus::load("mime")
            .into_iter()
            .map(|e| bytes::Bytes::from(e.bytes))
            .filter(|raw| {
                let parsed = crate::mime::ParsedMessage::from_bytes(raw.clone());
                body_depth(&parsed.body_structure(true)) <= PARSER_BODY_DEPTH
            })
            .collect()
    })
}

/// How long one input may run before the run is called hung. A session's
/// own timeout cannot fire while the code under test spins without
/// yielding; this thread can.
const STUCK: Duration = Duration::from_secs(60);

/// A thread that watches the input being run: if one runs for `STUCK`, it
/// saves the input, says how to reproduce it and ends the test process
/// (a spinning thread cannot be stopped, and the test would never end).
struct Watchdog {
    current: std::sync::Arc<std::sync::Mutex<Option<Running>>>,
}

/// The input being run: since when, its bytes, how to name it.
type Running = (Instant, Vec<u8>, String);

impl Watchdog {
    fn start(target: &'static str) -> Watchdog {
        let current: std::sync::Arc<std::sync::Mutex<Option<Running>>> = Default::default();
        let watched = std::sync::Arc::downgrade(&current);
        std::thread::spawn(move || {
            while let Some(current) = watched.upgrade() {
                let stuck = current
                    .lock()
                    .ok()
                    .and_then(|c| c.clone())
                    .filter(|(since, _, _)| since.elapsed() > STUCK);
                if let Some((_, input, what)) = stuck {
                    let saved = corpus::save_finding(target, &input);
                    // Past the test's output capture, which would be lost.
                    let _ = writeln!(
                        std::io::stderr(),
                        "fuzz target `{target}` hung for {} s on {what}\n  input saved as {saved}",
                        STUCK.as_secs()
                    );
                    std::process::exit(101);
                }
                drop(current);
                std::thread::sleep(Duration::from_secs(1));
            }
        });
        Watchdog { current }
    }

    fn running(&self, input: &[u8], what: String) {
        if let Ok(mut c) = self.current.lock() {
            *c = Some((Instant::now(), input.to_vec(), what));
        }
    }

    fn done(&self) {
        if let Ok(mut c) = self.current.lock() {
            *c = None;
        }
    }
}

/// Figures of a finished run, printed for the record.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stats {
    pub replayed: usize,
    pub executions: u64,
    pub elapsed: Duration,
}

/// Run `exec` on every corpus entry of `target`, then on mutated inputs
/// until the budget is spent. Panics (failing the test) at the first
/// broken property or panic, after saving the input.
pub(crate) fn fuzz(
    target: &'static str,
    shape: &Shape,
    mut exec: impl FnMut(&[u8]) -> Verdict,
) -> Stats {
    let run = Run::from_env();
    let corpus = corpus::load(target);
    let inputs: Vec<Vec<u8>> = corpus.iter().map(|e| e.bytes.clone()).collect();
    let started = Instant::now();
    let watchdog = Watchdog::start(target);
    let mut check = |input: &[u8], what: &dyn Fn() -> String| {
        watchdog.running(input, what());
        let verdict = match catch_unwind(AssertUnwindSafe(|| exec(input))) {
            Ok(verdict) => verdict,
            Err(panic) => Err(format!("panic: {}", panic_text(&*panic))),
        };
        watchdog.done();
        if let Err(why) = verdict {
            let saved = corpus::save_finding(target, input);
            panic!(
                "fuzz target `{target}` failed on {}: {why}\n  input saved as {saved}\n  \
                 reproduce: GRAPHGATE_FUZZ_SEED={} cargo test --release --lib fuzz::{target}",
                what(),
                run.seed,
            );
        }
    };
    if let Some(i) = run.only {
        let input = mutate::mutate(&inputs, shape, &mut Rng::for_iteration(run.seed, i));
        check(&input, &|| format!("seed {} iteration {i}", run.seed));
        return Stats {
            replayed: 0,
            executions: 1,
            elapsed: started.elapsed(),
        };
    }
    for entry in &corpus {
        check(&entry.bytes, &|| format!("corpus entry {}", entry.name));
    }
    let mut executions = 0u64;
    while started.elapsed() < run.budget {
        let i = executions;
        let input = mutate::mutate(&inputs, shape, &mut Rng::for_iteration(run.seed, i));
        check(&input, &|| {
            format!(
                "seed {} iteration {i} (GRAPHGATE_FUZZ_SEED={} GRAPHGATE_FUZZ_ITER={i})",
                run.seed, run.seed
            )
        });
        executions += 1;
    }
    let stats = Stats {
        replayed: corpus.len(),
        executions,
        elapsed: started.elapsed(),
    };
    report(target, &run, &stats);
    stats
}

/// One line per target, for the record (`--nocapture` shows it).
pub(crate) fn report(target: &str, run: &Run, stats: &Stats) {
    eprintln!(
        "fuzz {target}: {} corpus entries replayed, {} mutated inputs in {:.1} s, seed {}",
        stats.replayed,
        stats.executions,
        stats.elapsed.as_secs_f64(),
        run.seed
    );
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".to_string()
    }
}

/// A short, printable excerpt of bytes for a failure message.
pub(crate) fn excerpt(bytes: &[u8]) -> String {
    let shown = &bytes[..bytes.len().min(300)];
    let mut text = String::from_utf8_lossy(shown).escape_debug().to_string();
    if bytes.len() > shown.len() {
        text.push_str(&format!("… ({} bytes)", bytes.len()));
    }
    text
}

/// A proptest strategy run for the time budget, in rounds of 256 cases
/// seeded from the run's seed (round `r` uses the seed and `r` only). A
/// failing value is shrunk by proptest, saved into the target's corpus
/// with `to_bytes` (so the corpus replay checks it from then on) and
/// reported with the seed.
pub(crate) fn prop<S: proptest::strategy::Strategy>(
    target: &'static str,
    strategy: S,
    to_bytes: impl Fn(&S::Value) -> Vec<u8>,
    test: impl Fn(S::Value) -> Verdict,
) -> Stats
where
    S::Value: std::fmt::Debug,
{
    use proptest::test_runner::{
        Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner,
    };

    let run = Run::from_env();
    let started = Instant::now();
    let mut executions = 0u64;
    let mut round = 0u64;
    // At least one round, however small the budget.
    while round == 0 || started.elapsed() < run.budget {
        let mut seed = [0u8; 32];
        let mut rng = Rng::for_iteration(run.seed, round);
        for chunk in seed.chunks_mut(8) {
            chunk.copy_from_slice(&rng.next().to_le_bytes());
        }
        let config = Config {
            cases: 256,
            failure_persistence: None,
            ..Config::default()
        };
        let mut runner =
            TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
        let result = runner.run(&strategy, |value| test(value).map_err(TestCaseError::fail));
        executions += 256;
        match result {
            Ok(()) => {}
            Err(TestError::Fail(why, value)) => {
                let saved = corpus::save_finding(target, &to_bytes(&value));
                panic!(
                    "fuzz target `{target}` failed (seed {} round {round}): {why}\n  \
                     minimal input {value:?}\n  saved as {saved}",
                    run.seed
                );
            }
            Err(TestError::Abort(why)) => panic!("fuzz target `{target}` aborted: {why}"),
        }
        round += 1;
    }
    let stats = Stats {
        replayed: 0,
        executions,
        elapsed: started.elapsed(),
    };
    report(target, &run, &stats);
    stats
}
