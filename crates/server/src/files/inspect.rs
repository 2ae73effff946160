//! What a file is: its type sniffed from the content (never from its name),
//! and for the four inline image types its size and a PNG thumbnail.
//!
//! An image is decoded only when its header says it has at most the host's
//! pixel cap, and the decoder runs under memory limits, so a decompression
//! bomb is never expanded: it is kept as a plain file without a thumbnail.

use std::io::{BufReader, Cursor, Read};
use std::path::Path;

use hearth_protocol::files::{INLINE_IMAGE_TYPES, THUMBNAIL_MAX_SIDE};

/// What [`inspect`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Inspected {
    /// The sniffed MIME type (`application/octet-stream` when unknown).
    pub mime: String,
    /// Width and height, for an inline image that was decoded.
    pub image: Option<(u32, u32)>,
    /// Its thumbnail, a PNG.
    pub thumbnail: Option<Vec<u8>>,
}

/// Bytes read to sniff the type.
const SNIFF_BYTES: u64 = 8192;
/// The decoder's memory ceiling, on top of the pixel cap.
const DECODE_MAX_ALLOC: u64 = 512 * 1024 * 1024;

/// Sniffs the file at `path` and makes a thumbnail when it is an inline image
/// of at most `max_pixels` pixels. Blocking.
pub(crate) fn inspect(path: &Path, max_pixels: u64) -> std::io::Result<Inspected> {
    let mut head = Vec::new();
    std::fs::File::open(path)?
        .take(SNIFF_BYTES)
        .read_to_end(&mut head)?;
    let mime = infer::get(&head).map_or("application/octet-stream", |t| t.mime_type());
    let mut found = Inspected {
        mime: mime.to_owned(),
        image: None,
        thumbnail: None,
    };
    if INLINE_IMAGE_TYPES.contains(&mime) {
        match thumbnail(path, max_pixels) {
            Ok(Some((size, png))) => {
                found.image = Some(size);
                found.thumbnail = Some(png);
            }
            Ok(None) => tracing::info!(mime, "image over the pixel cap: kept without a thumbnail"),
            Err(e) => {
                tracing::info!(mime, error = %e, "image not decodable: kept without a thumbnail")
            }
        }
    }
    Ok(found)
}

/// An image's width and height, and its thumbnail as a PNG.
type Thumbnail = ((u32, u32), Vec<u8>);

/// The image's size and a PNG thumbnail, or `None` over the pixel cap.
fn thumbnail(path: &Path, max_pixels: u64) -> image::ImageResult<Option<Thumbnail>> {
    let open = || -> image::ImageResult<image::ImageReader<BufReader<std::fs::File>>> {
        Ok(image::ImageReader::open(path)?.with_guessed_format()?)
    };
    let (width, height) = open()?.into_dimensions()?;
    if u64::from(width) * u64::from(height) > max_pixels || width == 0 || height == 0 {
        return Ok(None);
    }
    let mut reader = open()?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    limits.max_alloc = Some(DECODE_MAX_ALLOC);
    reader.limits(limits);
    let image = reader.decode()?;
    let small = if width > THUMBNAIL_MAX_SIDE || height > THUMBNAIL_MAX_SIDE {
        image.thumbnail(THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE)
    } else {
        image
    };
    let mut png = Vec::new();
    small.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)?;
    Ok(Some(((width, height), png)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let image = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut out = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    fn inspect_bytes(bytes: &[u8], max_pixels: u64) -> Inspected {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("upload");
        std::fs::write(&path, bytes).unwrap();
        inspect(&path, max_pixels).unwrap()
    }

    #[test]
    fn an_image_gets_its_size_and_a_small_png_thumbnail_whatever_its_name() {
        let found = inspect_bytes(&png(1000, 500), 50_000_000);
        assert_eq!(found.mime, "image/png");
        assert_eq!(found.image, Some((1000, 500)));
        let thumb = image::load_from_memory(&found.thumbnail.unwrap()).unwrap();
        assert_eq!(
            (thumb.width(), thumb.height()),
            (THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE / 2)
        );
    }

    #[test]
    fn an_image_over_the_pixel_cap_is_never_decoded() {
        // The header says 1000x500; the cap is lower, so it stays a plain file.
        let found = inspect_bytes(&png(1000, 500), 400_000);
        assert_eq!(
            (found.mime.as_str(), found.image, found.thumbnail),
            ("image/png", None, None)
        );
    }

    #[test]
    fn a_decompression_bomb_header_is_refused_before_decoding() {
        // A PNG header claiming 100000 x 100000 pixels, with no real data.
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let found = inspect_bytes(&bomb, 50_000_000);
        assert_eq!((found.image, found.thumbnail), (None, None));
    }

    #[test]
    fn svg_and_text_are_download_only_and_broken_images_have_no_thumbnail() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
        let found = inspect_bytes(svg, 50_000_000);
        assert_ne!(found.mime, "image/png");
        assert_eq!(found.thumbnail, None);
        assert_eq!(
            inspect_bytes(b"just text", 1).mime,
            "application/octet-stream"
        );
        let mut broken = png(64, 64);
        broken.truncate(60);
        let found = inspect_bytes(&broken, 50_000_000);
        assert_eq!((found.mime.as_str(), found.thumbnail), ("image/png", None));
    }
}
