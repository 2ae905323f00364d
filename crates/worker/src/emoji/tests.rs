//! The emoji command's arguments and pictures, without the services.

use std::io::Cursor;

use image::{ImageFormat, Rgba, RgbaImage};
use lookbook_core::config::Limits;

use super::{Command, EmojiError, SIDE, image_key, picture};

fn args(line: &str) -> Vec<String> {
    line.split_whitespace().map(str::to_string).collect()
}

fn png(image: &RgbaImage) -> Vec<u8> {
    let mut out = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .unwrap();
    out
}

/// A 300x150 picture: an opaque red disc on a transparent ground.
fn disc() -> RgbaImage {
    RgbaImage::from_fn(300, 150, |x, y| {
        let (dx, dy) = (f64::from(x) - 150.0, f64::from(y) - 75.0);
        if dx * dx + dy * dy < 60.0 * 60.0 {
            Rgba([220, 20, 20, 255])
        } else {
            Rgba([0, 0, 0, 0])
        }
    })
}

/// Options go anywhere after `add`; the shortcode is checked as it is read.
#[test]
fn add_reads_its_options_anywhere() {
    let Ok(Command::Add(new)) =
        Command::parse(&args("add --hidden blob_cat a.png --category Cats"))
    else {
        panic!("not an add");
    };
    assert_eq!(new.shortcode.as_str(), "blob_cat");
    assert_eq!(new.file.to_str(), Some("a.png"));
    assert_eq!(new.category.as_deref(), Some("Cats"));
    assert!(new.hidden);
    let Ok(Command::Add(new)) = Command::parse(&args("add ok a.gif --category=Misc")) else {
        panic!("not an add");
    };
    assert_eq!(new.category.as_deref(), Some("Misc"));
    assert!(!new.hidden);
    assert_eq!(Command::parse(&args("list")).unwrap(), Command::List);
    assert_eq!(Command::parse(&args("add --help")).unwrap(), Command::Help);
    assert!(matches!(
        Command::parse(&args("remove blob")).unwrap(),
        Command::Remove(s) if s.as_str() == "blob"
    ));
}

/// Wrong arguments are usage errors (exit 2) that say what is wrong.
#[test]
fn wrong_arguments_say_what_is_wrong() {
    for (line, says) in [
        ("", "add, remove or list"),
        ("add blob", "a shortcode and a picture file"),
        ("add blob a.png extra", "a shortcode and a picture file"),
        ("add blob a.png --category", "needs a name"),
        ("add blob a.png --colour red", "unknown option"),
        ("remove", "one shortcode"),
        ("list all", "no arguments"),
        ("rename a b", "unknown emoji command"),
        ("add :blob: a.png", "without the colons"),
        ("add blob-cat a.png", "ASCII letters"),
        ("remove x", "at least 2"),
    ] {
        let err = Command::parse(&args(line)).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{line}");
        assert!(err.to_string().contains(says), "{line}: {err}");
    }
    let blank = Command::parse(&[
        "add".into(),
        "ok".into(),
        "a.png".into(),
        "--category".into(),
        " ".into(),
    ]);
    assert!(matches!(blank, Err(EmojiError::Usage(m)) if m.contains("blank")));
}

/// A wide picture is scaled to fit 128x128 keeping its aspect, and its
/// transparency is kept: the ground stays clear, the disc opaque.
#[test]
fn pictures_fit_the_square_and_keep_transparency() {
    let made = picture(&png(&disc()), &Limits::default()).unwrap();
    assert_eq!((made.width, made.height), (SIDE, SIDE / 2));
    assert_eq!(image::guess_format(&made.png).unwrap(), ImageFormat::Png);
    let back = image::load_from_memory(&made.png).unwrap();
    assert!(back.color().has_alpha());
    let back = back.to_rgba8();
    assert_eq!(back.dimensions(), (128, 64));
    assert_eq!(back.get_pixel(0, 0)[3], 0, "the corner is transparent");
    let centre = back.get_pixel(64, 32);
    assert_eq!(centre[3], 255, "the disc is opaque");
    assert!(centre[0] > 200 && centre[1] < 60, "{centre:?}");
    let edge = back.get_pixel(64 + 25, 32);
    assert!(edge[3] == 0 || edge[0] > 150, "no dark fringe: {edge:?}");
}

/// A picture smaller than the square is not scaled up; a tall one keeps its aspect.
#[test]
fn small_pictures_are_not_scaled_up() {
    let small = RgbaImage::from_pixel(40, 20, Rgba([1, 2, 3, 128]));
    let made = picture(&png(&small), &Limits::default()).unwrap();
    assert_eq!((made.width, made.height), (40, 20));
    let tall = RgbaImage::from_pixel(100, 400, Rgba([1, 2, 3, 255]));
    let made = picture(&png(&tall), &Limits::default()).unwrap();
    assert_eq!((made.width, made.height), (32, 128));
}

/// Text is not a picture, and a picture over the side limit is refused from
/// its header.
#[test]
fn what_is_not_a_usable_picture_is_refused() {
    let err = picture(b"just some notes\n", &Limits::default()).unwrap_err();
    assert!(
        format!("{err:#}").contains("not a supported image"),
        "{err:#}"
    );
    let limits = Limits {
        photo_side: 100,
        ..Limits::default()
    };
    assert!(picture(&png(&disc()), &limits).is_err());
}

/// The same picture always gets the same key, another picture another.
#[test]
fn keys_come_from_the_bytes() {
    let key = image_key(b"one");
    assert_eq!(key, image_key(b"one"));
    assert_ne!(key, image_key(b"two"));
    assert!(key.starts_with("emojis/") && key.ends_with(".png") && key.len() == 7 + 64 + 4);
}
