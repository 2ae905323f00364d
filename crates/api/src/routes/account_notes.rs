//! `POST /api/v1/accounts/:id/note`: a member's private note on an account,
//! shown to them alone as the relationship's `note`.

use axum::Json;
use axum::extract::{Path, State};
use lookbook_core::db::account_notes::{self, NOTE_MAX_CHARS};
use serde::Deserialize;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::accounts::parse_id;
use super::follows::relationship;
use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::params::{Params, flex_string};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(note))
}

/// The body of `POST /api/v1/accounts/:id/note` (a form or JSON).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = AccountNoteForm)]
struct NoteParams {
    /// The note, up to 2000 characters; empty or left out removes it.
    #[schema(max_length = 2000)]
    #[serde(default, deserialize_with = "flex_string")]
    comment: Option<String>,
}

/// Sets the caller's private note on an account; answers the relationship,
/// which carries it.
#[utoipa::path(post, path = "/api/v1/accounts/{id}/note", tag = "accounts",
    params(("id" = String, Path, description = "Account id")),
    request_body(content = Option<NoteParams>, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "The Relationship, with the note"),
              (status = 404, description = "No such account"),
              (status = 422, description = "A note longer than 2000 characters")))]
async fn note(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    Params(p): Params<NoteParams>,
) -> ApiResult<Json<Value>> {
    let me = auth.user_with("write:accounts")?;
    let target = parse_id(&id)?;
    let comment = p.comment.unwrap_or_default();
    let comment = comment.trim();
    if comment.chars().count() > NOTE_MAX_CHARS {
        return Err(ApiError::Unprocessable(format!(
            "Validation failed: Comment is too long (maximum is {NOTE_MAX_CHARS} characters)"
        )));
    }
    if !account_notes::set(&state.db.primary, me, target, comment).await? {
        return Err(ApiError::NotFound);
    }
    relationship(&state, me, target).await
}
