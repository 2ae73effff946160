//! Crockford base32 for exactly 80 bits (10 bytes <-> 16 symbols).

/// The Crockford base32 alphabet, value order.
pub(crate) const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Number of symbols needed for 80 bits.
pub(crate) const SYMBOLS: usize = 16;

/// Encodes 10 bytes as 16 upper-case symbols, most significant bits first.
pub(crate) fn encode(bytes: &[u8; 10]) -> [u8; SYMBOLS] {
    let value = bytes
        .iter()
        .fold(0u128, |acc, &b| (acc << 8) | u128::from(b));
    let mut out = [0u8; SYMBOLS];
    for (i, slot) in out.iter_mut().enumerate() {
        let shift = 5 * (SYMBOLS - 1 - i);
        let index = ((value >> shift) & 0x1f) as usize;
        *slot = ALPHABET[index];
    }
    out
}

/// Decodes 16 symbol values (each `< 32`, see [`symbol_value`]) into 10 bytes.
pub(crate) fn decode(values: &[u8; SYMBOLS]) -> [u8; 10] {
    let value = values
        .iter()
        .fold(0u128, |acc, &v| (acc << 5) | u128::from(v & 0x1f));
    let mut out = [0u8; 10];
    for (i, slot) in out.iter_mut().enumerate() {
        let shift = 8 * (10 - 1 - i);
        *slot = ((value >> shift) & 0xff) as u8;
    }
    out
}

/// The value of one symbol, case-insensitive, accepting Crockford's aliases
/// (`O` for 0, `I` and `L` for 1). Returns `None` for anything else,
/// including `U`.
pub(crate) fn symbol_value(c: char) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        other => other,
    };
    if !c.is_ascii() {
        return None;
    }
    ALPHABET
        .iter()
        .position(|&a| a == c as u8)
        .and_then(|p| u8::try_from(p).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_str(s: &str) -> [u8; 10] {
        let mut values = [0u8; SYMBOLS];
        for (slot, c) in values.iter_mut().zip(s.chars()) {
            *slot = symbol_value(c).expect("valid symbol");
        }
        decode(&values)
    }

    #[test]
    fn known_vectors() {
        // Hand-computed: the 5-bit groups 0..=15 and 16..=31 in order.
        let low = [0x00, 0x44, 0x32, 0x14, 0xC7, 0x42, 0x54, 0xB6, 0x35, 0xCF];
        let high = [0x84, 0x65, 0x3A, 0x56, 0xD7, 0xC6, 0x75, 0xBE, 0x77, 0xDF];
        assert_eq!(&encode(&low), b"0123456789ABCDEF");
        assert_eq!(&encode(&high), b"GHJKMNPQRSTVWXYZ");
        assert_eq!(&encode(&[0; 10]), b"0000000000000000");
        assert_eq!(&encode(&[0xff; 10]), b"ZZZZZZZZZZZZZZZZ");
        assert_eq!(decode_str("0123456789ABCDEF"), low);
        assert_eq!(decode_str("GHJKMNPQRSTVWXYZ"), high);
    }

    #[test]
    fn round_trips() {
        let mut bytes = [0u8; 10];
        for seed in 0u32..500 {
            for (i, b) in bytes.iter_mut().enumerate() {
                *b = (seed.wrapping_mul(2_654_435_761).rotate_left(i as u32 * 3) >> 7) as u8;
            }
            let encoded = encode(&bytes);
            let text = std::str::from_utf8(&encoded).expect("ascii");
            assert_eq!(decode_str(text), bytes, "seed {seed}");
            assert_eq!(decode_str(&text.to_ascii_lowercase()), bytes);
        }
    }

    #[test]
    fn symbol_values_and_aliases() {
        for (i, &c) in ALPHABET.iter().enumerate() {
            assert_eq!(symbol_value(c as char), Some(i as u8));
            assert_eq!(
                symbol_value((c as char).to_ascii_lowercase()),
                Some(i as u8)
            );
        }
        assert_eq!(symbol_value('O'), Some(0));
        assert_eq!(symbol_value('o'), Some(0));
        assert_eq!(symbol_value('I'), Some(1));
        assert_eq!(symbol_value('l'), Some(1));
        assert_eq!(symbol_value('U'), None);
        assert_eq!(symbol_value('u'), None);
        assert_eq!(symbol_value('-'), None);
        assert_eq!(symbol_value('é'), None);
    }
}
