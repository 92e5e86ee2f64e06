//! The card: a sans-IO model of an Onbon BX controller. It takes request frames (from the
//! protocol crate's decoder) and the current time, updates its state, and returns the reply a
//! real card would send. It never reads a clock or touches a socket.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use pinghu_fonts::{ColorMode, Frame, LedColor};
use pinghu_protocol::bitmap::{PixelFormat, unpack};
use pinghu_protocol::escapes::{self, StyledText};
use pinghu_protocol::fontcard::{
    self, FontBody, FontCommand, FontHeader, FontPacket, FontReply, ScreenParams, StatusReport, TextArea,
};
use pinghu_protocol::graphic::{self, GraphicBody, GraphicCommand, GraphicHeader, GraphicPacket, GraphicReply};
use pinghu_protocol::style::Motion;
use pinghu_protocol::{CardTime, ErrorCode, FrameError, Packet, RawPacket};
use serde::Serialize;

/// The card models the simulator can be.
pub use pinghu_protocol::CardModel;

/// How the card is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CardConfig {
    pub model: CardModel,
    pub width: u32,
    pub height: u32,
    pub colors: ColorMode,
    pub address: u16,
    /// Answers the control header (docs/protocol.md Part D); `false` models older firmware that only speaks 0xF0.
    pub control_header: bool,
}

/// One page of an area, ready to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaPage {
    pub frame: Frame,
    pub anim: Motion,
    pub speed: u8,
    /// How long the page stays after it has entered.
    pub stay_ms: u64,
}

/// A dynamic area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    pub id: u8,
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub run_mode: u8,
    pub timeout_s: u16,
    pub pages: Vec<AreaPage>,
    pub updated: Timestamp,
    /// The text, for font-card areas.
    pub text: Option<String>,
}

/// A file being written with A1 05 / A1 06.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Upload {
    name: String,
    length: u32,
    data: Vec<u8>,
    next_block: u16,
}

/// Everything the card knows.
#[derive(Debug, Clone)]
pub struct Card {
    pub config: CardConfig,
    /// The power state last commanded (`A2 05`/`A3 00`); see [`Card::power_at`].
    pub power: bool,
    /// When it was commanded (`None`: since start).
    pub power_set_at: Option<Timestamp>,
    /// Timed on/off windows (`A2 06`), applied by the card's clock at their times.
    pub timed_power: Vec<pinghu_protocol::fontcard::PowerSlot>,
    pub brightness: u8,
    /// 48 half-hour levels when a timed table is set.
    pub brightness_table: Option<Vec<u8>>,
    /// Card clock minus host clock, once time-synced.
    pub clock_offset: SignedDuration,
    pub areas: BTreeMap<u8, Area>,
    pub frames_received: u64,
    pub replies_sent: u64,
    pub errors: Vec<String>,
    upload: Option<Upload>,
    pub(crate) file_upload: Option<crate::control::FileUpload>,
    /// Directory and file reads in progress, and the screen lock (`A1 06`/`07`, `A1 04`/`0D`, `A2 0D`).
    pub(crate) maintenance: crate::control::Maintenance,
    /// Files in flash; they survive power cuts (and, with `--flash-dir`, simulator restarts).
    pub flash: crate::flash::Flash,
    /// The program from flash that shows when no dynamic area does.
    pub program: Option<Program>,
    /// Bumped on every change a viewer would care about.
    pub version: u64,
}

/// A program from flash, decoded for the glass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    pub name: String,
    pub areas: Vec<Area>,
}

const DEFAULT_STAY_MS: u64 = 3000;

impl Card {
    pub fn new(config: CardConfig) -> Self {
        Self {
            config,
            power: true,
            power_set_at: None,
            timed_power: Vec::new(),
            brightness: 15,
            brightness_table: None,
            clock_offset: SignedDuration::ZERO,
            areas: BTreeMap::new(),
            frames_received: 0,
            replies_sent: 0,
            errors: Vec::new(),
            upload: None,
            file_upload: None,
            maintenance: crate::control::Maintenance::default(),
            flash: crate::flash::Flash::default(),
            program: None,
            version: 0,
        }
    }

    /// The reply to a handled request: its answer, or a NACK with the error code, noted.
    pub(crate) fn or_nack<R>(&mut self, result: Result<R, (ErrorCode, String)>, nack: fn(ErrorCode) -> R) -> R {
        result.unwrap_or_else(|(code, msg)| {
            self.error(format!("NACK {code}: {msg}"));
            nack(code)
        })
    }

