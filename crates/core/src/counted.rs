//! Where the counts of posts and accounts are cached in Redis (hashes with
//! a generation number beside each), and the script that records a change:
//! what the API, which reads and fills the cache, and the worker, which
//! publishes scheduled posts, both need.

use std::sync::LazyLock;

use deadpool_redis::redis;

use crate::kv::{Kv, Lua};

/// How long generations live (cached counts live 300 s too).
pub const TTL_SECS: u64 = 300;

/// What is counted for one kind of entity.
#[derive(Debug)]
pub struct Spec {
    pub prefix: &'static str,
    pub fields: &'static [&'static str],
}

pub const STATUS: Spec = Spec {
    prefix: "status",
    fields: &["favourites", "replies", "reblogs"],
};

pub const ACCOUNT: Spec = Spec {
    prefix: "account",
    fields: &["followers", "following", "statuses", "last_status"],
};

/// The counts' key and their generation's key.
pub fn keys(kv: &Kv, spec: &Spec, id: i64) -> (String, String) {
    (
        kv.key(&format!("counts:{}:{id}", spec.prefix)),
        kv.key(&format!("countgen:{}:{id}", spec.prefix)),
    )
}

/// Set while a change that adds to a count is under way.
pub fn pending_key(kv: &Kv, spec: &Spec, id: i64) -> String {
    kv.key(&format!("countpending:{}:{id}", spec.prefix))
}

/// A change: bump the generation, then add to a cached field or drop the
/// counts (KEYS: counts, generation; ARGV: ttl, [field, delta]).
pub static CHANGE: LazyLock<Lua> = LazyLock::new(|| {
    Lua::new(
        r"
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[1])
if ARGV[2] and redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], ARGV[2], ARGV[3])
else
  redis.call('DEL', KEYS[1])
end
return 0
",
    )
});

/// The pipeline recording a committed change of each id: `add` adds to one
/// cached field, None drops the cached counts.
pub fn changes(kv: &Kv, spec: &Spec, ids: &[i64], add: Option<(&str, i64)>) -> redis::Pipeline {
    let mut pipe = redis::pipe();
    for id in ids {
        let (counts, generation) = keys(kv, spec, *id);
        let mut eval = CHANGE.call(2);
        eval.arg(counts).arg(generation).arg(TTL_SECS);
        if let Some((field, delta)) = add {
            eval.arg(field).arg(delta);
        }
        pipe.add_command(eval).ignore();
    }
    pipe
}

/// Drops the cached counts of `ids` after a committed change. When Redis
/// does not answer, they are left to expire.
pub async fn forget(kv: &Kv, spec: &Spec, ids: &[i64]) -> crate::Result<()> {
    let mut conn = kv
        .pool()
        .get()
        .await
        .map_err(|e| crate::Error::Redis(e.to_string()))?;
    CHANGE
        .run::<()>(&changes(kv, spec, ids, None), &mut conn)
        .await
        .map_err(|e| crate::Error::Redis(e.to_string()))
}
