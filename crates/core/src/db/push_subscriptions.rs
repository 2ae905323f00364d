//! Web Push subscriptions (one per access token), and the push tasks a new
//! notification makes for them and for the recipient's devices.

use sqlx::{PgConnection, PgExecutor};

/// How long a push is worth sending (and a push service keeps it for an
/// offline browser): a notification older than this is not pushed, however
/// long its push service was away.
pub const PUSH_TTL_SECS: i64 = 48 * 3600;

/// A subscription.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: i64,
    pub token_id: i64,
    pub account_id: i64,
    pub endpoint: String,
    pub p256dh: Vec<u8>,
    pub auth: Vec<u8>,
    pub standard: bool,
    /// `{"mention": true, ...}`.
    pub alerts: serde_json::Value,
    pub policy: String,
    pub sealed_token: Vec<u8>,
}

/// What subscribing stores.
#[derive(Debug)]
pub struct NewSubscription<'a> {
    pub token_id: i64,
    pub account_id: i64,
    pub endpoint: &'a str,
    pub p256dh: &'a [u8],
    pub auth: &'a [u8],
    pub standard: bool,
    pub alerts: &'a serde_json::Value,
    pub policy: &'a str,
    pub sealed_token: &'a [u8],
}

/// Subscribes a token, replacing what it had (with a new id).
pub async fn replace(
    db: impl PgExecutor<'_>,
    new: &NewSubscription<'_>,
) -> crate::Result<Subscription> {
    let row = sqlx::query_as!(
        Subscription,
        "insert into push_subscriptions
             (token_id, account_id, endpoint, p256dh, auth, standard, alerts, policy, sealed_token)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         on conflict (token_id) do update set
             id = lookbook_id(), account_id = excluded.account_id, endpoint = excluded.endpoint,
             p256dh = excluded.p256dh, auth = excluded.auth, standard = excluded.standard,
             alerts = excluded.alerts, policy = excluded.policy,
             sealed_token = excluded.sealed_token, created_at = now()
         returning id, token_id, account_id, endpoint, p256dh, auth, standard, alerts, policy,
                   sealed_token",
        new.token_id,
        new.account_id,
        new.endpoint,
        new.p256dh,
        new.auth,
        new.standard,
        new.alerts,
        new.policy,
        new.sealed_token
    )
    .fetch_one(db)
    .await?;
    Ok(row)
}

/// The token's subscription.
pub async fn of_token(db: impl PgExecutor<'_>, token: i64) -> crate::Result<Option<Subscription>> {
    let row = sqlx::query_as!(
        Subscription,
        "select id, token_id, account_id, endpoint, p256dh, auth, standard, alerts, policy,
                sealed_token
         from push_subscriptions where token_id = $1",
        token
    )
    .fetch_optional(db)
    .await?;
    Ok(row)
}

/// Changes which notifications the token's subscription pushes.
pub async fn update(
    db: impl PgExecutor<'_>,
    token: i64,
    alerts: &serde_json::Value,
    policy: &str,
) -> crate::Result<Option<Subscription>> {
    let row = sqlx::query_as!(
        Subscription,
        "update push_subscriptions set alerts = $2, policy = $3 where token_id = $1
         returning id, token_id, account_id, endpoint, p256dh, auth, standard, alerts, policy,
                   sealed_token",
        token,
        alerts,
        policy
    )
    .fetch_optional(db)
    .await?;
    Ok(row)
}

/// Ends the token's subscription.
pub async fn delete_of_token(db: impl PgExecutor<'_>, token: i64) -> crate::Result<()> {
    sqlx::query!("delete from push_subscriptions where token_id = $1", token)
        .execute(db)
        .await?;
    Ok(())
}

/// Ends a subscription the push service says is gone.
pub async fn delete(db: impl PgExecutor<'_>, id: i64) -> crate::Result<()> {
    sqlx::query!("delete from push_subscriptions where id = $1", id)
        .execute(db)
        .await?;
    Ok(())
}

