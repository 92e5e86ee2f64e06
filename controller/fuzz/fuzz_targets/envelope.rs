//! The portal's envelope, fuzzed two ways, chosen by the first byte: the bytes as an envelope off
//! the wire (shape, key, base64, signature), and the bytes as a payload correctly signed with the
//! fuzz key (every payload rule behind the signature). Nothing may panic; an accepted message is
//! then applied to a store state, twice (the second time is a redelivery and changes nothing).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pinghu::daemon::envelope::{Keyring, sign, verify};

/// A key pair made for fuzzing only (it signs nothing real).
const SECRET: &str = "cluT4hWBjIh0AOwbcxmzgJ7IUNHYIbq70YuW4+CJgDs=";
const PUBLIC: &str = "TvkgPz+cC56CfImq7DBrIRB0YxU09P7hbVBm1ndIQTY=";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let mut keys = Keyring::default();
    keys.add("portal-2026", PUBLIC).expect("the fuzz key");
    let envelope = if mode % 2 == 0 {
        rest.to_vec()
    } else {
        let env = sign(rest, "portal-2026", SECRET).expect("signing");
        serde_json::to_vec(&env).expect("an envelope serialises")
    };
    let now: jiff::Timestamp = "2026-12-01T02:00:00Z".parse().expect("a time");
    match verify(&envelope, &keys) {
        Ok((msg, payload)) => {
            let mut state = pinghu::daemon::store::State::default();
            let sha = pinghu::daemon::ingest::sha256_hex(&payload);
            let first = pinghu::daemon::ingest::apply(&mut state, msg.clone(), &sha, "e", now);
            let again = pinghu::daemon::ingest::apply(&mut state, msg, &sha, "e", now);
            assert!(!first.changed || !again.changed, "a redelivery changed the state");
        }
        Err(r) => {
            let o = pinghu::daemon::ingest::refused(&r, &envelope, now);
            assert!(o.receipts[0].envelope_sha256.is_some());
            assert!(r.signed || o.receipts[0].id.is_none(), "an unverified id was reported as the id");
        }
    }
});
