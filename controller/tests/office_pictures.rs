//! The office's pictures through the daemon's core, in memory: a removal refused while the
//! running playlist shows the picture waits (across a restart) and is applied by itself at the
//! first step after the playlist stops showing it; sending the picture again cancels it.

use std::path::Path;

use base64::Engine as _;
use jiff::{SignedDuration, Timestamp};
use pinghu::daemon::config::Config;
use pinghu::daemon::core::Core;
use pinghu::daemon::disk::Disk;
use pinghu::daemon::ingest::Receipt;
use pinghu::daemon::office::{self, Kind, Message};

const SHOWS_IT: &str = "[[item]]\nid = \"spot\"\nimage = \"logo.png\"\n\n[[item]]\nid = \"welcome\"\ntext = \"欢迎\"\n";
const DROPS_IT: &str = "[[item]]\nid = \"welcome\"\ntext = \"欢迎来到夷陵区\"\n";
const TOPIC: &str = "pinghu/v1/screens/yiling-1/pictures/logo.png";

fn config(dir: &Path, portal_public: &str) -> Config {
    let text = format!(
        "data_dir = \"data\"\nplaylist = \"playlist.toml\"\n\n[screen]\nid = \"yiling-1\"\nwidth = 128\nheight = 32\n\
         colors = \"red-green\"\n\n[device]\nurl = \"tcp://127.0.0.1:9\"\nprotocol = \"bx-6e\"\n\n[mqtt]\n\
         url = \"mqtt://127.0.0.1:9\"\n\n[portal_keys]\nportal-2026 = \"{portal_public}\"\n"
    );
    Config::parse(&text, &dir.join("pinghu.toml")).unwrap()
}

fn picture_message(secret: &str, revision: u64, data: Option<&[u8]>, now: Timestamp) -> Vec<u8> {
    let m = Message {
        revision,
        issued_at: now,
        toml: None,
        add: std::collections::BTreeMap::default(),
        retire: std::collections::BTreeMap::default(),
        name: Some("logo.png".into()),
        data: data.map(|d| base64::engine::general_purpose::STANDARD.encode(d)),
        remove: data.is_none(),
    };
    serde_json::to_vec(&office::sign(Kind::Picture, &m, "portal-2026", secret).unwrap()).unwrap()
}

fn about_logo(receipts: &[Receipt]) -> Vec<(String, Option<u64>, Option<String>)> {
    receipts
        .iter()
        .filter(|r| r.id.as_deref() == Some("picture:logo.png"))
        .map(|r| {
            (
                r.event.to_string(),
                r.revision,
                r.reason.as_ref().map(ToString::to_string),
            )
        })
        .collect()
}

/// Write the playlist file with a modification time of its own (the core reloads on a change).
fn write_playlist(dir: &Path, text: &str) {
    let path = dir.join("playlist.toml");
    std::fs::write(&path, text).unwrap();
    let f = std::fs::File::options().write(true).open(&path).unwrap();
    let bump = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
    f.set_modified(bump).unwrap();
}

/// A board whose playlist shows `logo.png`, a picture beside it (as if pushed earlier).
struct Board {
    dir: tempfile::TempDir,
    secret: String,
    public: String,
    png: Vec<u8>,
    core: Core,
}

fn t0() -> Timestamp {
    "2026-12-07T02:00:00Z".parse().unwrap()
}

impl Board {
    fn showing_logo() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (secret, public) = pinghu::daemon::envelope::keygen().unwrap();
        let png = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../playlists/examples/images/pinghu-sunrise.png"
        ))
        .unwrap();
        std::fs::write(d.join("logo.png"), &png).unwrap();
        std::fs::write(d.join("playlist.toml"), SHOWS_IT).unwrap();
        let mut core = Core::open(config(d, &public), Disk::new(), t0()).unwrap();
        let _ = core.step(t0());
        Self {
            dir,
            secret,
            public,
            png,
            core,
        }
    }
}

