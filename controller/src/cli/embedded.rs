//! The out-of-the-box setup of `pinghu run` without a configuration and of `pinghu demo`: an
//! MQTT broker (rumqttd) on loopback, a simulated BX-6E board in-process on a loopback TCP port
//! (with `screen.png`/`state.json` snapshots), the sample playlist, and a demo portal key pair.
//! Only in builds with the `embedded` feature (the default); `--no-default-features` builds the
//! lean daemon for the cabinet without it.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pinghu_fonts::ColorMode;
use pinghu_simulator::card::{Card, CardConfig, CardModel};
use pinghu_simulator::faults::FaultPlan;
use pinghu_simulator::server::{self, Shared};

use crate::card::device::DeviceUrl;
use crate::daemon::config::{Config, MqttConfig};
use crate::daemon::envelope::{DEMO_KEY_ID, KeyPair};

/// Size of the simulated board.
pub const BOARD: (u32, u32) = (192, 64);

/// A free TCP port on loopback.
pub fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Start rumqttd on 127.0.0.1:`port` in its own thread.
pub fn start_broker(port: u16) -> anyhow::Result<()> {
    let conn = rumqttd::ConnectionSettings {
        connection_timeout_ms: 60_000,
        max_payload_size: 256 * 1024,
        max_inflight_count: 200,
        auth: None,
        external_auth: None,
        dynamic_filters: true,
    };
    let listen: SocketAddr = format!("127.0.0.1:{port}")
        .parse()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let server = rumqttd::ServerSettings {
        name: "v4-1".into(),
        listen,
        tls: None,
        next_connection_delay_ms: 1,
        connections: conn,
    };
    let router = rumqttd::RouterConfig {
        max_connections: 100,
        max_outgoing_packet_count: 200,
        max_segment_size: 10 * 1024 * 1024,
        max_segment_count: 10,
        ..rumqttd::RouterConfig::default()
    };
    let config = rumqttd::Config {
        id: 0,
        router,
        v4: Some(std::iter::once(("1".to_owned(), server)).collect()),
        ..rumqttd::Config::default()
    };
    std::thread::Builder::new().name("rumqttd".into()).spawn(move || {
        let mut broker = rumqttd::Broker::new(config);
        if let Err(e) = broker.start() {
            eprintln!("error: the embedded MQTT broker stopped: {e}");
        }
    })?;
    // Wait until it listens: the port is taken. (Connecting to find out would be logged by the
    // broker as a failed client.)
    for _ in 0..100 {
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(30));
    }
    Err(anyhow::anyhow!(
        "the embedded MQTT broker did not start on 127.0.0.1:{port}"
    ))
}

/// The in-process simulated board.
#[derive(Debug)]
pub struct SimBoard {
    pub addr: SocketAddr,
    pub shared: Arc<Shared>,
    pub snapshots: PathBuf,
}

/// Start a simulated BX-6E board on loopback, snapshots in `dir`.
pub fn start_board(dir: &Path) -> anyhow::Result<SimBoard> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let mut card = Card::new(CardConfig {
        model: CardModel::Bx6e,
        width: BOARD.0,
        height: BOARD.1,
        colors: ColorMode::RedGreen,
        address: 1,
        control_header: true,
    });
    // The card's flash survives a restart of the demo, as it survives a power cut.
    let flash_dir = dir.join("flash");
    card.flash = pinghu_simulator::flash::load(&flash_dir)?;
    card.reload_program(jiff::Timestamp::now());
    let shared = Arc::new(Shared {
        card: Mutex::new(card),
        faults: Mutex::new(FaultPlan::none()),
        recorder: None,
        shutdown: Arc::new(AtomicBool::new(false)),
        baud: 57600,
        verbose: false,
        flash_dir: Some(flash_dir),
    });
    std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    let s = Arc::clone(&shared);
    std::thread::spawn(move || server::serve_tcp(listener, s));
    let s = Arc::clone(&shared);
    let d = dir.to_path_buf();
    std::thread::spawn(move || server::snapshots(d, s, 6));
    Ok(SimBoard {
        addr,
        shared,
        snapshots: dir.to_path_buf(),
    })
}

