//! What a child listing or a discovery may show: one decision per row, sharing the
//! policies and parent decisions loaded for the rows before it.

use super::{Access, Judge, Records, Requester, Site, Subject, Verdict};
use crate::error::CseResult;

/// Answers, row by row, whether a child listing (RETRIEVE) or discovery (DISCOVER)
/// may show a resource to its requester, reusing loaded policies and parent
/// decisions across the rows of one request.
pub struct Sight<'w> {
    judge: Judge<'w>,
    bit: u8,
    everything: bool,
}

impl<'w> Sight<'w> {
    /// The sight of `who` for `access` (RETRIEVE or DISCOVER) at `site`.
    pub fn new(site: Site<'w>, who: &'w Requester, access: Access) -> Self {
        Self {
            judge: Judge::new(site, who),
            bit: access.bit(),
            everything: who.admin,
        }
    }

    /// Whether every row is visible (the administrator): callers may then let the
    /// database page.
    pub fn sees_everything(&self) -> bool {
        self.everything
    }

    /// Whether `resource` may be shown.
    pub fn sees<R: Records>(&mut self, records: &mut R, resource: &Subject<'_>) -> CseResult<bool> {
        if self.everything {
            return Ok(true);
        }
        let verdict = self.judge.decide(records, resource, None, self.bit, None)?;
        Ok(verdict == Verdict::Permit)
    }
}
