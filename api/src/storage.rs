//! Attachment content, behind one interface over local disk (the default) and S3-compatible
//! stores (`object_store`, the Apache Arrow project's crate: one API for both, with retries and
//! request signing done right).
//!
//! Keys are `<tenant>/<attachment id>`: the tenant comes from the row, which only the owning
//! tenant can read, so content is only ever served to the tenant that owns it.

use std::sync::Arc;

use object_store::path::Path;
use object_store::{ObjectStore, PutPayload};
use secrecy::ExposeSecret;

use crate::config::{StorageBackend, StorageSettings};
use crate::error::{AppError, AppResult};

/// The attachment store and its limits.
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    /// Largest attachment, in bytes.
    pub max_file_bytes: usize,
    /// Content types accepted.
    pub allowed_types: Vec<String>,
}

impl Storage {
    /// Opens the configured backend (creating the local directory when needed).
    pub fn open(s: &StorageSettings) -> anyhow::Result<Self> {
        let store: Arc<dyn ObjectStore> = match s.backend {
            StorageBackend::Local => {
                std::fs::create_dir_all(&s.local_path)?;
                Arc::new(object_store::local::LocalFileSystem::new_with_prefix(
                    &s.local_path,
                )?)
            }
            StorageBackend::S3 => {
                let mut b = object_store::aws::AmazonS3Builder::from_env()
                    .with_bucket_name(s.s3_bucket.clone().unwrap_or_default())
                    .with_region(&s.s3_region);
                if let Some(endpoint) = &s.s3_endpoint {
                    b = b
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"))
                        // Path-style addressing, which MinIO and most on-premise stores need.
                        .with_virtual_hosted_style_request(false);
                }
                if let Some(id) = &s.s3_access_key_id {
                    b = b.with_access_key_id(id);
                }
                if let Some(secret) = &s.s3_secret_access_key {
                    b = b.with_secret_access_key(secret.expose_secret());
                }
                Arc::new(b.build()?)
            }
        };
        Ok(Self {
            store,
            max_file_bytes: s.max_file_bytes,
            allowed_types: s.allowed_types.clone(),
        })
    }

    /// Stores content under `key`.
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> AppResult<()> {
        self.store
            .put(&Path::from(key), PutPayload::from(bytes))
            .await
            .map_err(|e| AppError::internal(anyhow::anyhow!("storing an attachment: {e}")))?;
        Ok(())
    }

    /// Reads the content under `key`.
    pub async fn get(&self, key: &str) -> AppResult<Vec<u8>> {
        let got = self
            .store
            .get(&Path::from(key))
            .await
            .map_err(|e| AppError::internal(anyhow::anyhow!("reading an attachment: {e}")))?;
        let bytes = got
            .bytes()
            .await
            .map_err(|e| AppError::internal(anyhow::anyhow!("reading an attachment: {e}")))?;
        Ok(bytes.to_vec())
    }

    /// Removes the content under `key`; a missing object is not an error.
    pub async fn delete(&self, key: &str) -> AppResult<()> {
        match self.store.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(AppError::internal(anyhow::anyhow!(
                "deleting an attachment: {e}"
            ))),
        }
    }
}

/// Whether `content` looks like `content_type`: the magic bytes of binary formats, valid UTF-8
/// for text. A file whose bytes contradict its declared type is refused, so a script cannot be
/// uploaded as a "PDF".
pub fn content_matches(content_type: &str, content: &[u8]) -> bool {
    let starts = |magic: &[u8]| content.starts_with(magic);
    match content_type {
        "application/pdf" => starts(b"%PDF-"),
        "image/png" => starts(b"\x89PNG\r\n\x1a\n"),
        "image/jpeg" => starts(&[0xFF, 0xD8, 0xFF]),
        "image/gif" => starts(b"GIF87a") || starts(b"GIF89a"),
        "image/webp" => content.len() >= 12 && starts(b"RIFF") && &content[8..12] == b"WEBP",
        t if t == "application/zip" || t.starts_with("application/vnd.openxmlformats") => {
            starts(b"PK\x03\x04")
        }
        t if t.starts_with("text/") => std::str::from_utf8(content).is_ok(),
        // Types an operator allowed without a known signature are taken as declared.
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn signatures() {
        use super::content_matches as m;
        assert!(m("application/pdf", b"%PDF-1.7 ..."));
        assert!(!m("application/pdf", b"<script>"));
        assert!(m("text/csv", "a,b\n1,2\n".as_bytes()));
        assert!(!m("text/plain", &[0xFF, 0xFE, 0x00]));
        assert!(m("image/png", b"\x89PNG\r\n\x1a\n...."));
        assert!(!m("image/jpeg", b"GIF89a"));
    }
}
