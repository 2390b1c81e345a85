//! Where the labels of vertical lines go, so that none hides another or is crossed by a line.
//!
//! Labels sit in lanes stacked above the plot (never over the data). Each label is a flag: its
//! line rises from the plot to the label's lane, and the text starts just right of the line (or
//! ends just left of it, when it would run past the right edge). A line passes through every
//! lane below its own, so a label must not lie across a line that rises higher, and two labels
//! of one lane must not meet.

/// One label to place: its line's x and its text's width, in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Flag {
    pub x: f64,
    pub width: f64,
}

/// Where a label went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    /// 0 is the lane nearest the plot.
    pub lane: usize,
    /// The text is left of its line (it would have run past the right edge).
    pub leftward: bool,
}

/// Room between a line and its text, and between two labels.
pub const GAP: f64 = 4.0;

/// Lanes a chart grows to at most; past that labels may meet (the table lists them all).
pub const MAX_LANES: usize = 8;

/// An estimate of a label's width: plotters has no font metrics without a font backend, and
/// the browser picks the font. Chromium's sans-serif on Debian measured 0.40–0.55 em a
/// character on our labels (0.89 for capitals only); 0.58 errs wide, as it must.
pub fn text_width(text: &str, font_px: f64) -> f64 {
    text.chars().count() as f64 * font_px * 0.58
}

/// The horizontal extent of a label, gaps included.
fn span(f: Flag, leftward: bool) -> (f64, f64) {
    if leftward {
        (f.x - GAP - f.width - GAP, f.x)
    } else {
        (f.x, f.x + GAP + f.width + GAP)
    }
}

/// Places `flags` (any order) between `left` and `right`, the usable x range.
///
/// Right-pointing flags are placed right to left, so that a cluster climbs as a staircase: each
/// label above the lines of its right neighbours, whose labels start after its own line.
/// Left-pointing ones (few: at the right edge) follow, mirrored. A label that fits nowhere
/// without a line through it tries pointing the other way; if it still does not fit, the
/// placement starts again with it first (a label placed early takes the low lanes the others
/// then climb over), and the attempt with the fewest crossings wins.
pub fn place(flags: &[Flag], left: f64, right: f64) -> Vec<Placed> {
    let leftward: Vec<bool> = flags.iter().map(|f| span(*f, false).1 > right).collect();
    let mut order: Vec<usize> = (0..flags.len()).collect();
    order.sort_by(|&a, &b| {
        leftward[a].cmp(&leftward[b]).then(if leftward[a] {
            flags[a].x.total_cmp(&flags[b].x)
        } else {
            flags[b].x.total_cmp(&flags[a].x)
        })
    });
    let mut best: Option<(usize, Vec<Placed>)> = None;
    for _ in 0..=flags.len().min(MAX_LANES) {
        let (placed, crossed) = attempt(flags, &order, &leftward, left, right);
        let done = crossed.is_empty();
        if best.as_ref().is_none_or(|(n, _)| crossed.len() < *n) {
            best = Some((crossed.len(), placed));
        }
        if done {
            break;
        }
        order.retain(|i| !crossed.contains(i));
        order.splice(0..0, crossed);
    }
    best.map(|(_, placed)| placed).unwrap_or_default()
}

/// One placement in `order`; also the labels that could not avoid a crossing.
fn attempt(
    flags: &[Flag],
    order: &[usize],
    leftward: &[bool],
    left: f64,
    right: f64,
) -> (Vec<Placed>, Vec<usize>) {
    let mut placed: Vec<Option<Placed>> = vec![None; flags.len()];
    let mut crossed = Vec::new();
    for &i in order {
        let others: Vec<(usize, (f64, f64), f64)> = placed
            .iter()
            .enumerate()
            .filter_map(|(j, p)| p.map(|p| (p.lane, span(flags[j], p.leftward), flags[j].x)))
            .collect();
        let fits = |lane: usize, way: bool, strict: bool| {
            let mine = span(flags[i], way);
            others.iter().all(|&(their_lane, theirs, their_x)| {
                let meet = mine.0 < theirs.1 && theirs.0 < mine.1;
                // Their line, through my label: it must stop below my lane.
                let through_mine = their_x > mine.0 && their_x < mine.1 && their_lane >= lane;
                // My line, through their label: mine must stop below theirs.
                let through_theirs =
                    flags[i].x > theirs.0 && flags[i].x < theirs.1 && lane >= their_lane;
                let same_lane = meet && lane == their_lane;
                !(same_lane || through_mine || strict && through_theirs)
            })
        };
        let other_way = !leftward[i];
        let (a, b) = span(flags[i], other_way);
        let ways: &[bool] = if a >= left && b <= right {
            &[leftward[i], other_way]
        } else {
            &[leftward[i]]
        };
        let clean = ways.iter().find_map(|&way| {
            (0..MAX_LANES)
                .find(|&l| fits(l, way, true))
                .map(|lane| Placed {
                    lane,
                    leftward: way,
                })
        });
        placed[i] = Some(clean.unwrap_or_else(|| {
            crossed.push(i);
            Placed {
                lane: (0..MAX_LANES)
                    .find(|&l| fits(l, leftward[i], false))
                    .unwrap_or(MAX_LANES - 1),
                leftward: leftward[i],
            }
        }));
    }
    let placed = placed
        .into_iter()
        .map(|p| {
            p.unwrap_or(Placed {
                lane: 0,
                leftward: false,
            })
        })
        .collect();
    (placed, crossed)
}

