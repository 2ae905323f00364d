//! `lookbook-api announce`: the operators' command for announcements, the
//! news every member sees at the top of their app. It publishes, lists,
//! edits and removes them against the configured database, and tells
//! members' live streams, as the API would.
//!
//! Bad input (an empty text, an end before the start, an unknown id, an
//! unreadable time) exits with 2 and a line saying what was wrong; a
//! service failing exits with 1.

use std::process::ExitCode;

use chrono::{DateTime, SecondsFormat, Utc};
use lookbook_core::Config;
use lookbook_core::db::Db;
use lookbook_core::db::announcements::{self, Announcement, Invalid, Schedule, Text};
use lookbook_core::kv::Kv;

use crate::operations::announcements as operations;

pub const USAGE: &str = "\
usage: lookbook-api announce TEXT [--starts-at RFC3339] [--ends-at RFC3339] [--all-day]
           publish an announcement; prints its id
       lookbook-api announce --list
           every announcement, newest first: id, state (running, upcoming,
           ended), starts, ends, all-day, published, updated, text
       lookbook-api announce --edit ID TEXT
           replace an announcement's text (its updated_at moves)
       lookbook-api announce --remove ID
           remove an announcement, with its dismissals and reactions

Members see an announcement from --starts-at (or at once) until --ends-at
(or until it is removed). Times are RFC 3339, e.g. 2026-12-24T18:00:00+01:00.
--all-day marks the times as whole days; it needs --starts-at or --ends-at.";

/// What the operator asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Publish { text: Text, schedule: Schedule },
    List,
    Edit { id: i64, text: Text },
    Remove { id: i64 },
    Help,
}

/// Why the command cannot do what was asked: exit code 2.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("{0}\n{usage}", usage = USAGE)]
    Usage(String),
    #[error("{0}")]
    Invalid(#[from] Invalid),
    #[error("there is no announcement {0} (see lookbook-api announce --list)")]
    Unknown(i64),
}

/// Reads the arguments after `announce`.
pub fn parse(args: &[String]) -> Result<Command, Refused> {
    let usage = Refused::Usage;
    match args.first().map(String::as_str) {
        None => {
            return Err(usage(
                "announce needs a text, --list, --edit or --remove".into(),
            ));
        }
        Some("-h" | "--help") if args.len() == 1 => return Ok(Command::Help),
        Some("--list") if args.len() == 1 => return Ok(Command::List),
        Some("--remove") => {
            let [_, id] = args else {
                return Err(usage("--remove takes one announcement id".into()));
            };
            return Ok(Command::Remove { id: parse_id(id)? });
        }
        Some("--edit") => {
            let [_, id, text] = args else {
                return Err(usage(
                    "--edit takes an announcement id and the new text".into(),
                ));
            };
            return Ok(Command::Edit {
                id: parse_id(id)?,
                text: Text::parse(text)?,
            });
        }
        _ => {}
    }
    let mut text = None;
    let (mut starts_at, mut ends_at, mut all_day) = (None, None, false);
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--starts-at" | "--ends-at" => {
                let value = rest
                    .next()
                    .ok_or_else(|| usage(format!("{arg} needs a time")))?;
                let time = parse_time(arg, value)?;
                if arg == "--starts-at" {
                    starts_at = Some(time);
                } else {
                    ends_at = Some(time);
                }
            }
            "--all-day" => all_day = true,
            flag if flag.starts_with("--") => {
                return Err(usage(format!("unknown option {flag}")));
            }
            _ if text.is_some() => {
                return Err(usage(format!(
                    "unexpected argument {arg:?}: quote the text as one argument"
                )));
            }
            _ => text = Some(arg.as_str()),
        }
    }
    let text = text.ok_or_else(|| usage("the announcement's text is missing".into()))?;
    Ok(Command::Publish {
        text: Text::parse(text)?,
        schedule: Schedule::new(starts_at, ends_at, all_day)?,
    })
}

fn parse_id(raw: &str) -> Result<i64, Refused> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| Refused::Usage(format!("{raw:?} is not an announcement id")))
}

fn parse_time(flag: &str, raw: &str) -> Result<DateTime<Utc>, Refused> {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            Refused::Usage(format!(
                "{flag} {raw:?} is not an RFC 3339 time ({e}); write e.g. 2026-12-24T18:00:00Z"
            ))
        })
}