    pub(crate) fn error(&mut self, msg: String) {
        self.errors.push(msg);
        if self.errors.len() > 20 {
            self.errors.remove(0);
        }
        self.version += 1;
    }

    /// The brightness in force at `now` (the timed table follows the card's clock).
    pub fn brightness_at(&self, now: Timestamp) -> u8 {
        self.brightness_table
            .as_ref()
            .map_or(self.brightness, |t| self.level_at(t, now))
    }

    /// Whether the LED modules are on at `now`: the latest of the last command and the last
    /// timed on/off transition (by the card's clock) decides, as on a real card.
    pub fn power_at(&self, now: Timestamp) -> bool {
        let card = self
            .card_time(now)
            .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)));
        let mut last: Option<(Timestamp, bool)> = None;
        for slot in &self.timed_power {
            for (hm, on) in [(slot.on, true), (slot.off, false)] {
                // The transition's latest occurrence at or before now, today or yesterday.
                for days_back in 0..2 {
                    let Ok(day) = card.date().checked_sub(jiff::Span::new().days(days_back)) else {
                        continue;
                    };
                    let Ok(at) = day
                        .at(i8::try_from(hm.0).unwrap_or(0), i8::try_from(hm.1).unwrap_or(0), 0, 0)
                        .to_zoned(card.time_zone().clone())
                    else {
                        continue;
                    };
                    // Back to host time: the card's clock runs `clock_offset` ahead.
                    let host = at.timestamp() - self.clock_offset;
                    if host <= now {
                        if last.is_none_or(|(t, _)| host > t) {
                            last = Some((host, on));
                        }
                        break;
                    }
                }
            }
        }
        match (last, self.power_set_at) {
            (Some((t, on)), set) if set.is_none_or(|s| t > s) => on,
            _ => self.power,
        }
    }

    /// The card's clock at host time `now`.
    pub fn card_time(&self, now: Timestamp) -> Timestamp {
        now + self.clock_offset
    }

    /// Handle one decoded frame (or a frame the decoder rejected). Returns the reply to send.
    pub fn handle(&mut self, frame: Result<RawPacket, FrameError>, now: Timestamp) -> Option<Packet> {
        let raw = match frame {
            Ok(raw) => raw,
            Err(FrameError::Checksum { expected, got, .. }) => {
                self.error(format!("request CRC error: expected {expected:#06x}, got {got:#06x}"));
                return Some(self.nack_for_unknown(ErrorCode::CHECKSUM));
            }
            Err(e) => {
                self.error(format!("bad frame: {e}"));
                return None;
            }
        };
        let packet = match Packet::from_raw(&raw) {
            Ok(p) => p,
            Err(e) => {
                self.error(format!("undecodable packet: {e}"));
                return None;
            }
        };
        // RS-485 bus: a frame for another screen is not ours.
        let dst = packet.dst();
        if dst != self.config.address && dst != 0xFFFF && dst != 0xFFFE {
            return None;
        }
        if packet.is_reply() {
            return None;
        }
        self.frames_received += 1;
        self.version += 1;
        let reply = match (packet, self.config.model.is_graphic()) {
            (Packet::Graphic(g), true) => self.graphic(g, now),
            (Packet::FontCard(f), false) => self.font(f, now),
            (Packet::Control(c), true) if self.config.control_header => self.control(c, now),
            (Packet::Control(_), true) => {
                // Older firmware: silence, as a real card gives to a header it does not know.
                self.error("ignored a control-header (0x05/0x07) frame: this firmware speaks only 0xf0".into());
                return None;
            }
            (p, _) => {
                self.error(format!(
                    "ignored a {} frame: this card speaks the {} protocol",
                    match p {
                        Packet::Graphic(_) => "graphic (0xf0)",
                        Packet::Control(_) => "control-header (0x05/0x07)",
                        Packet::FontCard(_) => "font-card (0x02)",
                    },
                    if self.config.model.is_graphic() {
                        "graphic"
                    } else {
                        "font-card"
                    }
                ));
                None
            }
        };
        if reply.is_some() {
            self.replies_sent += 1;
        }
        reply
    }

    /// A NACK with `code` in this card's protocol, addressed to the host (e.g. BUSY).
    pub fn nack(&mut self, code: ErrorCode) -> Packet {
        self.nack_for_unknown(code)
    }

    fn nack_for_unknown(&mut self, code: ErrorCode) -> Packet {
        let addr = self.config.address;
        let dev = self.config.model.device_type();
        self.replies_sent += 1;
        if self.config.model.is_graphic() {
            Packet::Graphic(GraphicPacket {
                header: GraphicHeader {
                    dst: graphic::HOST_ADDRESS,
                    src: addr,
                    reserved: 0,
                    device_type: dev,
                    reserved2: [0; 4],
                },
                body: GraphicBody::Reply(GraphicReply::nack(code)),
                tails: 1,
            })
        } else {
            Packet::FontCard(FontPacket {
                header: FontHeader::to_card(0x8000, dev as u8).reply_from(addr, dev as u8),
                body: FontBody::Reply(FontReply::nack(code)),
            })
        }
    }

    // ---- graphic protocol -------------------------------------------------------------------

    fn graphic(&mut self, p: GraphicPacket, now: Timestamp) -> Option<Packet> {
        let GraphicBody::Request(req) = p.body else {
            return None;
        };
        let result: Result<GraphicReply, (ErrorCode, String)> = match req.command {
            GraphicCommand::Ping => Ok(GraphicReply::ack()),
            GraphicCommand::SetBrightness(b) => self.set_brightness(&b, now).map(|()| GraphicReply::ack()),
            GraphicCommand::QueryBrightness { .. } => Ok(GraphicReply::brightness_report(
                0,
                u8::from(self.brightness_table.is_some()),
                self.brightness,
            )),
            GraphicCommand::UpdateAreas(u) => self.update_graphic_areas(u, now),
            GraphicCommand::DeleteAreas { all, ids, .. } => {
                if all {
                    self.areas.clear();
                } else {
                    for id in ids {
                        self.areas.remove(&id);
                    }
                }
                Ok(GraphicReply::ack())
            }
            GraphicCommand::Unknown { group, cmd, why, .. } => {
                Err(not_understood(group, cmd, why, matches!(group, 0xA2 | 0xA7)))
            }
            _ => Err((ErrorCode::NO_COMMAND, "command not supported".into())),
        };
        let reply = self.or_nack(result, GraphicReply::nack);
        (req.reply == 1).then(|| {
            Packet::Graphic(GraphicPacket {
                header: p.header.reply_from(self.config.model.device_type()),
                body: GraphicBody::Reply(reply),
                tails: p.tails,
            })
        })
    }

    pub(crate) fn level_at(&self, levels: &[u8], now: Timestamp) -> u8 {
        let t = self
            .card_time(now)
            .to_zoned(jiff::tz::TimeZone::fixed(jiff::tz::offset(8)));
        let slot = (t.hour() as usize * 2 + usize::from(t.minute() >= 30)).min(47);
        levels.get(slot).copied().unwrap_or(15)
    }

    pub(crate) fn check_area(&self, x: u32, y: u32, w: u32, h: u32) -> Result<(), (ErrorCode, String)> {
        let (sw, sh) = (self.config.width, self.config.height);
        if w == 0 || h == 0 || x + w > sw || y + h > sh {
            return Err((
                ErrorCode::SCREEN_PARA,
                format!("area {w}x{h} at ({x},{y}) is outside the {sw}x{sh} screen"),
            ));
        }
        Ok(())
    }

    fn update_graphic_areas(
        &mut self,
        u: graphic::AreaUpdate,
        now: Timestamp,
    ) -> Result<GraphicReply, (ErrorCode, String)> {
        let gen6 = self.config.model == CardModel::Bx6e;
        if (u.generation == graphic::Generation::Gen6) != gen6 {
            return Err((
                ErrorCode::CONTROLLER_TYPE,
                format!(
                    "{:?} area layout sent to a {} card",
                    u.generation,
                    self.config.model.name()
                ),
            ));
        }
        let format = self.pixel_format();
        let mut new_areas = Vec::new();
        for a in &u.areas {
            let (x, y, w, h) = (u32::from(a.x), u32::from(a.y), u32::from(a.width), u32::from(a.height));
            self.check_area(x, y, w, h)?;
            let mut pages = Vec::new();
            for (i, p) in a.pages.iter().enumerate() {
                let bmp = unpack(format, x, w, h, &p.data)
                    .map_err(|e| (ErrorCode::FILE_DOWNLOAD, format!("area {} page {}: {e}", a.id, i + 1)))?;
                pages.push(AreaPage {
                    frame: Frame::from_led_bitmap(&bmp, self.config.colors),
                    anim: Motion::from_graphic_code(p.display_mode).unwrap_or(Motion::Static),
                    speed: p.speed,
                    stay_ms: u64::from(p.stay_time) * 10,
                });
            }
            new_areas.push(Area {
                id: a.id,
                x,
                y,
                width: w,
                height: h,
                run_mode: a.run_mode,
                timeout_s: a.timeout_s,
                pages,
                updated: now,
                text: None,
            });
        }
        self.install(new_areas)?;
        Ok(GraphicReply::ack())
    }

    /// The page bitmap format of this card's generation and colours.
    pub(crate) fn pixel_format(&self) -> PixelFormat {
        let generation = if self.config.model == CardModel::Bx6e {
            graphic::Generation::Gen6
        } else {
            graphic::Generation::Gen5
        };
        PixelFormat::graphic(generation, self.config.colors == ColorMode::RedGreen)
    }

    fn install(&mut self, new_areas: Vec<Area>) -> Result<(), (ErrorCode, String)> {
        let ids: std::collections::BTreeSet<u8> = self
            .areas
            .keys()
            .chain(new_areas.iter().map(|a| &a.id))
            .copied()
            .collect();
        if ids.len() > self.config.model.max_areas() {
            return Err((
                ErrorCode::MEMORY_VOLUME,
                format!(
                    "{} areas: a {} takes at most {}",
                    ids.len(),
                    self.config.model.name(),
                    self.config.model.max_areas()
                ),
            ));
        }
        for a in new_areas {
            self.areas.insert(a.id, a);
        }
        Ok(())
    }

    // ---- font-card protocol -----------------------------------------------------------------

    fn font(&mut self, p: FontPacket, now: Timestamp) -> Option<Packet> {
        let FontBody::Request(req) = p.body else {
            return None;
        };
        let wants_reply = req.reply == fontcard::REPLY || matches!(req.command, FontCommand::StatusQuery);
        let result: Result<FontReply, (ErrorCode, String)> = match req.command {
            FontCommand::Ping => Ok(FontReply::ack()),
            FontCommand::StatusQuery => Ok(FontReply::status(self.status_report(now))),
            FontCommand::TimeSync { time } => match time.to_timestamp(8) {
                Some(t) => {
                    self.clock_offset = t.duration_since(now);
                    Ok(FontReply::ack())
                }
                None => Err((
                    ErrorCode::DATE_TIME_FORMAT,
                    format!("{time} is not a valid date and time"),
                )),
            },
            FontCommand::Power { state } => match state {
                fontcard::POWER_ON | fontcard::POWER_OFF => {
                    self.power = state == fontcard::POWER_ON;
                    self.power_set_at = Some(now);
                    Ok(FontReply::ack())
                }
                s => Err((ErrorCode::NO_COMMAND, format!("power state {s:#04x} (01 on, 02 off)"))),
            },
            FontCommand::Clear => {
                self.areas.clear();
                Ok(FontReply::ack())
            }
            FontCommand::Reset => {
                self.areas.clear();
                self.upload = None;
                Ok(FontReply::ack())
            }
            FontCommand::DynamicAreas(t) => self.text_areas(t, now),
            FontCommand::StartWriteFile {
                overwrite: _,
                name,
                length,
            } => {
                self.upload = Some(Upload {
                    name,
                    length,
                    data: Vec::new(),
                    next_block: 0,
                });
                Ok(FontReply::ack())
            }
            FontCommand::WriteFileBlock {
                name,
                last,
                block,
                offset,
                data,
            } => self.file_block(&name, last, block, offset, &data),
            FontCommand::TimedPower { slots } => {
                self.timed_power = slots;
                Ok(FontReply::ack())
            }
            FontCommand::CancelTimedPower => {
                self.timed_power.clear();
                Ok(FontReply::ack())
            }
            FontCommand::LockProgram { .. } | FontCommand::FormatFs | FontCommand::DeleteFiles { .. } => {
                Ok(FontReply::ack())
            }
            FontCommand::Unknown { group, cmd, why, .. } => {
                Err(not_understood(group, cmd, why, matches!(group, 0xA1..=0xA3)))
            }
            _ => Err((ErrorCode::NO_COMMAND, "command not supported".into())),
        };
        let reply = self.or_nack(result, FontReply::nack);
        let dev = self.config.model.device_type() as u8;
        wants_reply.then(|| {
            Packet::FontCard(FontPacket {
                header: p.header.reply_from(self.config.address, dev),
                body: FontBody::Reply(reply),
            })
        })
    }

    /// The A1 02 status report.
    pub fn status_report(&self, now: Timestamp) -> StatusReport {
        StatusReport {
            power: if self.power_at(now) {
                fontcard::POWER_ON
            } else {
                fontcard::POWER_OFF
            },
            brightness: self.brightness_at(now),
            time: CardTime::from_timestamp(self.card_time(now), 8),
            program_count: 0,
            program: *b"    ",
            special_dynamic: 0,
            special_pages: 0,
            areas: self.areas.keys().copied().collect(),
            barcode: [0; 16],
            network_id: [0; 12],
        }
    }

    fn file_block(
        &mut self,
        name: &str,
        last: u8,
        block: u16,
        offset: u32,
        data: &[u8],
    ) -> Result<FontReply, (ErrorCode, String)> {
        let Some(up) = self.upload.as_mut() else {
            return Err((
                ErrorCode::FILE_DOWNLOAD,
                format!("block for {name} without A1 05 start-write-file"),
            ));
        };
        if up.name != name {
            return Err((
                ErrorCode::FILE_NAME,
                format!("block for {name}, but {} is being written", up.name),
            ));
        }
        if block != up.next_block || offset as usize != up.data.len() {
            return Err((
                ErrorCode::FILE_BLOCK_NUM,
                format!(
                    "block {block} at offset {offset}, expected block {} at offset {}",
                    up.next_block,
                    up.data.len()
                ),
            ));
        }
        up.data.extend_from_slice(data);
        up.next_block += 1;
        if last == 0 {
            return Ok(FontReply::ack());
        }
        let up = self.upload.take().expect("checked above");
        if up.data.len() != up.length as usize {
            return Err((
                ErrorCode::FILE_DOWNLOAD,
                format!("{} has {} bytes, A1 05 announced {}", up.name, up.data.len(), up.length),
            ));
        }
        if up.name == "C000" {
            let params = ScreenParams::parse(&up.data).map_err(|e| {
                let code = if e.to_string().contains("CRC") {
                    ErrorCode::FILE_CRC16
                } else {
                    ErrorCode::SCREEN_PARA
                };
                (code, e.to_string())
            })?;
            if let Some(problem) =
                pinghu_protocol::board_size_problem(u32::from(params.width), u32::from(params.height))
            {
                return Err((ErrorCode::SCREEN_PARA, problem));
            }
            self.config.width = u32::from(params.width);
            self.config.height = u32::from(params.height);
            self.config.address = params.address;
            self.areas.clear();
        }
        Ok(FontReply::ack())
    }

    fn text_areas(&mut self, t: fontcard::TextAreas, now: Timestamp) -> Result<FontReply, (ErrorCode, String)> {
        if t.delete_all {
            self.areas.clear();
        }
        for id in &t.delete {
            self.areas.remove(id);
        }
        let mut new_areas = Vec::new();
        for a in &t.areas {
            new_areas.push(self.text_area(a, now)?);
        }
        self.install(new_areas)?;
        Ok(FontReply::ack())
    }

    fn text_area(&self, a: &TextArea, now: Timestamp) -> Result<Area, (ErrorCode, String)> {
        // 5K: X and width in units of 8 pixels unless bit 15 is set; 6K: pixels (the codec's rule).
        let model = self.config.model;
        let (x, w) = (model.area_units_to_px(a.x), model.area_units_to_px(a.width));
        let (y, h) = (u32::from(a.y), u32::from(a.height));
        self.check_area(x, y, w, h)?;
        let raw = a.text.to_text();
        let StyledText { text, size, color } = escapes::parse(&raw);
        let fonts = pinghu_fonts::FontSet::builtin(size).expect("16, 24 and 32 px fonts are built in");
        let mut opt = pinghu_fonts::RenderOptions::new(w, h);
        opt.mode = self.config.colors;
        opt.font_size = size.min(h.max(12));
        opt.color = color;
        opt.line_spacing = u32::from(a.line_spacing);
        opt.align = match a.align & 0x3 {
            0b01 => pinghu_fonts::Align::Right,
            0b10 => pinghu_fonts::Align::Center,
            _ => pinghu_fonts::Align::Left,
        };
        opt.valign = match (a.align >> 2) & 0x3 {
            0b01 => pinghu_fonts::VAlign::Bottom,
            0b10 => pinghu_fonts::VAlign::Middle,
            _ => pinghu_fonts::VAlign::Top,
        };
        opt.effect = if a.single_line == 1 {
            pinghu_fonts::Effect::ScrollLeft
        } else {
            pinghu_fonts::Effect::Static
        };
        let font_size = opt.font_size;
        let fonts = if font_size == size {
            fonts
        } else {
            pinghu_fonts::FontSet::builtin(16).expect("built in")
        };
        let pages = match pinghu_fonts::render(&text, &fonts, &opt) {
            Ok(r) => r.pages,
            Err(pinghu_fonts::RenderError::Empty) => vec![Frame::new(w, h, self.config.colors)],
            Err(e) => return Err((ErrorCode::SCREEN_PARA, format!("area {}: {e}", a.id))),
        };
        let anim = Motion::from_font_code(a.display_mode).unwrap_or(Motion::Static);
        let stay_ms = if a.stay_time == 0 {
            DEFAULT_STAY_MS
        } else {
            u64::from(a.stay_time) * 500
        };
        Ok(Area {
            id: a.id,
            x,
            y,
            width: w,
            height: h,
            run_mode: a.run_mode,
            timeout_s: a.timeout,
            pages: pages
                .into_iter()
                .map(|frame| AreaPage {
                    frame,
                    anim,
                    speed: a.speed,
                    stay_ms,
                })
                .collect(),
            updated: now,
            text: Some(text),
        })
    }

    // ---- the glass --------------------------------------------------------------------------

    /// Where each area is in its page cycle at `now`: (page index, ms into the page), or `None`
    /// when the run mode has blanked it.
    pub fn area_phase(&self, a: &Area, now: Timestamp) -> Option<(usize, u64)> {
        if a.pages.is_empty() {
            return None;
        }
        let elapsed = now.duration_since(a.updated).as_millis().max(0) as u64;
        if matches!(a.run_mode, 2) && a.timeout_s > 0 && elapsed > u64::from(a.timeout_s) * 1000 {
            return None;
        }
        let durations: Vec<u64> = a.pages.iter().map(|p| anim_ms(p) + p.stay_ms.max(1)).collect();
        let cycle: u64 = durations.iter().sum();
        let last = (a.pages.len() - 1, *durations.last().unwrap_or(&0));
        let timed_out = a.timeout_s > 0 && elapsed > u64::from(a.timeout_s) * 1000;
        match a.run_mode {
            3 if timed_out => return Some(last),
            1 if elapsed >= cycle => return Some(last),
            4 | 5 if elapsed >= cycle => return None,
            _ => {}
        }
        let mut t = elapsed % cycle.max(1);
        for (i, d) in durations.iter().enumerate() {
            if t < *d {
                return Some((i, t));
            }
            t -= d;
        }
        Some((0, 0))
    }

    /// What drives the glass at `now`: `"dynamic"` areas, the `"program"` from flash (no dynamic
    /// area showing), or `"blank"` (power off, or nothing to show).
    pub fn showing(&self, now: Timestamp) -> &'static str {
        if !self.power_at(now) {
            "blank"
        } else if self.areas.values().any(|a| self.area_phase(a, now).is_some()) {
            "dynamic"
        } else if self.program.is_some() {
            "program"
        } else {
            "blank"
        }
    }

    /// The areas on the glass at `now`: the dynamic ones, or the program's.
    fn visible(&self, now: Timestamp) -> Vec<&Area> {
        match self.showing(now) {
            "dynamic" => self.areas.values().collect(),
            "program" => self.program.iter().flat_map(|p| &p.areas).collect(),
            _ => Vec::new(),
        }
    }

    /// What the board shows at `now`, animations included.
    pub fn screen(&self, now: Timestamp) -> Frame {
        let mut f = Frame::new(self.config.width, self.config.height, self.config.colors);
        for a in self.visible(now) {
            let Some((i, t)) = self.area_phase(a, now) else {
                continue;
            };
            let page = &a.pages[i];
            draw_page(&mut f, a, page, t);
        }
        f
    }

    /// The board with every page fully entered (no animation), for snapshots that compare pixels.
    pub fn settled_screen(&self, now: Timestamp) -> Frame {
        let mut f = Frame::new(self.config.width, self.config.height, self.config.colors);
        for a in self.visible(now) {
            let Some((i, _)) = self.area_phase(a, now) else {
                continue;
            };
            f.blit(&a.pages[i].frame, i64::from(a.x), i64::from(a.y));
        }
        f
    }

    /// The state as `state.json` shows it.
    pub fn state_json(&self, now: Timestamp) -> serde_json::Value {
        let screen = self.settled_screen(now);
        let areas: Vec<_> = self
            .areas
            .values()
            .map(|a| {
                let phase = self.area_phase(a, now);
                serde_json::json!({
                    "id": a.id, "x": a.x, "y": a.y, "width": a.width, "height": a.height,
                    "pages": a.pages.len(), "run_mode": a.run_mode, "timeout_s": a.timeout_s,
                    "current_page": phase.map(|p| p.0), "blank": phase.is_none(),
                    "effect": a.pages.first().map(|p| p.anim), "text": a.text,
                    "page_sha256": a.pages.iter().map(|p| p.frame.sha256()).collect::<Vec<_>>(),
                })
            })
            .collect();
        serde_json::json!({
            "protocol": self.config.model.name(),
            "width": self.config.width,
            "height": self.config.height,
            "colors": self.config.colors,
            "address": self.config.address,
            "power": if self.power_at(now) { "on" } else { "off" },
            "timed_power": self.timed_power.iter().map(|s| format!("{:02}:{:02}-{:02}:{:02}", s.on.0, s.on.1, s.off.0, s.off.1)).collect::<Vec<_>>(),
            "brightness": self.brightness_at(now),
            "brightness_table": self.brightness_table,
            "card_time": self.card_time(now).to_string(),
            "showing": self.showing(now),
            "program": self.program.as_ref().map(|p| &p.name),
            "flash": self.flash.to_json(),
            "control_header": self.config.control_header,
            "areas": areas,
            "frame_sha256": screen.sha256(),
            "lit": screen.lit(),
            "frames_received": self.frames_received,
            "replies_sent": self.replies_sent,
            "errors": self.errors,
            "last_error": self.errors.last(),
        })
    }
}

