//! `process_media` through the real pipeline: the WebP variant beside each
//! JPEG, the blurhash and the dominant colours, and a rerun that changes
//! nothing.

use std::io::Cursor;
use std::time::Duration;

use image::ImageDecoder as _;
use image::codecs::webp::WebPDecoder;
use lookbook_core::db::media::{self, Media, NewMedia};
use lookbook_core::tasks::{self, Task};
use lookbook_testkit::{TestApp, eventually};

/// The colour profile the test photos carry.
const PROFILE: &[u8] = b"lookbook-test-colour-profile";

/// A `width` x `height` JPEG, mostly `main` with a band of `band` on the
/// right fifth, carrying an ICC profile and an EXIF block with a GPS tag.
pub fn photo(width: u32, height: u32, main: [u8; 3], band: [u8; 3]) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        let base = if x < width * 4 / 5 { main } else { band };
        // A little texture, as a real photo has.
        let grain = ((x * 7 + y * 3) % 9) as u8;
        image::Rgb(base.map(|c| c.saturating_add(grain)))
    });
    let mut plain = Vec::new();
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90);
    image::ImageEncoder::set_icc_profile(&mut encoder, PROFILE.to_vec()).unwrap();
    image::ImageEncoder::write_image(
        encoder,
        img.as_raw(),
        width,
        height,
        image::ExtendedColorType::Rgb8,
    )
    .unwrap();
    // APP1 "Exif": a TIFF with one IFD0 entry, a GPS IFD pointer.
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08\x00\x01".to_vec();
    tiff.extend([0x88, 0x25, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0, 0, 0, 26]);
    tiff.extend([0, 0, 0, 0, 0, 1]);
    tiff.extend([
        0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, b'N', 0, 0, 0,
    ]);
    tiff.extend([0, 0, 0, 0]);
    let mut app1 = vec![0xff, 0xe1];
    app1.extend(u16::try_from(8 + tiff.len()).unwrap().to_be_bytes());
    app1.extend(b"Exif\x00\x00");
    app1.extend(tiff);
    let mut out = plain[..2].to_vec();
    out.extend(app1);
    out.extend(&plain[2..]);
    out
}

/// Stores `bytes` as an upload of the account's and commits the media row with its
/// `process_media` task; returns the media id.
async fn submit(app: &TestApp, account_id: i64, bytes: Vec<u8>) -> i64 {
    submit_named(app, account_id, "look", bytes).await
}

