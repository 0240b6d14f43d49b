//! The images of a processing request (`/6/detector`, `/6/sdk`, handlers): the bytes of one raw image, one base64 image
//! (`image/x-jpeg-base64` …), a `multipart/form-data` form with one image per part, or a JSON body
//! `{"images": [{"image": "<base64>", "filename": "…"}]}`. Only the transport is unpacked here; the bytes go to
//! the engine as they are, and a part that is not an image fails when the engine decodes it.

use crate::error::{ApiError, ApiResult};
use crate::request::Request;
use base64::Engine as _;
use serde::Deserialize;

/// The most images one request may carry.
pub const MAX_IMAGES: usize = 32;

/// One image of a request.
pub struct InputImage {
    /// The name the client gave it (`X-Luna-Filename`, the part's filename, or the JSON `filename`), else "".
    pub filename: String,
    /// The encoded image.
    pub bytes: Vec<u8>,
}

/// The raw image Content-Types (also accepted as the Content-Type of a multipart part).
const RAW_TYPES: [&str; 7] = [
    "image/jpeg",
    "image/png",
    "image/bmp",
    "image/tiff",
    "image/webp",
    "image/x-portable-pixmap",
    "application/octet-stream",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonImages {
    images: Vec<JsonImage>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonImage {
    image: String,
    #[serde(default)]
    filename: String,
}

/// The images of `req`, in the order they were sent: 1..=`MAX_IMAGES` of them.
pub fn images(req: &Request) -> ApiResult<Vec<InputImage>> {
    let content_type = req.header("content-type").unwrap_or("").trim();
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let images = if mime == "multipart/form-data" {
        form_parts(req)?
            .into_iter()
            .map(FormPart::into_image)
            .collect::<ApiResult<Vec<_>>>()?
    } else if mime == "application/json" || mime == "application/msgpack" {
        let body: JsonImages = req.json()?;
        body.images
            .into_iter()
            .enumerate()
            .map(|(i, image)| {
                Ok(InputImage {
                    filename: image.filename,
                    bytes: decode_base64(image.image.as_bytes(), &format!("images[{i}].image"))?,
                })
            })
            .collect::<ApiResult<Vec<_>>>()?
    } else {
        let filename = req.header("x-luna-filename").unwrap_or("").to_string();
        vec![InputImage {
            filename,
            bytes: single(&mime, &req.body)?,
        }]
    };
    checked_count(images)
}

/// Fails unless there are 1..=`MAX_IMAGES` images.
pub fn checked_count(images: Vec<InputImage>) -> ApiResult<Vec<InputImage>> {
    if images.is_empty() || images.len() > MAX_IMAGES {
        return Err(ApiError::bad_input(format!(
            "a request carries 1..{MAX_IMAGES} images, this one has {}",
            images.len()
        )));
    }
    Ok(images)
}

/// One part of a `multipart/form-data` body.
pub struct FormPart {
    /// The form field name.
    pub name: String,
    /// The part's filename, or "".
    pub filename: String,
    /// The part's Content-Type, lowercased (`application/octet-stream` when it gives none).
    pub mime: String,
    /// The content.
    pub bytes: Vec<u8>,
}

impl FormPart {
    /// The part as an image: raw, or base64 for the `image/x-…-base64` types.
    pub fn into_image(self) -> ApiResult<InputImage> {
        Ok(InputImage {
            bytes: single(&self.mime, &self.bytes)?,
            filename: self.filename,
        })
    }
}

/// The parts of a `multipart/form-data` request, in order.
pub fn form_parts(req: &Request) -> ApiResult<Vec<FormPart>> {
    let content_type = req.header("content-type").unwrap_or("");
    let (mime, params) = content_type.split_once(';').unwrap_or((content_type, ""));
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return Err(ApiError::bad_input(format!(
            "Content-Type {content_type:?}: multipart/form-data is expected"
        )));
    }
    multipart(&req.body, &boundary(params)?)
}

/// The bytes of a body (or part) sent with `mime`: raw, or base64 for the `image/x-…-base64` types.
fn single(mime: &str, body: &[u8]) -> ApiResult<Vec<u8>> {
    if body.is_empty() {
        return Err(ApiError::bad_input("Request does not contain data"));
    }
    if mime.starts_with("image/") && mime.ends_with("-base64") {
        return decode_base64(body, "body");
    }
    if RAW_TYPES.contains(&mime) {
        return Ok(body.to_vec());
    }
    Err(ApiError::bad_input(format!(
        "Content-Type {mime:?} is not an image type: send one of {RAW_TYPES:?}, an image/x-…-base64 type, \
         multipart/form-data or application/json"
    )))
}

fn decode_base64(text: &[u8], what: &str) -> ApiResult<Vec<u8>> {
    let trimmed: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(trimmed)
        .map_err(|e| ApiError::bad_input(format!("{what} is not valid base64: {e}")))
}

/// The `boundary` parameter of a multipart Content-Type.
fn boundary(params: &str) -> ApiResult<String> {
    params
        .split(';')
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
        .filter(|b| !b.is_empty())
        .ok_or_else(|| ApiError::bad_input("multipart/form-data without a boundary parameter"))
}

/// The parts of a multipart body (RFC 7578).
fn multipart(body: &[u8], boundary: &str) -> ApiResult<Vec<FormPart>> {
    let delimiter = format!("--{boundary}").into_bytes();
    let mut rest = match find(body, &delimiter) {
        Some(at) => &body[at + delimiter.len()..],
        None => return Err(malformed("no boundary line")),
    };
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        let part_start = rest
            .strip_prefix(b"\r\n")
            .ok_or_else(|| malformed("boundary not followed by a line break"))?;
        let end = find(part_start, &[b"\r\n".as_slice(), &delimiter].concat())
            .ok_or_else(|| malformed("a part is not closed by the boundary"))?;
        parts.push(part(&part_start[..end])?);
        rest = &part_start[end + 2 + delimiter.len()..];
    }
}