/// The NACK for a command the card does not understand: an unknown command in a known group is
/// `ERR_NOCMD`, an unknown group `ERR_OUTOFGROUP`.
pub(crate) fn not_understood(group: u8, cmd: u8, why: Option<String>, known_group: bool) -> (ErrorCode, String) {
    let code = if known_group {
        ErrorCode::NO_COMMAND
    } else {
        ErrorCode::OUT_OF_GROUP
    };
    (
        code,
        format!(
            "command {group:02X} {cmd:02X} not understood{}",
            why.map(|w| format!(": {w}")).unwrap_or_default()
        ),
    )
}

/// Entry animation length.
fn anim_ms(p: &AreaPage) -> u64 {
    match p.anim {
        // A real card picks an effect for `Random`; the simulator shows it without one.
        Motion::Random | Motion::Static | Motion::Flash => 0,
        _ => 300 + u64::from(p.speed) * 100,
    }
}

fn draw_page(f: &mut Frame, a: &Area, page: &AreaPage, t: u64) {
    let d = anim_ms(page);
    let progress = if d == 0 { 1.0 } else { (t as f64 / d as f64).min(1.0) };
    let (w, h) = (i64::from(a.width), i64::from(a.height));
    let (dx, dy) = match page.anim {
        Motion::MoveLeft => (((1.0 - progress) * w as f64) as i64, 0),
        Motion::MoveRight => (-(((1.0 - progress) * w as f64) as i64), 0),
        Motion::MoveUp => (0, ((1.0 - progress) * h as f64) as i64),
        Motion::MoveDown => (0, -(((1.0 - progress) * h as f64) as i64)),
        _ => (0, 0),
    };
    if page.anim == Motion::Flash && (t / 500) % 2 == 1 {
        return;
    }
    let reveal = if page.anim == Motion::QuickType {
        (progress * w as f64) as i64
    } else {
        w
    };
    for y in 0..a.height {
        for x in 0..a.width {
            let (sx, sy) = (i64::from(x) - dx, i64::from(y) - dy);
            if sx < 0 || sy < 0 || sx >= w || sy >= h || i64::from(x) >= reveal {
                continue;
            }
            let c = page.frame.get(sx as u32, sy as u32);
            if c != LedColor::Off {
                f.set(a.x + x, a.y + y, c);
            }
        }
    }
}
