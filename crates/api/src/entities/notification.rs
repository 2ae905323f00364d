//! The notification entities: `Notification`, the grouped view's
//! `NotificationGroup` and `GroupedNotificationsResults`, the
//! `NotificationPolicy`, `NotificationRequest` and `Marker`, each built
//! from `core` records with their accounts and posts hydrated a page at a
//! time.

use std::collections::{BTreeMap, HashMap};

use lookbook_core::db::markers::Marker as StoredMarker;
use lookbook_core::db::notification_groups::Group;
use lookbook_core::db::notification_policy::{Policy, Request};
use lookbook_core::db::notifications::Notification as Stored;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::time;
use crate::AppState;
use crate::error::ApiResult;
use crate::filtering::{Context, hidden};
use crate::statuses::{authors, render};

/// Something that happened to the member: who, what, and the post it is about.
#[derive(Debug, Serialize, ToSchema)]
pub struct Notification {
    pub id: String,
    /// `mention`, `status`, `reblog`, `follow`, `follow_request`, `favourite` or `update`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub created_at: String,
    /// The group it belongs to in the grouped view.
    pub group_key: String,
    /// The Account that caused it.
    #[schema(value_type = Object)]
    pub account: Value,
    /// The Status it is about, as the member sees it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub status: Option<Value>,
}

/// Notifications of a kind about one post (or follows) taken together.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationGroup {
    pub group_key: String,
    pub notifications_count: i64,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub most_recent_notification_id: String,
    pub page_min_id: String,
    pub page_max_id: String,
    pub latest_page_notification_at: String,
    /// Ids of the newest accounts behind the group, newest first.
    pub sample_account_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_id: Option<String>,
}

/// A page of the grouped view: the groups, and every account and post they
/// name, once each.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupedNotificationsResults {
    #[schema(value_type = Vec<Object>)]
    pub accounts: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub statuses: Vec<Value>,
    pub notification_groups: Vec<NotificationGroup>,
}

/// Pending requests, in a policy.
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicySummary {
    pub pending_requests_count: i64,
    pub pending_notifications_count: i64,
}

/// What becomes of notifications from strangers (`accept`, `filter`, `drop`).
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationPolicy {
    pub for_not_following: String,
    pub for_not_followers: String,
    pub for_new_accounts: String,
    pub for_private_mentions: String,
    pub for_limited_accounts: String,
    pub summary: PolicySummary,
}

impl NotificationPolicy {
    pub fn new(policy: Policy, (requests, notifications): (i64, i64)) -> NotificationPolicy {
        NotificationPolicy {
            for_not_following: policy.for_not_following,
            for_not_followers: policy.for_not_followers,
            for_new_accounts: policy.for_new_accounts,
            for_private_mentions: policy.for_private_mentions,
            for_limited_accounts: policy.for_limited_accounts,
            summary: PolicySummary {
                pending_requests_count: requests,
                pending_notifications_count: notifications,
            },
        }
    }
}

/// The policy in API version 1's shape (a filter is on unless it accepts).
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationPolicyV1 {
    pub filter_not_following: bool,
    pub filter_not_followers: bool,
    pub filter_new_accounts: bool,
    pub filter_private_mentions: bool,
    pub summary: PolicySummary,
}

impl From<NotificationPolicy> for NotificationPolicyV1 {
    fn from(p: NotificationPolicy) -> Self {
        NotificationPolicyV1 {
            filter_not_following: p.for_not_following != "accept",
            filter_not_followers: p.for_not_followers != "accept",
            filter_new_accounts: p.for_new_accounts != "accept",
            filter_private_mentions: p.for_private_mentions != "accept",
            summary: p.summary,
        }
    }
}

/// Notifications held back from one sender.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationRequest {
    pub id: String,
    pub created_at: String,
    pub updated_at: String,
    #[schema(value_type = Object)]
    pub account: Value,
    /// A count, as a string (as Mastodon sends it).
    pub notifications_count: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub last_status: Option<Value>,
}

/// Where the member stopped reading a timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct Marker {
    pub last_read_id: String,
    pub version: i64,
    pub updated_at: String,
}

/// Markers by timeline name.
pub fn markers(stored: Vec<StoredMarker>) -> BTreeMap<String, Marker> {
    stored
        .into_iter()
        .map(|m| {
            let marker = Marker {
                last_read_id: m.last_read_id.to_string(),
                version: m.version,
                updated_at: time(m.updated_at),
            };
            (m.timeline, marker)
        })
        .collect()
}

