//! Custom emojis, for operators: `lookbook-worker emoji add | remove | list`.
//!
//! Adding reads a picture file (PNG, GIF, WebP or JPEG) through the image
//! pipeline ([`crate::imaging`]: the size limits checked from the header
//! before any pixel is decoded), scales it to fit [`SIDE`] x [`SIDE`]
//! keeping its aspect (never up), and writes a PNG that keeps transparency
//! to S3 under a key made from its bytes, then saves the row. Adding the
//! same shortcode again replaces its picture; adding the same thing twice
//! changes nothing. Every change drops the list the API keeps in Memcached,
//! so it shows at once; when Memcached does not confirm that, the command
//! says so and the list refreshes within [`CACHE_SECS`] seconds.
//!
//! [`Emojis`] does the work and is what tests call; [`run`] prints for the
//! operator.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};
use lookbook_core::Config;
use lookbook_core::cache::Cache;
use lookbook_core::config::Limits;
use lookbook_core::db::Db;
use lookbook_core::db::custom_emojis::{self, CACHE_KEY, CustomEmoji, Removed, Saved};
use lookbook_core::storage::Storage;
use lookbook_core::text::shortcodes::{BadShortcode, Shortcode};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

pub use lookbook_core::db::custom_emojis::CACHE_SECS;

/// The largest side of a served emoji, in pixels.
pub const SIDE: u32 = 128;

/// The longest category name.
const CATEGORY_MAX: usize = 64;

/// How the command is called.
pub const USAGE: &str =
    "usage: lookbook-worker emoji add SHORTCODE FILE [--category NAME] [--hidden]
       lookbook-worker emoji remove SHORTCODE
       lookbook-worker emoji list";

/// What the operator asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Add(NewEmoji),
    Remove(Shortcode),
    List,
    /// `--help`: the usage, without touching any service.
    Help,
}

/// An emoji to add: its name, its picture and how pickers show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEmoji {
    pub shortcode: Shortcode,
    /// A PNG, GIF, WebP or JPEG file.
    pub file: PathBuf,
    /// The picker's group, if any.
    pub category: Option<String>,
    /// Kept out of pickers (posts still show it).
    pub hidden: bool,
}

