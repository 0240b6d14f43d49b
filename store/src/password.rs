//! Salted password hashes with PBKDF2-HMAC-SHA256 (RFC 8018), stored as
//! `pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>`. Verification compares in constant time.
//!
//! The iteration count is modest on purpose: Basic authentication verifies the password on every request, so
//! each verification must stay in the low milliseconds. Stored hashes carry their own count, so it can be
//! raised later without invalidating old ones.

use rand::RngCore;
use sha2::Sha256;

const SCHEME: &str = "pbkdf2-sha256";
const ITERATIONS: u32 = 10_000;

fn derive(salt: &[u8], password: &str, iterations: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), salt, iterations, &mut out);
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

/// Hashes a password with a fresh random salt.
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    format!(
        "{SCHEME}${ITERATIONS}${}${}",
        hex(&salt),
        hex(&derive(&salt, password, ITERATIONS))
    )
}

/// True when the password matches the stored hash; false for a malformed stored hash.
pub fn verify_password(password: &str, stored: &str) -> bool {
    let parts: Vec<&str> = stored.split('$').collect();
    let [scheme, iterations, salt, hash] = parts[..] else {
        return false;
    };
    let (Ok(iterations), Some(salt), Some(hash)) =
        (iterations.parse::<u32>(), unhex(salt), unhex(hash))
    else {
        return false;
    };
    if scheme != SCHEME || iterations == 0 || hash.len() != 32 {
        return false;
    }
    let got = derive(&salt, password, iterations);
    got.iter().zip(&hash).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn right_password_verifies_wrong_one_does_not() {
        let stored = hash_password("secret");
        assert!(verify_password("secret", &stored));
        assert!(!verify_password("Secret", &stored));
        assert!(!verify_password("secret", "garbage"));
        assert!(!verify_password("secret", "pbkdf2-sha256$1$zz$é0"));
        assert_ne!(stored, hash_password("secret"), "salts differ");
    }

    #[test]
    fn derivation_matches_the_rfc_7914_pbkdf2_sha256_vector() {
        // RFC 7914 section 11: PBKDF2-HMAC-SHA256, P = "passwd", S = "salt", c = 1, first 32 bytes.
        let expected = "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc";
        assert_eq!(hex(&derive(b"salt", "passwd", 1)), expected);
    }
}
