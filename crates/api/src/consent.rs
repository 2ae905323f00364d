//! What each OAuth scope lets an app do, in words a member understands, for
//! the sign-in page that asks them to approve it.

/// What `scope` lets an app do; every scope in `lookbook_core::auth::scopes::KNOWN`
/// has a sentence.
pub fn describe(scope: &str) -> &'static str {
    match scope {
        "read" => {
            "See everything in your account: your posts, photos, follows, lists, likes, bookmarks and notifications"
        }
        "write" => {
            "Act for you: post, comment, like, boost, follow, and change your profile and settings"
        }
        "follow" => "See and change whom you follow, block and mute",
        "push" => "Send you push notifications",
        "profile" => "Know who you are: your username, name and picture",
        "read:accounts" => "See your profile and the accounts you look at",
        "read:blocks" => "See whom you block",
        "read:bookmarks" => "See your bookmarks",
        "read:favourites" => "See the posts you liked",
        "read:filters" => "See your filters",
        "read:follows" => "See whom you follow and who asks to follow you",
        "read:lists" => "See your lists",
        "read:mutes" => "See whom you mute",
        "read:notifications" => "See your notifications",
        "read:search" => "Search for you",
        "read:statuses" => {
            "See your posts and timelines, including followers-only and direct posts"
        }
        "write:accounts" => "Change your profile and settings",
        "write:blocks" => "Block and unblock accounts and domains",
        "write:bookmarks" => "Bookmark posts",
        "write:conversations" => "Mark your conversations read and remove them",
        "write:favourites" => "Like posts",
        "write:filters" => "Change your filters",
        "write:follows" => "Follow and unfollow accounts",
        "write:lists" => "Change your lists",
        "write:media" => "Upload photos",
        "write:mutes" => "Mute and unmute accounts and threads",
        "write:notifications" => "Dismiss your notifications",
        "write:reports" => "Report accounts and posts",
        "write:statuses" => "Post, comment, boost and delete posts",
        _ => "Use a permission this server does not describe",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lookbook_core::auth::scopes::KNOWN;

    /// Every scope an app may ask for is described in words.
    #[test]
    fn every_known_scope_has_words() {
        let unknown = describe("nonsense");
        for scope in KNOWN {
            assert_ne!(describe(scope), unknown, "{scope}");
        }
    }
}
