//! Property: whatever a host sends and whatever the simulator answers, `pinghu wire decode
//! --json | pinghu wire encode -` gives back the same bytes — every request, every answer, in
//! both generations, with random addresses, sequence numbers and tails.

use jiff::Timestamp;
use pinghu_fonts::ColorMode;
use pinghu_protocol::control::{ControlCommand, ControlHeader, ControlPacket};
use pinghu_protocol::graphic::{
    AreaUpdate, Brightness, DynamicArea, Generation, GraphicCommand, GraphicHeader, GraphicPacket, Page,
};
use pinghu_protocol::{CardTime, Decoder, Packet};
use pinghu_simulator::card::{Card, CardConfig, CardModel};
use proptest::prelude::*;

fn control_command() -> impl Strategy<Value = ControlCommand> {
    let name = prop::sample::select(vec!["P000", "D000", "C000", "P001", "F000"]).prop_map(str::to_owned);
    prop_oneof![
        Just(ControlCommand::Ping),
        Just(ControlCommand::Status),
        Just(ControlCommand::MemoryVolume),
        Just(ControlCommand::FirmwareStatus),
        Just(ControlCommand::ControllerId),
        Just(ControlCommand::StartTransfer),
        Just(ControlCommand::EndTransfer),
        (0u8..3).prop_map(|state| ControlCommand::Power { state }),
        (0u8..2, 0u8..2).prop_map(|(nonvolatile, locked)| ControlCommand::ScreenLock { nonvolatile, locked }),
        (2000u16..2099, 1u8..13, 1u8..29, 0u8..24, 0u8..60, 1u8..8).prop_map(
            |(year, month, day, hour, minute, weekday)| {
                ControlCommand::SetClock {
                    time: CardTime {
                        year,
                        month,
                        day,
                        hour,
                        minute,
                        second: 7,
                        weekday,
                    },
                }
            }
        ),
        prop::collection::vec(0u8..20, 48)
            .prop_map(|levels| ControlCommand::SetBrightness(Brightness::Timed { levels })),
        (prop::sample::select(vec![0u8, 9, 0xFF]), 1u8..20)
            .prop_map(|(file_type, dir_size)| ControlCommand::StartReadDirectory { file_type, dir_size }),
        (0u16..4).prop_map(|offset| ControlCommand::ReadDirectoryBlock { offset }),
        name.clone().prop_map(|name| ControlCommand::StartReadFile { name }),
        name.clone()
            .prop_map(|name| ControlCommand::StartReadFixedFile { name }),
        (name.clone(), 0u32..3000).prop_map(|(name, offset)| ControlCommand::ReadFileBlock { name, offset }),
        prop::collection::vec(name.clone(), 0..3).prop_map(|names| ControlCommand::DeleteFiles { names }),
        (name.clone(), 0u8..10, 0u32..200).prop_map(|(name, file_type, length)| ControlCommand::StartWriteFile {
            name,
            file_type,
            length,
            overwrite: 1,
            crc32: length.wrapping_mul(2_654_435_761),
        }),
        (name, prop::collection::vec(any::<u8>(), 0..60)).prop_map(|(name, data)| ControlCommand::WriteFileBlock {
            name,
            last: 1,
            offset: 0,
            data,
        }),
    ]
}

fn graphic_command(gen6: bool) -> impl Strategy<Value = GraphicCommand> {
    let generation = if gen6 { Generation::Gen6 } else { Generation::Gen5 };
    prop_oneof![
        Just(GraphicCommand::Ping),
        Just(GraphicCommand::QueryBrightness { params: vec![] }),
        (0u8..17).prop_map(|l| GraphicCommand::SetBrightness(Brightness::manual(l))),
        prop::collection::vec(0u8..4, 0..3).prop_map(|ids| GraphicCommand::DeleteAreas {
            all: ids.is_empty(),
            ids
        }),
        (0u16..40, prop::collection::vec(any::<u8>(), 1..3)).prop_map(move |(x, seeds)| {
            // 32x2 areas of random bytes (the card checks the length, not the content).
            let len = if gen6 {
                2 * 2 * (32usize + (x as usize % 32)).div_ceil(32) * 4
            } else {
                2 * 2 * (32usize + (x as usize % 8)).div_ceil(8)
            };
            let pages = seeds
                .iter()
                .map(|s| Page::new(1, 0, 100, 32, generation, vec![*s; len]))
                .collect();
            GraphicCommand::UpdateAreas(AreaUpdate {
                generation,
                areas: vec![DynamicArea::new(0, x, 0, 32, 2, generation, pages)],
            })
        }),
    ]
}

fn round_trip(p: &Packet) -> Result<(), TestCaseError> {
    let wire = p.to_wire().unwrap();
    let mut d = Decoder::new();
    d.feed(&wire);
    let decoded = Packet::from_raw(&d.decode().unwrap().unwrap()).unwrap();
    let json = serde_json::to_string(&decoded).unwrap();
    let back: Packet = serde_json::from_str(&json).unwrap();
    prop_assert_eq!(back.to_wire().unwrap(), wire, "{}", json);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn every_request_and_every_answer_round_trips_through_json(
        gen6 in any::<bool>(),
        control in control_command(),
        graphic in any::<bool>(),
        f0 in graphic_command(true),
        f0_gen5 in graphic_command(false),
        wildcard in any::<bool>(),
        seq in 1u16..0x4000,
        tails in 1u8..3,
    ) {
        let model = if gen6 { CardModel::Bx6e } else { CardModel::Bx5e };
        let mut card = Card::new(CardConfig {
            model,
            width: 96,
            height: 16,
            colors: ColorMode::RedGreen,
            address: 3,
            control_header: true,
        });
        let dst = if wildcard { 0xFFFE } else { 3 };
        let generation = if gen6 { Generation::Gen6 } else { Generation::Gen5 };
        let request = if graphic {
            let cmd = if gen6 { f0 } else { f0_gen5 };
            Packet::Graphic(GraphicPacket::request(GraphicHeader::to_card(dst, model.device_type()), true, cmd).with_tails(tails))
        } else {
            let mut h = ControlHeader::to_card(generation, dst, model.device_type());
            h.seq = seq * 2;
            let mut p = ControlPacket::request(h, true, control);
            p.tails = tails;
            Packet::Control(p)
        };
        round_trip(&request)?;
        let mut d = Decoder::new();
        d.feed(&request.to_wire().unwrap());
        let answer = card.handle(Ok(d.decode().unwrap().unwrap()), Timestamp::now());
        let answer = answer.expect("every request asked for an answer");
        prop_assert!(answer.answers(&request), "{:?} does not answer {:?}", answer, request);
        round_trip(&answer)?;
    }
}
