//! A picture item on the real `pinghu-sim`, mono and red-green, through the real `pinghu run`:
//! the screens are saved for a person to look at (`target/tmp/pictures/`).

use std::path::Path;

use pinghu_tests::{Daemon, Mosquitto, Sim, keygen};

fn show_picture(colors: &str) -> serde_json::Value {
    let broker = Mosquitto::start();
    let sim = Sim::start(&[
        "--protocol",
        "bx-6e",
        "--width",
        "128",
        "--height",
        "32",
        "--colors",
        colors,
    ]);
    let dir = tempfile::tempdir().unwrap();
    let (_, public) = keygen(dir.path(), "portal");
    std::fs::create_dir_all(dir.path().join("images")).unwrap();
    let picture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../playlists/examples/images/pinghu-sunrise.png"
    );
    std::fs::copy(picture, dir.path().join("images/sunrise.png")).unwrap();
    std::fs::write(
        dir.path().join("playlist.toml"),
        "[[item]]\nid = \"sunrise\"\nimage = \"images/sunrise.png\"\ndwell_s = 60\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("pinghu.toml"),
        format!(
            "data_dir = \"data\"\nplaylist = \"playlist.toml\"\n\n[screen]\nid = \"pictures\"\nwidth = 128\nheight = 32\n\
             colors = \"{colors}\"\n\n[device]\nurl = \"{}\"\nprotocol = \"bx-6e\"\n\n[mqtt]\nurl = \"{}\"\n\
             client_id = \"pinghu-pictures-{}\"\n\n[portal_keys]\nportal-2026 = \"{public}\"\n",
            sim.tcp_url(),
            broker.url(),
            broker.port
        ),
    )
    .unwrap();
    let _daemon = Daemon::start(&dir.path().join("pinghu.toml"));
    let s = sim.wait_state("the picture", |s| {
        s["lit"].as_u64().unwrap_or(0) > 150 && s["showing"] == "dynamic"
    });
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pictures");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::copy(sim.dir.path().join("screen.png"), out.join(format!("{colors}.png"))).unwrap();
    s
}

#[test]
fn a_picture_item_shows_on_a_mono_and_a_red_green_board() {
    let mono = show_picture("mono");
    let rg = show_picture("red-green");
    assert_ne!(mono["frame_sha256"], rg["frame_sha256"]);
    assert!(
        rg["lit"].as_u64() > mono["lit"].as_u64(),
        "red-green lights red, green and yellow"
    );
}
