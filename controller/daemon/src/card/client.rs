//! Card operations in either protocol, over a [`Link`]: what the diagnostics and the daemon's
//! driver ask a card to do. Operations a protocol lacks fail with a reason, never silently.

use std::time::Duration;

use jiff::Timestamp;
use pinghu_fonts::{ColorMode, Frame};
use pinghu_protocol::bitmap::PixelFormat;
use pinghu_protocol::control::{ControlCommand, PingInfo};
use pinghu_protocol::fontcard::{
    self, FontBody, FontCommand, FontHeader, FontPacket, ReplyData, StatusReport, TextArea, TextAreas,
};
use pinghu_protocol::graphic::{
    AreaUpdate, Brightness, DynamicArea, Generation, GraphicBody, GraphicCommand, GraphicHeader, GraphicPacket, Page,
};
use pinghu_protocol::style::{Motion, TextColor};
use pinghu_protocol::{CardTime, Packet, escapes};
use thiserror::Error;

use crate::card::control::{Header, HeaderMemory};
use crate::card::device::CardModel;
use crate::card::link::{Link, LinkError};
use crate::card::words::{Feature, Unavailable};

pub use super::discover::{Found, try_protocols};

/// Why a card operation failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DriverError {
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error("{op} is not available on {protocol} cards: {hint}")]
    Unsupported {
        op: Feature,
        protocol: CardModel,
        hint: Unavailable,
    },
    #[error("the card answered something unexpected: {0}")]
    Unexpected(String),
    #[error("{0}")]
    Invalid(String),
}

/// What a status query found out.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CardStatus {
    pub protocol: CardModel,
    pub address: u16,
    pub device_type: String,
    pub power: Option<bool>,
    pub brightness: Option<u8>,
    pub card_time: Option<String>,
    /// Card clock minus this computer's, in seconds.
    pub drift_s: Option<i64>,
    pub areas: Option<Vec<u8>>,
    /// Programs in the card's flash (graphic cards).
    pub programs: Option<u16>,
    /// The card's own account of itself (graphic cards' control-header ping).
    pub info: Option<PingInfo>,
}

/// A card at an address, speaking one protocol.
#[derive(Debug)]
pub struct CardClient {
    pub link: Link,
    pub protocol: CardModel,
    pub address: u16,
    /// Which header each command worked under on this connection.
    pub headers: HeaderMemory,
    /// The control header's last sequence number: each request takes the next even one, never
    /// 0, below 0x8000 (a reply adds 0x8000), as the vendor's SDK does.
    seq: u16,
    /// The control header's random byte, one per session.
    random: u8,
    /// The card's controller type as its control-header ping told (e.g. `0x0174` for a BX-6E1):
    /// what requests carry once it is known. Until then a ping carries the wildcard, and other
    /// requests the configured model's type (docs/protocol.md E.1).
    pub learned_type: Option<u16>,
    /// Whether the ping that learns it was tried on this connection.
    pub identity_tried: bool,
}

/// UTC offset of the cards' local time (Yiling, China Standard Time).
pub const CARD_UTC_OFFSET: i8 = 8;

impl CardClient {
    pub fn new(link: Link, protocol: CardModel, address: u16) -> Self {
        let mut seed = [0u8; 3];
        // Without randomness the session still works: the sequence starts at 2, the byte is 0.
        let _ = getrandom::fill(&mut seed);
        Self {
            link,
            protocol,
            address,
            headers: HeaderMemory::default(),
            seq: u16::from_le_bytes([seed[0], seed[1]]) & 0x7FFE,
            random: seed[2],
            learned_type: None,
            identity_tried: false,
        }
    }

    /// The device type requests carry: the card's own once its ping told it, else the
    /// configured model's.
    pub fn device_type(&self) -> u16 {
        self.learned_type.unwrap_or(self.protocol.device_type())
    }

