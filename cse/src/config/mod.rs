//! Settings: defaults → TOML file (`--config`) → `ONECSE_*` environment → flags, each
//! declared once in `settings.rs`. `Config` is a plain value, so every test builds its
//! own; `startup::Settings::parse` turns it once into the typed values the parts use.
//! Nothing here names another part of the crate.

mod cli;
mod declare;
mod sample;
mod secret;
mod settings;
#[cfg(test)]
mod tests;

pub use cli::{Cli, Command, TokenArgs};
pub use declare::Setting;
pub use sample::toml as sample_toml;
pub use secret::Secret;
pub use settings::{Config, Overrides, SETTINGS};
