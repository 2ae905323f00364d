//! Phones of the network's own apps (APNs and FCM device tokens), the
//! native push tasks a new notification makes for them, and how a burst of
//! notifications of one group (likes on one post) collapses: the first is
//! pushed at once, those that follow within the window wait, and the
//! worker's sweep sends the newest of them as one summary.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor, PgPool};

use super::push_subscriptions::PUSH_TTL_SECS;

/// How long a group's row is kept: past its 12-hour slot and the push's
/// time to live.
const GROUP_KEPT_SECS: f64 = 3.0 * 86_400.0;
/// How long a push of a group counts as being sent: a worker that died
/// mid-send leaves its lease to lapse.
const LEASE_SECS: f64 = 120.0;

/// Where a device's pushes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// Apple's push service.
    Apns,
    /// Firebase Cloud Messaging.
    Fcm,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Apns => "apns",
            Platform::Fcm => "fcm",
        }
    }

    pub fn parse(name: &str) -> Option<Platform> {
        match name {
            "apns" => Some(Platform::Apns),
            "fcm" => Some(Platform::Fcm),
            _ => None,
        }
    }
}

/// A registered device.
#[derive(Debug, Clone)]
pub struct Device {
    pub id: i64,
    pub platform: String,
    pub device_token: String,
    /// `{"mention": true, ...}`.
    pub alerts: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// What registering stores.
#[derive(Debug)]
pub struct NewDevice<'a> {
    pub token_id: i64,
    pub account_id: i64,
    pub app_id: i64,
    pub platform: Platform,
    pub device_token: &'a str,
    pub alerts: &'a serde_json::Value,
}

/// Registers a device for an account, or takes it over for the token and
/// app in use (a phone registers again after every sign-in).
pub async fn register(db: impl PgExecutor<'_>, new: &NewDevice<'_>) -> crate::Result<Device> {
    let row = sqlx::query_as!(
        Device,
        "insert into devices (token_id, account_id, app_id, platform, device_token, alerts)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (platform, device_token, account_id) do update set
             token_id = excluded.token_id, app_id = excluded.app_id, alerts = excluded.alerts
         returning id, platform, device_token, alerts, created_at",
        new.token_id,
        new.account_id,
        new.app_id,
        new.platform.as_str(),
        new.device_token,
        new.alerts
    )
    .fetch_one(db)
    .await?;
    Ok(row)
}

/// The account's devices registered through `app`, newest first.
pub async fn of_app(db: impl PgExecutor<'_>, account: i64, app: i64) -> crate::Result<Vec<Device>> {
    let rows = sqlx::query_as!(
        Device,
        "select id, platform, device_token, alerts, created_at from devices
         where account_id = $1 and app_id = $2 order by created_at desc, id desc",
        account,
        app
    )
    .fetch_all(db)
    .await?;
    Ok(rows)
}