/// Posts as `me` sees them, by id; posts gone, or hidden by one of the
/// member's filters for notifications, are missing (and so are the
/// notifications about them).
async fn posts(state: &AppState, me: i64, ids: &[i64]) -> ApiResult<HashMap<String, Value>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    Ok(render(state, Some(me), &ids)
        .await?
        .into_iter()
        .filter(|s| !hidden(Context::Notifications, s))
        .filter_map(|s| Some((s["id"].as_str()?.to_string(), s)))
        .collect())
}

/// Accounts by id, with their counts.
async fn people(state: &AppState, ids: &[i64]) -> ApiResult<HashMap<i64, Value>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    authors(state, &ids).await
}

/// Notifications ready to send, in the order given; one whose account or
/// post is gone is left out.
pub async fn notifications(
    state: &AppState,
    me: i64,
    list: &[Stored],
) -> ApiResult<Vec<Notification>> {
    let from: Vec<i64> = list.iter().map(|n| n.from_account_id).collect();
    let post_ids: Vec<i64> = list.iter().filter_map(|n| n.status_id).collect();
    let accounts = people(state, &from).await?;
    let statuses = posts(state, me, &post_ids).await?;
    Ok(list
        .iter()
        .filter_map(|n| {
            let status = match n.status_id {
                Some(id) => Some(statuses.get(&id.to_string())?.clone()),
                None => None,
            };
            Some(Notification {
                id: n.id.to_string(),
                kind: n.kind.as_str(),
                created_at: time(n.created_at),
                group_key: n.group_key.clone(),
                account: accounts.get(&n.from_account_id)?.clone(),
                status,
            })
        })
        .collect())
}

/// A page of groups with the accounts and posts they name.
pub async fn grouped(
    state: &AppState,
    me: i64,
    groups: &[Group],
) -> ApiResult<GroupedNotificationsResults> {
    let account_ids: Vec<i64> = groups
        .iter()
        .flat_map(|g| g.sample_account_ids.iter().copied())
        .collect();
    let post_ids: Vec<i64> = groups.iter().filter_map(|g| g.status_id).collect();
    let accounts = people(state, &account_ids).await?;
    let statuses = posts(state, me, &post_ids).await?;
    let notification_groups: Vec<NotificationGroup> = groups
        .iter()
        .filter(|g| match g.status_id {
            Some(id) => statuses.contains_key(&id.to_string()),
            None => true,
        })
        .map(|g| NotificationGroup {
            group_key: g.group_key.clone(),
            notifications_count: g.notifications_count,
            kind: g.kind.as_str(),
            most_recent_notification_id: g.most_recent_id.to_string(),
            // Pages run by each group's most recent notification, so that is
            // where a page of groups starts and ends.
            page_min_id: g.most_recent_id.to_string(),
            page_max_id: g.most_recent_id.to_string(),
            latest_page_notification_at: time(g.latest_at),
            sample_account_ids: g
                .sample_account_ids
                .iter()
                .filter(|id| accounts.contains_key(id))
                .map(i64::to_string)
                .collect(),
            status_id: g.status_id.map(|id| id.to_string()),
        })
        .collect();
    let mut account_list: Vec<(i64, Value)> = accounts.into_iter().collect();
    account_list.sort_unstable_by_key(|(id, _)| *id);
    let mut status_list: Vec<(String, Value)> = statuses.into_iter().collect();
    status_list.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(GroupedNotificationsResults {
        accounts: account_list.into_iter().map(|(_, a)| a).collect(),
        statuses: status_list.into_iter().map(|(_, s)| s).collect(),
        notification_groups,
    })
}

/// Requests ready to send.
pub async fn requests(
    state: &AppState,
    me: i64,
    list: &[Request],
) -> ApiResult<Vec<NotificationRequest>> {
    let from: Vec<i64> = list.iter().map(|r| r.from_account_id).collect();
    let post_ids: Vec<i64> = list.iter().filter_map(|r| r.last_status_id).collect();
    let accounts = people(state, &from).await?;
    let statuses = posts(state, me, &post_ids).await?;
    Ok(list
        .iter()
        .filter_map(|r| {
            Some(NotificationRequest {
                id: r.from_account_id.to_string(),
                created_at: time(r.created_at),
                updated_at: time(r.updated_at),
                account: accounts.get(&r.from_account_id)?.clone(),
                notifications_count: r.notifications_count.to_string(),
                last_status: r
                    .last_status_id
                    .and_then(|id| statuses.get(&id.to_string()).cloned()),
            })
        })
        .collect())
}
