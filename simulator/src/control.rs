//! The card's side of the control header (docs/protocol.md Part D and "What the vendor's SDK
//! sends"): ping with the size, power, clock, the 48-slot brightness table, status, the flash
//! file system with the fallback program that shows when no dynamic area does, and the reads a
//! maintenance tool makes (directory, files, memory, firmware, controller id, screen lock).
//!
//! Replies answer as a card does: the request's addresses swapped (a wildcard echoed), its
//! sequence number plus `0x8000`, its tails. A 6th-generation card keeps a program as a `D` file
//! (bitmaps) and a `P` file with the 6th generation's file CRC; a 5th-generation card one `P`
//! file with the IEEE CRC-32.

use jiff::Timestamp;
use pinghu_protocol::control::{
    ControlBody, ControlCommand, ControlPacket, ControlReply, ControllerStatus, DirectoryEntry, POWER_OFF, POWER_ON,
    PingInfo, PingScan, ReplyData, StatusSensors, Temperature,
};
use pinghu_protocol::graphic::{Brightness, Generation};
use pinghu_protocol::program::{FILE_TYPE_PROGRAM, FILE_TYPE_PROGRAM_DATA, ProgramFile, file_type_of};
use pinghu_protocol::style::Motion;
use pinghu_protocol::{CardModel, CardTime, ErrorCode, Packet};

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

/// Reads in progress and the screen lock.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Maintenance {
    /// `A1 06`'s filter (`FF` all types) and entries per block.
    directory: Option<(u8, u8)>,
    /// `A2 0D`: locked, and whether that survives a power cut.
    pub(crate) screen_lock: (bool, bool),
}

/// The firmware version the simulator reports.
pub const FIRMWARE: [u8; 8] = *b"PHSIM1.0";
/// The flash the simulator has, in bytes.
pub const FLASH_BYTES: u32 = 4 * 1024 * 1024;
/// Largest block of a file read (`A1 85`/`A1 8E`), as the SDK writes them.
const READ_BLOCK: usize = 1024;
/// Directory entries a block when `A1 07` comes without an `A1 06` (the SDK's default).
const DIR_SIZE: u8 = 15;

impl Card {
    fn generation(&self) -> Generation {
        if self.config.model == CardModel::Bx6e {
            Generation::Gen6
        } else {
            Generation::Gen5
        }
    }