/// Why an emoji command failed.
#[derive(Debug, thiserror::Error)]
pub enum EmojiError {
    /// The arguments do not make a command.
    #[error("{0}\n{USAGE}")]
    Usage(String),
    #[error(transparent)]
    Shortcode(#[from] BadShortcode),
    /// The picture file cannot be read at all.
    #[error("cannot read {}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file is read but is not a picture that can be used, and why.
    #[error("{} cannot be a custom emoji: {reason}", path.display())]
    Unusable { path: PathBuf, reason: String },
    /// PostgreSQL or S3 failed; trying again may work.
    #[error("{0:#}")]
    Service(#[from] anyhow::Error),
}

impl EmojiError {
    /// The process's exit code: 2 for arguments (the shortcode among them),
    /// 3 for a file that cannot be used, 1 when a service failed.
    pub fn exit_code(&self) -> u8 {
        match self {
            EmojiError::Usage(_) | EmojiError::Shortcode(_) => 2,
            EmojiError::Unreadable { .. } | EmojiError::Unusable { .. } => 3,
            EmojiError::Service(_) => 1,
        }
    }
}

impl From<lookbook_core::Error> for EmojiError {
    fn from(err: lookbook_core::Error) -> Self {
        EmojiError::Service(err.into())
    }
}

impl Command {
    /// Reads the arguments after `emoji`.
    pub fn parse(args: &[String]) -> Result<Command, EmojiError> {
        let usage = |what: &str| Err(EmojiError::Usage(what.to_string()));
        let Some((verb, rest)) = args.split_first() else {
            return usage("emoji needs add, remove or list");
        };
        if rest.iter().any(|a| a == "-h" || a == "--help") || verb == "-h" || verb == "--help" {
            return Ok(Command::Help);
        }
        match (verb.as_str(), rest) {
            ("add", _) => parse_add(rest),
            ("remove", [shortcode]) => Ok(Command::Remove(Shortcode::parse(shortcode)?)),
            ("remove", _) => usage("emoji remove takes one shortcode"),
            ("list", []) => Ok(Command::List),
            ("list", _) => usage("emoji list takes no arguments"),
            (other, _) => usage(&format!("unknown emoji command {other:?}")),
        }
    }
}

fn parse_add(args: &[String]) -> Result<Command, EmojiError> {
    let mut positional = Vec::new();
    let mut category = None;
    let mut hidden = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if let Some(name) = arg.strip_prefix("--category=") {
            category = Some(name.to_string());
            continue;
        }
        match arg.as_str() {
            "--hidden" => hidden = true,
            "--category" => {
                let name = args.next().ok_or_else(|| {
                    EmojiError::Usage("--category needs a name after it".to_string())
                })?;
                category = Some(name.clone());
            }
            flag if flag.starts_with("--") => {
                return Err(EmojiError::Usage(format!("unknown option {flag:?}")));
            }
            _ => positional.push(arg),
        }
    }
    let [shortcode, file] = positional.as_slice() else {
        return Err(EmojiError::Usage(
            "emoji add takes a shortcode and a picture file".to_string(),
        ));
    };
    let category = match category.map(|c| c.trim().to_string()) {
        Some(c) if c.is_empty() => {
            return Err(EmojiError::Usage("the category name is blank".to_string()));
        }
        Some(c) if c.chars().count() > CATEGORY_MAX => {
            return Err(EmojiError::Usage(format!(
                "the category name may have at most {CATEGORY_MAX} characters"
            )));
        }
        other => other,
    };
    Ok(Command::Add(NewEmoji {
        shortcode: Shortcode::parse(shortcode)?,
        file: PathBuf::from(file.as_str()),
        category,
        hidden,
    }))
}

/// A custom emoji's picture as served: a PNG within [`SIDE`] x [`SIDE`].
#[derive(Debug, Clone)]
pub struct Picture {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Makes the served picture from a file's bytes: decoded within `limits`
/// and upright, scaled to fit [`SIDE`] (never up), encoded as a PNG that
/// keeps transparency and the colour profile.
pub fn picture(bytes: &[u8], limits: &Limits) -> anyhow::Result<Picture> {
    let decoded = crate::imaging::decode(bytes, limits)?;
    let rgba = decoded.image.to_rgba8();
    let (width, height) = crate::imaging::fit_square(rgba.width(), rgba.height(), SIDE);
    let scaled = crate::imaging::resize_rgba(&rgba, width, height)?;
    let mut png = Vec::new();
    let mut encoder =
        PngEncoder::new_with_quality(&mut png, CompressionType::Best, FilterType::Adaptive);
    if let Some(icc) = decoded.icc.filter(|icc| !icc.is_empty()) {
        // A profile the encoder cannot carry is dropped, not fatal.
        let _ = encoder.set_icc_profile(icc);
    }
    encoder
        .write_image(scaled.as_raw(), width, height, ExtendedColorType::Rgba8)
        .context("PNG encoding failed")?;
    Ok(Picture { png, width, height })
}

/// The S3 key of a picture: made from its bytes, so the same picture is
/// stored once and a key never changes what it holds.
pub fn image_key(png: &[u8]) -> String {
    let digest = Sha256::digest(png);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("emojis/{hex}.png")
}

/// The services the commands use.
#[derive(Debug, Clone)]
pub struct Emojis {
    db: PgPool,
    storage: Storage,
    cache: Cache,
    limits: Limits,
}

impl Emojis {
    /// Builds the clients from the configuration.
    pub async fn connect(config: &Config) -> anyhow::Result<Emojis> {
        Ok(Emojis {
            db: Db::connect_lazy(&config.database)?.primary,
            storage: Storage::new(&config.s3, config.outbound_timeout),
            cache: Cache::connect(&config.memcached, config.outbound_timeout).await?,
            limits: config.limits.clone(),
        })
    }

    /// The public URL of an emoji's picture.
    pub fn url(&self, emoji: &CustomEmoji) -> String {
        self.storage.url(&emoji.image_key)
    }

