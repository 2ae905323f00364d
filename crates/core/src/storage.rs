//! S3: where every byte of media lives. The server chooses every object key.

use std::time::Duration;

use aws_sdk_s3::Client;
use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::primitives::ByteStream;

use crate::config::S3Config;

/// A bucket on an S3 server, and the public URL objects are served from.
#[derive(Debug, Clone)]
pub struct Storage {
    client: Client,
    bucket: String,
    media_base_url: String,
}

impl Storage {
    /// Builds the client: path-style addressing so any S3 server works, and
    /// checksums only where S3 requires them (third-party servers mishandle
    /// the optional ones on chunked uploads).
    pub fn new(config: &S3Config, timeout: Duration) -> Storage {
        let credentials = Credentials::new(
            &config.access_key_id,
            &config.secret_access_key,
            None,
            None,
            "lookbook-config",
        );
        let s3 = aws_sdk_s3::config::Builder::new()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(config.region.clone()))
            .endpoint_url(&config.endpoint)
            .force_path_style(true)
            .credentials_provider(credentials)
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(timeout.min(Duration::from_secs(2)))
                    .operation_timeout(timeout)
                    .build(),
            )
            .retry_config(RetryConfig::standard().with_max_attempts(2))
            .build();
        Storage {
            client: Client::from_conf(s3),
            bucket: config.bucket.clone(),
            media_base_url: config.media_base_url.clone(),
        }
    }

    /// The bucket's name.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The public URL of an object.
    pub fn url(&self, key: &str) -> String {
        format!("{}/{key}", self.media_base_url)
    }

    /// Creates the bucket if it does not exist yet.
    pub async fn ensure_bucket(&self) -> crate::Result<()> {
        if self.check().await.is_ok() {
            return Ok(());
        }
        self.client
            .create_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map_err(|e| storage_error("create bucket", e))?;
        Ok(())
    }

    /// Whether the bucket answers.
    pub async fn check(&self) -> crate::Result<()> {
        self.client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map_err(|e| storage_error("head bucket", e))?;
        Ok(())
    }

    /// Stores `bytes` under `key`.
    pub async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> crate::Result<()> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| storage_error("put object", e))?;
        Ok(())
    }

    /// An object's bytes, or None when there is no such object; objects over
    /// `max_bytes` are refused rather than read.
    pub async fn get(&self, key: &str, max_bytes: u64) -> crate::Result<Option<Vec<u8>>> {
        let out = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => out,
            Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_key()) => {
                return Ok(None);
            }
            Err(err) => return Err(storage_error("get object", err)),
        };
        if out
            .content_length()
            .is_some_and(|n| u64::try_from(n).unwrap_or(u64::MAX) > max_bytes)
        {
            return Err(crate::Error::Storage(format!(
                "{key} is larger than {max_bytes} bytes"
            )));
        }
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| crate::Error::Storage(format!("reading {key}: {e}")))?;
        Ok(Some(bytes.into_bytes().to_vec()))
    }

    /// Whether an object exists.
    pub async fn exists(&self, key: &str) -> crate::Result<bool> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(false),
            Err(err) => Err(storage_error("head object", err)),
        }
    }

    /// Deletes objects; a key that is already gone is not an error, so the
    /// call can be repeated.
    pub async fn delete(&self, keys: &[String]) -> crate::Result<()> {
        for key in keys {
            self.client
                .delete_object()
                .bucket(&self.bucket)
                .key(key)
                .send()
                .await
                .map_err(|e| storage_error("delete object", e))?;
        }
        Ok(())
    }

    /// Empties and removes the bucket (tests and decommissioning).
    pub async fn delete_bucket(&self) -> crate::Result<()> {
        loop {
            let keys = self.list("").await?;
            if keys.is_empty() {
                break;
            }
            self.delete(&keys).await?;
        }
        self.client
            .delete_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map_err(|e| storage_error("delete bucket", e))?;
        Ok(())
    }

    /// Lists the keys under a prefix (at most 1,000).
    pub async fn list(&self, prefix: &str) -> crate::Result<Vec<String>> {
        let out = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .send()
            .await
            .map_err(|e| storage_error("list objects", e))?;
        Ok(out
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_string))
            .collect())
    }
}

fn storage_error<E>(op: &str, err: aws_sdk_s3::error::SdkError<E>) -> crate::Error
where
    E: std::error::Error + Send + Sync + 'static,
{
    let detail = aws_sdk_s3::error::DisplayErrorContext(&err);
    crate::Error::Storage(format!("{op}: {detail}"))
}
