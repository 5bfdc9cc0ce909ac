//! The access-control settings, parsed once at start-up (by `startup`): who may
//! register AEs, with which AE-IDs, and what a resource created without `acpi` falls
//! back to.

use onecse_models::ResponseStatusCode;
use onecse_models::resource::acp::wildcard_matches;

use super::Requester;
use crate::error::{CseError, CseResult};

/// What a resource created without `acpi` is governed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultAccess {
    /// Only its creator (and the administrator) may access it (TS-0001 §9.6.1.3).
    Creator,
    /// Its creator, and whoever its parent's decision lets in (recursively), so an
    /// AE's policies cover what it creates without naming them again.
    Parent,
}

/// The access-control settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessSettings {
    /// Patterns of originators that may register AEs; empty means anyone.
    registrants: Vec<String>,
    /// Patterns of CSE-IDs that may register as remoteCSEs; empty means none.
    cse_registrants: Vec<String>,
    /// Prefixes AE-IDs must start with; empty means any.
    ae_id_prefixes: Vec<String>,
    /// The fallback for resources created without `acpi`.
    pub default_access: DefaultAccess,
    /// Every originator proves who it is (`auth = jwt`), so one recorded as a
    /// resource's creator was authenticated when it created it: decisions made for it
    /// later, when it sends nothing (a notification's subscriber), take it as
    /// authenticated.
    pub originators_verified: bool,
}

impl Default for AccessSettings {
    fn default() -> Self {
        Self {
            registrants: Vec::new(),
            cse_registrants: Vec::new(),
            ae_id_prefixes: Vec::new(),
            default_access: DefaultAccess::Creator,
            originators_verified: false,
        }
    }
}

impl AccessSettings {
    /// Reads and checks the settings' values (`registration_originators`,
    /// `registration_cse_originators`, `ae_id_prefixes`, `default_access`); a bad
    /// value stops start-up naming the setting.
    pub fn parse(
        registration_originators: &str,
        registration_cse_originators: &str,
        ae_id_prefixes: Option<&str>,
        default_access: &str,
    ) -> anyhow::Result<Self> {
        let list = |text: &str| -> Vec<String> {
            text.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let mut registrants = list(registration_originators);
        if registrants.iter().any(|p| p == "*") {
            registrants.clear();
        } else if registrants.is_empty() {
            anyhow::bail!("registration originators: give at least one pattern (or * for anyone)");
        }
        let cse_registrants = list(registration_cse_originators);
        if let Some(bad) = cse_registrants.iter().find(|p| !p.starts_with('/')) {
            anyhow::bail!(
                "registration CSE originators: '{bad}' is not a CSE-ID pattern (SP-relative, starting with '/', e.g. /id-mn*)"
            );
        }
        let ae_id_prefixes = list(ae_id_prefixes.unwrap_or_default());
        if let Some(bad) = ae_id_prefixes
            .iter()
            .find(|p| !(p.starts_with('C') || p.starts_with('S')) || p.contains('/'))
        {
            anyhow::bail!("AE-ID prefixes: '{bad}' must start with C or S and contain no '/'");
        }
        let default_access = match default_access {
            "creator" => DefaultAccess::Creator,
            "parent" => DefaultAccess::Parent,
            other => anyhow::bail!("default access: '{other}' is neither creator nor parent"),
        };
        Ok(Self {
            registrants,
            cse_registrants,
            ae_id_prefixes,
            default_access,
            originators_verified: false,
        })
    }

    /// Refuses (4126) an AE registration by an originator the settings do not allow,
    /// and always by the administrator, whose ID must never become an AE-ID.
    pub fn check_registrant(&self, who: &Requester, admin: &str) -> CseResult<()> {
        let originator = who.originator.as_deref().unwrap_or("C");
        if originator == admin || originator.rsplit('/').next() == Some(admin) {
            return Err(refusal(format!(
                "the administrator originator '{admin}' cannot be registered as an AE"
            )));
        }
        if self.registrants.is_empty()
            || self
                .registrants
                .iter()
                .any(|pattern| wildcard_matches(pattern, originator))
        {
            return Ok(());
        }
        Err(refusal(format!(
            "originator '{originator}' is not allowed to register AEs on this CSE"
        )))
    }

    /// Refuses (4107 SECURITY_ASSOCIATION_REQUIRED) a CSE registration by a CSE-ID
    /// no `registration_cse_originators` pattern names: without a security
    /// association, the settings are what tells a known CSE from anyone claiming to
    /// be one (TS-0004 §7.4.4.2.1; the CSEBase's policies are not asked).
    pub fn check_cse_registrant(&self, who: &Requester) -> CseResult<()> {
        let originator = who.originator.as_deref().unwrap_or_default();
        if self
            .cse_registrants
            .iter()
            .any(|pattern| wildcard_matches(pattern, originator))
        {
            return Ok(());
        }
        let why = if self.cse_registrants.is_empty() {
            "this CSE accepts no CSE registrations (registration_cse_originators is empty)"
        } else {
            "it matches no registration_cse_originators pattern"
        };
        Err(CseError::new(
            ResponseStatusCode::SecurityAssociationRequired,
            format!("CSE '{originator}' may not register with this CSE: {why}"),
        ))
    }

    /// Refuses (4126) an AE-ID without one of the configured prefixes.
    pub fn check_ae_id(&self, ae_id: &str) -> CseResult<()> {
        if self.ae_id_prefixes.is_empty()
            || self
                .ae_id_prefixes
                .iter()
                .any(|p| ae_id.starts_with(p.as_str()))
        {
            return Ok(());
        }
        Err(refusal(format!(
            "AE-ID '{ae_id}' does not start with an allowed prefix ({})",
            self.ae_id_prefixes.join(", ")
        )))
    }

    /// The prefix an AE-ID the CSE assigns starts with, for a `C` or `S` ID.
    pub fn assigned_prefix(&self, letter: char) -> CseResult<String> {
        if self.ae_id_prefixes.is_empty() {
            return Ok(letter.to_string());
        }
        self.ae_id_prefixes
            .iter()
            .find(|p| p.starts_with(letter))
            .cloned()
            .ok_or_else(|| {
                refusal(format!(
                    "this CSE assigns no AE-IDs starting with '{letter}' (allowed prefixes: {})",
                    self.ae_id_prefixes.join(", ")
                ))
            })
    }
}

fn refusal(message: String) -> CseError {
    CseError::new(ResponseStatusCode::AppRuleValidationFailed, message)
}
