"""Drives a running Lookbook with Mastodon.py, as a Mastodon client would.

Usage: python3 mastodon_py_flow.py BASE_URL
Prints one line per step and exits non-zero at the first failure.
"""

import datetime
import os
import re
import sys
import tempfile
import urllib.parse

import requests
from mastodon import Mastodon, MastodonUnauthorizedError
from pictures import png

BASE = sys.argv[1]
RUN = os.urandom(4).hex()


def step(name):
    print(f"step: {name}", flush=True)


step("register an app")
client_id, client_secret = Mastodon.create_app("lookbook-e2e", api_base_url=BASE)
anonymous = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=BASE)

step("create two accounts")
password = "correct horse battery"
ann_token = anonymous.create_account(f"ann{RUN}", password, f"ann{RUN}@example.com", agreement=True)
bob_token = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=BASE).create_account(
    f"bob{RUN}", password, f"bob{RUN}@example.com", agreement=True
)
ann = Mastodon(access_token=ann_token, api_base_url=BASE)
bob = Mastodon(access_token=bob_token, api_base_url=BASE)

step("verify credentials")
me = ann.account_verify_credentials()
assert me.username == f"ann{RUN}", me
assert me.source.privacy == "public", me.source

step("update the profile with an avatar")
with tempfile.NamedTemporaryFile(suffix=".png", delete=False) as f:
    f.write(png(32, 32, (200, 30, 90)))
    avatar_path = f.name
updated = ann.account_update_credentials(display_name="Ann on the runway", note="Vintage denim", avatar=avatar_path)
assert updated.display_name == "Ann on the runway", updated
assert updated.source.note == "Vintage denim", updated.source
print(f"avatar: {updated.avatar}", flush=True)

step("sign in with the password grant")
password_client = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=BASE)
password_client.log_in(f"ann{RUN}@example.com", password, allow_http=True)
assert password_client.account_verify_credentials().id == me.id

step("sign in with the authorization code flow")
code_client = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=BASE)
url = code_client.auth_request_url(allow_http=True)
query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(url).query))
form = {k: query[k] for k in ("client_id", "redirect_uri", "scope", "response_type")}
browser = requests.Session()
sign_in_page = browser.get(f"{BASE}/oauth/authorize", params=form, timeout=10)
form["authenticity_token"] = re.search(r'name="authenticity_token" value="([^"]+)"', sign_in_page.text).group(1)
form.update(username=f"ann{RUN}", password=password)
page = browser.post(f"{BASE}/oauth/authorize", data=form, timeout=10, allow_redirects=False)
code = re.search(r'<code id="code">([^<]+)</code>', page.text).group(1)
code_client.log_in(code=code, allow_http=True)
assert code_client.account_verify_credentials().id == me.id

step("profile fields")
updated = ann.account_update_credentials(fields=[("Shop", "https://ann.example/shop"), ("Height", "172 cm")])
assert [(f.name, f.value) for f in updated.source.fields] == [("Shop", "https://ann.example/shop"), ("Height", "172 cm")], updated
assert "ann.example/shop</a>" in ann.account(updated.id).fields[0].value

step("follow and read relationships and followers")
bob_id = bob.account_verify_credentials().id
relationship = ann.account_follow(bob_id)
assert relationship.following, relationship
relationships = ann.account_relationships([bob_id])
assert relationships[0].following and not relationships[0].followed_by, relationships
noted = ann.account_note_set(bob_id, "Tailor in Lyon")
assert noted.note == "Tailor in Lyon", noted
assert ann.account_relationships([bob_id])[0].note == "Tailor in Lyon"
followers = bob.account_followers(bob_id)
assert [a.id for a in followers] == [me.id], followers
assert ann.account(bob_id).followers_count == 1

step("post a photo with media_post(synchronous=True) and read it back")
with tempfile.NamedTemporaryFile(suffix=".png", delete=False) as f:
    f.write(png(1200, 900, (20, 60, 160)))
    photo_path = f.name
media = ann.media_post(photo_path, description="Blue blazer", focus=(0.1, -0.2), synchronous=True)
assert media.url and media.url.endswith(".jpg"), media
assert media.meta.original.width == 1200 and media.meta.small.width == 320, media.meta
assert media.description == "Blue blazer", media
posted = ann.status_post("Office look #workwear", media_ids=[media], visibility="public", language="en")
read = bob.status(posted.id)
assert read.content == posted.content and "workwear" in read.content, read
assert [m.id for m in read.media_attachments] == [media.id], read.media_attachments
assert read.media_attachments[0].url == media.url, read.media_attachments
assert read.media_attachments[0].description == "Blue blazer"
assert [t.name for t in read.tags] == ["workwear"], read.tags

