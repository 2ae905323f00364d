//! The routes, one module per resource, assembled with their OpenAPI
//! descriptions into one router.

pub mod account_notes;
pub mod account_statuses;
pub mod accounts;
pub mod announcements;
pub mod apps;
pub mod authorize;
pub mod blocks;
pub mod brand_page;
pub mod compose;
pub mod confirmation;
pub mod conversations;
pub mod custom_emojis;
pub mod defaults;
pub mod devices;
pub mod domain_blocks;
pub mod emails;
pub mod familiar_followers;
pub mod favourites;
pub mod featured_tags;
pub mod filter_keywords;
pub mod filter_statuses;
pub mod filters;
pub mod filters_v1;
pub mod follows;
pub mod grouped_notifications;
pub mod health;
pub mod instance;
pub mod items;
pub mod lists;
pub mod mail_preferences;
pub mod markers;
pub mod media;
pub mod metrics;
pub mod notification_requests;
pub mod notifications;
pub mod oauth;
pub mod passwords;
pub mod pins;
pub mod polls;
pub mod post_page;
pub mod preferences;
pub mod profile_page;
pub mod push_subscription;
pub mod reblogs;
pub mod registration;
pub mod reports;
pub mod scheduled_statuses;
pub mod search;
pub mod sign_up_page;
pub mod status_edit;
pub mod status_history;
pub mod statuses;
pub mod suggestions;
pub mod tag_page;
pub mod tags;
pub mod thread_mutes;
pub mod timelines;
pub mod trends;
pub mod unsubscribe;
pub mod uploads;
pub mod webfinger;

mod conformance;

use axum::Router;
use axum::http::StatusCode;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::AppState;
use crate::error::error_response;

/// The OpenAPI document's header; paths are added by the route modules.
#[derive(OpenApi)]
#[openapi(
    components(schemas(crate::error::ErrorBody)),
    info(
        title = "Lookbook API",
        description = "The Mastodon client API, plus Lookbook's fashion extensions under /api/lookbook/v1."
    ),
    tags(
        (name = "operations", description = "Health, readiness and metrics"),
        (name = "instance", description = "What this server is and its limits"),
        (name = "apps", description = "OAuth client applications"),
        (name = "oauth", description = "Tokens: issue, revoke, authorize"),
        (name = "accounts", description = "Members and their profiles"),
        (name = "follows", description = "Following and follow requests"),
        (name = "blocks", description = "Blocks and mutes"),
        (name = "media", description = "Photo uploads and their processing"),
        (name = "statuses", description = "Posts, comments, favourites, bookmarks, boosts, pins, polls and conversations of direct posts"),
        (name = "timelines", description = "Home, list, public and hashtag timelines; hashtags"),
        (name = "lists", description = "Named groups of followed accounts, each with its timeline"),
        (name = "filters", description = "Words and posts a member hides or is warned about, where they choose"),
        (name = "notifications", description = "Notifications, grouped or one by one; the policy for strangers; read markers"),
        (name = "streaming", description = "Live updates over WebSocket or server-sent events"),
        (name = "push", description = "Web Push subscriptions: notifications sent to a browser or phone"),
        (name = "search", description = "Accounts, hashtags and posts by what they start with or contain"),
        (name = "web", description = "Public web pages of posts, profiles, hashtags and brands, at the URLs entities announce"),
        (name = "lookbook", description = "Fashion extensions: item tags, brands, direct uploads"),
    )
)]
struct ApiDoc;

/// The whole router: every resource, the docs, the fallbacks and the layers.
pub fn router(state: AppState) -> Router {
    let (router, mut api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::routes())
        .merge(instance::routes())
        .merge(announcements::routes())
        .merge(custom_emojis::routes())
        .merge(metrics::routes())
        .merge(apps::routes())
        .merge(oauth::routes())
        .merge(authorize::routes())
        .merge(registration::routes())
        .merge(emails::routes())
        .merge(confirmation::routes())
        .merge(passwords::routes())
        .merge(mail_preferences::routes())
        .merge(unsubscribe::routes())
        .merge(accounts::routes())
        .merge(account_notes::routes())
        .merge(follows::routes())
        .merge(blocks::routes())
        .merge(defaults::routes())
        .merge(media::routes())
        .merge(compose::routes())
        .merge(statuses::routes())
        .merge(status_edit::routes())
        .merge(status_history::routes())
        .merge(favourites::routes())
        .merge(reblogs::routes())
        .merge(conversations::routes())
        .merge(lists::routes())
        .merge(filters::routes())
        .merge(filter_keywords::routes())
        .merge(filter_statuses::routes())
        .merge(filters_v1::routes())
        .merge(reports::routes())
        .merge(scheduled_statuses::routes())
        .merge(sign_up_page::routes())
        .merge(suggestions::routes())
        .merge(thread_mutes::routes())
        .merge(domain_blocks::routes())
        .merge(familiar_followers::routes())
        .merge(featured_tags::routes())
        .merge(account_statuses::routes())
        .merge(items::routes())
        .merge(uploads::routes())
        .merge(timelines::routes())
        .merge(tags::routes())
        .merge(trends::routes())
        .merge(search::routes())
        .merge(webfinger::routes())
        .merge(post_page::routes())
        .merge(profile_page::routes())
        .merge(tag_page::routes())
        .merge(brand_page::routes())
        .merge(notifications::routes())
        .merge(pins::routes())
        .merge(polls::routes())
        .merge(grouped_notifications::routes())
        .merge(notification_requests::routes())
        .merge(markers::routes())
        .merge(preferences::routes())
        .merge(push_subscription::routes())
        .merge(devices::routes())
        .merge(crate::streaming::routes())
        .split_for_parts();
    conformance::apply(&mut api, &state.config.limits);
    let router = router
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", api))
        .fallback(|| async { error_response(StatusCode::NOT_FOUND, "Not found") })
        .method_not_allowed_fallback(|| async {
            error_response(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed")
        });
    crate::middleware::apply(router, &state).with_state(state)
}
