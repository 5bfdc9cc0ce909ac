//! The `onecse` binary: `onecse [serve]` runs the CSE, `onecse migrate` only migrates,
//! `onecse token` prints a JWT for an originator, `onecse config` a sample
//! configuration file.

use std::process::ExitCode;

use onecse::app::{App, open_and_migrate};
use onecse::config::{Cli, Command};
use onecse::startup::Settings;

fn main() -> ExitCode {
    // `--help` and flag syntax are answered by clap before anything else.
    let cli = Cli::parse_args();
    let command = cli.command.clone().unwrap_or(Command::Serve);
    if command == Command::Config {
        // The defaults, whatever the environment or a file says.
        print!("{}", onecse::config::sample_toml());
        return ExitCode::SUCCESS;
    }
    // Settings first, parsed once, so the log format is known before logging starts; a
    // bad setting is reported by the one error line below, which needs no logging.
    let result = cli
        .layered()
        .and_then(|config| Settings::parse(&config))
        .inspect(|settings| onecse::telemetry::init("info", settings.log_format));
    let result = result.and_then(|settings| match &command {
        Command::Serve => serve(settings),
        Command::Migrate => open_and_migrate(&settings).map(|_| {
            println!("database {} is up to date", settings.database.redacted());
        }),
        Command::Token(args) => onecse::security::token::issue(settings.verifier.as_deref(), args)
            .map(|token| println!("{token}")),
        Command::Config => Ok(()),
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

fn serve(settings: Settings) -> anyhow::Result<()> {
    let database = settings.database.redacted();
    let cse_id = settings.cse.cse_id.clone();
    actix_web::rt::System::new().block_on(async {
        let app = App::from_settings(settings)?;
        tracing::info!(
            backend = %app.backend(),
            database = %database,
            listen = %app.local_addr(),
            cse_base = %app.cse_base_url(),
            cse_id = %cse_id,
            "onecse is serving"
        );
        app.run_until_stopped().await?;
        Ok(())
    })
}