step("edit the post and read its history")
edited = ann.status_update(posted.id, "Office look in navy #workwear", media_ids=[media])
assert "navy" in edited.content and edited.edited_at, edited
history = bob.status_history(posted.id)
assert [("navy" in v.content) for v in history] == [False, True], history
assert history[0].created_at < history[1].created_at, history
assert history[1].media_attachments[0].description == "Blue blazer", history

step("several posts at once, preferences and familiar followers")
assert [s.id for s in bob.statuses([posted.id, "999"])] == [posted.id]
assert ann.preferences()["posting:default:visibility"] == "public"
familiar = ann.account_familiar_followers(bob_id)
assert [(f.id, f.accounts) for f in familiar] == [(bob_id, [])], familiar

step("feature a hashtag on the profile")
featured = ann.featured_tag_create("workwear")
assert featured.name == "workwear" and featured.statuses_count == "1", featured
assert [f.id for f in ann.account_featured_tags(me.id)] == [featured.id]
ann.featured_tag_delete(featured.id)
assert ann.featured_tags() == []

step("comment, favourite, bookmark and read the thread")
comment = bob.status_post("Love the colour", in_reply_to_id=posted.id)
assert comment.in_reply_to_id == posted.id, comment
assert bob.status_favourite(posted.id).favourited
assert bob.status_bookmark(posted.id).bookmarked
assert [s.id for s in bob.favourites()] == [posted.id]
assert [s.id for s in bob.bookmarks()] == [posted.id]
assert [a.id for a in ann.status_favourited_by(posted.id)] == [bob.account_verify_credentials().id]
context = ann.status_context(posted.id)
assert [s.id for s in context.descendants] == [comment.id], context
assert ann.status(posted.id).favourites_count == 1
assert [s.id for s in ann.account_statuses(me.id, only_media=True)] == [posted.id]
deleted = bob.status_delete(comment.id)
assert deleted.text == "Love the colour", deleted

step("boost, see who boosted, take the boost back")
boost = bob.status_reblog(posted.id)
assert boost.reblog.id == posted.id and boost.reblog.reblogs_count == 1, boost
assert [a.id for a in ann.status_reblogged_by(posted.id)] == [bob_id]
assert [s.id for s in ann.account_statuses(bob_id)] == [boost.id]
assert [n.account.id for n in ann.notifications(types=["reblog"])] == [bob_id]
unboosted = bob.status_unreblog(posted.id)
assert unboosted.id == posted.id and not unboosted.reblogged, unboosted
assert ann.status_reblogged_by(posted.id) == []

step("mute a thread, pin a post")
assert ann.status_mute(posted.id).muted
assert not ann.status_unmute(posted.id).muted
assert ann.status_pin(posted.id).pinned
assert [s.id for s in ann.account_statuses(me.id, pinned=True)] == [posted.id]
assert not ann.status_unpin(posted.id).pinned

step("a list of followed accounts and its timeline")
stylists = ann.list_create("Stylists")
ann.list_accounts_add(stylists.id, [bob_id])
assert [a.id for a in ann.list_accounts(stylists.id)] == [bob_id]
assert [lst.id for lst in ann.account_lists(bob_id)] == [stylists.id]
tips = bob.status_post("Tailoring tips: hems first")
assert [s.id for s in ann.timeline_list(stylists.id)] == [tips.id]
ann.list_update(stylists.id, "Stylists I trust", replies_policy="followed")
assert [(lst.title, lst.replies_policy) for lst in ann.lists()] == [("Stylists I trust", "followed")]
ann.list_accounts_delete(stylists.id, [bob_id])
assert ann.timeline_list(stylists.id) == []
ann.list_delete(stylists.id)
assert ann.lists() == []

step("whom to follow")
suggested = ann.suggestions_v2()
assert all(s.account.id not in (bob_id, me.id) for s in suggested), suggested
assert all(s.sources[0] in ("friends_of_friends", "most_followed") for s in suggested), suggested

step("block a domain")
ann.domain_block("Spam.Example")
assert ann.domain_blocks() == ["spam.example"]
ann.domain_unblock("spam.example")
assert ann.domain_blocks() == []

step("direct posts arrive as a conversation")
letter = ann.status_post(f"@bob{RUN} the fitting is at ten", visibility="direct")
(inbox,) = bob.conversations()
assert inbox.unread and inbox.last_status.id == letter.id, inbox
assert [a.id for a in inbox.accounts] == [me.id], inbox.accounts
assert not bob.conversations_read(inbox.id).unread
(sent,) = ann.conversations()
assert not sent.unread and [a.id for a in sent.accounts] == [bob_id], sent

step("filters: a warning, a hidden word, a hidden post")
spoilers = ann.create_filter_v2("Spoilers", ["home", "public"], "warn",
                                keywords_attributes=[{"keyword": "finale", "whole_word": True}])
