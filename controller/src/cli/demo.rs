//! `pinghu demo`: the whole chain for a newcomer, in one go. An embedded broker, a simulated
//! board, the daemon and the sample playlist; then a signed urgent notice takes over the board
//! and is revoked, and the rotation comes back; then a CAP warning for 夷陵区 takes over and is
//! cancelled. Each step is shown in the terminal and saved as
//! a PNG.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pinghu_fonts::{Frame, LedColor};
use serde_json::json;

use crate::cli::embedded::{self, Embedded};
use crate::cli::portal::{Target, publish};

/// The board as text: two LED rows per line with half blocks.
pub fn preview(f: &Frame) -> String {
    let mut s = String::new();
    for y in (0..f.height()).step_by(2) {
        for x in 0..f.width() {
            let top = f.get(x, y) != LedColor::Off;
            let bottom = f.get(x, y + 1) != LedColor::Off;
            s.push(match (top, bottom) {
                (true, true) => '█',
                (true, false) => '▀',
                (false, true) => '▄',
                (false, false) => ' ',
            });
        }
        s.push('\n');
    }
    s
}

fn board(e: &Embedded) -> (Frame, serde_json::Value) {
    let now = jiff::Timestamp::now();
    let card = e.board.shared.card.lock().expect("card");
    (card.settled_screen(now), card.state_json(now))
}

