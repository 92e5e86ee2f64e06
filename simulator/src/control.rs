//! The card's side of the control header (docs/protocol.md Part D): ping with the size, power,
//! clock, the 48-slot brightness table, status, and the flash file system with the fallback
//! program that shows when no dynamic area does.

use jiff::Timestamp;
use pinghu_protocol::control::{
    ControlBody, ControlCommand, ControlPacket, ControlReply, ControllerStatus, POWER_OFF, POWER_ON, PingInfo,
};
use pinghu_protocol::graphic::Brightness;
use pinghu_protocol::program::{FILE_TYPE_PROGRAM, ProgramFile};
use pinghu_protocol::style::Motion;
use pinghu_protocol::{CardTime, ErrorCode, Packet};

use crate::card::{Area, AreaPage, Card};

/// A file arriving with `A1 02` / `A1 03`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileUpload {
    name: String,
    file_type: u8,
    length: u32,
    crc32: u32,
    data: Vec<u8>,
}

/// The firmware version the simulator reports.
pub const FIRMWARE: [u8; 8] = *b"PHSIM1.0";

impl Card {
    pub(crate) fn control(&mut self, p: ControlPacket, now: Timestamp) -> Option<Packet> {
        let ControlBody::Request(req) = p.body else {
            return None;
        };
        let result: Result<ControlReply, (ErrorCode, String)> = match req.command {
            ControlCommand::Ping => Ok(ControlReply::ping(self.ping_info(now))),
            ControlCommand::Status => Ok(ControlReply::status(self.controller_status(now))),
            ControlCommand::SetClock { time } => match time.to_timestamp(8) {
                Some(t) => {
                    self.clock_offset = t.duration_since(now);
                    Ok(ControlReply::ack())
                }
                None => Err((
                    ErrorCode::DATE_TIME_FORMAT,
                    format!("{time} is not a valid date and time"),
                )),
            },
            ControlCommand::Power { state } => match state {
                POWER_ON | POWER_OFF => {
                    self.power = state == POWER_ON;
                    self.power_set_at = Some(now);
                    Ok(ControlReply::ack())
                }
                s => Err((ErrorCode::NO_COMMAND, format!("power state {s:#04x} (01 on, 00 off)"))),
            },
            ControlCommand::SetBrightness(b) => self.set_brightness(&b, now).map(|()| ControlReply::ack()),
            ControlCommand::TimedPower { slots } => {
                if slots
                    .iter()
                    .any(|s| s.on.0 > 23 || s.on.1 > 59 || s.off.0 > 23 || s.off.1 > 59)
                {
                    Err((ErrorCode::DATE_TIME_FORMAT, "timed power outside 00:00-23:59".into()))
                } else {
                    self.timed_power = slots;
                    Ok(ControlReply::ack())
                }
            }
            ControlCommand::CancelTimedPower => {
                self.timed_power.clear();
                Ok(ControlReply::ack())
            }
            ControlCommand::QueryBrightness => Ok(ControlReply::ack()),
            ControlCommand::StartTransfer | ControlCommand::EndTransfer => Ok(ControlReply::ack()),
            ControlCommand::DeleteFiles { names } => {
                for n in names {
                    self.flash.delete(&n);
                }
                self.reload_program(now);
                Ok(ControlReply::ack())
            }
            ControlCommand::StartWriteFile {
                name,
                file_type,
                length,
                crc32,
                ..
            } => {
                self.file_upload = Some(FileUpload {
                    name,
                    file_type,
                    length,
                    crc32,
                    data: Vec::new(),
                });
                Ok(ControlReply::ack())
            }
            ControlCommand::WriteFileBlock {
                name,
                last,
                offset,
                data,
            } => self.control_file_block(&name, last, offset, &data, now),
            ControlCommand::Unknown { group, cmd, why, .. } => Err(crate::card::not_understood(
                group,
                cmd,
                why,
                matches!(group, 0xA1 | 0xA2),
            )),
            _ => Err((ErrorCode::NO_COMMAND, "command not supported".into())),
        };
        let reply = self.or_nack(result, ControlReply::nack);
        (req.reply == 1).then(|| {
            Packet::Control(ControlPacket {
                header: p
                    .header
                    .reply_from(self.config.address, self.config.model.device_type()),
                body: ControlBody::Reply(reply),
                tails: p.tails,
            })
        })
    }

    /// `A2 07` under either header.
    pub(crate) fn set_brightness(&mut self, b: &Brightness, now: Timestamp) -> Result<(), (ErrorCode, String)> {
        match b {
            Brightness::Manual { levels } | Brightness::Timed { levels } if levels.iter().all(|l| *l <= 15) => {
                let timed = matches!(b, Brightness::Timed { .. }) || levels.iter().any(|l| *l != levels[0]);
                self.brightness_table = timed.then(|| levels.clone());
                self.brightness = self.level_at(levels, now);
                Ok(())
            }
            Brightness::Sensor { .. } => Ok(()),
            _ => Err((ErrorCode::SCREEN_PARA, "brightness level above 15".into())),
        }
    }