    /// The next control-header sequence number: even, non-zero, below 0x8000.
    pub fn next_seq(&mut self) -> u16 {
        self.seq = (self.seq + 2) & 0x7FFE;
        if self.seq == 0 {
            self.seq = 2;
        }
        self.seq
    }

    /// This session's random byte.
    pub fn random(&self) -> u8 {
        self.random
    }

    /// How many `5A` bytes end a request: two on 6th-generation cards, as the vendor's SDK
    /// sends them; one on the 5th.
    pub fn tails(&self) -> u8 {
        if self.protocol == CardModel::Bx6e { 2 } else { 1 }
    }

    fn graphic(&self, cmd: GraphicCommand) -> Packet {
        Packet::Graphic(
            GraphicPacket::request(GraphicHeader::to_card(self.address, self.device_type()), true, cmd)
                .with_tails(self.tails()),
        )
    }

    fn font(&self, cmd: FontCommand) -> Packet {
        Packet::FontCard(FontPacket::request(FontHeader::to_card(self.address, 0xFE), true, cmd))
    }

    /// Ping; returns the reply. Graphic cards are pinged under the control header, as the
    /// vendor's SDK does (its answer tells the card's size), and under `0xF0` when the card
    /// refuses that.
    pub async fn ping(&mut self) -> Result<Packet, DriverError> {
        if self.protocol.is_graphic() {
            return self
                .either(
                    Feature::Ping,
                    Header::Control,
                    ControlCommand::Ping,
                    Some(GraphicCommand::Ping),
                )
                .await?
                .ok_or_else(|| DriverError::Unexpected("no reply to a ping".into()));
        }
        self.link
            .request(&self.font(FontCommand::Ping))
            .await?
            .ok_or_else(|| DriverError::Unexpected("no reply to a ping".into()))
    }

    /// Status: font cards report power, brightness, clock and areas; graphic cards report power,
    /// brightness, clock and programs under the control header, or (older firmware) only answer
    /// a ping and a brightness query.
    pub async fn status(&mut self, now: Timestamp) -> Result<CardStatus, DriverError> {
        if self.protocol.is_graphic() {
            let reply = self.ping().await?;
            // Who the card is comes from the ping's data; a reply header only echoes the request.
            let info = match &reply {
                Packet::Control(c) => c.reply().and_then(|r| r.ping_info()).cloned(),
                Packet::Graphic(_) => None,
                Packet::FontCard(_) => {
                    return Err(DriverError::Unexpected("a font-card reply from a graphic card".into()));
                }
            };
            let (addr, dev) = info
                .as_ref()
                .map_or((self.address, self.device_type()), |i| (i.address, i.controller_type));
            let device_type =
                pinghu_protocol::graphic_device_name(dev).map_or_else(|| format!("{dev:#06x}"), str::to_owned);
            if let Some(s) = self.controller_status().await? {
                let card_ts = s.time.to_timestamp(CARD_UTC_OFFSET);
                return Ok(CardStatus {
                    protocol: self.protocol,
                    address: addr,
                    device_type,
                    power: Some(s.power & 1 == 1),
                    brightness: Some(s.brightness),
                    card_time: Some(s.time.to_string()),
                    drift_s: card_ts.map(|t| t.duration_since(now).as_secs()),
                    areas: None,
                    programs: Some(s.program_count),
                    info,
                });
            }
            let q = self.graphic(GraphicCommand::QueryBrightness { params: vec![] });
            let brightness = match self.link.request(&q).await? {
                Some(Packet::Graphic(GraphicPacket {
                    body: GraphicBody::Reply(r),
                    ..
                })) => r.brightness().map(|b| b.2),
                _ => None,
            };
            return Ok(CardStatus {
                protocol: self.protocol,
                address: addr,
                device_type,
                power: None,
                brightness,
                card_time: None,
                drift_s: None,
                areas: None,
                programs: None,
                info,
            });
        }
        let reply = self.link.request(&self.font(FontCommand::StatusQuery)).await?;
        let Some(Packet::FontCard(FontPacket {
            header,
            body: FontBody::Reply(r),
        })) = reply
        else {
            return Err(DriverError::Unexpected("no font-card reply to the status query".into()));
        };
        let ReplyData::Status { status } = r.data else {
            return Err(DriverError::Unexpected(
                "the status reply carries no status report".into(),
            ));
        };
        let StatusReport {
            power,
            brightness,
            time,
            areas,
            ..
        } = status;
        let card_ts = time.to_timestamp(CARD_UTC_OFFSET);
        Ok(CardStatus {
            protocol: self.protocol,
            address: header.src,
            device_type: pinghu_protocol::font_device_name(header.device_type)
                .map_or_else(|| format!("{:#04x}", header.device_type), str::to_owned),
            power: Some(power == fontcard::POWER_ON),
            brightness: Some(brightness),
            card_time: Some(time.to_string()),
            drift_s: card_ts.map(|t| t.duration_since(now).as_secs()),
            areas: Some(areas),
            programs: None,
            info: None,
        })
    }

