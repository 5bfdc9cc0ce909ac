//! The listener's TLS: the rustls server configuration built once at start-up from the
//! TLS settings (certificate chain, key, and the CA client certificates must be signed
//! by), and the handshake each connection goes through before the head guard
//! (`binding::guard`) sees its decrypted bytes. With TLS configured the listener
//! speaks TLS only: a client speaking plain HTTP to it fails the handshake and the
//! connection is closed unanswered.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, anyhow};
use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::server::WebPkiClientVerifier;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

use crate::pem;

/// The TLS files of the settings, as given (paths).
#[derive(Debug, Clone, Copy, Default)]
pub struct TlsFiles<'a> {
    /// `tls_cert_file`: the certificate chain, the listener's own first.
    pub cert: Option<&'a str>,
    /// `tls_key_file`: its private key.
    pub key: Option<&'a str>,
    /// `tls_client_ca_file`: the CAs client certificates must be signed by.
    pub client_ca: Option<&'a str>,
}

/// The listener's TLS, ready to accept connections.
#[derive(Clone)]
pub struct ListenerTls {
    acceptor: TlsAcceptor,
}

impl ListenerTls {
    /// Reads the files and builds the server configuration; `None` without
    /// certificate and key (plain HTTP). Only one of them, a file that cannot be read,
    /// a key that is not the certificate's, or a client CA without a certificate stops
    /// start-up with a message naming the setting.
    pub fn from_files(files: TlsFiles<'_>) -> anyhow::Result<Option<Self>> {
        let (cert, key) = match (files.cert, files.key) {
            (Some(cert), Some(key)) => (cert, key),
            (None, None) if files.client_ca.is_some() => {
                return Err(anyhow!(
                    "tls_client_ca_file needs tls_cert_file and tls_key_file: client certificates are asked for during a TLS handshake"
                ));
            }
            (None, None) => return Ok(None),
            (Some(_), None) => {
                return Err(anyhow!(
                    "tls_cert_file is set but tls_key_file is not: HTTPS needs both (or neither, for plain HTTP)"
                ));
            }
            (None, Some(_)) => {
                return Err(anyhow!(
                    "tls_key_file is set but tls_cert_file is not: HTTPS needs both (or neither, for plain HTTP)"
                ));
            }
        };
        let chain = pem::certificates("tls_cert_file", cert)?;
        let private_key = pem::private_key("tls_key_file", key)?;
        let provider = provider();
        let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .context("TLS: the protocol versions")?;
        let builder = match files.client_ca {
            Some(path) => {
                let mut roots = rustls::RootCertStore::empty();
                for ca in pem::certificates("tls_client_ca_file", path)? {
                    roots.add(ca).map_err(|err| {
                        anyhow!("tls_client_ca_file {path}: not a usable CA certificate: {err}")
                    })?;
                }
                let verifier =
                    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                        .build()
                        .map_err(|err| anyhow!("tls_client_ca_file {path}: {err}"))?;
                builder.with_client_cert_verifier(verifier)
            }
            None => builder.with_no_client_auth(),
        };
        let mut config = builder.with_single_cert(chain, private_key).map_err(|err| {
            anyhow!(
                "tls_cert_file {cert} and tls_key_file {key} do not make a usable certificate: {err}"
            )
        })?;
        // HTTP/1.1 is the only protocol served.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Some(Self {
            acceptor: TlsAcceptor::from(Arc::new(config)),
        }))
    }
}

/// The cryptography of every TLS connection: ring, the provider the HTTP client's
/// rustls is built with too, named explicitly so no process-wide default is needed.
#[expect(
    deprecated,
    reason = "rustls deprecates ring's provider for lacking post-quantum key exchange; aws-lc-rs, which has it, is a second crypto library built with cmake, and reqwest uses ring"
)]
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A connection's byte stream as the head guard reads it: the socket itself, or the
/// TLS session over it (decrypted).
pub trait Stream: AsyncRead + AsyncWrite + Unpin {}

impl<T: AsyncRead + AsyncWrite + Unpin> Stream for T {}

/// Makes a new connection's stream: the socket unchanged without TLS, else the TLS
/// session after a handshake that must finish within `timeout` (the time a client has
/// for a request head, so a client that connects and stays silent holds a connection
/// no longer over TLS than without). A failed handshake (plain HTTP, an unknown or
/// missing client certificate, a client that gave up) is logged at DEBUG and closes
/// the connection.
pub async fn accept(
    io: TcpStream,
    tls: Option<&ListenerTls>,
    timeout: Duration,
) -> io::Result<Box<dyn Stream>> {
    let Some(tls) = tls else {
        return Ok(Box::new(io));
    };
    let peer = io.peer_addr().ok();
    let handshake = tokio::time::timeout(timeout, tls.acceptor.accept(io))
        .await
        .unwrap_or_else(|_| {
            Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the TLS handshake did not finish in time",
            ))
        });
    match handshake {
        Ok(stream) => Ok(Box::new(stream)),
        Err(err) => {
            tracing::debug!(peer = ?peer, error = %err, "TLS handshake failed; connection closed");
            Err(err)
        }
    }
}
