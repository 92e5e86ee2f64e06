//! Graphic cards' own controls through the control header (docs/protocol.md Part D): the ping that
//! tells the card's size, power, clock, brightness, status, and program files in flash.
//!
//! Some commands are documented under both headers (ping and brightness also under `0xF0`), and a
//! card's firmware may refuse one of them. `CardClient::either` tries the likelier header first,
//! falls back to the other when the card refuses or stays silent, and remembers what worked for
//! the rest of the connection.

use std::collections::BTreeMap;

use jiff::Timestamp;
use pinghu_protocol::control::{
    ControlCommand, ControlHeader, ControlPacket, ControllerStatus, POWER_OFF, POWER_ON, PingInfo,
};
use pinghu_protocol::fontcard::PowerSlot;
use pinghu_protocol::graphic::{Brightness, Generation, GraphicCommand, GraphicHeader, GraphicPacket};
use pinghu_protocol::program::{FILE_TYPE_PROGRAM, ProgramFile};
use pinghu_protocol::{CardTime, ErrorCode, Packet};

use crate::card::client::{CARD_UTC_OFFSET, CardClient, DriverError};
use crate::card::device::CardModel;
use crate::card::link::LinkError;

/// Which header carries a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Header {
    /// Version `0x05`/`0x07`.
    Control,
    /// Version `0xF0`.
    Dynamic,
}

/// What worked for each command on this connection, by `(group, cmd)`.
#[derive(Debug, Clone, Default)]
pub struct HeaderMemory {
    worked: BTreeMap<(u8, u8), Header>,
    refused: BTreeMap<(u8, u8), Vec<Header>>,
}

