//! Bearer tokens: compact JWTs signed with HMAC-SHA256 under a per-installation secret kept in the data directory
//! (`jwt.secret`, created on first start). The payload is `{"tokenId", "expirationTime", "accountId"}`; the token
//! record in the store is the authority (deleting it revokes the token).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde_json::{Value, json};
use sha2::Sha256;
use std::io::Write;
use std::path::Path;

const HEADER: &str = r#"{"typ":"JWT","alg":"HS256"}"#;

/// Reads the signing secret, creating it (32 random bytes, mode 0600) when absent.
pub fn load_secret(data_dir: &Path) -> anyhow::Result<Vec<u8>> {
    let path = data_dir.join("jwt.secret");
    if let Ok(secret) = std::fs::read(&path)
        && secret.len() >= 32
    {
        return Ok(secret);
    }
    let mut secret = vec![0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&path)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    file.write_all(&secret)?;
    file.sync_all()?;
    Ok(secret)
}

fn mac(secret: &[u8], message: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length.
    let mut m =
        <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    m.update(message);
    m.finalize().into_bytes().to_vec()
}

/// Signs a payload.
pub fn sign(secret: &[u8], payload: &Value) -> String {
    let head = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(HEADER),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let signature = URL_SAFE_NO_PAD.encode(mac(secret, head.as_bytes()));
    format!("{head}.{signature}")
}

/// The payload of a token whose signature is right; None otherwise.
pub fn verify(secret: &[u8], token: &str) -> Option<Value> {
    let (head, signature) = token.rsplit_once('.')?;
    let (header, payload) = head.split_once('.')?;
    let given = URL_SAFE_NO_PAD.decode(signature).ok()?;
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret).ok()?;
    m.update(head.as_bytes());
    m.verify_slice(&given).ok()?;
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
    if header["alg"] != "HS256" {
        return None;
    }
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
}

/// The payload the API documents for a token.
pub fn payload(token_id: uuid::Uuid, account_id: uuid::Uuid, expiration: Option<String>) -> Value {
    json!({"tokenId": token_id, "expirationTime": expiration, "accountId": account_id})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_tokens_verify_and_tampered_ones_do_not() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let token = sign(secret, &json!({"tokenId": "t", "accountId": "a"}));
        assert_eq!(verify(secret, &token).unwrap()["tokenId"], "t");
        assert!(verify(b"another secret of thirty-two b!!", &token).is_none());
        let (head, _) = token.rsplit_once('.').unwrap();
        let forged = format!(
            "{}.{}",
            head.replace('e', "f"),
            token.rsplit_once('.').unwrap().1
        );
        assert!(verify(secret, &forged).is_none());
        assert!(verify(secret, "garbage").is_none());
    }
}
