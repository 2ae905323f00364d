//! `lookbook-worker run` relays the outbox and carries out tasks;
//! `lookbook-worker parked` lists parked tasks; `lookbook-worker replay`
//! moves them back to their work queues; `lookbook-worker vapid-key` prints
//! a new VAPID private key for `VAPID_PRIVATE_KEY`; `lookbook-worker emoji`
//! adds, removes and lists custom emojis ([`lookbook_worker::emoji`]).

use std::process::ExitCode;

use lookbook_core::Config;
use lookbook_worker::{Worker, emoji, parked};
use tokio_util::sync::CancellationToken;

const USAGE: &str = "usage: lookbook-worker [run | parked | replay | vapid-key | emoji ...]";

#[tokio::main]
async fn main() -> ExitCode {
    lookbook_core::telemetry::init_logs();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut emoji_command = None;
    let command = match args.as_slice() {
        [] => "run",
        [first, rest @ ..] if first == "emoji" => match emoji::Command::parse(rest) {
            Ok(emoji::Command::Help) => {
                println!("{}", emoji::USAGE);
                return ExitCode::SUCCESS;
            }
            Ok(parsed) => {
                emoji_command = Some(parsed);
                "emoji"
            }
            Err(err) => {
                eprintln!("lookbook-worker: {err}");
                return ExitCode::from(err.exit_code());
            }
        },
        [one] if matches!(one.as_str(), "run" | "parked" | "replay") => one.as_str(),
        [one] if one == "vapid-key" => {
            // Needs no configuration: a key for the operator to keep.
            println!(
                "{}",
                lookbook_core::webpush::vapid::Vapid::generate_private()
            );
            return ExitCode::SUCCESS;
        }
        [one] if matches!(one.as_str(), "-h" | "--help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!(
                "lookbook-worker: unexpected arguments: {}\n{USAGE}",
                args.join(" ")
            );
            return ExitCode::from(2);
        }
    };
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::from(2);
        }
    };
    if let Some(command) = emoji_command {
        return match emoji::run(&config, command).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("lookbook-worker: {err}");
                ExitCode::from(err.exit_code())
            }
        };
    }
    let outcome = match command {
        "parked" => list_parked(&config).await,
        "replay" => parked::replay(&config)
            .await
            .map(|n| println!("replayed {n} parked task(s)")),
        _ => run(config).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("lookbook-worker: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> lookbook_core::Result<()> {
    // Counters recorded from the start are all rendered.
    lookbook_core::telemetry::prometheus();
    let metrics_bind = config.worker_metrics_bind;
    let worker = Worker::build(config).await?;
    let stop = CancellationToken::new();
    let serving = stop.clone();
    tokio::spawn(async move {
        // Without its metrics a worker still works: it says so and goes on.
        if let Err(error) = lookbook_worker::metrics::serve(metrics_bind, serving).await {
            tracing::error!(%error, address = %metrics_bind, "worker metrics cannot be served");
        }
    });
    let signal = stop.clone();
    tokio::spawn(async move {
        lookbook_core::telemetry::shutdown_signal().await;
        tracing::info!("stopping: finishing in-flight tasks");
        signal.cancel();
    });
    worker.run(stop).await;
    Ok(())
}

async fn list_parked(config: &Config) -> lookbook_core::Result<()> {
    let tasks = parked::list(config).await?;
    for task in &tasks {
        let id = task
            .task_id
            .map_or_else(|| "-".to_string(), |id| id.to_string());
        println!(
            "{id}\t{}\tattempts={}\t{}\t{}",
            task.kind, task.attempts, task.error, task.body
        );
    }
    println!("{} parked task(s)", tasks.len());
    Ok(())
}
