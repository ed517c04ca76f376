//! The text of an API key: `vk_<id>_<secret><checksum>`.
//!
//! - `vk_` marks it as ours for people and secret scanners;
//! - `<id>` (8 characters) names the key row, so lookup needs no secret;
//! - `<secret>` is 32 base62 characters (about 190 random bits), stored only as its SHA-256;
//! - `<checksum>` is 6 base62 characters of the CRC-32 of everything before it, so a
//!   mistyped or truncated key is refused without touching the database (as GitHub's tokens do).

use rand::Rng;
use vizkraft_domain::api::api_keys::API_KEY_PREFIX;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const ID_LEN: usize = 8;
const SECRET_LEN: usize = 32;
const CHECKSUM_LEN: usize = 6;

pub struct NewKey {
    pub id: String,
    pub secret: String,
    /// The whole key, shown to its creator once.
    pub text: String,
}

pub fn generate() -> NewKey {
    let mut rng = rand::rngs::OsRng;
    let mut pick = |n: usize, alphabet: &[u8]| -> String {
        (0..n).map(|_| alphabet[rng.gen_range(0..alphabet.len())] as char).collect()
    };
    let id = pick(ID_LEN, &BASE62[..36]).to_lowercase();
    let secret = pick(SECRET_LEN, BASE62);
    let body = format!("{API_KEY_PREFIX}{id}_{secret}");
    let text = format!("{body}{}", checksum(&body));
    NewKey { id, secret, text }
}

/// The public part that identifies a key in lists and logs.
pub fn display_prefix(id: &str) -> String {
    format!("{API_KEY_PREFIX}{id}")
}

/// Splits a presented key into `(id, secret)` if it is well formed and its checksum holds.
pub fn parse(text: &str) -> Option<(&str, &str)> {
    let rest = text.strip_prefix(API_KEY_PREFIX)?;
    let (id, tail) = rest.split_once('_')?;
    if id.len() != ID_LEN || tail.len() != SECRET_LEN + CHECKSUM_LEN || !tail.is_ascii() {
        return None;
    }
    let (secret, check) = tail.split_at(SECRET_LEN);
    let body = &text[..text.len() - CHECKSUM_LEN];
    (checksum(body) == check).then_some((id, secret))
}

fn checksum(body: &str) -> String {
    let mut n = crc32fast::hash(body.as_bytes()) as u64;
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_parses_back_to_its_parts() {
        let key = generate();
        assert!(key.text.starts_with("vk_"));
        assert_eq!(key.text.len(), 3 + ID_LEN + 1 + SECRET_LEN + CHECKSUM_LEN);
        assert_eq!(parse(&key.text), Some((key.id.as_str(), key.secret.as_str())));
    }

    #[test]
    fn a_mistyped_or_truncated_key_fails_its_checksum() {
        let key = generate().text;
        let mut typo = key.clone().into_bytes();
        typo[15] = if typo[15] == b'a' { b'b' } else { b'a' };
        assert_eq!(parse(&String::from_utf8(typo).unwrap()), None);
        assert_eq!(parse(&key[..key.len() - 1]), None);
        assert_eq!(parse("vk_short"), None);
        assert_eq!(parse("not-a-key"), None);
    }
}