async fn wait_for(
    e: &Embedded,
    what: &str,
    secs: u64,
    pred: impl Fn(&serde_json::Value) -> bool,
) -> anyhow::Result<(Frame, serde_json::Value)> {
    let t0 = Instant::now();
    loop {
        let (f, s) = board(e);
        if pred(&s) {
            return Ok((f, s));
        }
        if t0.elapsed() > Duration::from_secs(secs) {
            return Err(anyhow::anyhow!(
                "the board did not show {what} within {secs} s (state: {s})"
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn save(f: &Frame, dir: &Path, name: &str, out: &mut String) {
    let path = dir.join(name);
    match f.save_led_png(&path, 6) {
        Ok(()) => {
            let _ = writeln!(out, "  saved {}", path.display());
        }
        Err(e) => {
            let _ = writeln!(out, "  (could not save {}: {e})", path.display());
        }
    }
}

/// Sign `payload` with the demo key, publish it, collect its receipts for `wait`, and wait until
/// the board shows `what`.
async fn portal_step(
    e: &Embedded,
    payload: &serde_json::Value,
    wait: Duration,
    what: &str,
    shown: &(dyn Fn(&serde_json::Value) -> bool + Sync),
) -> anyhow::Result<(Frame, Vec<serde_json::Value>)> {
    let env = crate::daemon::envelope::sign(payload.to_string().as_bytes(), &e.keys.key_id, &e.keys.secret)?;
    send(e, &env, wait, what, shown).await
}

/// Publish a signed envelope, collect its receipts for `wait`, wait until the board shows `what`.
async fn send(
    e: &Embedded,
    env: &crate::daemon::envelope::Envelope,
    wait: Duration,
    what: &str,
    shown: &(dyn Fn(&serde_json::Value) -> bool + Sync),
) -> anyhow::Result<(Frame, Vec<serde_json::Value>)> {
    let broker = format!("mqtt://127.0.0.1:{}", e.broker_port);
    let receipts = publish(
        &crate::cli::broker::Broker::plain(broker),
        "pinghu/v1",
        &Target::Screen("demo".into()),
        env,
        false,
        Some(("demo".into(), wait)),
    )
    .await?
    .receipts;
    let (f, _) = wait_for(e, what, 10, shown).await?;
    Ok((f, receipts))
}

/// One step of the demo for the terminal: a title, the board, its PNG, the receipts.
fn report(out: &mut String, dir: &Path, title: &str, png: &str, (f, receipts): &(Frame, Vec<serde_json::Value>)) {
    let _ = writeln!(out, "\n{title}\n");
    out.push_str(&preview(f));
    save(f, dir, png, out);
    let events: Vec<&str> = receipts.iter().map(|r| r["event"].as_str().unwrap_or("?")).collect();
    let _ = writeln!(out, "  receipts: {}", events.join(", "));
}

/// Run the demo in `data_dir` (a fresh temporary folder by default); prints as it goes.
pub async fn run(data_dir: Option<PathBuf>, print: &(dyn Fn(&str) + Sync)) -> anyhow::Result<()> {
    let dir = match data_dir {
        Some(d) => d,
        None => std::env::temp_dir().join(format!("pinghu-demo-{}", std::process::id())),
    };
    // Any free port: a demo runs beside a `pinghu run` without taking its address.
    let e = embedded::start(&dir, 0)?;
    print(&format!(
        "pinghu demo: MQTT broker on 127.0.0.1:{}, simulated 192x64 red-green BX-6E board on {}, data in {}\n",
        e.broker_port,
        e.board.addr,
        dir.display()
    ));
    #[cfg(feature = "window")]
    if std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some() {
        // A display exists: the board in a window too, for as long as the demo runs.
        let shared = std::sync::Arc::clone(&e.board.shared);
        std::thread::spawn(move || {
            if let Err(err) = pinghu_simulator::window::run(&shared, 4) {
                eprintln!("pinghu demo: no window ({err}); the terminal and the PNG files show the board");
            }
        });
        print("the board is also shown in a window\n");
    }
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let cfg = e.config.clone();
    let front = crate::cli::run::console_front(&cfg);
    let daemon = tokio::spawn(async move { crate::daemon::run(cfg, stop_rx, front).await });

    let mut out = String::new();
    let (f, _) = wait_for(&e, "the sample playlist", 20, |s| s["lit"].as_u64().unwrap_or(0) > 0).await?;
    if let Ok(addr) = std::fs::read_to_string(dir.join("console-address")) {
        print(&format!(
            "console {} (sign in with the token in {})\n",
            addr.trim(),
            dir.join("console-token").display()
        ));
    }
    let _ = writeln!(out, "\n1. The sample playlist is on the board:\n");
    out.push_str(&preview(&f));
    save(&f, &dir, "1-playlist.png", &mut out);
    print(&std::mem::take(&mut out));

    let now = jiff::Timestamp::now();
    let payload = json!({
        "id": "yl-demo-0001", "revision": 1, "action": "publish", "priority": "urgent",
        "title": "停水通知",
        "body": "因管网维修，今日8:00至18:00小溪塔街道部分区域停水，请居民提前储水。",
        "valid_from": now.to_string(), "valid_until": (now + jiff::SignedDuration::from_mins(30)).to_string(),
        "issued_at": now.to_string(), "approved_by": "区电子政务办公室"
    });
    let has_urgent = |s: &serde_json::Value| s["areas"].as_array().is_some_and(|a| a.iter().any(|x| x["id"] == 1));
    let shown = portal_step(&e, &payload, Duration::from_secs(3), "the urgent notice", &|s| {
        has_urgent(s)
    })
    .await?;
    report(
        &mut out,
        &dir,
        "2. A signed urgent notice from the portal takes over at once:",
        "2-urgent.png",
        &shown,
    );
    print(&std::mem::take(&mut out));

    let revoke = json!({"id": "yl-demo-0001", "revision": 2, "action": "revoke", "issued_at": jiff::Timestamp::now().to_string()});
    let shown = portal_step(&e, &revoke, Duration::from_secs(1), "the rotation again", &|s| {
        !has_urgent(s)
    })
    .await?;
    report(
        &mut out,
        &dir,
        "3. The portal revokes it; the rotation resumes where it was:",
        "3-resumed.png",
        &shown,
    );
    print(&std::mem::take(&mut out));

    // An emergency warning from the meteorological bureau, in CAP 1.2, and its cancel.
    let warning = |n: u32, kind: &str| {
        let sent = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S+00:00").to_string();
        let expires =
            (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(3)).strftime("%Y-%m-%dT%H:%M:%S+00:00");
        let body = if kind == "Cancel" {
            "<references>yichang-meteo,YL-DEMO-RAIN-1,".to_owned() + &sent + "</references>"
        } else {
            format!(
                "<info><language>zh-CN</language><event>暴雨</event><urgency>Immediate</urgency><severity>Extreme</severity>\
                 <certainty>Likely</certainty><expires>{expires}</expires><senderName>宜昌市气象台</senderName>\
                 <headline>夷陵区暴雨红色预警</headline><instruction>停止户外作业，远离河道和山体</instruction>\
                 <area><areaDesc>夷陵区</areaDesc><geocode><valueName>GB/T 2260</valueName><value>420506</value></geocode></area></info>"
            )
        };
        format!(
            "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>YL-DEMO-RAIN-{n}</identifier>\
             <sender>yichang-meteo</sender><sent>{sent}</sent><status>Actual</status><msgType>{kind}</msgType>\
             <scope>Public</scope>{body}</alert>"
        )
    };
    let mut env = crate::daemon::envelope::sign(warning(1, "Alert").as_bytes(), &e.keys.key_id, &e.keys.secret)?;
    env.content_type = Some("application/cap+xml".into());
    let shown = send(&e, &env, Duration::from_secs(3), "the warning", &|s| has_urgent(s)).await?;
    report(
        &mut out,
        &dir,
        "4. A signed CAP warning for 夷陵区 (暴雨红色预警) takes over the board:",
        "4-warning.png",
        &shown,
    );
    print(&std::mem::take(&mut out));
    tokio::time::sleep(Duration::from_millis(1100)).await; // the cancel is sent a second later
    let mut env = crate::daemon::envelope::sign(warning(2, "Cancel").as_bytes(), &e.keys.key_id, &e.keys.secret)?;
    env.content_type = Some("application/cap+xml".into());
    let shown = send(&e, &env, Duration::from_secs(1), "the rotation again", &|s| {
        !has_urgent(s)
    })
    .await?;
    report(
        &mut out,
        &dir,
        "5. The bureau cancels it; the rotation resumes:",
        "5-cancelled.png",
        &shown,
    );
    let _ = writeln!(
        out,
        "\nDone. The proof-of-display log is {}; check it with: pinghu log verify --data-dir {}",
        dir.join("proof-of-display.jsonl").display(),
        dir.display()
    );
    print(&out);
    #[cfg(feature = "window")]
    if std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some() {
        print("(the window closes in 5 s)\n");
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(5), daemon).await;
    Ok(())
}
