//! Graphic cards' own controls through the control header (docs/protocol.md Part D and "What the
//! vendor's SDK sends"): the ping that tells the card's size, power, clock, brightness, status,
//! and program files in flash.
//!
//! Requests go as the vendor's 6th-generation SDK sends them: the control header first (its
//! fresh even sequence number, the session's random byte, two tails on the 6th generation), and
//! a reply is taken only when it answers that request. Some commands are documented under both
//! headers (ping and brightness also under `0xF0`), and older firmware ignores the control
//! header: `CardClient::either` falls back to `0xF0` when the card refuses or stays silent, and
//! remembers what worked for the rest of the connection.

use std::collections::BTreeMap;

use jiff::Timestamp;
use pinghu_protocol::control::ReplyData;
use pinghu_protocol::control::{
    ControlCommand, ControlHeader, ControlPacket, ControllerStatus, POWER_OFF, POWER_ON, PingInfo,
};
use pinghu_protocol::fontcard::PowerSlot;
use pinghu_protocol::graphic::{Brightness, Generation, GraphicCommand, GraphicHeader, GraphicPacket};
use pinghu_protocol::program::{FILE_TYPE_PROGRAM, FILE_TYPE_PROGRAM_DATA, ProgramFile};
use pinghu_protocol::{CardTime, ErrorCode, Packet};

use crate::card::client::{CARD_UTC_OFFSET, CardClient, DriverError};
use crate::card::device::CardModel;
use crate::card::link::LinkError;
use crate::card::words::{Feature, Unavailable};

/// Which header carries a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Header {
    /// Version `0x05`/`0x07`.
    Control,
    /// Version `0xF0`.
    Dynamic,
}

/// What worked for each command on this connection, by `(group, cmd)`, and what did not.
///
/// A verdict is not for ever: a header the card was silent under is tried again after
/// [`RETEST_SILENCE`] (a stalled reply on a flaky link is not a firmware that ignores the
/// header), one it refused with a NACK after [`RETEST_REFUSAL`].
#[derive(Debug, Clone, Default)]
pub struct HeaderMemory {
    worked: BTreeMap<(u8, u8), Header>,
    refused: BTreeMap<(u8, u8), Vec<(Header, tokio::time::Instant)>>,
}

/// How long silence under a header keeps it from being tried again.
pub const RETEST_SILENCE: std::time::Duration = std::time::Duration::from_secs(300);
/// How long a refusal (NACK) under a header keeps it from being tried again.
pub const RETEST_REFUSAL: std::time::Duration = std::time::Duration::from_secs(3600);

impl HeaderMemory {
    /// The header that worked for `code`, if one did.
    pub fn get(&self, code: (u8, u8)) -> Option<Header> {
        self.worked.get(&code).copied()
    }

    /// The headers not to try for `code` now.
    fn refused(&self, code: (u8, u8)) -> Vec<Header> {
        let now = tokio::time::Instant::now();
        self.refused
            .get(&code)
            .map(|v| v.iter().filter(|(_, until)| *until > now).map(|(h, _)| *h).collect())
            .unwrap_or_default()
    }

    fn refuse(&mut self, code: (u8, u8), h: Header, silent: bool) {
        let until = tokio::time::Instant::now() + if silent { RETEST_SILENCE } else { RETEST_REFUSAL };
        let v = self.refused.entry(code).or_default();
        v.retain(|(x, _)| *x != h);
        v.push((h, until));
    }
}

/// Largest block of a file sent in one `A1 03` frame.
pub const FILE_BLOCK: usize = 1024;

fn generation(model: CardModel) -> Generation {
    if model == CardModel::Bx5e {
        Generation::Gen5
    } else {
        Generation::Gen6
    }
}

/// A refusal or silence that means "not under this header" rather than "the link is down".
fn try_other(e: &DriverError) -> bool {
    match e {
        DriverError::Link(LinkError::Timeout { .. }) => true,
        DriverError::Link(LinkError::Nack { code }) => {
            *code == ErrorCode::NO_COMMAND || *code == ErrorCode::OUT_OF_GROUP
        }
        _ => false,
    }
}