    /// Adds `new`, or replaces the emoji of its shortcode.
    pub async fn add(&self, new: &NewEmoji) -> Result<(CustomEmoji, Saved), EmojiError> {
        let bytes = read_bounded(&new.file, self.limits.photo_bytes).await?;
        let limits = self.limits.clone();
        let made = crate::imaging::with_slot(move || picture(&bytes, &limits)).await?;
        let picture = made.map_err(|err| EmojiError::Unusable {
            path: new.file.clone(),
            reason: format!("{err:#}"),
        })?;
        let key = image_key(&picture.png);
        // Stored again even when present: cheap, and it repairs a lost object.
        self.storage.put(&key, picture.png, "image/png").await?;
        let emoji = CustomEmoji {
            shortcode: new.shortcode.to_string(),
            category: new.category.clone(),
            visible_in_picker: !new.hidden,
            image_key: key,
            width: i32::try_from(picture.width).unwrap_or(i32::MAX),
            height: i32::try_from(picture.height).unwrap_or(i32::MAX),
        };
        let mut conn = self.db.acquire().await.context("database")?;
        let saved = custom_emojis::save(&mut conn, &emoji).await?;
        if let Saved::Replaced {
            unused_image: Some(old),
        } = &saved
        {
            self.delete_object(old).await;
        }
        if saved != Saved::Unchanged {
            self.forget().await;
        }
        Ok((emoji, saved))
    }

    /// Removes the emoji named `shortcode` (and its picture, unless another
    /// emoji uses it); removing one that is not there changes nothing.
    pub async fn remove(&self, shortcode: &Shortcode) -> Result<Removed, EmojiError> {
        let mut conn = self.db.acquire().await.context("database")?;
        let removed = custom_emojis::remove(&mut conn, shortcode).await?;
        if let Removed::Removed { unused_image } = &removed {
            if let Some(key) = unused_image {
                self.delete_object(key).await;
            }
            self.forget().await;
        }
        Ok(removed)
    }

    /// Every emoji, by shortcode, from the database.
    pub async fn list(&self) -> Result<Vec<CustomEmoji>, EmojiError> {
        Ok(custom_emojis::all(&self.db).await?)
    }

    /// Whether Memcached confirmed every change this made to the cached list.
    pub fn cache_confirmed(&self) -> bool {
        self.cache.undelivered() == 0
    }

    /// Drops the list the API keeps.
    async fn forget(&self) {
        self.cache.delete_many(&[self.cache.key(CACHE_KEY)]).await;
    }

    /// An object left behind wastes space but breaks nothing: a warning.
    async fn delete_object(&self, key: &str) {
        if let Err(err) = self.storage.delete(&[key.to_string()]).await {
            eprintln!("warning: the unused picture {key} could not be deleted: {err}");
        }
    }
}

/// The file's bytes, refusing one over `max_bytes` before reading it.
async fn read_bounded(path: &Path, max_bytes: u64) -> Result<Vec<u8>, EmojiError> {
    let unreadable = |source| EmojiError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let size = tokio::fs::metadata(path).await.map_err(unreadable)?.len();
    if size > max_bytes {
        return Err(EmojiError::Unusable {
            path: path.to_path_buf(),
            reason: format!("it has {size} bytes, more than the {max_bytes} allowed"),
        });
    }
    tokio::fs::read(path).await.map_err(unreadable)
}

/// Carries out `command` for an operator, printing what it did.
pub async fn run(config: &Config, command: Command) -> Result<(), EmojiError> {
    if command == Command::Help {
        println!("{USAGE}");
        return Ok(());
    }
    let emojis = Emojis::connect(config).await?;
    match command {
        Command::Add(new) => {
            let (emoji, saved) = emojis.add(&new).await?;
            let done = match saved {
                Saved::Added => "added",
                Saved::Replaced { .. } => "replaced",
                Saved::Unchanged => "unchanged",
            };
            println!(
                "{done} :{}: ({}x{}) {}",
                emoji.shortcode,
                emoji.width,
                emoji.height,
                emojis.url(&emoji)
            );
        }
        Command::Remove(shortcode) => match emojis.remove(&shortcode).await? {
            Removed::Removed { .. } => println!("removed :{shortcode}:"),
            Removed::NotThere => println!("no custom emoji :{shortcode}:; nothing to remove"),
        },
        // Answered above, without the services.
        Command::Help => {}
        Command::List => {
            let all = emojis.list().await?;
            for emoji in &all {
                println!(
                    "{}\t{}x{}\t{}\t{}\t{}",
                    emoji.shortcode,
                    emoji.width,
                    emoji.height,
                    emoji.category.as_deref().unwrap_or("-"),
                    if emoji.visible_in_picker {
                        "shown"
                    } else {
                        "hidden"
                    },
                    emojis.url(emoji)
                );
            }
            println!("{} custom emoji(s)", all.len());
        }
    }
    if !emojis.cache_confirmed() {
        eprintln!(
            "warning: Memcached did not confirm dropping the cached list of custom emojis; \
             the API shows the change within {CACHE_SECS} seconds"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests;