#[test]
fn a_removal_refused_while_shown_applies_itself_once_the_playlist_drops_the_picture() {
    let Board {
        dir,
        secret,
        public,
        png: _,
        mut core,
    } = Board::showing_logo();
    let (d, t0) = (dir.path(), t0());

    // The removal while the spot shows the picture: refused, saying it will follow by itself.
    let removal = picture_message(&secret, 1, None, t0);
    let r = core.ingest(&removal, TOPIC, t0).unwrap();
    let got = about_logo(&r);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].0, "rejected");
    let reason = got[0].2.clone().unwrap();
    assert!(
        reason.contains("the running playlist shows logo.png (item spot)")
            && reason.contains("removes it by itself once the running playlist no longer shows it"),
        "{reason}"
    );
    assert!(d.join("logo.png").exists());
    // Its retained redelivery says nothing more, and a step while the playlist still shows it
    // changes nothing.
    assert!(core.ingest(&removal, TOPIC, t0).unwrap().is_empty());
    assert!(about_logo(&core.step(t0 + SignedDuration::from_secs(1)).receipts).is_empty());
    assert!(d.join("logo.png").exists());

    assert_eq!(core.status(t0).office.removals_waiting, ["logo.png"]);
    // The console's list of pictures says so beside the items that show it.
    let listed = core.pictures().unwrap();
    assert!(
        listed
            .iter()
            .any(|p| p.name == "logo.png" && p.removal_waiting && p.used_by == ["spot"]),
        "{listed:?}"
    );
    // The wait survives a restart (office.json).
    core.shutdown(t0 + SignedDuration::from_secs(2));
    drop(core);
    let t1 = t0 + SignedDuration::from_secs(10);
    let mut core = Core::open(config(d, &public), Disk::new(), t1).unwrap();
    assert!(about_logo(&core.step(t1).receipts).is_empty());

    // An operator's edit drops the spot: at the next step the removal is applied, with its
    // revision, and the file is gone.
    write_playlist(d, DROPS_IT);
    let step = core.step(t1 + SignedDuration::from_secs(2));
    assert_eq!(about_logo(&step.receipts), [("applied".to_owned(), Some(1), None)]);
    assert!(!d.join("logo.png").exists());
    let applied: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("data").join(office::FILE)).unwrap()).unwrap();
    assert!(applied.get("refused_removals").is_none(), "{applied}");
    assert_eq!(applied["pictures"]["logo.png"]["revision"], 1);
    assert!(core.status(t1).office.removals_waiting.is_empty());
    // And only once.
    assert!(about_logo(&core.step(t1 + SignedDuration::from_secs(4)).receipts).is_empty());
}

#[test]
fn sending_the_picture_again_cancels_a_waiting_removal() {
    let Board {
        dir,
        secret,
        public: _,
        png,
        mut core,
    } = Board::showing_logo();
    let (d, t0) = (dir.path(), t0());
    let r = core.ingest(&picture_message(&secret, 1, None, t0), TOPIC, t0).unwrap();
    assert_eq!(about_logo(&r)[0].0, "rejected");
    // The office changes its mind: the picture again, a newer revision.
    let r = core
        .ingest(&picture_message(&secret, 2, Some(&png), t0), TOPIC, t0)
        .unwrap();
    assert_eq!(about_logo(&r), [("applied".to_owned(), Some(2), None)]);
    write_playlist(d, DROPS_IT);
    assert!(about_logo(&core.step(t0 + SignedDuration::from_secs(3)).receipts).is_empty());
    assert!(d.join("logo.png").exists(), "the picture stays");
}

/// A PNG of one colour.
fn solid_png(w: u32, h: u32) -> Vec<u8> {
    let mut png = Vec::new();
    let img = image::RgbImage::from_pixel(w, h, image::Rgb([200, 30, 30]));
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    png
}

#[test]
fn the_console_draws_a_picture_once_per_version_of_its_file_and_refuses_a_giant() {
    let mut b = Board::showing_logo();
    let first = b.core.picture_frame("logo.png").unwrap();
    assert_eq!(b.core.picture_frame("logo.png").unwrap(), first);
    // The file replaced by an upload: drawn again from the new one.
    b.core
        .save_picture("logo.png", &solid_png(64, 64), "clerk", t0())
        .unwrap();
    let second = b.core.picture_frame("logo.png").unwrap();
    assert_ne!(second, first, "the console showed the old picture after an upload");
    // The file replaced behind the core's back (another size): drawn again too.
    std::fs::write(b.dir.path().join("logo.png"), solid_png(16, 64)).unwrap();
    assert_ne!(b.core.picture_frame("logo.png").unwrap(), second);
    // A picture far beyond any board is refused at upload, from its header, in both languages.
    let giant = solid_png(4097, 1);
    match b.core.save_picture("giant.png", &giant, "clerk", t0()) {
        Err(e) => assert!(e.to_string().contains("4097x1 pixels"), "{e}"),
        Ok(_) => panic!("a 4097-pixel-wide picture was stored"),
    }
}
