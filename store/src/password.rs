//! Salted password hashes: `sha256$<iterations>$<salt hex>$<hash hex>`, the hash being SHA-256 iterated over
//! salt and password. Verification compares in constant time.

use rand::RngCore;
use sha2::{Digest, Sha256};

const ITERATIONS: u32 = 20_000;

fn derive(salt: &[u8], password: &str, iterations: u32) -> [u8; 32] {
    let mut h: [u8; 32] = Sha256::new()
        .chain_update(salt)
        .chain_update(password.as_bytes())
        .finalize()
        .into();
    for _ in 1..iterations {
        h = Sha256::new()
            .chain_update(h)
            .chain_update(salt)
            .finalize()
            .into();
    }
    h
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
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
        "sha256${ITERATIONS}${}${}",
        hex(&salt),
        hex(&derive(&salt, password, ITERATIONS))
    )
}

/// True when the password matches the stored hash.
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
    if scheme != "sha256" || iterations == 0 || hash.len() != 32 {
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
        assert_ne!(stored, hash_password("secret"), "salts differ");
    }
}
