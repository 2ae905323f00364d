//! The Tag entity: a hashtag, its use on each of the last seven days, and
//! whether the member follows it. The week's use is kept in Memcached for a
//! few minutes, so a crowd on one hashtag counts its posts once.

use std::collections::HashMap;

use chrono::{DateTime, Duration, DurationRound, Utc};
use lookbook_core::db::tags;
use lookbook_core::db::trends::TagDay;
use memcache::exp::Ttl;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::ApiResult;

/// How long a hashtag's week is kept before it is counted again.
const HISTORY_TTL: Ttl = Ttl::secs(300);

/// A hashtag as Mastodon shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Tag {
    pub name: String,
    /// Its page on the web.
    pub url: String,
    /// Use in public posts on each of the last seven days, today first.
    pub history: Vec<Day>,
    /// Whether the member follows it; absent when nobody is signed in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub following: Option<bool>,
}

/// One day of a hashtag's use; numbers as strings, as Mastodon sends them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Day {
    /// The day's start (UTC), in seconds since 1970.
    pub day: String,
    /// Posts that used it.
    pub uses: String,
    /// Members who used it.
    pub accounts: String,
}

impl Tag {
    pub fn new(state: &AppState, name: &str, days: &[TagDay], following: Option<bool>) -> Tag {
        Tag {
            url: format!("{}/tags/{name}", state.config.public_url),
            name: name.to_string(),
            history: week(days, Utc::now()),
            following,
        }
    }
}

/// The seven days up to `now`, today first, with the use `days` has for
/// each (none on the days it lacks).
pub fn week(days: &[TagDay], now: DateTime<Utc>) -> Vec<Day> {
    let today = now.duration_trunc(Duration::days(1)).unwrap_or(now);
    (0..7)
        .map(|back| {
            let day = today - Duration::days(back);
            let used = days.iter().find(|d| d.day == day);
            Day {
                day: day.timestamp().to_string(),
                uses: used.map_or(0, |d| d.uses).to_string(),
                accounts: used.map_or(0, |d| d.accounts).to_string(),
            }
        })
        .collect()
}

/// Tags for `names` (each with whether the member follows it), in order,
/// with their week from Memcached or, for those it lacks, from one query.
pub async fn hydrate(state: &AppState, names: &[(String, Option<bool>)]) -> ApiResult<Vec<Tag>> {
    let key = |name: &str| state.cache.key(&format!("taghistory:{name}"));
    let keys: Vec<String> = names.iter().map(|(name, _)| key(name)).collect();
    let cached = state.cache.get_strings(&keys, "tag history").await;
    let mut weeks: HashMap<String, Vec<TagDay>> = HashMap::new();
    let mut missing = Vec::new();
    for ((name, _), k) in names.iter().zip(&keys) {
        match cached
            .get(k)
            .and_then(|json| serde_json::from_str(json).ok())
        {
            Some(days) => {
                weeks.insert(name.clone(), days);
            }
            None => missing.push(name.clone()),
        }
    }
    if !missing.is_empty() {
        let rows = tags::history(&state.db.primary, &missing).await?;
        for name in missing {
            let days: Vec<TagDay> = rows
                .iter()
                .filter(|(tag, _)| *tag == name)
                .map(|(_, day)| day.clone())
                .collect();
            weeks.insert(name, days);
        }
        let pairs: Vec<(String, String)> = weeks
            .iter()
            .filter(|(name, _)| !cached.contains_key(&key(name)))
            .filter_map(|(name, days)| Some((key(name), serde_json::to_string(days).ok()?)))
            .collect();
        if let Err(err) = state.cache.client().set_many(pairs, HISTORY_TTL).await {
            tracing::warn!(error = %err, "tag history cache write failed");
        }
    }
    Ok(names
        .iter()
        .map(|(name, following)| {
            let days = weeks.get(name).map_or(&[][..], Vec::as_slice);
            Tag::new(state, name, days, *following)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use lookbook_core::db::trends::TagDay;

    /// Seven days, today first, with zeros where nobody used the tag.
    #[test]
    fn a_week_has_seven_days_today_first() {
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 15, 30, 0).unwrap();
        let yesterday = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap();
        let days = [TagDay {
            day: yesterday,
            uses: 5,
            accounts: 3,
        }];
        let week = super::week(&days, now);
        assert_eq!(week.len(), 7);
        assert_eq!(
            week[0].day,
            Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0)
                .unwrap()
                .timestamp()
                .to_string()
        );
        assert_eq!(
            (week[0].uses.as_str(), week[0].accounts.as_str()),
            ("0", "0")
        );
        assert_eq!(week[1].day, yesterday.timestamp().to_string());
        assert_eq!(
            (week[1].uses.as_str(), week[1].accounts.as_str()),
            ("5", "3")
        );
        assert_eq!(
            week[6].day,
            Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0)
                .unwrap()
                .timestamp()
                .to_string()
        );
    }
}