fn malformed(why: &str) -> ApiError {
    ApiError::bad_input(format!("malformed multipart body: {why}"))
}

/// One part: headers, a blank line, the content.
fn part(bytes: &[u8]) -> ApiResult<FormPart> {
    let split = find(bytes, b"\r\n\r\n")
        .ok_or_else(|| malformed("a part has no blank line after its headers"))?;
    let headers =
        std::str::from_utf8(&bytes[..split]).map_err(|_| malformed("part headers are not text"))?;
    let content = &bytes[split + 4..];
    let mut filename = String::new();
    let mut name = String::new();
    let mut mime = "application/octet-stream".to_string();
    for line in headers.lines() {
        let Some((header, value)) = line.split_once(':') else {
            continue;
        };
        if header.trim().eq_ignore_ascii_case("content-type") {
            mime = value.trim().to_ascii_lowercase();
        } else if header.trim().eq_ignore_ascii_case("content-disposition") {
            filename = disposition_param(value, "filename").unwrap_or_default();
            name = disposition_param(value, "name").unwrap_or_default();
        }
    }
    Ok(FormPart {
        name,
        filename,
        mime,
        bytes: content.to_vec(),
    })
}

fn disposition_param(value: &str, key: &str) -> Option<String> {
    value
        .split(';')
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(parts: &[(&str, &str, &[u8])]) -> Vec<u8> {
        let mut body = Vec::new();
        for (name, mime, bytes) in parts {
            body.extend_from_slice(b"--XyZ\r\n");
            let head = format!(
                "Content-Disposition: form-data; name=\"img\"; filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n"
            );
            body.extend_from_slice(head.as_bytes());
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"--XyZ--\r\n");
        body
    }

    #[test]
    fn multipart_parts_come_back_in_order_with_their_names_and_bytes() {
        let body = form(&[
            ("a.jpg", "image/jpeg", b"\xff\xd8jpeg\r\n--Xy bytes"),
            ("b.png", "image/x-png-base64", b"aGVsbG8="),
        ]);
        let parts = multipart(&body, "XyZ").unwrap();
        assert_eq!(parts[0].name, "img");
        let images: Vec<InputImage> = parts.into_iter().map(|p| p.into_image().unwrap()).collect();
        assert_eq!(images.len(), 2);
        assert_eq!(images[0].filename, "a.jpg");
        assert_eq!(images[0].bytes, b"\xff\xd8jpeg\r\n--Xy bytes");
        assert_eq!(images[1].filename, "b.png");
        assert_eq!(images[1].bytes, b"hello");
    }

    #[test]
    fn broken_multipart_bodies_are_refused() {
        assert!(multipart(b"no boundary here", "XyZ").is_err());
        assert!(
            multipart(
                b"--XyZ\r\nContent-Type: image/jpeg\r\n\r\nunterminated",
                "XyZ"
            )
            .is_err()
        );
        let text = form(&[("t.txt", "text/plain", b"hello")]);
        let part = multipart(&text, "XyZ").unwrap().remove(0);
        assert!(part.into_image().is_err());
        assert!(boundary(" charset=utf-8").is_err());
        assert_eq!(boundary(" boundary=\"q\"").unwrap(), "q");
    }
}
