//! Which protocol a card speaks, found by asking with wildcard addresses (`pinghu diag probe`,
//! and the driver when the configuration says `auto`).

use std::time::Duration;

use pinghu_protocol::Packet;
use pinghu_protocol::control::{ControlCommand, ControlHeader, ControlPacket, PingInfo};
use pinghu_protocol::fontcard::{FontCommand, FontHeader, FontPacket};
use pinghu_protocol::graphic::{Generation, GraphicCommand, GraphicHeader, GraphicPacket, WILDCARD, is_wildcard};

use crate::card::link::{Link, LinkError};

/// One answer found while probing.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Found {
    pub protocol: String,
    pub address: Option<u16>,
    pub device_type: Option<String>,
    pub baud: Option<u32>,
    /// What the card says about itself (graphic cards answering the control header's ping).
    pub info: Option<PingInfo>,
}

/// Find which protocol answers on `link` with wildcard addresses: a font card's ping, then the
/// control header's ping of graphic cards (6th generation, then 5th, whose data tells the card's
/// address and model), then the `0xF0` ping of older graphic firmware.
pub async fn try_protocols(link: &mut Link, wait: Duration) -> Result<Option<Found>, LinkError> {
    link.timeout = wait;
    link.retries = 0;
    let font = Packet::FontCard(FontPacket::request(
        FontHeader::to_card(0xFFFE, 0xFE),
        true,
        FontCommand::Ping,
    ));
    match link.request(&font).await {
        Ok(Some(Packet::FontCard(f))) => {
            let dev = f.header.device_type;
            let proto = if (0x60..0x70).contains(&dev) { "bx-6k" } else { "bx-5k" };
            return Ok(Some(Found {
                protocol: proto.into(),
                address: Some(f.header.src),
                device_type: Some(
                    pinghu_protocol::font_device_name(dev).map_or_else(|| format!("{dev:#04x}"), str::to_owned),
                ),
                baud: None,
                info: None,
            }));
        }
        Err(LinkError::Open { .. } | LinkError::Io(_)) => return Ok(None),
        _ => {}
    }
    // Graphic cards: the control header's wildcard ping, as the vendor's SDK starts (6th
    // generation, then 5th). Who answered is in the ping's data — address, model, size — never
    // in the reply's header, which only echoes the wildcard (docs/protocol.md G.1).
    for generation in [Generation::Gen6, Generation::Gen5] {
        let mut header = ControlHeader::to_card(generation, WILDCARD, WILDCARD);
        // A fresh even sequence number and a random byte, as every control request has.
        let mut seed = [0u8; 3];
        let _ = getrandom::fill(&mut seed);
        header.seq = (u16::from_le_bytes([seed[0], seed[1]]) & 0x7FFC) + 2;
        header.random = seed[2];
        let ping = Packet::Control(ControlPacket::request(header, true, ControlCommand::Ping));
        if let Ok(Some(Packet::Control(c))) = link.request(&ping).await
            && let Some(info) = c.reply().and_then(|r| r.ping_info())
        {
            let dev = info.controller_type;
            let proto = match pinghu_protocol::graphic::generation_of(dev) {
                Some(Generation::Gen5) => "bx-5e",
                Some(Generation::Gen6) => "bx-6e",
                None if generation == Generation::Gen6 => "bx-6e",
                None => "bx-5m1",
            };
            return Ok(Some(Found {
                protocol: proto.into(),
                address: Some(info.address),
                device_type: Some(device_name(dev)),
                baud: None,
                info: Some(info.clone()),
            }));
        }
    }
    // Older firmware that answers only the manual's 0xF0 wildcard ping: the reply says a card is
    // there; its address is known only if the card answered from it rather than echoing the
    // wildcard.
    let graphic = Packet::Graphic(GraphicPacket::request(
        GraphicHeader::to_card(WILDCARD, WILDCARD),
        true,
        GraphicCommand::Ping,
    ));
    if let Ok(Some(Packet::Graphic(g))) = link.request(&graphic).await {
        let dev = g.header.device_type;
        let generation = pinghu_protocol::graphic::generation_of(dev).unwrap_or(Generation::Gen6);
        let proto = match generation {
            Generation::Gen5 => "bx-5e",
            Generation::Gen6 => "bx-6e",
        };
        return Ok(Some(Found {
            protocol: proto.into(),
            address: (!is_wildcard(g.header.src)).then_some(g.header.src),
            device_type: (!is_wildcard(dev)).then(|| device_name(dev)),
            baud: None,
            info: None,
        }));
    }
    Ok(None)
}

fn device_name(dev: u16) -> String {
    pinghu_protocol::graphic_device_name(dev).map_or_else(|| format!("{dev:#06x}"), str::to_owned)
}
