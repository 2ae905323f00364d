//! `GET /api/v1/accounts/familiar_followers?id[]=`: for each account, the
//! ones the caller follows among its followers ("followed by Ana and 3
//! others you follow").

use axum::Json;
use axum::extract::State;
use lookbook_core::db::relationships;
use serde::Serialize;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::follows::{LIST_DEFAULT, LIST_MAX};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiResult;
use crate::params::{IdList, Params};
use crate::statuses::authors;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(familiar_followers))
}

/// The followers of one account that the caller follows.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FamiliarFollowers {
    /// The account asked about.
    pub id: String,
    /// Up to 40 of its followers the caller follows, as Accounts.
    #[schema(value_type = Vec<Object>)]
    pub accounts: Vec<Value>,
}

/// For each account in `id[]` that exists (in the order asked; in the
/// query, or in a JSON body as Mastodon.py sends it), the followers of it
/// that the caller follows, up to 40 each; none across a block.
#[utoipa::path(get, path = "/api/v1/accounts/familiar_followers", tag = "follows",
    params(("id[]" = Vec<String>, Query, description = "Account ids")),
    responses((status = 200, description = "FamiliarFollowers, one per id", body = [FamiliarFollowers]),
              (status = 422, description = "More than 80 ids")))]
async fn familiar_followers(
    State(state): State<AppState>,
    auth: Auth,
    Params(p): Params<IdList>,
) -> ApiResult<Json<Vec<FamiliarFollowers>>> {
    let me = auth.user_with("read:follows")?;
    let mut targets = p.ids(LIST_MAX as usize)?;
    let mut seen = std::collections::HashSet::new();
    targets.retain(|id| seen.insert(*id));
    let pairs =
        relationships::familiar_followers(&state.db.primary, me, &targets, LIST_DEFAULT).await?;
    let mut followers: Vec<i64> = pairs.iter().filter_map(|(_, f)| *f).collect();
    followers.sort_unstable();
    followers.dedup();
    let accounts = authors(&state, &followers).await?;
    // Accounts that do not exist are left out, as Mastodon does.
    Ok(Json(
        targets
            .into_iter()
            .filter(|target| pairs.iter().any(|(t, _)| t == target))
            .map(|target| FamiliarFollowers {
                id: target.to_string(),
                accounts: pairs
                    .iter()
                    .filter(|(t, _)| *t == target)
                    .filter_map(|(_, f)| accounts.get(f.as_ref()?).cloned())
                    .collect(),
            })
            .collect(),
    ))
}
