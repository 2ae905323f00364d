//! Many members at once, for tests of crowds: written straight to the
//! database (a thousand sign-ups through the API would spend minutes hashing
//! passwords and trip the sign-up limit), each with a working token for an
//! app registered through the API.

use lookbook_core::auth::secret;
use lookbook_core::db::accounts::{self, NewAccount};
use lookbook_core::db::{apps, tokens};

use crate::{Member, TestApp};

impl TestApp {
    /// `count` members named `{prefix}{n}` with tokens of every scope. They
    /// cannot sign in with a password.
    pub async fn crowd(&self, prefix: &str, count: usize) -> Vec<Member> {
        let client = self.register_client("read write follow push").await;
        let app = apps::by_client_id(&self.env.db, &client.client_id)
            .await
            .expect("read the app")
            .expect("the app exists");
        let scopes: Vec<String> = ["read", "write", "follow", "push"].map(String::from).into();
        let mut conn = self.env.db.acquire().await.expect("a connection");
        let mut members = Vec::with_capacity(count);
        for n in 0..count {
            let username = format!("{prefix}{n}");
            let email = format!("{username}@example.com");
            let new = NewAccount {
                username: &username,
                email: &email,
                password_hash: "!",
                locale: "en",
                confirmed: true,
                created_by_app_id: None,
            };
            let id = accounts::insert(&mut conn, &new)
                .await
                .expect("insert a member");
            let token = secret::generate();
            tokens::insert(
                &mut *conn,
                &secret::hash(&token),
                None,
                app.id,
                Some(id),
                &scopes,
            )
            .await
            .expect("insert a token");
            members.push(Member {
                id: id.to_string(),
                username,
                email,
                password: String::new(),
                token,
            });
        }
        members
    }
}
