//! Calendar colours between CalDAV clients (Apple's `calendar-color`, a
//! `#RRGGBB` or `#RRGGBBAA` value) and Graph, which takes only a name from
//! its `calendarColor` list (`hexColor` is read-only): a client's colour
//! becomes the nearest named one, and Graph's `hexColor` is what clients
//! read back.

/// Graph's named calendar colours and the RGB Outlook shows for each.
const PALETTE: [(&str, (u8, u8, u8)); 10] = [
    ("lightBlue", (0xa6, 0xd1, 0xf5)),
    ("lightGreen", (0x87, 0xd2, 0x8e)),
    ("lightOrange", (0xfc, 0xab, 0x73)),
    ("lightGray", (0xc0, 0xc0, 0xc0)),
    ("lightYellow", (0xf5, 0xe9, 0x7b)),
    ("lightTeal", (0x6f, 0xd9, 0xd2)),
    ("lightPink", (0xf1, 0x9d, 0xbb)),
    ("lightBrown", (0xd8, 0xab, 0x82)),
    ("lightRed", (0xf3, 0x8a, 0x8a)),
    ("maxColor", (0xc7, 0xc7, 0xc7)),
];

/// The Graph colour name nearest to a client's `#RRGGBB[AA]`, or `None`
/// for a value that is not one. Nearest by hue (the palette is all light
/// tints, so distance in RGB would pull saturated colours to the wrong
/// tint); greys go to `lightGray`, dark oranges to `lightBrown`.
pub fn graph_color(value: &str) -> Option<&'static str> {
    let hex = value.trim().strip_prefix('#')?;
    if !(hex.len() == 6 || hex.len() == 8) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    let rgb = (byte(0)?, byte(2)?, byte(4)?);
    let (hue, saturation, brightness) = hsv(rgb);
    if saturation < 0.15 {
        return Some("lightGray");
    }
    if (15.0..45.0).contains(&hue) && brightness < 0.75 {
        return Some("lightBrown");
    }
    let apart = |h: f64| {
        let d = (hue - h).abs() % 360.0;
        d.min(360.0 - d)
    };
    PALETTE
        .iter()
        .filter(|(name, _)| !matches!(*name, "maxColor" | "lightGray" | "lightBrown"))
        .map(|(name, rgb)| (*name, apart(hsv(*rgb).0)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(name, _)| name)
}

/// Hue (degrees), saturation and brightness (0 to 1) of an RGB colour.
fn hsv((r, g, b): (u8, u8, u8)) -> (f64, f64, f64) {
    let (r, g, b) = (
        f64::from(r) / 255.0,
        f64::from(g) / 255.0,
        f64::from(b) / 255.0,
    );
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let d = max - min;
    let hue = if d == 0.0 {
        0.0
    } else if max == r {
        60.0 * ((g - b) / d).rem_euclid(6.0)
    } else if max == g {
        60.0 * ((b - r) / d + 2.0)
    } else {
        60.0 * ((r - g) / d + 4.0)
    };
    let saturation = if max == 0.0 { 0.0 } else { d / max };
    (hue, saturation, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_colours_become_the_nearest_graph_name() {
        assert_eq!(graph_color("#a6d1f5"), Some("lightBlue"));
        assert_eq!(graph_color("#FF0000FF"), Some("lightRed"));
        assert_eq!(graph_color("#00ff00"), Some("lightGreen"));
        assert_eq!(graph_color("#ffff00"), Some("lightYellow"));
        assert_eq!(graph_color(" #0000ff "), Some("lightBlue"));
        assert_eq!(graph_color("#808080"), Some("lightGray"));
        assert_eq!(graph_color("#8b4513"), Some("lightBrown"));
        assert_eq!(graph_color("#ff8800"), Some("lightOrange"));
        assert_eq!(graph_color("#ff69b4"), Some("lightPink"));
        assert_eq!(graph_color("#00cccc"), Some("lightTeal"));
        for bad in ["", "red", "#12345", "#1234567", "#gg0000", "a6d1f5", "#ééé"] {
            assert_eq!(graph_color(bad), None, "{bad}");
        }
    }
}