/// Lanes used by `placed`.
pub fn count(placed: &[Placed]) -> usize {
    placed.iter().map(|p| p.lane + 1).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No two labels of a lane meet, and no line crosses a label of a lower lane than its own.
    fn assert_legible(flags: &[Flag], placed: &[Placed]) {
        for (i, (f, p)) in flags.iter().zip(placed).enumerate() {
            let mine = span(*f, p.leftward);
            for (j, (g, q)) in flags.iter().zip(placed).enumerate() {
                if i == j {
                    continue;
                }
                let theirs = span(*g, q.leftward);
                if p.lane == q.lane {
                    assert!(
                        mine.1 <= theirs.0 || theirs.1 <= mine.0,
                        "labels {i} and {j} meet in lane {}: {flags:?} {placed:?}",
                        p.lane
                    );
                }
                if g.x > mine.0 && g.x < mine.1 {
                    assert!(
                        q.lane < p.lane,
                        "line {j} crosses label {i}: {flags:?} {placed:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_cluster_climbs_and_stays_legible() {
        // A kill, the proxy's DOWN 0.7 s later and a watchdog note: 10 px apart on a 60 s axis.
        let flags = [
            Flag {
                x: 300.0,
                width: 110.0,
            },
            Flag {
                x: 311.0,
                width: 120.0,
            },
            Flag {
                x: 318.0,
                width: 300.0,
            },
            Flag {
                x: 600.0,
                width: 90.0,
            },
        ];
        let placed = place(&flags, 70.0, 780.0);
        assert_legible(&flags, &placed);
        // Right to left: 600 at the bottom, then each one of the cluster a lane higher (the
        // long label at 318 reaches over 600's line).
        let lanes: Vec<usize> = placed.iter().map(|p| p.lane).collect();
        assert_eq!(lanes, [3, 2, 1, 0], "{placed:?}");
        assert_eq!(count(&placed), 4, "{placed:?}");
    }

    #[test]
    fn labels_at_the_right_edge_point_left_and_stay_legible() {
        let flags = [
            Flag {
                x: 700.0,
                width: 80.0,
            },
            Flag {
                x: 760.0,
                width: 90.0,
            },
            Flag {
                x: 770.0,
                width: 90.0,
            },
        ];
        let placed = place(&flags, 70.0, 780.0);
        assert!(placed[1].leftward && placed[2].leftward, "{placed:?}");
        assert_legible(&flags, &placed);
    }

    /// A label at the right edge points left, over the line of a label placed first: placed
    /// first itself, it takes the low lane and the other climbs over it.
    #[test]
    fn a_label_that_would_be_crossed_is_placed_first() {
        let flags = [
            Flag {
                x: 500.0,
                width: 200.0,
            },
            Flag {
                x: 680.0,
                width: 150.0,
            },
        ];
        let placed = place(&flags, 70.0, 720.0);
        assert!(placed[1].leftward, "{placed:?}");
        assert_legible(&flags, &placed);
    }

    #[test]
    fn labels_far_apart_share_the_lowest_lane() {
        let flags = [
            Flag {
                x: 100.0,
                width: 60.0,
            },
            Flag {
                x: 300.0,
                width: 60.0,
            },
            Flag {
                x: 500.0,
                width: 60.0,
            },
        ];
        let placed = place(&flags, 70.0, 780.0);
        assert!(placed.iter().all(|p| p.lane == 0), "{placed:?}");
    }
}
