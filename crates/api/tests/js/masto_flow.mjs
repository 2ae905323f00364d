// Drives a running Lookbook with masto.js, the client library of Phanpy and
// Elk, unchanged: an app and a sign-up (multipart, as masto.js sends them),
// a photo post (the upload multipart, polled until processed, and the post
// sent as multipart too), a like from another member, and the notification
// it makes, one by one and grouped.
//
// Usage: node masto_flow.mjs BASE_URL
// Prints one line per step and exits non-zero at the first failure.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { deflateSync } from "node:zlib";

import { createOAuthAPIClient, createRestAPIClient } from "masto";

const BASE = process.argv[2];
const RUN = randomBytes(4).toString("hex");
const SCOPES = "read write follow push";
const OOB = "urn:ietf:wg:oauth:2.0:oob";

const step = (name) => console.log(`step: ${name}`);

/** A solid-colour PNG, made without an imaging library. */
function png(width, height, [r, g, b]) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes) => {
    let c = 0xffffffff;
    for (const byte of bytes) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (kind, data) => {
    const body = Buffer.concat([Buffer.from(kind), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([length, body, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array(width).fill([r, g, b]).flat())]);
  const raw = deflateSync(Buffer.concat(Array(height).fill(row)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", raw),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

step("register an app");
const anonymous = createRestAPIClient({ url: BASE });
const app = await anonymous.v1.apps.create({ clientName: "masto-e2e", redirectUris: OOB, scopes: SCOPES });
assert.ok(app.clientId && app.clientSecret, JSON.stringify(app));
const oauth = createOAuthAPIClient({ url: BASE });
const appToken = await oauth.token.create({
  grantType: "client_credentials",
  clientId: app.clientId,
  clientSecret: app.clientSecret,
  redirectUri: OOB,
  scope: SCOPES,
});

step("sign up two members (multipart)");
const signUp = async (name) => {
  const registrar = createRestAPIClient({ url: BASE, accessToken: appToken.accessToken });
  const token = await registrar.v1.accounts.create({
    username: `${name}${RUN}`,
    email: `${name}${RUN}@example.com`,
    password: "correct horse battery",
    agreement: true,
    locale: "en",
  });
  return createRestAPIClient({ url: BASE, accessToken: token.accessToken, mediaTimeout: 60000 });
};
const ann = await signUp("ann");
const bob = await signUp("bob");
const me = await ann.v1.accounts.verifyCredentials();
assert.equal(me.username, `ann${RUN}`);

step("post a photo (multipart upload, processed, then the post as multipart)");
const file = new Blob([png(64, 48, [40, 90, 200])], { type: "image/png" });
const media = await ann.v2.media.create({ file, description: "Blue linen suit" });
assert.equal(media.type, "image", JSON.stringify(media));
assert.ok(media.url, "the upload is processed before create returns");
const posted = await ann.v1.statuses.create(
  { status: "Linen for the weekend #ootd", mediaIds: [media.id], visibility: "public" },
  { encoding: "multipart-form" },
);
assert.equal(posted.mediaAttachments.length, 1, JSON.stringify(posted));
assert.equal(posted.mediaAttachments[0].description, "Blue linen suit");
assert.deepEqual(posted.tags.map((t) => t.name), ["ootd"]);

step("another member likes it");
const liked = await bob.v1.statuses.$select(posted.id).favourite();
assert.equal(liked.favourited, true);
assert.equal(liked.favouritesCount, 1);

step("read the notification");
const notifications = await ann.v1.notifications.list({ limit: 10 });
assert.equal(notifications.length, 1, JSON.stringify(notifications));
assert.equal(notifications[0].type, "favourite");
assert.equal(notifications[0].account.username, `bob${RUN}`);
assert.equal(notifications[0].status.id, posted.id);
const grouped = await ann.v2.notifications.list({ limit: 10 });
assert.equal(grouped.notificationGroups.length, 1, JSON.stringify(grouped));
assert.equal(grouped.notificationGroups[0].type, "favourite");
assert.deepEqual(grouped.notificationGroups[0].sampleAccountIds, [notifications[0].account.id]);

console.log("masto.js flow: ok");
