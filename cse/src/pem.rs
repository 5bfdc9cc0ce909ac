//! Reads the PEM files of the TLS settings (the listener's certificate chain and key,
//! the CA of client certificates, the extra CA of outgoing https): one reader, so each
//! file that is missing, unreadable or holds nothing usable stops start-up with a
//! message naming its setting and path.

use anyhow::anyhow;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Every certificate in the PEM file `path` of the setting `setting`, in file order;
/// a file with none is refused (a key file or a DER file given by mistake).
pub fn certificates(setting: &str, path: &str) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let certificates = CertificateDer::pem_file_iter(path)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|err| refusal(setting, path, &err))?;
    if certificates.is_empty() {
        return Err(anyhow!(
            "{setting} {path}: the file holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
        ));
    }
    Ok(certificates)
}

/// The first private key (PKCS#8, PKCS#1 or SEC1) in the PEM file `path` of `setting`.
pub fn private_key(setting: &str, path: &str) -> anyhow::Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_file(path).map_err(|err| match err {
        pem::Error::NoItemsFound => anyhow!(
            "{setting} {path}: the file holds no PEM private key (-----BEGIN PRIVATE KEY-----)"
        ),
        err => refusal(setting, path, &err),
    })
}

/// Why a file could not be read, without the PEM crate's wording around I/O errors.
fn refusal(setting: &str, path: &str, err: &pem::Error) -> anyhow::Error {
    match err {
        pem::Error::Io(io) => anyhow!("{setting} {path}: cannot read the file: {io}"),
        other => anyhow!("{setting} {path}: not a readable PEM file: {other}"),
    }
}