/// Runs the command with the arguments after `announce`, printing what it
/// did on stdout and what went wrong on stderr.
pub async fn main(args: &[String]) -> ExitCode {
    let command = match parse(args) {
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(command) => command,
        Err(refused) => return refuse(&refused),
    };
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::from(2);
        }
    };
    match run(&config, command).await {
        Ok(Ok(out)) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Ok(Err(refused)) => refuse(&refused),
        Err(err) => {
            eprintln!("lookbook-api announce: {err}");
            ExitCode::FAILURE
        }
    }
}

fn refuse(refused: &Refused) -> ExitCode {
    eprintln!("lookbook-api announce: {refused}");
    ExitCode::from(2)
}

/// Carries out a parsed command: what to print, or why it was refused.
pub async fn run(
    config: &Config,
    command: Command,
) -> lookbook_core::Result<Result<String, Refused>> {
    let db = Db::connect_lazy(&config.database)?;
    let kv = Kv::connect(&config.redis, config.outbound_timeout)?;
    let db = &db.primary;
    Ok(match command {
        Command::Publish { text, schedule } => {
            let published = operations::publish(db, &kv, &text, schedule).await?;
            Ok(published.id.to_string())
        }
        Command::List => {
            let all = announcements::all(db).await?;
            Ok(all.iter().map(line).collect::<Vec<_>>().join("\n"))
        }
        Command::Edit { id, text } => match operations::edit(db, &kv, id, &text).await? {
            Some(edited) => Ok(format!("edited {}", edited.id)),
            None => Err(Refused::Unknown(id)),
        },
        Command::Remove { id } => {
            if operations::remove(db, &kv, id).await? {
                Ok(format!("removed {id}"))
            } else {
                Err(Refused::Unknown(id))
            }
        }
        Command::Help => Ok(USAGE.to_string()),
    })
}

/// One announcement as a line of `--list`, tab-separated.
fn line(a: &Announcement) -> String {
    let at = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let or_dash = |t: Option<DateTime<Utc>>| t.map_or_else(|| "-".to_string(), at);
    let state = if a.running {
        "running"
    } else if a.starts_at.is_some_and(|s| s > Utc::now()) {
        "upcoming"
    } else {
        "ended"
    };
    [
        a.id.to_string(),
        state.to_string(),
        or_dash(a.starts_at),
        or_dash(a.ends_at),
        if a.all_day { "all-day" } else { "-" }.to_string(),
        at(a.published_at),
        at(a.updated_at),
        a.text.replace('\n', "\\n").replace('\t', " "),
    ]
    .join("\t")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|a| a.to_string()).collect()
    }

    /// A text with its times and flags publishes; every layout parses.
    #[test]
    fn parses_each_layout() {
        let parsed = parse(&args(&[
            "Sale!",
            "--starts-at",
            "2026-12-24T00:00:00Z",
            "--all-day",
        ]))
        .unwrap();
        let Command::Publish { text, .. } = parsed else {
            panic!("not a publish: {parsed:?}");
        };
        assert_eq!(text.as_str(), "Sale!");
        assert_eq!(parse(&args(&["--list"])).unwrap(), Command::List);
        assert_eq!(
            parse(&args(&["--remove", "7"])).unwrap(),
            Command::Remove { id: 7 }
        );
        assert!(matches!(
            parse(&args(&["--edit", "7", "New"])).unwrap(),
            Command::Edit { id: 7, .. }
        ));
        assert_eq!(parse(&args(&["--help"])).unwrap(), Command::Help);
    }

    /// Bad input is refused with a reason naming it.
    #[test]
    fn bad_input_is_refused_with_a_reason() {
        let refused = |list: &[&str]| parse(&args(list)).unwrap_err().to_string();
        assert!(refused(&[]).contains("needs a text"));
        assert!(refused(&["  "]).contains("empty"));
        assert!(refused(&["Hi", "--starts-at", "tomorrow"]).contains("RFC 3339"));
        assert!(refused(&["Hi", "--ends-at"]).contains("needs a time"));
        assert!(refused(&["Hi", "--colour", "red"]).contains("--colour"));
        assert!(refused(&["Hi", "there"]).contains("quote the text"));
        assert!(refused(&["--remove", "x"]).contains("not an announcement id"));
        assert!(refused(&["--edit", "7"]).contains("--edit takes"));
        assert!(
            refused(&[
                "Hi",
                "--starts-at",
                "2026-12-24T00:00:00Z",
                "--ends-at",
                "2026-12-23T00:00:00Z"
            ])
            .contains("before it starts")
        );
    }
}