/// Stops pushing to a device of the account; true when it was registered.
pub async fn unregister(
    db: impl PgExecutor<'_>,
    account: i64,
    platform: Platform,
    device_token: &str,
) -> crate::Result<bool> {
    let done = sqlx::query!(
        "delete from devices where account_id = $1 and platform = $2 and device_token = $3",
        account,
        platform.as_str(),
        device_token
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Forgets a device its push service no longer knows.
pub async fn delete(db: impl PgExecutor<'_>, id: i64) -> crate::Result<()> {
    sqlx::query!("delete from devices where id = $1", id)
        .execute(db)
        .await?;
    Ok(())
}

/// Everything one native push needs.
#[derive(Clone)]
pub struct Delivery {
    pub device_id: i64,
    pub platform: String,
    pub device_token: String,
    pub notification_type: String,
    /// The notification's group, which collapses on the phone; none for a
    /// notification that stands alone (a mention).
    pub group_key: Option<String>,
    /// Notifications in the group so far (1 when it stands alone).
    pub count: i64,
    pub from_username: String,
    pub from_display_name: String,
    pub locale: String,
    pub status_text: Option<String>,
    pub status_spoiler: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Whether the phone should buzz: the first push of a burst does, a
    /// summary of what followed does not.
    pub alerting: bool,
}

impl std::fmt::Debug for Delivery {
    // Without the device token: it addresses the phone.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("device_id", &self.device_id)
            .field("platform", &self.platform)
            .field("notification_type", &self.notification_type)
            .field("group_key", &self.group_key)
            .field("count", &self.count)
            .field("alerting", &self.alerting)
            .finish_non_exhaustive()
    }
}

/// What to do with a native push task.
#[derive(Debug)]
pub enum Plan {
    /// Nothing: the device, the token or the notification is gone, the
    /// notification is too old, or its type is not wanted.
    Skip,
    /// Its group was pushed moments ago: the sweep will send a summary.
    Later,
    /// Push it now (and call [`sent`] or [`unsent`] after).
    Send(Box<Delivery>),
}

/// The newest notification of a device's group, for its summary (the one
/// that waited may have been taken back since).
pub async fn newest_in_group(
    db: impl PgExecutor<'_>,
    device: i64,
    group: &str,
) -> crate::Result<Option<i64>> {
    let id = sqlx::query_scalar!(
        "select n.id from devices d
         join notifications n on n.account_id = d.account_id and n.group_key = $2
                                and not n.filtered
         where d.id = $1
         order by n.created_at desc, n.id desc limit 1",
        device,
        group
    )
    .fetch_optional(db)
    .await?;
    Ok(id)
}

/// Decides whether `notification` is pushed to `device` now, for task
/// `task`; `summary` when the sweep asks for a group's summary. A push of a
/// grouped notification takes the group's lease, so two workers never push
/// one group at once.
pub async fn plan(
    db: &PgPool,
    task: i64,
    notification: i64,
    device: i64,
    summary: bool,
    window_secs: f64,
) -> crate::Result<Plan> {
    let mut tx = db.begin().await?;
    let row = sqlx::query!(
        r#"select d.id, d.platform, d.device_token, n.type as notification_type, n.group_key,
                  n.created_at, a.username, a.display_name, me.locale,
                  st.text as "status_text?", st.spoiler_text as "status_spoiler?",
                  n.account_id
           from devices d
           join notifications n on n.id = $1 and n.account_id = d.account_id and not n.filtered
           join tokens t on t.id = d.token_id and t.revoked_at is null
           join accounts a on a.id = n.from_account_id
           join accounts me on me.id = d.account_id
           left join statuses st on st.id = n.status_id
           where d.id = $2 and d.alerts ->> n.type = 'true'
             and n.created_at > now() - make_interval(secs => $3)"#,
        notification,
        device,
        PUSH_TTL_SECS as f64
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(r) = row else {
        return Ok(Plan::Skip);
    };
    let mut delivery = Delivery {
        device_id: r.id,
        platform: r.platform,
        device_token: r.device_token,
        notification_type: r.notification_type,
        group_key: r.group_key,
        count: 1,
        from_username: r.username,
        from_display_name: r.display_name,
        locale: r.locale,
        status_text: r.status_text,
        status_spoiler: r.status_spoiler,
        created_at: r.created_at,
        alerting: !summary,
    };
    let Some(group) = delivery.group_key.clone() else {
        delivery.alerting = true;
        return Ok(Plan::Send(Box::new(delivery)));
    };
    sqlx::query!(
        "insert into device_push_groups (device_id, group_key) values ($1, $2)
         on conflict do nothing",
        device,
        group
    )
    .execute(&mut *tx)
    .await?;
    let state = sqlx::query!(
        r#"select coalesce(sending_until > now() and sending_task is distinct from $4, false)
                      as "busy!",
                  coalesce(sent_at > now() - make_interval(secs => $3), false) as "recent!"
           from device_push_groups where device_id = $1 and group_key = $2 for update"#,
        device,
        group,
        window_secs,
        task
    )
    .fetch_one(&mut *tx)
    .await?;
    let plan = if state.busy || state.recent {
        sqlx::query!(
            "update device_push_groups set pending_notification_id = $3
             where device_id = $1 and group_key = $2",
            device,
            group,
            notification
        )
        .execute(&mut *tx)
        .await?;
        Plan::Later
    } else {
        // Counted under the lock: a notification that comes after waits
        // for the next summary.
        delivery.count = sqlx::query_scalar!(
            r#"select count(*) as "n!" from notifications
               where account_id = $1 and group_key = $2 and not filtered"#,
            r.account_id,
            group
        )
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query!(
            "update device_push_groups
             set sending_until = now() + make_interval(secs => $3), sending_task = $4,
                 pending_notification_id = null
             where device_id = $1 and group_key = $2",
            device,
            group,
            LEASE_SECS,
            task
        )
        .execute(&mut *tx)
        .await?;
        Plan::Send(Box::new(delivery))
    };
    tx.commit().await?;
    Ok(plan)
}

/// Records that task `task`'s push of a group went out: the window starts
/// now.
pub async fn sent(
    db: impl PgExecutor<'_>,
    task: i64,
    device: i64,
    group: &str,
) -> crate::Result<()> {
    sqlx::query!(
        "update device_push_groups set sent_at = now(), sending_until = null, sending_task = null
         where device_id = $1 and group_key = $2 and sending_task = $3",
        device,
        group,
        task
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Gives task `task`'s lease of a group back after a push that failed (the
/// task is retried).
pub async fn unsent(
    db: impl PgExecutor<'_>,
    task: i64,
    device: i64,
    group: &str,
) -> crate::Result<()> {
    sqlx::query!(
        "update device_push_groups set sending_until = null, sending_task = null
         where device_id = $1 and group_key = $2 and sending_task = $3",
        device,
        group,
        task
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A summary that is due: a device's group whose window has passed with
/// notifications waiting.
#[derive(Debug)]
pub struct DueSummary {
    pub device_id: i64,
    pub group_key: String,
}

/// Takes up to `limit` groups whose window has passed with notifications
/// waiting, in the caller's transaction (which queues their summaries).
pub async fn take_summaries(
    conn: &mut PgConnection,
    window_secs: f64,
    limit: i64,
) -> crate::Result<Vec<DueSummary>> {
    let rows = sqlx::query_as!(
        DueSummary,
        r#"update device_push_groups g set pending_notification_id = null
           from (select device_id, group_key from device_push_groups
                 where pending_notification_id is not null
                   and coalesce(sent_at, '-infinity') < now() - make_interval(secs => $1)
                   and coalesce(sending_until, '-infinity') < now()
                 limit $2
                 for update skip locked) due
           where g.device_id = due.device_id and g.group_key = due.group_key
           returning g.device_id, g.group_key"#,
        window_secs,
        limit
    )
    .fetch_all(conn)
    .await?;
    Ok(rows)
}

/// Deletes the rows of groups long past, in the caller's transaction.
pub async fn forget_old_groups(conn: &mut PgConnection) -> crate::Result<u64> {
    let done = sqlx::query!(
        "delete from device_push_groups where created_at < now() - make_interval(secs => $1)",
        GROUP_KEPT_SECS
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
