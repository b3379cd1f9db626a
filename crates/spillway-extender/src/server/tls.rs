//! TLS from the configuration's PEM files (rustls with the `ring` provider).
//!
//! What kube-scheduler's extender stanza expects with `enableHTTPS: true`: a
//! server certificate its `tlsConfig.caData`/`caFile` trusts, and, when
//! `tlsConfig.certData`/`certFile` give it a client certificate, a server that
//! asks for one. Here `clientCAFile` turns that on: every client must present a
//! certificate chaining to one of the file's CAs, or the handshake fails.

use std::path::Path;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::crypto::CryptoProvider;
use rustls::server::{ServerConfig, WebPkiClientVerifier};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::ServerError;
use crate::config::Tls;

/// A rustls server configuration from `tls`: the certificate chain and key,
/// client certificates required when `clientCAFile` is set, ALPN `h2` and
/// `http/1.1`. Uses the `ring` provider explicitly, so no process-wide
/// default provider is needed.
///
/// # Errors
/// An unreadable file, a file without the expected PEM sections (a
/// `CERTIFICATE`; a PKCS#8, PKCS#1 or SEC1 private key), a key that does not
/// match the certificate, or a CA file rustls refuses; the message names the
/// file.
pub fn load_tls(tls: &Tls) -> Result<Arc<ServerConfig>, ServerError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs = read_certs(&tls.cert_file)?;
    let key = read_key(&tls.key_file)?;
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| ServerError::Tls {
            path: tls.cert_file.clone(),
            message: e.to_string(),
        })?;
    let builder = match &tls.client_ca_file {
        None => builder.with_no_client_auth(),
        Some(ca_file) => builder.with_client_cert_verifier(client_verifier(ca_file, provider)?),
    };
    let mut config = builder
        .with_single_cert(certs, key)
        .map_err(|e| ServerError::Tls {
            path: tls.key_file.clone(),
            message: format!("does not go with {}: {e}", tls.cert_file.display()),
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A verifier requiring client certificates signed by a CA of `ca_file`.
fn client_verifier(
    ca_file: &Path,
    provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn rustls::server::danger::ClientCertVerifier>, ServerError> {
    let mut roots = RootCertStore::empty();
    for cert in read_certs(ca_file)? {
        roots.add(cert).map_err(|e| ServerError::Tls {
            path: ca_file.to_path_buf(),
            message: format!("not a usable CA certificate: {e}"),
        })?;
    }
    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| ServerError::Tls {
            path: ca_file.to_path_buf(),
            message: e.to_string(),
        })
}

fn read(path: &Path) -> Result<Vec<u8>, ServerError> {
    std::fs::read(path).map_err(|e| ServerError::Tls {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Every `CERTIFICATE` section of a PEM file (at least one).
fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, ServerError> {
    let pem = read(path)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ServerError::Tls {
            path: path.to_path_buf(),
            message: format!("bad PEM: {e}"),
        })?;
    if certs.is_empty() {
        return Err(ServerError::Tls {
            path: path.to_path_buf(),
            message: "no CERTIFICATE section".into(),
        });
    }
    Ok(certs)
}

/// The first private key of a PEM file.
fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, ServerError> {
    let pem = read(path)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| ServerError::Tls {
        path: path.to_path_buf(),
        message: match e {
            rustls_pki_types::pem::Error::NoItemsFound => {
                "no private key (PKCS#8, PKCS#1 or SEC1 PEM section)".into()
            }
            e => format!("bad PEM: {e}"),
        },
    })
}
