//! Fewer points for charts with more than a screen can show. Lines keep their shape with
//! Largest-Triangle-Three-Buckets (Steinarsson, "Downsampling Time Series for Visual
//! Representation", 2013); scatter plots keep one point per occupied pixel. Both return the
//! indices of the rows to draw, in row order, so every chart value is a real row.

/// Indices of at most `threshold` points of the line `y` (x is the row index) that keep its
/// peaks and troughs. Points without a value (`NaN`) are never picked, so gaps close up.
pub fn lttb(y: &[f64], threshold: usize) -> Vec<usize> {
    let present: Vec<usize> = (0..y.len()).filter(|&i| y[i].is_finite()).collect();
    if threshold < 3 || present.len() <= threshold {
        return present;
    }
    let mut picked = Vec::with_capacity(threshold);
    let first = present[0];
    picked.push(first);
    let bucket_size = (present.len() - 2) as f64 / (threshold - 2) as f64;
    let mut previous = first;
    for bucket in 0..threshold - 2 {
        let start = (bucket as f64 * bucket_size) as usize + 1;
        let end = (((bucket + 1) as f64 * bucket_size) as usize + 1).min(present.len() - 1);
        // The next bucket's average is the third corner of each candidate's triangle.
        let next_start = end;
        let next_end = ((((bucket + 2) as f64) * bucket_size) as usize + 1).min(present.len());
        let next = &present[next_start..next_end.max(next_start + 1).min(present.len())];
        let (avg_x, avg_y) = average(next, y);
        let (px, py) = (previous as f64, y[previous]);
        let mut best = present[start.min(end.saturating_sub(1))];
        let mut best_area = -1.0;
        for &i in &present[start..end.max(start)] {
            let area = ((px - avg_x) * (y[i] - py) - (px - i as f64) * (avg_y - py)).abs();
            if area > best_area {
                best_area = area;
                best = i;
            }
        }
        picked.push(best);
        previous = best;
    }
    picked.push(present[present.len() - 1]);
    picked
}

fn average(indices: &[usize], y: &[f64]) -> (f64, f64) {
    let n = indices.len().max(1) as f64;
    let (sx, sy) = indices.iter().fold((0.0, 0.0), |(sx, sy), &i| (sx + i as f64, sy + y[i]));
    (sx / n, sy / n)
}

/// Indices of the points of a scatter plot that land on distinct cells of a `width` × `height`
/// grid spanning the data: the first point of each cell is kept, as the others would be drawn
/// on the same pixel. Points without both values are left out.
pub fn one_per_pixel(x: &[f64], y: &[f64], width: usize, height: usize) -> Vec<usize> {
    let n = x.len().min(y.len());
    let present = || (0..n).filter(|&i| x[i].is_finite() && y[i].is_finite());
    let (mut min_x, mut max_x, mut min_y, mut max_y) =
        (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for i in present() {
        min_x = min_x.min(x[i]);
        max_x = max_x.max(x[i]);
        min_y = min_y.min(y[i]);
        max_y = max_y.max(y[i]);
    }
    let (width, height) = (width.max(1), height.max(1));
    let cell = |value: f64, min: f64, max: f64, cells: usize| -> usize {
        if max > min {
            (((value - min) / (max - min)) * (cells - 1) as f64).round() as usize
        } else {
            0
        }
    };
    let mut taken = vec![false; width * height];
    present()
        .filter(|&i| {
            let slot = cell(y[i], min_y, max_y, height) * width + cell(x[i], min_x, max_x, width);
            !std::mem::replace(&mut taken[slot], true)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lttb_keeps_ends_and_extremes_within_the_budget() {
        let y: Vec<f64> = (0..10_000).map(|i| (i as f64 / 100.0).sin() + if i == 5_000 { 50.0 } else { 0.0 }).collect();
        let picked = lttb(&y, 500);
        assert_eq!(picked.len(), 500);
        assert_eq!(picked[0], 0);
        assert_eq!(picked[499], 9_999);
        assert!(picked.contains(&5_000), "the spike survives");
        assert!(picked.windows(2).all(|w| w[0] < w[1]), "in row order");
    }

    #[test]
    fn lttb_leaves_short_lines_alone_and_skips_gaps() {
        assert_eq!(lttb(&[1.0, 2.0, 3.0], 10), vec![0, 1, 2]);
        assert_eq!(lttb(&[1.0, f64::NAN, 3.0], 10), vec![0, 2]);
        let y: Vec<f64> = (0..1000).map(|i| if i % 2 == 0 { f64::NAN } else { i as f64 }).collect();
        let picked = lttb(&y, 100);
        assert_eq!(picked.len(), 100);
        assert!(picked.iter().all(|&i| i % 2 == 1));
    }

    #[test]
    fn scatter_points_on_one_pixel_are_drawn_once() {
        let x = [0.0, 0.0001, 10.0, 10.0, f64::NAN, 5.0];
        let y = [0.0, 0.0001, 10.0, 10.0, 1.0, f64::INFINITY];
        assert_eq!(one_per_pixel(&x, &y, 100, 100), vec![0, 2]);
        let constant = [1.0; 4];
        assert_eq!(one_per_pixel(&constant, &constant, 10, 10), vec![0]);
    }
}
