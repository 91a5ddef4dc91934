//! Generated identifiers: API Gateway's random ids and request ids.

/// A random id of `len` lowercase letters and digits, like API Gateway's.
pub fn random_id(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    // One generator for the whole id: every draw from the thread's own is a thread-local
    // access, and these ids are made several times per stage request.
    let mut rng = fastrand::Rng::with_seed(fastrand::u64(..));
    (0..len)
        .map(|_| ALPHABET[rng.usize(..ALPHABET.len())] as char)
        .collect()
}

/// `len` random lowercase hex digits.
pub fn random_hex(len: usize) -> String {
    let mut rng = fastrand::Rng::with_seed(fastrand::u64(..));
    (0..len).map(|_| char::from(HEX[rng.usize(..16)])).collect()
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A new X-Ray trace id's root, `Root=1-{epoch seconds, 8 hex digits}-{24 hex digits}`, as
/// AWS's front ends make one.
pub fn trace_root() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("Root=1-{secs:08x}-{}", random_hex(24))
}

/// A UUID-shaped request id: 32 random hex digits in groups of 8-4-4-4-12.
pub fn new_request_id() -> String {
    // 128 random bits, one digit per nibble, written in place (five strings and a format!
    // per id before; two ids per stage request).
    let mut bits = fastrand::u128(..);
    let mut id = [b'-'; 36];
    for (i, byte) in id.iter_mut().enumerate() {
        if !matches!(i, 8 | 13 | 18 | 23) {
            *byte = HEX[(bits & 0xf) as usize];
            bits >>= 4;
        }
    }
    id.iter().map(|b| char::from(*b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_aws_shapes() {
        let id = new_request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id.matches('-').count(), 4);
        assert!(id.split('-').map(str::len).eq([8, 4, 4, 4, 12]));
        assert!(id
            .chars()
            .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_eq!(random_id(10).len(), 10);
        let hex = random_hex(24);
        assert_eq!(hex.len(), 24);
        assert!(hex
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
}
