//! The error type of `core`: the cases callers branch on, and the rest.

/// `Result` with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong in `core`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The requested record does not exist (or the caller may not see it).
    #[error("record not found")]
    NotFound,
    /// A unique value (named: `username`, `email`, ...) is already taken.
    #[error("{0} has already been taken")]
    Taken(&'static str),
    /// What was asked cannot be done as it stands, with the reason for the
    /// member (a photo still processing, say).
    #[error("{0}")]
    Invalid(String),
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

impl Error {
    /// Turns a unique violation on one of `constraints` (constraint, field)
    /// into [`Error::Taken`] naming the field; other errors pass through.
    pub fn taken_on(err: sqlx::Error, constraints: &[(&str, &'static str)]) -> Error {
        if let Some(db) = err.as_database_error()
            && db.is_unique_violation()
            && let Some(name) = db.constraint()
            && let Some((_, field)) = constraints.iter().find(|(c, _)| *c == name)
        {
            return Error::Taken(field);
        }
        Error::Database(err)
    }
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