/// Makes a push task for each Web Push subscription and each device of
/// the recipient of each new notification (`ids` and `recipients` side by
/// side) that wants its type, in the caller's transaction.
pub async fn enqueue(
    conn: &mut PgConnection,
    ids: &[i64],
    recipients: &[i64],
) -> crate::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query!(
        r#"with made as (
               select n.id, n.account_id, n.type
               from unnest($1::bigint[], $2::bigint[]) as m (id, account_id)
               join notifications n on n.id = m.id and n.account_id = m.account_id),
           web as (
               insert into outbox (kind, payload)
               select 'web_push', jsonb_build_object(
                          'kind', 'web_push', 'v', $3::bigint,
                          'notification_id', m.id, 'subscription_id', s.id)
               from made m join push_subscriptions s on s.account_id = m.account_id
               join tokens t on t.id = s.token_id and t.revoked_at is null
               where s.alerts ->> m.type = 'true' and s.policy <> 'none')
           insert into outbox (kind, payload)
           select 'native_push', jsonb_build_object(
                      'kind', 'native_push', 'v', $3::bigint,
                      'notification_id', m.id, 'device_id', d.id)
           from made m join devices d on d.account_id = m.account_id
           join tokens t on t.id = d.token_id and t.revoked_at is null
           where d.alerts ->> m.type = 'true'"#,
        ids,
        recipients,
        crate::tasks::FORMAT as i64
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Everything one push needs, if it is still to be sent: the subscription
/// and notification exist, the notification is younger than
/// [`PUSH_TTL_SECS`], the token is not revoked, and the alerts and the
/// policy let it through.
#[derive(Debug)]
pub struct Delivery {
    pub subscription: Subscription,
    pub notification_type: String,
    pub from_username: String,
    pub from_display_name: String,
    pub from_avatar_key: Option<String>,
    pub locale: String,
    /// The post's content warning or text, when the notification has one.
    pub status_text: Option<String>,
    pub status_spoiler: Option<String>,
    pub from_note: String,
}

/// The push of `notification` to `subscription`, if it is still to be sent.
pub async fn delivery(
    db: impl PgExecutor<'_>,
    notification: i64,
    subscription: i64,
) -> crate::Result<Option<Delivery>> {
    let row = sqlx::query!(
        r#"select s.id, s.token_id, s.account_id, s.endpoint, s.p256dh, s.auth, s.standard,
                  s.alerts, s.policy, s.sealed_token,
                  n.type as notification_type, a.username, a.display_name, a.avatar_key,
                  a.note, me.locale, st.text as "status_text?", st.spoiler_text as "status_spoiler?"
           from push_subscriptions s
           join notifications n on n.id = $1 and n.account_id = s.account_id and not n.filtered
           join tokens t on t.id = s.token_id and t.revoked_at is null
           join accounts a on a.id = n.from_account_id
           join accounts me on me.id = s.account_id
           left join statuses st on st.id = n.status_id
           where s.id = $2
             and s.alerts ->> n.type = 'true'
             and n.created_at > now() - make_interval(secs => $3)
             and case s.policy
                     when 'all' then true
                     when 'followed' then exists (select 1 from follows f
                         where f.account_id = s.account_id and f.target_account_id = n.from_account_id)
                     when 'follower' then exists (select 1 from follows f
                         where f.account_id = n.from_account_id and f.target_account_id = s.account_id)
                     else false
                 end"#,
        notification,
        subscription,
        PUSH_TTL_SECS as f64
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| Delivery {
        subscription: Subscription {
            id: r.id,
            token_id: r.token_id,
            account_id: r.account_id,
            endpoint: r.endpoint,
            p256dh: r.p256dh,
            auth: r.auth,
            standard: r.standard,
            alerts: r.alerts,
            policy: r.policy,
            sealed_token: r.sealed_token,
        },
        notification_type: r.notification_type,
        from_username: r.username,
        from_display_name: r.display_name,
        from_avatar_key: r.avatar_key,
        locale: r.locale,
        status_text: r.status_text,
        status_spoiler: r.status_spoiler,
        from_note: r.note,
    }))
}