impl HeaderMemory {
    /// The header that worked for `code`, if one did.
    pub fn get(&self, code: (u8, u8)) -> Option<Header> {
        self.worked.get(&code).copied()
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
    /// A control-header request to this card.
    pub fn control_packet(&self, cmd: ControlCommand) -> Packet {
        Packet::Control(ControlPacket::request(
            ControlHeader::to_card(generation(self.protocol), self.address, self.protocol.device_type()),
            true,
            cmd,
        ))
    }

    fn dynamic_packet(&self, cmd: GraphicCommand) -> Packet {
        Packet::Graphic(GraphicPacket::request(
            GraphicHeader::to_card(self.address, self.protocol.device_type()),
            true,
            cmd,
        ))
    }

    /// Send `cmd` under the header that works for it: the remembered one, else `first`, then the
    /// other. A header the card refused is not tried again on this connection.
    async fn either(
        &mut self,
        op: &'static str,
        first: Header,
        control: ControlCommand,
        dynamic: Option<GraphicCommand>,
    ) -> Result<Option<Packet>, DriverError> {
        if !self.protocol.is_graphic() {
            return Err(DriverError::Unsupported {
                op,
                protocol: self.protocol,
                hint: "font cards take these commands in their own protocol",
            });
        }
        let code = control.code();
        let order: Vec<Header> = match self.headers.get(code) {
            Some(h) => vec![h],
            None => match first {
                Header::Control => vec![Header::Control, Header::Dynamic],
                Header::Dynamic => vec![Header::Dynamic, Header::Control],
            },
        };
        let refused = self.headers.refused.get(&code).cloned().unwrap_or_default();
        let mut last: Option<DriverError> = None;
        let mut silent = false;
        for h in order.into_iter().filter(|h| !refused.contains(h)) {
            let p = match (h, &dynamic) {
                (Header::Control, _) => self.control_packet(control.clone()),
                (Header::Dynamic, Some(d)) => self.dynamic_packet(d.clone()),
                (Header::Dynamic, None) => continue,
            };
            // Silence under an unknown header is not worth three retries.
            let known = self.headers.get(code).is_some();
            let saved = self.link.retries;
            if !known {
                self.link.retries = 0;
            }
            let r = self.link.request(&p).await.map_err(DriverError::from);
            self.link.retries = saved;
            match r {
                Ok(reply) => {
                    self.headers.worked.insert(code, h);
                    return Ok(reply);
                }
                Err(e) if !known && try_other(&e) => {
                    self.headers.refused.entry(code).or_default().push(h);
                    silent |= matches!(e, DriverError::Link(LinkError::Timeout { .. }));
                    last = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(match last {
            Some(_) => DriverError::Unsupported {
                op,
                protocol: self.protocol,
                hint: if silent {
                    "the card ignores the control header (older firmware) and refused the 0xF0 form"
                } else {
                    "the card refused it under both headers"
                },
            },
            None => DriverError::Unsupported {
                op,
                protocol: self.protocol,
                hint: "the card refused it earlier on this connection",
            },
        })
    }

    /// What the card says about itself: model, firmware, address, size, colour, brightness,
    /// power (the control header's ping, `A2 80`). `None` when the firmware does not answer it.
    pub async fn card_info(&mut self) -> Result<Option<PingInfo>, DriverError> {
        if !self.protocol.is_graphic() {
            return Ok(None);
        }
        match self.either("ping", Header::Control, ControlCommand::Ping, None).await {
            Ok(Some(Packet::Control(c))) => Ok(c.reply().and_then(|r| r.ping_info()).cloned()),
            Ok(_) | Err(DriverError::Unsupported { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The controller status (`A2 0F` → `A2 8F`), when the card answers it.
    pub async fn controller_status(&mut self) -> Result<Option<ControllerStatus>, DriverError> {
        match self
            .either("status", Header::Control, ControlCommand::Status, None)
            .await
        {
            Ok(Some(Packet::Control(c))) => Ok(c.reply().and_then(|r| r.controller_status()).cloned()),
            Ok(_) | Err(DriverError::Unsupported { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Switch the LED modules' power (`A2 05`).
    pub(crate) async fn graphic_power(&mut self, on: bool) -> Result<(), DriverError> {
        let state = if on { POWER_ON } else { POWER_OFF };
        let f0 = GraphicCommand::Unknown {
            group: 0xA2,
            cmd: 0x05,
            params: vec![1, 0, state],
            why: None,
        };
        self.either("power", Header::Control, ControlCommand::Power { state }, Some(f0))
            .await?;
        Ok(())
    }

    /// The card's own daily on/off window (`A2 06`; `None` cancels it with `A2 08`), which it
    /// follows by its clock when no host tells it otherwise.
    pub(crate) async fn graphic_timed_power(&mut self, window: Option<PowerSlot>) -> Result<(), DriverError> {
        let cmd = match window {
            Some(w) => ControlCommand::TimedPower { slots: vec![w] },
            None => ControlCommand::CancelTimedPower,
        };
        self.either("timed power", Header::Control, cmd, None).await?;
        Ok(())
    }

    /// Set the card's clock (`A2 02`).
    pub(crate) async fn graphic_clock(&mut self, now: Timestamp) -> Result<(), DriverError> {
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
            "time-sync",
            Header::Control,
            ControlCommand::SetClock { time },
            Some(f0),
        )
        .await?;
        Ok(())
    }

    /// Brightness (`A2 07`): documented under `0xF0` first, so that header goes first.
    pub(crate) async fn graphic_brightness(&mut self, b: Brightness) -> Result<(), DriverError> {
        self.either(
            "brightness",
            Header::Dynamic,
            ControlCommand::SetBrightness(b.clone()),
            Some(GraphicCommand::SetBrightness(b)),
        )
        .await?;
        Ok(())
    }

    /// Write a program file into the card's flash (`A1 08`, `A1 02`, `A1 03` × n, `A1 09`).
    /// Flash wears out: callers write only when the content changed.
    pub async fn write_program(&mut self, program: &ProgramFile) -> Result<usize, DriverError> {
        let bytes = program.to_bytes().map_err(|e| DriverError::Invalid(e.to_string()))?;
        let length = u32::try_from(bytes.len())
            .map_err(|_| DriverError::Invalid(format!("program of {} bytes is too large", bytes.len())))?;
        let name = program.name.clone();
        let steps = [
            ControlCommand::StartTransfer,
            ControlCommand::StartWriteFile {
                name: name.clone(),
                file_type: FILE_TYPE_PROGRAM,
                length,
                overwrite: 1,
                crc32: pinghu_protocol::crc32(&bytes),
            },
        ];
        for s in steps {
            self.either("program files", Header::Control, s, None).await?;
        }
        let blocks: Vec<&[u8]> = bytes.chunks(FILE_BLOCK).collect();
        for (i, b) in blocks.iter().enumerate() {
            let cmd = ControlCommand::WriteFileBlock {
                name: name.clone(),
                last: u8::from(i + 1 == blocks.len()),
                offset: (i * FILE_BLOCK) as u32,
                data: b.to_vec(),
            };
            self.either("program files", Header::Control, cmd, None).await?;
        }
        self.either("program files", Header::Control, ControlCommand::EndTransfer, None)
            .await?;
        Ok(bytes.len())
    }
}