    /// What the card answers to a control-header ping.
    pub fn ping_info(&self, now: Timestamp) -> PingInfo {
        PingInfo {
            controller_type: self.config.model.device_type(),
            firmware: FIRMWARE,
            screen_params: 1,
            address: self.config.address,
            baud: 0,
            width: u16::try_from(self.config.width).unwrap_or(u16::MAX),
            height: u16::try_from(self.config.height).unwrap_or(u16::MAX),
            color: PingInfo::color_code(self.config.colors == pinghu_fonts::ColorMode::RedGreen),
            brightness: self.brightness_at(now),
            power: u8::from(self.power_at(now)),
            scan_config: 0,
            rest: vec![0; 9],
        }
    }

    /// What the card answers to `A2 0F`.
    pub fn controller_status(&self, now: Timestamp) -> ControllerStatus {
        let mut current = *b"    ";
        if self.showing(now) == "program"
            && let Some(p) = &self.program
        {
            current.copy_from_slice(&p.name.as_bytes()[..4]);
        }
        ControllerStatus {
            power: u8::from(self.power_at(now)),
            timed_power: u8::from(!self.timed_power.is_empty()),
            brightness_mode: u8::from(self.brightness_table.is_some()),
            brightness: self.brightness_at(now),
            program_count: u16::try_from(self.flash.programs().count()).unwrap_or(u16::MAX),
            current_program: current,
            screen_lock: 0,
            program_lock: 0,
            running_mode: 0,
            rtc_ok: 1,
            time: CardTime::from_timestamp(self.card_time(now), 8),
            rest: vec![0; 10],
        }
    }

    fn control_file_block(
        &mut self,
        name: &str,
        last: u8,
        offset: u32,
        data: &[u8],
        now: Timestamp,
    ) -> Result<ControlReply, (ErrorCode, String)> {
        let Some(up) = self.file_upload.as_mut() else {
            return Err((
                ErrorCode::FILE_DOWNLOAD,
                format!("block for {name} without A1 02 start-write-file"),
            ));
        };
        if up.name != name {
            return Err((
                ErrorCode::FILE_NAME,
                format!("block for {name}, but {} is being written", up.name),
            ));
        }
        if offset as usize != up.data.len() {
            return Err((
                ErrorCode::FILE_BLOCK_NUM,
                format!("block at offset {offset}, expected offset {}", up.data.len()),
            ));
        }
        up.data.extend_from_slice(data);
        if last == 0 {
            return Ok(ControlReply::ack());
        }
        let Some(up) = self.file_upload.take() else {
            return Err((ErrorCode::FILE_DOWNLOAD, "no file is being written".into()));
        };
        if up.data.len() != up.length as usize {
            return Err((
                ErrorCode::FILE_DOWNLOAD,
                format!("{} has {} bytes, A1 02 announced {}", up.name, up.data.len(), up.length),
            ));
        }
        let crc = pinghu_protocol::crc32(&up.data);
        if crc != up.crc32 {
            return Err((
                ErrorCode::FILE_CRC16,
                format!("{}: CRC-32 is {crc:#010x}, A1 02 announced {:#010x}", up.name, up.crc32),
            ));
        }
        if up.file_type == FILE_TYPE_PROGRAM {
            let program = ProgramFile::parse(&up.data).map_err(|e| (ErrorCode::FILE_DOWNLOAD, e.to_string()))?;
            self.decode_program(&program)?;
        }
        self.flash.write(&up.name, up.data);
        self.reload_program(now);
        Ok(ControlReply::ack())
    }

    fn decode_program(&self, p: &ProgramFile) -> Result<Vec<Area>, (ErrorCode, String)> {
        let format = self.pixel_format();
        let mut areas = Vec::new();
        for (n, a) in p.areas.iter().enumerate() {
            let (x, y, w, h) = (u32::from(a.x), u32::from(a.y), u32::from(a.width), u32::from(a.height));
            self.check_area(x, y, w, h)?;
            let mut pages = Vec::new();
            for (i, pg) in a.pages.iter().enumerate() {
                let bmp = pinghu_protocol::bitmap::unpack(format, x, w, h, &pg.data).map_err(|e| {
                    (
                        ErrorCode::FILE_DOWNLOAD,
                        format!("program {} area {} page {}: {e}", p.name, n + 1, i + 1),
                    )
                })?;
                pages.push(AreaPage {
                    frame: pinghu_fonts::Frame::from_led_bitmap(&bmp, self.config.colors),
                    anim: Motion::from_graphic_code(pg.display_mode).unwrap_or(Motion::Static),
                    speed: pg.speed,
                    stay_ms: u64::from(pg.stay_time) * 10,
                });
            }
            areas.push(Area {
                id: n as u8,
                x,
                y,
                width: w,
                height: h,
                run_mode: 0,
                timeout_s: 0,
                pages,
                updated: Timestamp::UNIX_EPOCH,
                text: None,
            });
        }
        Ok(areas)
    }

    /// Take the first program in flash into use (at start, and after files change).
    pub fn reload_program(&mut self, now: Timestamp) {
        let first = self
            .flash
            .programs()
            .find_map(|(name, f)| ProgramFile::parse(&f.data).ok().map(|p| (name.clone(), p)));
        self.program = first.and_then(|(name, p)| match self.decode_program(&p) {
            Ok(mut areas) => {
                for a in &mut areas {
                    a.updated = now;
                }
                Some(crate::card::Program { name, areas })
            }
            Err((_, msg)) => {
                self.errors
                    .push(format!("program {name} in flash cannot be shown: {msg}"));
                None
            }
        });
        self.version += 1;
    }
}
