//! A photo's dominant colours, for browsing looks by colour: a few `#rrggbb`
//! strings, most prominent first. The pixels of a thumbnail are counted into
//! a coarse colour histogram, the busiest cells seed a handful of clusters,
//! and a few rounds of k-means over the cells settle them. Nothing is
//! random, so the same photo always gives the same palette.

use image::RgbImage;

/// At most this many colours.
const MAX_COLORS: usize = 5;

/// Rounds of k-means; a thumbnail's clusters settle well before this.
const ROUNDS: usize = 10;

/// Seeds at least this far apart (RGB distance), so that one colour's
/// shades do not take several places.
const SEED_DISTANCE: f32 = 48.0;

/// Clusters that end up closer than this are one colour.
const MERGE_DISTANCE: f32 = 32.0;

/// A colour covering less than this share of the photo is not dominant.
const MIN_SHARE: f32 = 0.03;

/// A histogram cell: the mean colour of the pixels in it, and how many.
#[derive(Debug, Clone, Copy)]
struct Cell {
    color: [f32; 3],
    weight: f32,
}

/// The dominant colours of `image` (best a thumbnail: the cost grows with its
/// pixels), most prominent first, as `#rrggbb`.
pub fn dominant(image: &RgbImage) -> Vec<String> {
    let cells = histogram(image);
    let total: f32 = cells.iter().map(|c| c.weight).sum();
    if total == 0.0 {
        return Vec::new();
    }
    let mut clusters = k_means(&cells, seeds(&cells));
    clusters.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    let mut kept: Vec<Cell> = Vec::new();
    for cluster in clusters {
        match kept
            .iter_mut()
            .find(|k| distance(k.color, cluster.color) < MERGE_DISTANCE)
        {
            Some(near) => near.weight += cluster.weight,
            None => kept.push(cluster),
        }
    }
    kept.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    kept.iter()
        .enumerate()
        .filter(|(i, c)| *i == 0 || c.weight / total >= MIN_SHARE)
        .map(|(_, c)| hex(c.color))
        .collect()
}

/// Counts the pixels into cells of 16 levels per channel; only the cells
/// that hold any, in cell order.
fn histogram(image: &RgbImage) -> Vec<Cell> {
    let mut counts = vec![(0u32, [0u64; 3]); 16 * 16 * 16];
    for pixel in image.pixels() {
        let [r, g, b] = pixel.0;
        let cell =
            &mut counts[usize::from(r >> 4) << 8 | usize::from(g >> 4) << 4 | usize::from(b >> 4)];
        cell.0 += 1;
        for (sum, value) in cell.1.iter_mut().zip([r, g, b]) {
            *sum += u64::from(value);
        }
    }
    counts
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, sum)| Cell {
            color: sum.map(|s| s as f32 / n as f32),
            weight: n as f32,
        })
        .collect()
}

/// The busiest cells that are not close to a busier one, up to [`MAX_COLORS`].
fn seeds(cells: &[Cell]) -> Vec<[f32; 3]> {
    let mut by_weight: Vec<&Cell> = cells.iter().collect();
    // Stable: equal weights keep cell order.
    by_weight.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    let mut seeds: Vec<[f32; 3]> = Vec::new();
    for cell in by_weight {
        if seeds.len() == MAX_COLORS {
            break;
        }
        if seeds
            .iter()
            .all(|s| distance(*s, cell.color) >= SEED_DISTANCE)
        {
            seeds.push(cell.color);
        }
    }
    seeds
}

/// Lloyd's k-means over the cells, weighted by their pixel counts.
fn k_means(cells: &[Cell], mut centres: Vec<[f32; 3]>) -> Vec<Cell> {
    let mut weights = vec![0.0; centres.len()];
    for _ in 0..ROUNDS {
        let mut sums = vec![[0.0f32; 3]; centres.len()];
        weights.fill(0.0);
        for cell in cells {
            let nearest = nearest(&centres, cell.color);
            weights[nearest] += cell.weight;
            for (sum, value) in sums[nearest].iter_mut().zip(cell.color) {
                *sum += value * cell.weight;
            }
        }
        let moved: Vec<[f32; 3]> = centres
            .iter()
            .zip(&sums)
            .zip(&weights)
            .map(|((centre, sum), w)| {
                if *w > 0.0 {
                    sum.map(|s| s / w)
                } else {
                    *centre
                }
            })
            .collect();
        let settled = moved
            .iter()
            .zip(&centres)
            .all(|(a, b)| distance(*a, *b) < 0.5);
        centres = moved;
        if settled {
            break;
        }
    }
    centres
        .into_iter()
        .zip(weights)
        .filter(|(_, w)| *w > 0.0)
        .map(|(color, weight)| Cell { color, weight })
        .collect()
}

/// The index of the centre closest to `color`; the first on a tie.
fn nearest(centres: &[[f32; 3]], color: [f32; 3]) -> usize {
    let mut best = (0, f32::INFINITY);
    for (i, centre) in centres.iter().enumerate() {
        let d = distance(*centre, color);
        if d < best.1 {
            best = (i, d);
        }
    }
    best.0
}

fn distance(a: [f32; 3], b: [f32; 3]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f32>()
        .sqrt()
}

fn hex(color: [f32; 3]) -> String {
    let [r, g, b] = color.map(|c| c.round().clamp(0.0, 255.0) as u8);
    format!("#{r:02x}{g:02x}{b:02x}")
}

#[cfg(test)]
mod tests {
    use image::{Rgb, RgbImage};

    use super::dominant;

    /// Three quarters red and a quarter navy: red first, then navy, nothing else.
    #[test]
    fn the_main_colour_comes_first() {
        let image = RgbImage::from_fn(64, 48, |x, _| {
            if x < 48 {
                Rgb([200, 30, 40])
            } else {
                Rgb([20, 30, 110])
            }
        });
        assert_eq!(dominant(&image), ["#c81e28", "#141e6e"]);
    }

    /// Noise around two colours still gives those two, the same every time.
    #[test]
    fn noisy_photos_give_a_stable_palette() {
        let image = RgbImage::from_fn(64, 48, |x, y| {
            let jitter = ((x * 7 + y * 13) % 21) as u8;
            if y < 30 {
                Rgb([230 - jitter, 200 - jitter, 150 + jitter])
            } else {
                Rgb([40 + jitter, 90 + jitter, 40])
            }
        });
        let palette = dominant(&image);
        assert_eq!(palette, dominant(&image));
        assert_eq!(palette.len(), 2, "{palette:?}");
        let first = u32::from_str_radix(&palette[0][1..], 16).unwrap();
        let (r, g, b) = (first >> 16, first >> 8 & 0xff, first & 0xff);
        assert!(
            r.abs_diff(220) < 12 && g.abs_diff(190) < 12 && b.abs_diff(160) < 12,
            "{palette:?}"
        );
    }

    /// A flat image has one colour, and a tiny speck of another is no
    /// dominant colour.
    #[test]
    fn specks_are_not_dominant() {
        let mut image = RgbImage::from_pixel(64, 48, Rgb([250, 250, 250]));
        image.put_pixel(3, 3, Rgb([0, 0, 0]));
        assert_eq!(dominant(&image), ["#fafafa"]);
    }
}
