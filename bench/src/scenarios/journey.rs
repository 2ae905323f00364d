//! A member's session in the app: open it, read the home timeline, scroll,
//! open a post and its comments, like and boost it, read a list's timeline
//! (of the accounts on the first page of their home),
//! comment, and post something.

use std::sync::Arc;

use crate::load::{Req, closed};
use crate::report::Scenario;

use super::{Ctx, scenario};

const USERS: usize = 16;
const STEPS: &[&str] = &[
    "open the app (verify_credentials)",
    "home timeline",
    "scroll (home, max_id)",
    "open a post",
    "its comments (context)",
    "like",
    "boost",
    "lists",
    "a list's timeline",
    "comment",
    "post",
];

pub async fn run(ctx: &Ctx) -> Scenario {
    let members: Arc<Vec<Arc<str>>> = Arc::new(
        ctx.members
            .iter()
            .skip(300)
            .map(|m| m.token.clone())
            .collect(),
    );
    let run = closed(
        &ctx.api,
        USERS,
        ctx.warmup(),
        ctx.duration(),
        move |u, i, s| {
            let token = members[(u + i as usize * USERS) % members.len()].clone();
            async move {
                let me = s
                    .send(
                        Req::get("/api/v1/accounts/verify_credentials")
                            .token(&token)
                            .kind(0),
                    )
                    .await
                    .json();
                let home = s
                    .send(
                        Req::get("/api/v1/timelines/home?limit=20")
                            .token(&token)
                            .kind(1),
                    )
                    .await
                    .json();
                let ids: Vec<String> = home
                    .as_array()
                    .map(|page| {
                        page.iter()
                            .filter_map(|p| p["id"].as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                let Some(last) = ids.last() else {
                    return;
                };
                s.send(
                    Req::get(format!("/api/v1/timelines/home?limit=20&max_id={last}"))
                        .token(&token)
                        .kind(2),
                )
                .await;
                let post = &ids[(i as usize) % ids.len()];
                s.send(
                    Req::get(format!("/api/v1/statuses/{post}"))
                        .token(&token)
                        .kind(3),
                )
                .await;
                s.send(
                    Req::get(format!("/api/v1/statuses/{post}/context"))
                        .token(&token)
                        .kind(4),
                )
                .await;
                s.send(
                    Req::post(format!("/api/v1/statuses/{post}/favourite"))
                        .token(&token)
                        .kind(5),
                )
                .await;
                s.send(
                    Req::post(format!("/api/v1/statuses/{post}/reblog"))
                        .token(&token)
                        .kind(6),
                )
                .await;
                let lists = s
                    .send(Req::get("/api/v1/lists").token(&token).kind(7))
                    .await
                    .json();
                let list = match lists[0]["id"].as_str() {
                    Some(id) => id.to_string(),
                    None => {
                        // The member's first session makes their list, of
                        // the accounts on the first page of their home (the
                        // member's own posts aside, which a list refuses).
                        let made = s
                            .send(
                                Req::post("/api/v1/lists")
                                    .token(&token)
                                    .form("title=Stylists".into())
                                    .kind(7),
                            )
                            .await
                            .json();
                        let list = made["id"].as_str().unwrap_or_default().to_string();
                        let followed: Vec<String> = home
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(|p| p["account"]["id"].as_str())
                            .filter(|a| *a != me["id"].as_str().unwrap_or_default())
                            .collect::<std::collections::BTreeSet<_>>()
                            .into_iter()
                            .map(|a| format!("account_ids[]={a}"))
                            .collect();
                        if !followed.is_empty() {
                            s.send(
                                Req::post(format!("/api/v1/lists/{list}/accounts"))
                                    .token(&token)
                                    .form(followed.join("&"))
                                    .kind(7),
                            )
                            .await;
                        }
                        list
                    }
                };
                s.send(
                    Req::get(format!("/api/v1/timelines/list/{list}?limit=20"))
                        .token(&token)
                        .kind(8),
                )
                .await;
                s.send(
                    Req::post("/api/v1/statuses")
                        .token(&token)
                        .form(format!("status=Love+the+coat&in_reply_to_id={post}"))
                        .kind(9),
                )
                .await;
                s.send(
                    Req::post("/api/v1/statuses")
                        .token(&token)
                        .form("status=Today%27s+look+%23linen0+%23weekend18".into())
                        .kind(10),
                )
                .await;
            }
        },
    )
    .await;
    scenario(
        "journey",
        &format!(
            "{USERS} members at a time each go through a session: {}",
            STEPS.join(", ")
        ),
        &run,
        STEPS,
    )
}