    /// Set the card's clock to `now` (font cards `A2 03`; graphic cards `A2 02` under the
    /// control header).
    pub async fn time_sync(&mut self, now: Timestamp) -> Result<(), DriverError> {
        if self.protocol.is_graphic() {
            return self.graphic_clock(now).await;
        }
        self.link
            .request(&self.font(FontCommand::TimeSync {
                time: CardTime::from_timestamp(now, CARD_UTC_OFFSET),
            }))
            .await?;
        Ok(())
    }

    /// Brightness: one level, or a 48-slot half-hour table (graphic cards).
    pub async fn brightness(&mut self, levels: &[u8]) -> Result<(), DriverError> {
        if levels.iter().any(|l| *l > 15) {
            return Err(DriverError::Invalid("brightness levels are 0 to 15".into()));
        }
        if !self.protocol.is_graphic() {
            return Err(DriverError::Unsupported {
                op: Feature::Brightness,
                protocol: self.protocol,
                hint: Unavailable::NoBrightnessOpcode,
            });
        }
        let b = match levels {
            [one] => Brightness::manual(*one),
            t if t.len() == 48 => Brightness::Timed { levels: t.to_vec() },
            _ => return Err(DriverError::Invalid("give one level or 48 half-hour levels".into())),
        };
        self.graphic_brightness(b).await
    }

    /// The LED modules on or off (font cards `A3 00`; graphic cards `A2 05` under the control
    /// header).
    pub async fn power(&mut self, on: bool) -> Result<(), DriverError> {
        if self.protocol.is_graphic() {
            return self.graphic_power(on).await;
        }
        let state = if on { fontcard::POWER_ON } else { fontcard::POWER_OFF };
        self.link.request(&self.font(FontCommand::Power { state })).await?;
        Ok(())
    }

    /// The card's own daily on/off window, which it follows by its clock when the host is gone
    /// (`None` cancels it): `A2 06`/`A2 08` on graphic cards, `A3 01`/`A3 08` on font cards.
    pub async fn timed_power(&mut self, window: Option<fontcard::PowerSlot>) -> Result<(), DriverError> {
        if self.protocol.is_graphic() {
            return self.graphic_timed_power(window).await;
        }
        let cmd = match window {
            Some(w) => FontCommand::TimedPower { slots: vec![w] },
            None => FontCommand::CancelTimedPower,
        };
        self.link.request(&self.font(cmd)).await?;
        Ok(())
    }

    /// Remove everything from the board.
    pub async fn clear(&mut self) -> Result<(), DriverError> {
        let p = if self.protocol.is_graphic() {
            self.graphic(GraphicCommand::DeleteAreas { all: true, ids: vec![] })
        } else {
            self.font(FontCommand::Clear)
        };
        self.link.request(&p).await?;
        Ok(())
    }

