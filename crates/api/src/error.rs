//! The error every handler returns, rendered as Mastodon renders errors:
//! a status code and `{"error": "..."}`. Internal causes are logged, never sent.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// `Result` for handlers.
pub type ApiResult<T, E = ApiError> = std::result::Result<T, E>;

/// What a handler can answer besides success.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("Record not found")]
    NotFound,
    /// A refused sign-up or profile change: Mastodon's message and `details`.
    #[error("{message}")]
    Validation {
        message: String,
        details: serde_json::Value,
    },
    /// An OAuth endpoint's error (RFC 6749 section 5.2).
    #[error("{error}")]
    OAuth {
        status: StatusCode,
        error: &'static str,
        description: String,
    },
    #[error("{0}")]
    TooLarge(String),
    #[error("Too many requests")]
    TooManyRequests { retry_after: u64 },
    #[error("{0}")]
    Unprocessable(String),
    /// The resource changed since the caller read it.
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("Internal server error")]
    Internal(#[from] lookbook_core::Error),
}

/// Mastodon's error entity.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong, for a person to read.
    pub error: String,
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::OAuth { status, .. } => *status,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(lookbook_core::Error::NotFound) => StatusCode::NOT_FOUND,
            // A record referred to went away meanwhile (a post deleted while
            // it was being liked or answered).
            ApiError::Internal(lookbook_core::Error::Database(err))
                if err
                    .as_database_error()
                    .is_some_and(|db| db.is_foreign_key_violation()) =>
            {
                StatusCode::NOT_FOUND
            }
            ApiError::Internal(lookbook_core::Error::Taken(_)) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Internal(lookbook_core::Error::Invalid(_)) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            // Every database connection stayed busy for the acquire timeout:
            // overload, answered like load shedding (503, Retry-After).
            ApiError::Internal(lookbook_core::Error::Database(sqlx::Error::PoolTimedOut)) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            // The media storage is unreachable or failing: a passing outage
            // that only uploads and media reads feel (503, Retry-After).
            ApiError::Internal(lookbook_core::Error::Storage(_)) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let ApiError::Internal(cause) = &self
            && status == StatusCode::SERVICE_UNAVAILABLE
        {
            tracing::warn!(error = %cause, "request refused: a service is unavailable");
        } else if let ApiError::Internal(cause) = &self
            && status.is_server_error()
        {
            tracing::error!(error = %cause, "request failed");
        }
        match &self {
            ApiError::Validation { message, details } => {
                let body = serde_json::json!({ "error": message, "details": details });
                return (status, Json(body)).into_response();
            }
            ApiError::OAuth {
                error, description, ..
            } => {
                let body = serde_json::json!({ "error": error, "error_description": description });
                return (
                    status,
                    [(axum::http::header::CACHE_CONTROL, "no-store")],
                    Json(body),
                )
                    .into_response();
            }
            ApiError::TooManyRequests { retry_after } => {
                let headers = [(axum::http::header::RETRY_AFTER, retry_after.to_string())];
                return (
                    status,
                    headers,
                    Json(ErrorBody {
                        error: self.to_string(),
                    }),
                )
                    .into_response();
            }
            _ => {}
        }
        let message = match &self {
            ApiError::Internal(_) if status == StatusCode::NOT_FOUND => {
                "Record not found".to_string()
            }
            ApiError::Internal(lookbook_core::Error::Storage(_)) => {
                "Media storage is unavailable; try again in a moment".to_string()
            }
            ApiError::Internal(_) if status == StatusCode::SERVICE_UNAVAILABLE => {
                "The server is busy; try again in a moment".to_string()
            }
            ApiError::Internal(taken @ lookbook_core::Error::Taken(_)) => taken.to_string(),
            ApiError::Internal(lookbook_core::Error::Invalid(reason)) => reason.clone(),
            other => other.to_string(),
        };
        (status, Json(ErrorBody { error: message })).into_response()
    }
}

/// A JSON error response with any status, for middleware and fallbacks.
pub fn error_response(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        Json(ErrorBody {
            error: message.into(),
        }),
    )
        .into_response()
}