    pub(crate) fn control(&mut self, p: ControlPacket, now: Timestamp) -> Option<Packet> {
        let ControlBody::Request(req) = p.body else {
            return None;
        };
        let code = req.command.code();
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
                overwrite,
            } => self.start_write(name, file_type, length, crc32, overwrite),
            ControlCommand::WriteFileBlock {
                name,
                last,
                offset,
                data,
            } => self.control_file_block(&name, last, offset, &data, now),
            ControlCommand::StartReadDirectory { file_type, dir_size } => {
                self.maintenance.directory = Some((file_type, dir_size.max(1)));
                let count = self.directory(file_type).len();
                Ok(ControlReply::answer(
                    code.0,
                    code.1,
                    ReplyData::DirectorySize {
                        count: u16::try_from(count).unwrap_or(u16::MAX),
                    },
                ))
            }
            ControlCommand::ReadDirectoryBlock { offset } => {
                let (filter, size) = self.maintenance.directory.unwrap_or((0xFF, DIR_SIZE));
                let all = self.directory(filter);
                let from = usize::from(offset).min(all.len());
                let to = (from + usize::from(size)).min(all.len());
                Ok(ControlReply::answer(
                    code.0,
                    code.1,
                    ReplyData::DirectoryBlock {
                        last: u8::from(to == all.len()),
                        offset: u16::try_from(to).unwrap_or(u16::MAX),
                        files: all[from..to].to_vec(),
                    },
                ))
            }
            ControlCommand::StartReadFile { name } | ControlCommand::StartReadFixedFile { name } => {
                match self.flash.files.get(&name) {
                    Some(f) => Ok(ControlReply::answer(
                        code.0,
                        code.1,
                        ReplyData::FileInfo {
                            size: u32::try_from(f.data.len()).unwrap_or(u32::MAX),
                            crc32: stored_crc(&f.data),
                            name,
                        },
                    )),
                    None => Err((ErrorCode::FILE_NOT_EXIST, format!("no file {name} in flash"))),
                }
            }
            ControlCommand::ReadFileBlock { name, offset } | ControlCommand::ReadFixedFileBlock { name, offset } => {
                match self.flash.files.get(&name) {
                    Some(f) if offset as usize <= f.data.len() => {
                        let from = offset as usize;
                        let to = (from + READ_BLOCK).min(f.data.len());
                        Ok(ControlReply::answer(
                            code.0,
                            code.1,
                            ReplyData::FileBlock {
                                last: u8::from(to == f.data.len()),
                                name,
                                offset,
                                bytes: f.data[from..to].to_vec(),
                            },
                        ))
                    }
                    Some(f) => Err((
                        ErrorCode::FILE_BLOCK_NUM,
                        format!("offset {offset} is past the end of {name} ({} bytes)", f.data.len()),
                    )),
                    None => Err((ErrorCode::FILE_NOT_EXIST, format!("no file {name} in flash"))),
                }
            }
            ControlCommand::MemoryVolume => {
                let used: usize = self.flash.files.values().map(|f| f.data.len()).sum();
                let used = u32::try_from(used).unwrap_or(u32::MAX);
                Ok(ControlReply::answer(
                    code.0,
                    code.1,
                    ReplyData::MemoryVolume {
                        total: FLASH_BYTES,
                        available: FLASH_BYTES.saturating_sub(used),
                    },
                ))
            }
            ControlCommand::FirmwareStatus => Ok(ControlReply::answer(
                code.0,
                code.1,
                ReplyData::Firmware {
                    name: *b"F000",
                    version: FIRMWARE,
                    built: b"2026-12-07 00:00:00".to_vec(),
                },
            )),
            ControlCommand::ControllerId => {
                let mut id = format!("PINGHU-SIM-{:05}", self.config.address).into_bytes();
                id.resize(16, b' ');
                Ok(ControlReply::answer(code.0, code.1, ReplyData::ControllerId { id }))
            }
            ControlCommand::ScreenLock { nonvolatile, locked } => {
                self.maintenance.screen_lock = (locked == 1, nonvolatile == 1);
                Ok(ControlReply::ack())
            }
            // A known command whose fields do not parse: a 6th-generation card says which
            // (ERR_COMMAND_PARA); an unknown one is not found.
            ControlCommand::Unknown {
                group,
                cmd,
                why: Some(why),
                ..
            } if self.generation() == Generation::Gen6 => {
                Err((ErrorCode::COMMAND_PARA, format!("command {group:02X} {cmd:02X}: {why}")))
            }
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
                header: p.header.reply_from(self.config.model.device_type()),
                body: ControlBody::Reply(reply),
                tails: p.tails,
            })
        })
    }

    /// `A1 02`: what a card checks before taking a file — its name, type and size, and whether
    /// it may replace one of the same name.
    fn start_write(
        &mut self,
        name: String,
        file_type: u8,
        length: u32,
        crc32: u32,
        overwrite: u8,
    ) -> Result<ControlReply, (ErrorCode, String)> {
        if name.len() != 4 || !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err((
                ErrorCode::FILE_NAME,
                format!("file name {name:?}: four letters or digits, such as P000"),
            ));
        }
        if file_type > 12 || file_type_of(&name) != file_type {
            return Err((
                ErrorCode::FILE_TYPE,
                format!("{name} is of type {}, A1 02 says {file_type}", file_type_of(&name)),
            ));
        }
        let used: usize = self
            .flash
            .files
            .iter()
            .filter(|(n, _)| **n != name)
            .map(|(_, f)| f.data.len())
            .sum();
        let free = FLASH_BYTES.saturating_sub(u32::try_from(used).unwrap_or(u32::MAX));
        if length > free {
            return Err((
                ErrorCode::MEMORY_VOLUME,
                format!("{name} needs {length} bytes, the flash has {free} free"),
            ));
        }
        if overwrite == 0 && self.flash.files.contains_key(&name) {
            return Err((
                ErrorCode::FILE_EXIST,
                format!("{name} exists and A1 02 says not to overwrite it"),
            ));
        }
        self.file_upload = Some(FileUpload {
            name,
            file_type,
            length,
            crc32,
            data: Vec::new(),
        });
        Ok(ControlReply::ack())
    }

    /// The files in flash of `file_type` (`FF` all), as `A1 87` lists them.
    fn directory(&self, file_type: u8) -> Vec<DirectoryEntry> {
        self.flash
            .files
            .iter()
            .map(|(name, f)| DirectoryEntry {
                name: name.clone(),
                file_type: file_type_of(name),
                length: u32::try_from(f.data.len()).unwrap_or(u32::MAX),
                crc32: stored_crc(&f.data),
            })
            .filter(|e| file_type == 0xFF || e.file_type == file_type)
            .collect()
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

    /// What the card answers to a control-header ping: 31 bytes, as 6th-generation cards send.
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
            scan: Some(PingScan {
                rows_per_channel: 16,
                unit_width: 64,
                ..PingScan::default()
            }),
            rest: Vec::new(),
        }
    }

    /// What the card answers to `A2 0F`: 33 bytes, as 6th-generation cards send.
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
            screen_lock: u8::from(self.maintenance.screen_lock.0),
            program_lock: 0,
            running_mode: 0,
            rtc_ok: 1,
            time: CardTime::from_timestamp(self.card_time(now), 8),
            sensors: Some(StatusSensors {
                temperature1: Temperature { sign: 0, tenths: 250 },
                ..StatusSensors::default()
            }),
            rest: Vec::new(),
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
        // The same block again (its ACK was lost): taken again, changing nothing.
        if (offset as usize) < up.data.len()
            && offset as usize + data.len() == up.data.len()
            && up.data[offset as usize..] == *data
            && last == 0
        {
            return Ok(ControlReply::ack());
        }
        if offset as usize != up.data.len() {
            return Err((
                ErrorCode::FILE_BLOCK_NUM,
                format!("block at offset {offset}, expected offset {}", up.data.len()),
            ));
        }
        if up.data.len() + data.len() > up.length as usize {
            return Err((
                ErrorCode::FILE_DOWNLOAD,
                format!("{} grows past the {} bytes A1 02 announced", up.name, up.length),
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
        match self.generation() {
            Generation::Gen5 => {
                let crc = pinghu_protocol::crc32(&up.data);
                if crc != up.crc32 {
                    return Err((
                        ErrorCode::FILE_CRC16,
                        format!("{}: CRC-32 is {crc:#010x}, A1 02 announced {:#010x}", up.name, up.crc32),
                    ));
                }
                if up.file_type == FILE_TYPE_PROGRAM {
                    let program =
                        ProgramFile::parse(&up.data).map_err(|e| (ErrorCode::FILE_DOWNLOAD, e.to_string()))?;
                    self.decode_program(&program)?;
                }
            }
            Generation::Gen6 => {
                // The file ends with its own CRC (initial value 0, no final XOR), and A1 02
                // announced the same four bytes.
                let stored = stored_crc(&up.data);
                let body = &up.data[..up.data.len().saturating_sub(4)];
                let crc = pinghu_protocol::file_crc32(body);
                if up.data.len() < 4 || crc != stored || crc != up.crc32 {
                    return Err((
                        ErrorCode::FILE_CRC16,
                        format!(
                            "{}: the file CRC is {crc:#010x}, the file ends with {stored:#010x}, A1 02 announced \
                             {:#010x} (6th-generation cards: CRC-32 with initial value 0 and no final XOR)",
                            up.name, up.crc32
                        ),
                    ));
                }
                if up.file_type == FILE_TYPE_PROGRAM {
                    let data_name = ProgramFile::data_name_for(&up.name);
                    let Some(d) = self.flash.files.get(&data_name) else {
                        return Err((
                            ErrorCode::FILE_NOT_EXIST,
                            format!(
                                "{} shows the bitmaps of {data_name}, which is not in flash: write it first",
                                up.name
                            ),
                        ));
                    };
                    let program = ProgramFile::parse_gen6(&up.data, &d.data)
                        .map_err(|e| (ErrorCode::FILE_DOWNLOAD, e.to_string()))?;
                    self.decode_program(&program)?;
                } else if up.file_type == FILE_TYPE_PROGRAM_DATA && !up.name.starts_with('D') {
                    return Err((
                        ErrorCode::FILE_TYPE,
                        format!("{} is of type 9 (program data), whose names start with D", up.name),
                    ));
                }
            }
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

    /// A program file in flash, read in this card's generation (6th: with its `D` file).
    fn read_program(&self, name: &str, data: &[u8]) -> Result<ProgramFile, String> {
        match self.generation() {
            Generation::Gen5 => ProgramFile::parse(data).map_err(|e| e.to_string()),
            Generation::Gen6 => {
                let data_name = ProgramFile::data_name_for(name);
                let d = self
                    .flash
                    .files
                    .get(&data_name)
                    .ok_or_else(|| format!("its data file {data_name} is missing"))?;
                ProgramFile::parse_gen6(data, &d.data).map_err(|e| e.to_string())
            }
        }
    }

    /// Take the first program in flash into use (at start, and after files change).
    pub fn reload_program(&mut self, now: Timestamp) {
        let mut problems = Vec::new();
        let mut first = None;
        for (name, f) in self.flash.programs() {
            match self.read_program(name, &f.data) {
                Ok(p) => {
                    first = Some((name.clone(), p));
                    break;
                }
                Err(e) => problems.push(format!("program {name} in flash cannot be read: {e}")),
            }
        }
        self.program = first.and_then(|(name, p)| match self.decode_program(&p) {
            Ok(mut areas) => {
                for a in &mut areas {
                    a.updated = now;
                }
                Some(crate::card::Program { name, areas })
            }
            Err((_, msg)) => {
                problems.push(format!("program {name} in flash cannot be shown: {msg}"));
                None
            }
        });
        for p in problems {
            self.error(p);
        }
        self.version += 1;
    }
}

/// The CRC a directory or file answer gives for a file: its last four bytes, where a file of a
/// 6th-generation card keeps its CRC (0 for a file shorter than that).
fn stored_crc(data: &[u8]) -> u32 {
    match data {
        [.., a, b, c, d] => u32::from_le_bytes([*a, *b, *c, *d]),
        _ => 0,
    }
}
