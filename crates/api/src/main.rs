//! `lookbook-api serve` runs an API instance; `lookbook-api migrate` applies
//! the database migrations (once per deploy, before instances start);
//! `lookbook-api announce` publishes and manages announcements.

use std::process::ExitCode;

use lookbook_api::Application;
use lookbook_core::Config;
use lookbook_core::db::Db;

const USAGE: &str = "usage: lookbook-api [serve | migrate | announce ... (see announce --help)]";

/// mimalloc instead of the system allocator: rendering is allocation-heavy,
/// and glibc's malloc spent a fifth of the CPU of a timeline request.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    lookbook_core::telemetry::init_logs();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match args.as_slice() {
        [first, rest @ ..] if first == "announce" => {
            return lookbook_api::announce::main(rest).await;
        }
        [] => "serve",
        [one] if matches!(one.as_str(), "serve" | "migrate") => one.as_str(),
        [one] if matches!(one.as_str(), "-h" | "--help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!(
                "lookbook-api: unexpected arguments: {}\n{USAGE}",
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
    let outcome = match command {
        "migrate" => migrate(&config).await,
        _ => serve(config).await,
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "lookbook-api stopped");
            eprintln!("lookbook-api: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Creates the database when it does not exist yet (the role needs
/// CREATEDB for that), then applies the pending migrations.
async fn migrate(config: &Config) -> anyhow::Result<()> {
    if lookbook_core::db::create_if_missing(config.database.url.expose()).await? {
        tracing::info!("database created");
    }
    let db = Db::connect_lazy(&config.database)?;
    db.migrate().await?;
    tracing::info!("migrations applied");
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let app = Application::build(config).await?;
    tracing::info!(port = app.port(), "serving");
    app.run_until_stopped(lookbook_core::telemetry::shutdown_signal())
        .await?;
    tracing::info!("stopped");
    Ok(())
}