/// [`submit`] under the upload name `name`, for several uploads at once.
pub async fn submit_named(app: &TestApp, account_id: i64, name: &str, bytes: Vec<u8>) -> i64 {
    let key = format!("originals/media/{account_id}/{name}.jpg");
    let size = i64::try_from(bytes.len()).unwrap();
    app.env
        .storage()
        .put(&key, bytes, "image/jpeg")
        .await
        .unwrap();
    let mut tx = app.env.db.begin().await.unwrap();
    let new = NewMedia {
        account_id,
        original_key: &key,
        content_type: "image/jpeg",
        file_size: size,
        description: None,
        focus: (0.0, 0.0),
    };
    let id = media::insert(&mut *tx, &new).await.unwrap();
    tasks::enqueue(&mut tx, &Task::ProcessMedia { media_id: id })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

/// Waits until the media is ready and returns it.
async fn ready(app: &TestApp, id: i64) -> Media {
    let done = eventually(Duration::from_secs(60), || async {
        media::by_id(&app.env.db, id).await.unwrap().unwrap().state != "processing"
    })
    .await;
    assert!(done, "media {id} still processing");
    let item = media::by_id(&app.env.db, id).await.unwrap().unwrap();
    assert_eq!(item.state, "ready", "{:?}", item.failure);
    item
}

async fn account(app: &TestApp) -> i64 {
    app.sign_up("ann").await.id.parse().unwrap()
}

/// The four-letter names of a RIFF file's chunks.
fn riff_chunks(bytes: &[u8]) -> Vec<String> {
    assert!(bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP");
    let mut chunks = Vec::new();
    let mut at = 12;
    while at + 8 <= bytes.len() {
        chunks.push(String::from_utf8_lossy(&bytes[at..at + 4]).into_owned());
        let size = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        at += 8 + size + size % 2;
    }
    assert_eq!(at, bytes.len(), "the chunks fill the file");
    chunks
}

/// Every JPEG variant has a WebP twin of the same width that browsers can
/// decode, carrying the colour profile and no EXIF (so no GPS).
#[tokio::test(flavor = "multi_thread")]
async fn every_variant_also_comes_as_webp_without_exif() {
    let app = TestApp::spawn().await;
    let owner = account(&app).await;
    let id = submit(
        &app,
        owner,
        photo(1600, 1200, [40, 120, 200], [240, 240, 230]),
    )
    .await;
    let item = ready(&app, id).await;
    let storage = app.env.storage();
    for (name, width) in [
        ("original", 1600),
        ("1080", 1080),
        ("640", 640),
        ("320", 320),
    ] {
        let jpeg_key = item.variants[name].as_str().unwrap();
        let webp_key = item.variants[format!("{name}.webp")].as_str().unwrap();
        assert!(jpeg_key.ends_with(".jpg") && webp_key.ends_with(".webp"));
        let bytes = storage.get(webp_key, 10 << 20).await.unwrap().unwrap();
        let chunks = riff_chunks(&bytes);
        assert_eq!(
            chunks,
            ["VP8X", "ICCP", "VP8 "],
            "{name}: lossy, profile, nothing else"
        );
        let mut decoder = WebPDecoder::new(Cursor::new(&bytes)).unwrap();
        assert_eq!(decoder.icc_profile().unwrap().as_deref(), Some(PROFILE));
        assert_eq!(decoder.exif_metadata().unwrap(), None);
        let img = image::DynamicImage::from_decoder(decoder)
            .unwrap()
            .to_rgb8();
        assert_eq!(img.dimensions(), (width, width * 3 / 4), "{name}");
        let left = img.get_pixel(width / 4, width * 3 / 8);
        assert!(
            left[2] > 170 && left[0] < 80,
            "{name}: the photo's blue is kept, got {left:?}"
        );
    }
    app.finish().await.unwrap();
}

/// A mostly red photo with a band of blue: the first dominant colour is that
/// red, the blue follows, and the blurhash decodes to a reddish placeholder.
#[tokio::test(flavor = "multi_thread")]
async fn the_blurhash_and_colours_describe_the_photo() {
    let app = TestApp::spawn().await;
    let owner = account(&app).await;
    let id = submit(&app, owner, photo(1200, 800, [200, 30, 40], [20, 40, 190])).await;
    let item = ready(&app, id).await;

    let colors: Vec<[u8; 3]> = item
        .colors
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let hex = c.as_str().unwrap();
            assert!(hex.len() == 7 && hex.starts_with('#'), "{hex}");
            let n = u32::from_str_radix(&hex[1..], 16).unwrap();
            [(n >> 16) as u8, (n >> 8) as u8, n as u8]
        })
        .collect();
    assert!((2..=5).contains(&colors.len()), "{colors:?}");
    let close = |c: [u8; 3], to: [u8; 3]| c.iter().zip(to).all(|(a, b)| a.abs_diff(b) < 25);
    assert!(close(colors[0], [204, 34, 44]), "red first: {colors:?}");
    assert!(close(colors[1], [24, 44, 194]), "then blue: {colors:?}");

    let hash = item.blurhash.unwrap();
    assert_eq!(hash.len(), 4 + 2 * 4 * 3, "4x3 components: {hash}");
    let pixels = blurhash::decode(&hash, 30, 20, 1.0).unwrap();
    let left = &pixels[(10 * 30 + 5) * 4..][..3];
    let right = &pixels[(10 * 30 + 28) * 4..][..3];
    assert!(left[0] > 120 && left[2] < 90, "a red placeholder: {left:?}");
    assert!(right[2] > left[2] + 40, "bluer on the right: {right:?}");
    app.finish().await.unwrap();
}

/// Processing the same upload again (a redelivery after the variants were
/// written but before the row changed) makes byte-identical files under the
/// same keys, the same blurhash and the same colours.
#[tokio::test(flavor = "multi_thread")]
async fn processing_a_photo_again_changes_nothing() {
    let app = TestApp::spawn().await;
    let owner = account(&app).await;
    let upload = photo(900, 1200, [230, 220, 200], [60, 50, 40]);
    let id = submit(&app, owner, upload.clone()).await;
    let first = ready(&app, id).await;
    let storage = app.env.storage();
    let mut files = Vec::new();
    for key in first.variants.as_object().unwrap().values() {
        let key = key.as_str().unwrap();
        files.push((
            key.to_string(),
            storage.get(key, 10 << 20).await.unwrap().unwrap(),
        ));
    }
    assert_eq!(files.len(), 8);
    // The first run's own follow-up (deleting the upload) is done.
    let settled = eventually(Duration::from_secs(60), || async {
        app.unfinished_tasks().await.is_empty()
    })
    .await;
    assert!(settled);

    // As if the first run had crashed before committing: the row is back to
    // processing and the upload is still there.
    storage
        .put(&first.original_key, upload, "image/jpeg")
        .await
        .unwrap();
    sqlx::query("update media_attachments set state = 'processing' where id = $1")
        .bind(id)
        .execute(&app.env.db)
        .await
        .unwrap();
    app.enqueue(&Task::ProcessMedia { media_id: id }).await;
    let again = eventually(Duration::from_secs(30), || async {
        media::by_id(&app.env.db, id).await.unwrap().unwrap().state == "ready"
    })
    .await;
    assert!(again, "the second run finished");
    let second = media::by_id(&app.env.db, id).await.unwrap().unwrap();
    assert_eq!(second.variants, first.variants);
    assert_eq!(second.meta, first.meta);
    assert_eq!(second.blurhash, first.blurhash);
    assert_eq!(second.colors, first.colors);
    for (key, bytes) in files {
        let now = storage.get(&key, 10 << 20).await.unwrap().unwrap();
        assert!(now == bytes, "{key} changed");
    }
    app.finish().await.unwrap();
}