impl CardClient {
    /// A control-header request to this card, with the next sequence number.
    pub fn control_packet(&mut self, cmd: ControlCommand) -> Packet {
        // A ping before the card has said what it is carries the wildcard type, as the SDK's does.
        let device = match (&cmd, self.learned_type) {
            (ControlCommand::Ping, None) => pinghu_protocol::graphic::WILDCARD,
            _ => self.device_type(),
        };
        let mut header = ControlHeader::to_card(generation(self.protocol), self.address, device);
        header.seq = self.next_seq();
        header.random = self.random();
        Packet::Control(ControlPacket::request(header, true, cmd))
    }

    fn dynamic_packet(&self, cmd: GraphicCommand) -> Packet {
        Packet::Graphic(
            GraphicPacket::request(GraphicHeader::to_card(self.address, self.device_type()), true, cmd)
                .with_tails(self.tails()),
        )
    }

    /// Send `cmd` under the header that works for it: the remembered one, else `first`, then the
    /// other. A header the card refused is not tried again for an hour, one it was silent under
    /// for five minutes (a stalled reply is not a refusal).
    pub async fn either(
        &mut self,
        op: Feature,
        first: Header,
        control: ControlCommand,
        dynamic: Option<GraphicCommand>,
    ) -> Result<Option<Packet>, DriverError> {
        if !self.protocol.is_graphic() {
            return Err(DriverError::Unsupported {
                op,
                protocol: self.protocol,
                hint: Unavailable::FontCardProtocol,
            });
        }
        let code = control.code();
        if code != (0xA2, 0x00) && !self.identity_tried {
            self.learn_identity().await;
        }
        let order: Vec<Header> = match self.headers.get(code) {
            Some(h) => vec![h],
            None => match first {
                Header::Control => vec![Header::Control, Header::Dynamic],
                Header::Dynamic => vec![Header::Dynamic, Header::Control],
            },
        };
        let refused = self.headers.refused(code);
        let mut last: Option<DriverError> = None;
        let mut silent = false;
        let (mut tried, mut silences) = (0, 0);
        for h in order.into_iter().filter(|h| !refused.contains(h)) {
            let p = match (h, &dynamic) {
                (Header::Control, _) => self.control_packet(control.clone()),
                (Header::Dynamic, Some(d)) => self.dynamic_packet(d.clone()),
                (Header::Dynamic, None) => continue,
            };
            // Silence under an unknown header is not worth three retries (a BUSY or a damaged
            // reply is: the card is there and speaks it).
            let known = self.headers.get(code).is_some();
            let saved = self.link.retry_silence;
            if !known {
                self.link.retry_silence = false;
            }
            let r = self.link.request(&p).await.map_err(DriverError::from);
            self.link.retry_silence = saved;
            match r {
                Ok(reply) => {
                    self.headers.worked.insert(code, h);
                    self.learn_from(reply.as_ref());
                    return Ok(reply);
                }
                Err(e) if !known && try_other(&e) => {
                    let timeout = matches!(e, DriverError::Link(LinkError::Timeout { .. }));
                    self.headers.refuse(code, h, timeout);
                    silent |= timeout;
                    tried += 1;
                    silences += usize::from(timeout);
                    last = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        // Silent under both headers: the card is not there (or not on this link). That is no
        // reply, not a refusal, and nothing is learnt about the headers.
        if tried == 2
            && silences == 2
            && let Some(e) = last
        {
            self.headers.refused.remove(&code);
            return Err(e);
        }
        Err(match last {
            Some(_) => DriverError::Unsupported {
                op,
                protocol: self.protocol,
                hint: if silent {
                    Unavailable::IgnoresControlHeader
                } else {
                    Unavailable::RefusedUnderBothHeaders
                },
            },
            None => DriverError::Unsupported {
                op,
                protocol: self.protocol,
                hint: Unavailable::RefusedEarlier,
            },
        })
    }

    /// Ask the card what it is (a control-header ping carrying the wildcard type, once per
    /// connection), so that later requests carry its own type, as the vendor's SDK does.
    async fn learn_identity(&mut self) {
        self.identity_tried = true;
        let ping = self.control_packet(ControlCommand::Ping);
        let saved = (self.link.retries, self.link.retry_silence);
        self.link.retry_silence = false;
        let r = self.link.request(&ping).await;
        (self.link.retries, self.link.retry_silence) = saved;
        match r {
            Ok(reply) => {
                self.headers.worked.insert((0xA2, 0x00), Header::Control);
                self.learn_from(reply.as_ref());
            }
            Err(e) => tracing::debug!("the card did not say what it is ({e}); requests carry the configured type"),
        }
    }

    /// Keep the controller type a ping answer tells.
    fn learn_from(&mut self, reply: Option<&Packet>) {
        self.identity_tried = true;
        if let Some(Packet::Control(c)) = reply
            && let Some(info) = c.reply().and_then(|r| r.ping_info())
        {
            let told = pinghu_protocol::graphic::generation_of(info.controller_type);
            if told.is_some_and(|g| g != generation(self.protocol)) {
                tracing::warn!(
                    "the card says it is a {} ({:#06x}), not a {}: check device.protocol",
                    pinghu_protocol::graphic_device_name(info.controller_type).unwrap_or("card of another generation"),
                    info.controller_type,
                    self.protocol
                );
            }
            self.learned_type = Some(info.controller_type);
        }
    }

    /// What the card says about itself: model, firmware, address, size, colour, brightness,
    /// power (the control header's ping, `A2 80`). `None` when the firmware does not answer it.
    pub async fn card_info(&mut self) -> Result<Option<PingInfo>, DriverError> {
        if !self.protocol.is_graphic() {
            return Ok(None);
        }
        match self
            .either(Feature::Ping, Header::Control, ControlCommand::Ping, None)
            .await
        {
            Ok(Some(Packet::Control(c))) => Ok(c.reply().and_then(|r| r.ping_info()).cloned()),
            Ok(_) | Err(DriverError::Unsupported { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The controller status (`A2 0F` → `A2 8F`), when the card answers it.
    pub async fn controller_status(&mut self) -> Result<Option<ControllerStatus>, DriverError> {
        match self
            .either(Feature::Status, Header::Control, ControlCommand::Status, None)
            .await
        {
            Ok(Some(Packet::Control(c))) => Ok(c.reply().and_then(|r| r.controller_status()).cloned()),
            Ok(_) | Err(DriverError::Unsupported { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Switch the LED modules' power (`A2 05`).
    pub async fn graphic_power(&mut self, on: bool) -> Result<(), DriverError> {
        let state = if on { POWER_ON } else { POWER_OFF };
        let f0 = GraphicCommand::Unknown {
            group: 0xA2,
            cmd: 0x05,
            params: vec![1, 0, state],
            why: None,
        };
        self.either(
            Feature::Power,
            Header::Control,
            ControlCommand::Power { state },
            Some(f0),
        )
        .await?;
        Ok(())
    }

    /// The card's own daily on/off window (`A2 06`; `None` cancels it with `A2 08`), which it
    /// follows by its clock when no host tells it otherwise.
    pub async fn graphic_timed_power(&mut self, window: Option<PowerSlot>) -> Result<(), DriverError> {
        let cmd = match window {
            Some(w) => ControlCommand::TimedPower { slots: vec![w] },
            None => ControlCommand::CancelTimedPower,
        };
        self.either(Feature::TimedPower, Header::Control, cmd, None).await?;
        Ok(())
    }

    /// Set the card's clock (`A2 02`).
    pub async fn graphic_clock(&mut self, now: Timestamp) -> Result<(), DriverError> {
        let time = CardTime::from_timestamp(now, CARD_UTC_OFFSET);
        let mut params = vec![8, 0];
        params.extend_from_slice(&time.to_bcd());
        let f0 = GraphicCommand::Unknown {
            group: 0xA2,
            cmd: 0x02,
            params,
            why: None,
        };
        self.either(
            Feature::TimeSync,
            Header::Control,
            ControlCommand::SetClock { time },
            Some(f0),
        )
        .await?;
        Ok(())
    }

    /// Brightness (`A2 07`): under the control header, as the vendor's SDK sends it; `0xF0`
    /// (where the manuals document it) when the card refuses that.
    pub async fn graphic_brightness(&mut self, b: Brightness) -> Result<(), DriverError> {
        self.either(
            Feature::Brightness,
            Header::Control,
            ControlCommand::SetBrightness(b.clone()),
            Some(GraphicCommand::SetBrightness(b)),
        )
        .await?;
        Ok(())
    }

    /// Write a program into the card's flash, in the order the vendor's SDK does: `A1 08`, the
    /// memory check `A1 12`, each file (`A1 02`, `A1 03` × n) — on the 6th generation the `D`
    /// file with the bitmaps, then the `P` file — and `A1 09`. Returns the bytes written.
    /// Flash wears out: callers write only when the content changed.
    pub async fn write_program(&mut self, program: &ProgramFile) -> Result<usize, DriverError> {
        let files = program_files(program, self.protocol)?;
        let total: usize = files.iter().map(|f| f.bytes.len()).sum();
        self.either(
            Feature::ProgramFiles,
            Header::Control,
            ControlCommand::StartTransfer,
            None,
        )
        .await?;
        // Whether the flash has room; a card that does not answer this has room enough.
        if let Ok(Some(Packet::Control(c))) = self
            .either(
                Feature::MemoryVolume,
                Header::Control,
                ControlCommand::MemoryVolume,
                None,
            )
            .await
            && let Some(ReplyData::MemoryVolume { available, .. }) = c.reply().map(|r| &r.data)
            && (*available as usize) < total
        {
            return Err(DriverError::Invalid(format!(
                "the card's flash has {available} bytes free, the program needs {total}: \
                 delete other programs from it (LedshowTW) or send a shorter fallback text"
            )));
        }
        for f in &files {
            let length = u32::try_from(f.bytes.len())
                .map_err(|_| DriverError::Invalid(format!("{} of {} bytes is too large", f.name, f.bytes.len())))?;
            let start = ControlCommand::StartWriteFile {
                name: f.name.clone(),
                file_type: f.file_type,
                length,
                overwrite: 1,
                crc32: f.crc32,
            };
            self.either(Feature::ProgramFiles, Header::Control, start, None).await?;
            let blocks: Vec<&[u8]> = f.bytes.chunks(FILE_BLOCK).collect();
            for (i, b) in blocks.iter().enumerate() {
                let cmd = ControlCommand::WriteFileBlock {
                    name: f.name.clone(),
                    last: u8::from(i + 1 == blocks.len()),
                    offset: (i * FILE_BLOCK) as u32,
                    data: b.to_vec(),
                };
                self.either(Feature::ProgramFiles, Header::Control, cmd, None).await?;
            }
        }
        self.either(
            Feature::ProgramFiles,
            Header::Control,
            ControlCommand::EndTransfer,
            None,
        )
        .await?;
        Ok(total)
    }

    /// Delete a program from the card's flash: on the 6th generation its `P` and `D` files
    /// together, in one `A1 01` (as the vendor's SDK does).
    pub async fn delete_program(&mut self, program: &ProgramFile) -> Result<(), DriverError> {
        let names = match generation(self.protocol) {
            Generation::Gen5 => vec![program.name.clone()],
            Generation::Gen6 => vec![program.name.clone(), program.data_name()],
        };
        self.either(
            Feature::ProgramFiles,
            Header::Control,
            ControlCommand::DeleteFiles { names },
            None,
        )
        .await?;
        Ok(())
    }
}

/// One file of a program as it goes to the card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramUpload {
    pub name: String,
    pub file_type: u8,
    pub bytes: Vec<u8>,
    /// The CRC field of its `A1 02`.
    pub crc32: u32,
}

/// The files that carry `program` to a card of `model`, in upload order: one `P` file with the
/// IEEE CRC-32 on the 5th generation; the `D` file, then the `P` file, each ending with the 6th
/// generation's file CRC (which is also their `A1 02` CRC), on the 6th.
pub fn program_files(program: &ProgramFile, model: CardModel) -> Result<Vec<ProgramUpload>, DriverError> {
    let invalid = |e: pinghu_protocol::EncodeError| DriverError::Invalid(e.to_string());
    Ok(match generation(model) {
        Generation::Gen5 => {
            let bytes = program.to_bytes().map_err(invalid)?;
            vec![ProgramUpload {
                name: program.name.clone(),
                file_type: FILE_TYPE_PROGRAM,
                crc32: pinghu_protocol::crc32(&bytes),
                bytes,
            }]
        }
        Generation::Gen6 => {
            let files = program.to_gen6().map_err(invalid)?;
            let crc = |b: &[u8]| u32::from_le_bytes([b[b.len() - 4], b[b.len() - 3], b[b.len() - 2], b[b.len() - 1]]);
            vec![
                ProgramUpload {
                    name: files.data_name,
                    file_type: FILE_TYPE_PROGRAM_DATA,
                    crc32: crc(&files.data),
                    bytes: files.data,
                },
                ProgramUpload {
                    name: files.params_name,
                    file_type: FILE_TYPE_PROGRAM,
                    crc32: crc(&files.params),
                    bytes: files.params,
                },
            ]
        }
    })
}
