//! The `onecse` binary: `onecse [serve]` runs the CSE, `onecse migrate` only migrates,
//! `onecse token` prints a JWT for an originator.

use std::process::ExitCode;

use clap::Parser;
use onecse::app::{App, open_and_migrate};
use onecse::config::{Cli, Command};
use onecse::telemetry::LogFormat;

fn main() -> ExitCode {
    // `--help` and flag syntax are answered by clap before anything else.
    let cli = Cli::parse();
    let command = cli.command.clone().unwrap_or(Command::Serve);
    // Settings first, so the log format is known before logging starts; a bad setting
    // is reported by the one error line below, which needs no logging.
    let result = cli.resolve().and_then(|config| {
        let format = LogFormat::parse(&config.log_format)?;
        onecse::telemetry::init("info", format);
        Ok(config)
    });
    let result = result.and_then(|config| match &command {
        Command::Serve => serve(&config),
        Command::Migrate => open_and_migrate(&config).map(|_| {
            println!("database {} is up to date", config.database_url_redacted());
        }),
        Command::Token(args) => {
            onecse::security::token::issue(&config, args).map(|token| println!("{token}"))
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line, whatever the cause chain holds (libpq messages span several).
            let message = format!("{err:#}");
            let one_line: Vec<&str> = message.split_whitespace().collect();
            eprintln!("onecse: error: {}", one_line.join(" "));
            ExitCode::FAILURE
        }
    }
}

fn serve(config: &onecse::config::Config) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async {
        let app = App::build(config)?;
        tracing::info!(
            backend = %app.backend(),
            database = %config.database_url_redacted(),
            listen = %app.local_addr(),
            cse_base = %app.cse_base_url(),
            cse_id = %config.cse_id,
            "onecse is serving"
        );
        app.run_until_stopped().await?;
        Ok(())
    })
}
