//! S3: where every byte of media lives. The server chooses every object key.

use std::time::Duration;

use aws_sdk_s3::Client;
use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::timeout::TimeoutConfig;
use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};

/// Size of each part of a multipart upload (S3's minimum).
const PART_SIZE: usize = 5 * 1024 * 1024;

/// An upload in progress; see [`Storage::begin_upload`].
#[derive(Debug)]
pub struct Upload {
    key: String,
    content_type: String,
    upload_id: Option<String>,
    parts: Vec<CompletedPart>,
    buffer: Vec<u8>,
    /// Bytes fed so far.
    pub total: u64,
}

use crate::config::S3Config;

/// A bucket on an S3 server, and the public URL objects are served from.
#[derive(Debug, Clone)]
pub struct Storage {
    client: Client,
    /// Signs URLs for the public endpoint; never sends requests itself.
    presigner: Client,
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
            config.secret_access_key.expose(),
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
        let presigner = s3
            .to_builder()
            .endpoint_url(&config.public_endpoint)
            .build();
        Storage {
            client: Client::from_conf(s3),
            presigner: Client::from_conf(presigner),
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

    /// A URL a client can PUT one object to until `expires`, with its type
    /// and exact length signed in: a different type or size is refused by S3.
    /// Returns the URL and the headers the client must send.
    pub async fn presign_put(
        &self,
        key: &str,
        content_type: &str,
        length: u64,
        expires: Duration,
    ) -> crate::Result<(String, Vec<(String, String)>)> {
        let config = PresigningConfig::expires_in(expires).map_err(anyhow::Error::from)?;
        let length = i64::try_from(length).map_err(anyhow::Error::from)?;
        let request = self
            .presigner
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .content_length(length)
            .presigned(config)
            .await
            .map_err(|e| storage_error("presign put", e))?;
        let headers = request
            .headers()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Ok((request.uri().to_string(), headers))
    }

    /// An object's size and content type, or None if there is none.
    pub async fn head(&self, key: &str) -> crate::Result<Option<(u64, Option<String>)>> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(found) => {
                let size = found.content_length().unwrap_or(0).max(0) as u64;
                Ok(Some((size, found.content_type().map(str::to_string))))
            }
            Err(err) if err.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(None),
            Err(err) => Err(storage_error("head object", err)),
        }
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

    /// Starts an upload that is fed in chunks; nothing reaches S3 until the
    /// first part fills (or [`Storage::finish`] for a small object).
    pub fn begin_upload(&self, key: &str, content_type: &str) -> Upload {
        Upload {
            key: key.to_string(),
            content_type: content_type.to_string(),
            upload_id: None,
            parts: Vec::new(),
            buffer: Vec::new(),
            total: 0,
        }
    }

    /// Adds a chunk; every full part goes to S3 at once, so at most one part
    /// (5 MiB) of an upload is held in memory.
    pub async fn feed(&self, upload: &mut Upload, chunk: &[u8]) -> crate::Result<()> {
        upload.buffer.extend_from_slice(chunk);
        upload.total += chunk.len() as u64;
        if upload.buffer.len() >= PART_SIZE {
            self.flush_part(upload).await?;
        }
        Ok(())
    }

    async fn flush_part(&self, upload: &mut Upload) -> crate::Result<()> {
        let upload_id = match &upload.upload_id {
            Some(id) => id.clone(),
            None => {
                let created = self
                    .client
                    .create_multipart_upload()
                    .bucket(&self.bucket)
                    .key(&upload.key)
                    .content_type(&upload.content_type)
                    .send()
                    .await
                    .map_err(|e| storage_error("create multipart upload", e))?;
                let id = created.upload_id().unwrap_or_default().to_string();
                upload.upload_id = Some(id.clone());
                id
            }
        };
        let number = i32::try_from(upload.parts.len() + 1).unwrap_or(i32::MAX);
        let body = std::mem::take(&mut upload.buffer);
        let part = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(&upload.key)
            .upload_id(&upload_id)
            .part_number(number)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| storage_error("upload part", e))?;
        upload.parts.push(
            CompletedPart::builder()
                .part_number(number)
                .set_e_tag(part.e_tag().map(str::to_string))
                .build(),
        );
        Ok(())
    }

    /// Completes an upload; returns its size in bytes.
    pub async fn finish(&self, mut upload: Upload) -> crate::Result<u64> {
        if upload.upload_id.is_none() {
            let bytes = std::mem::take(&mut upload.buffer);
            self.put(&upload.key, bytes, &upload.content_type).await?;
            return Ok(upload.total);
        }
        if !upload.buffer.is_empty() {
            self.flush_part(&mut upload).await?;
        }
        let parts = CompletedMultipartUpload::builder()
            .set_parts(Some(upload.parts.clone()))
            .build();
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(&upload.key)
            .upload_id(upload.upload_id.clone().unwrap_or_default())
            .multipart_upload(parts)
            .send()
            .await
            .map_err(|e| storage_error("complete multipart upload", e))?;
        Ok(upload.total)
    }

    /// Abandons an upload, removing any parts already sent.
    pub async fn abort(&self, upload: Upload) {
        if let Some(id) = &upload.upload_id {
            let aborted = self
                .client
                .abort_multipart_upload()
                .bucket(&self.bucket)
                .key(&upload.key)
                .upload_id(id)
                .send()
                .await;
            if let Err(err) = aborted {
                tracing::warn!(key = %upload.key, error = %aws_sdk_s3::error::DisplayErrorContext(&err), "could not abort an upload");
            }
        }
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