assert [k.keyword for k in spoilers.keywords] == ["finale"], spoilers
fur = ann.create_filter_v2("No fur", ["public", "notifications"], "hide")
fur_word = ann.add_filter_keyword_v2(fur.id, "fur", whole_word=True)
finale = bob.status_post("The finale walk")
coat = bob.status_post("Faux fur coat")
shown = {s.id: s for s in ann.timeline_public()}
assert coat.id not in shown, "a hide filter leaves the post out"
assert shown[finale.id].filtered[0].filter.title == "Spoilers", shown[finale.id].filtered
assert shown[finale.id].filtered[0].keyword_matches == ["finale"]
hidden_post = ann.add_filter_status_v2(spoilers.id, tips.id)
assert ann.filter_status_v2(hidden_post.id).status_id == tips.id
assert [s.status_id for s in ann.filter_statuses_v2(spoilers.id)] == [tips.id]
ann.delete_filter_keyword_v2(fur_word.id)
assert ann.filter_keywords_v2(fur.id) == []
assert coat.id in [s.id for s in ann.timeline_public()], "without its keyword the filter hides nothing"
ann.update_filter_v2(spoilers.id, title="Season spoilers")
assert ann.filter_v2(spoilers.id).title == "Season spoilers"
ann.delete_filter_status_v2(hidden_post.id)
ann.delete_filter_v2(fur.id)
assert [f.id for f in ann.filters_v2()] == [spoilers.id]
(phrase,) = ann.filters()
assert phrase.phrase == "finale" and not phrase.irreversible, phrase
ann.filter_update(phrase.id, phrase="premiere")
assert ann.filter(phrase.id).phrase == "premiere"
ann.filter_delete(phrase.id)
assert ann.filters_v2() == []

step("an outfit vote: which look?")
vote_post = ann.status_post("Which look for the gala?", poll=ann.make_poll(["Velvet", "Satin"], expires_in=3600))
assert [o.title for o in vote_post.poll.options] == ["Velvet", "Satin"], vote_post.poll
voted = bob.poll_vote(vote_post.poll.id, 1)
assert voted.voted and voted.own_votes == [1] and voted.votes_count == 1, voted
assert [o.votes_count for o in ann.poll(vote_post.poll.id).options] == [0, 1]

step("schedule a post, move it, cancel it")
later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=2)
planned = ann.status_post("Gala night look", scheduled_at=later, visibility="unlisted")
assert planned.params.text == "Gala night look" and planned.params.visibility == "unlisted", planned
assert abs((planned.scheduled_at - later).total_seconds()) < 1, planned.scheduled_at
assert [s.id for s in ann.scheduled_statuses()] == [planned.id]
moved = ann.scheduled_status_update(planned.id, later + datetime.timedelta(hours=1))
assert moved.scheduled_at > planned.scheduled_at, moved
assert ann.scheduled_status(planned.id).scheduled_at == moved.scheduled_at
ann.scheduled_status_delete(planned.id)
assert ann.scheduled_statuses() == []

step("custom emojis and announcements")
(custom,) = ann.custom_emojis()
assert custom.shortcode == "lookbook" and custom.category == "brand" and custom.url, custom
shiny = ann.status_post("New season :lookbook:")
assert [e["shortcode"] for e in shiny.emojis] == ["lookbook"], shiny.emojis
(news,) = ann.announcements()
assert "autumn edit" in news.content and not news.read, news
assert [e["shortcode"] for e in news.emojis] == ["lookbook"], news.emojis
ann.announcement_reaction_create(news.id, "\N{THUMBS UP SIGN}")
bob.announcement_reaction_create(news.id, "\N{THUMBS UP SIGN}")
bob.announcement_reaction_create(news.id, "lookbook")
(news,) = ann.announcements()
counts = {r["name"]: (r["count"], r["me"]) for r in news.reactions}
assert counts == {"\N{THUMBS UP SIGN}": (2, True), "lookbook": (1, False)}, counts
ann.announcement_reaction_delete(news.id, "\N{THUMBS UP SIGN}")
ann.announcement_dismiss(news.id)
assert ann.announcements() == []
(news,) = bob.announcements()
assert {r["name"]: r["count"] for r in news.reactions} == {"\N{THUMBS UP SIGN}": 1, "lookbook": 1}

step("report an account")
reported = ann.report(bob_id, status_ids=[tips.id], comment="Spam links", category="spam")
assert reported.target_account.id == bob_id and reported.status_ids == [tips.id], reported

step("mute and block")
assert ann.account_mute(bob_id).muting
assert [a.id for a in ann.mutes()] == [bob_id]
blocked = ann.account_block(bob_id)
assert blocked.blocking and not blocked.following, blocked
assert [a.id for a in ann.blocks()] == [bob_id]
assert ann.account(bob_id).followers_count == 0

step("revoke the token")
password_client.revoke_access_token(allow_http=True)
try:
    password_client.account_verify_credentials()
except MastodonUnauthorizedError:
    pass
else:
    raise AssertionError("a revoked token still works")

print("mastodon.py flow: ok")
