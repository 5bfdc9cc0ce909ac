//! Settings: defaults → TOML file (`--config`) → `ONECSE_*` environment → flags, each
//! declared once in `settings.rs`. `Config` is a plain value handed to `App::build`, so
//! every test builds its own.

mod cli;
mod declare;
mod secret;
mod settings;
#[cfg(test)]
mod tests;

pub use cli::{Cli, Command, TokenArgs};
pub use declare::Setting;
pub use secret::Secret;
pub use settings::{Config, Overrides, SETTINGS};
