//! The error type of `core`: the cases callers branch on, and the rest.

/// `Result` with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong in `core`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The requested record does not exist (or the caller may not see it).
    #[error("record not found")]
    NotFound,
    /// PostgreSQL failed or refused.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Redis failed or its pool is exhausted.
    #[error("redis: {0}")]
    Redis(String),
    /// Memcached failed.
    #[error("memcached: {0}")]
    Cache(String),
    /// S3 failed.
    #[error("storage: {0}")]
    Storage(String),
    /// RabbitMQ failed.
    #[error("broker: {0}")]
    Broker(#[from] lapin::Error),
    /// Something that should not happen, with context.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<deadpool_redis::PoolError> for Error {
    fn from(err: deadpool_redis::PoolError) -> Self {
        Error::Redis(err.to_string())
    }
}

impl From<deadpool_redis::redis::RedisError> for Error {
    fn from(err: deadpool_redis::redis::RedisError) -> Self {
        Error::Redis(err.to_string())
    }
}

impl From<memcache::exp::Error> for Error {
    fn from(err: memcache::exp::Error) -> Self {
        Error::Cache(err.to_string())
    }
}
