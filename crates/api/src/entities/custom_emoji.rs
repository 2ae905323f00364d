//! The CustomEmoji entity: a picture the operators added, written as
//! `:shortcode:`, as `/api/v1/custom_emojis` lists it and as the `emojis` of
//! posts, accounts and polls carry it.

use lookbook_core::db::custom_emojis;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;

/// A custom emoji as Mastodon shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CustomEmoji {
    /// What members write between colons.
    pub shortcode: String,
    /// The picture: a PNG within 128x128.
    pub url: String,
    /// A picture that does not move; the same PNG, as none are animated.
    pub static_url: String,
    /// Whether pickers offer it; a hidden one still shows in posts.
    pub visible_in_picker: bool,
    /// The picker's group; null when it has none.
    pub category: Option<String>,
}

impl CustomEmoji {
    pub fn new(state: &AppState, stored: &custom_emojis::CustomEmoji) -> CustomEmoji {
        let url = state.storage.url(&stored.image_key);
        CustomEmoji {
            shortcode: stored.shortcode.clone(),
            static_url: url.clone(),
            url,
            visible_in_picker: stored.visible_in_picker,
            category: stored.category.clone(),
        }
    }
}
