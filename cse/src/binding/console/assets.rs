//! The console's files, embedded at compile time (no build step, no Node toolchain),
//! and the headers they are served with.

/// One embedded file: its name under `/console/`, media type and content.
pub(super) struct Asset {
    pub name: &'static str,
    pub media_type: &'static str,
    pub body: &'static str,
}

macro_rules! assets {
    ($($name:literal => $media:literal),+ $(,)?) => {
        /// Every file of the console, as built into the binary.
        pub(super) static ASSETS: &[Asset] = &[$(Asset {
            name: $name,
            media_type: $media,
            body: include_str!(concat!("../../../console/", $name)),
        }),+];
    };
}

assets! {
    "index.html" => "text/html; charset=utf-8",
    "console.css" => "text/css; charset=utf-8",
    "api.js" => "text/javascript; charset=utf-8",
    "app.js" => "text/javascript; charset=utf-8",
    "tree.js" => "text/javascript; charset=utf-8",
    "view.js" => "text/javascript; charset=utf-8",
    "forms.js" => "text/javascript; charset=utf-8",
    "plot.js" => "text/javascript; charset=utf-8",
    "live.js" => "text/javascript; charset=utf-8",
}

/// The console's Content-Security-Policy: scripts, styles and requests from this
/// origin only; no inline script or style, no other site, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// The file named `name`, if the console has it.
pub(super) fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|asset| asset.name == name)
}

/// How many bytes the console's files add to the binary, for the size budget.
pub fn embedded_bytes() -> usize {
    ASSETS.iter().map(|asset| asset.body.len()).sum()
}