/// Everything `pinghu run` needs with no configuration.
#[derive(Debug)]
pub struct Embedded {
    pub config: Config,
    pub board: SimBoard,
    pub keys: KeyPair,
    pub broker_port: u16,
}

/// The embedded default's console users: an `admin` whose API token is in `console-token`
/// (mode 0600), made on first start. Returns the users file.
fn console_admin(data_dir: &Path) -> anyhow::Result<PathBuf> {
    use crate::console::auth::{Role, Users, random_token};
    let users_file = data_dir.join("console-users.toml");
    let token_file = data_dir.join("console-token");
    let mut users = Users::load(&users_file)?;
    if !token_file.exists() || users.users.iter().all(|u| u.name != "admin") {
        // The admin signs in with the token; the password is random and never shown.
        users.set_user("admin", Role::Admin, &random_token()?)?;
        let token = users.new_token("admin")?;
        users.save(&users_file)?;
        crate::daemon::disk::Disk::new()
            .write_secret(&token_file, format!("{token}\n").as_bytes())
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", token_file.display()))?;
    }
    Ok(users_file)
}

/// Start the broker and the board and build the configuration around them.
pub fn start(data_dir: &Path, console_port: u16) -> anyhow::Result<Embedded> {
    // The console's fixed port is checked first: taken, nothing else is started.
    if console_port != 0
        && let Err(e) = std::net::TcpListener::bind(("127.0.0.1", console_port))
    {
        anyhow::bail!(
            "the console's port 127.0.0.1:{console_port} is taken ({e}): another `pinghu run` is most likely running \
             (`ss -ltnp 'sport = :{console_port}'` names it); stop it, or give --console-port with another port (0: any free one)"
        );
    }
    std::fs::create_dir_all(data_dir).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", data_dir.display()))?;
    let keys = KeyPair::load_or_create(
        &data_dir.join("demo-key.json"),
        DEMO_KEY_ID,
        &crate::daemon::disk::Disk::new(),
    )?;
    let port = free_port()?;
    start_broker(port)?;
    let board = start_board(&data_dir.join("board"))?;
    let mut portal_keys = BTreeMap::new();
    portal_keys.insert(keys.key_id.clone(), keys.public.clone());
    // The sample playlist as a file the console can edit (kept across runs).
    let playlist = data_dir.join("playlist.toml");
    if !playlist.exists() {
        std::fs::write(&playlist, crate::daemon::core::SAMPLE_PLAYLIST)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", playlist.display()))?;
    }
    let users_file = console_admin(data_dir)?;
    let config = Config {
        screen: "demo".into(),
        width: BOARD.0,
        height: BOARD.1,
        colors: ColorMode::RedGreen,
        groups: vec!["yiling-all".into()],
        device: DeviceUrl::Tcp {
            host: "127.0.0.1".into(),
            port: board.addr.port(),
        },
        protocol: Some(CardModel::Bx6e),
        address: 1,
        timeout: Duration::from_secs(2),
        retries: 3,
        fallback_after_s: 60,
        alerts: crate::alerts::AlertConfig {
            geocodes: vec!["420506".into()],
            location: Some((30.77, 111.33)),
            ..crate::alerts::AlertConfig::default()
        },
        fallback: Some(crate::daemon::config::FallbackConfig {
            text: "夷陵区人民政府 欢迎您".into(),
            max_writes_per_day: 4,
        }),
        mqtt: MqttConfig {
            host: "127.0.0.1".into(),
            port,
            tls: false,
            client_id: "pinghu-demo".into(),
            username: None,
            password: None,
            ca_file: None,
            client_cert: None,
            topic_prefix: "pinghu/v1".into(),
            version: crate::daemon::config::MqttVersion::V311,
        },
        portal_keys,
        playlist: Some(playlist),
        calendar: None,
        data_dir: data_dir.to_path_buf(),
        board_key: data_dir.join("board-key.json"),
        timezone: "Asia/Shanghai".into(),
        fallback_font: None,
        fonts: BTreeMap::new(),
        console: Some(crate::daemon::config::ConsoleConfig {
            listen: std::net::SocketAddr::from(([127, 0, 0, 1], console_port)),
            users_file,
            insecure_http: false,
            tls: None,
            hosts: Vec::new(),
        }),
    };
    Ok(Embedded {
        config,
        board,
        keys,
        broker_port: port,
    })
}