    /// The packet that shows `pages` in dynamic area `id` at (x, y) on a graphic card. With
    /// `timeout_s`, the card stops showing the area that long after the last update (RunMode 2),
    /// and its flash program shows again.
    pub fn pages_packet(
        &self,
        id: u8,
        (x, y): (u32, u32),
        pages: &[(Frame, u8, u16)],
        colors: ColorMode,
        timeout_s: Option<u16>,
    ) -> Result<Packet, DriverError> {
        if !self.protocol.is_graphic() {
            return Err(DriverError::Unsupported {
                op: Feature::BitmapPages,
                protocol: self.protocol,
                hint: Unavailable::FontCardsDrawText,
            });
        }
        let generation = if self.protocol == CardModel::Bx6e {
            Generation::Gen6
        } else {
            Generation::Gen5
        };
        let format = PixelFormat::graphic(generation, colors == ColorMode::RedGreen);
        let Some((first, _, _)) = pages.first() else {
            return Err(DriverError::Invalid("no pages to send".into()));
        };
        let (w, h) = (first.width(), first.height());
        let to16 =
            |v: u32, what: &str| u16::try_from(v).map_err(|_| DriverError::Invalid(format!("{what} {v} is too large")));
        let pages: Vec<Page> = pages
            .iter()
            .map(|(f, mode, stay_10ms)| Page::new(*mode, 2, *stay_10ms, w as u16, generation, f.pack(format, x)))
            .collect();
        let mut area = DynamicArea::new(
            id,
            to16(x, "x")?,
            to16(y, "y")?,
            to16(w, "width")?,
            to16(h, "height")?,
            generation,
            pages,
        );
        match timeout_s {
            Some(t) => {
                area.run_mode = 2;
                area.timeout_s = t;
            }
            None => area.run_mode = 0,
        }
        Ok(self.graphic(GraphicCommand::UpdateAreas(AreaUpdate {
            generation,
            areas: vec![area],
        })))
    }

    /// The packet that shows `text` in text area `id` on a font card, drawn by the card in its
    /// `font_size` px font (the largest it has that is no larger).
    pub fn text_packet(
        &self,
        id: u8,
        (width, height): (u32, u32),
        text: &str,
        (font_size, color): (u32, TextColor),
        motion: Motion,
    ) -> Result<Packet, DriverError> {
        if self.protocol.is_graphic() {
            return Err(DriverError::Unsupported {
                op: Feature::CardText,
                protocol: self.protocol,
                hint: Unavailable::GraphicCardsShowBitmaps,
            });
        }
        // 5K cards count X and width in units of 8 pixels: the codec knows each model's units.
        let mut area = TextArea::new(
            id,
            0,
            0,
            self.protocol.to_area_units(width),
            u16::try_from(height).unwrap_or(u16::MAX),
            &escapes::compose(text, font_size, color),
        );
        area.display_mode = motion.font_code();
        area.align = 0b1010;
        fontcard::encode_gbk(text).map_err(|e| DriverError::Invalid(e.to_string()))?;
        Ok(self.font(FontCommand::DynamicAreas(TextAreas {
            delete_all: false,
            delete: vec![],
            areas: vec![area],
        })))
    }

    /// Remove one dynamic area.
    pub async fn delete_area(&mut self, id: u8) -> Result<(), DriverError> {
        let p = if self.protocol.is_graphic() {
            self.graphic(GraphicCommand::DeleteAreas {
                all: false,
                ids: vec![id],
            })
        } else {
            self.font(FontCommand::DynamicAreas(TextAreas {
                delete_all: false,
                delete: vec![id],
                areas: vec![],
            }))
        };
        self.link.request(&p).await?;
        Ok(())
    }

    /// Send a prepared packet and wait for its acknowledgement.
    pub async fn send(&mut self, p: &Packet) -> Result<(), DriverError> {
        self.link.request(p).await?;
        Ok(())
    }

    /// How long sending `bytes` takes at `baud` (10 bits a byte on the wire).
    pub fn wire_time(bytes: usize, baud: u32) -> Duration {
        Duration::from_millis((bytes as u64 * 10 * 1000) / u64::from(baud.max(1)))
    }
}
