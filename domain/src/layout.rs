//! The dashboard grid's rules, shared by the relay (which refuses a layout that breaks them)
//! and the app's editor (which keeps to them while tiles are dragged): 12 columns, tiles of
//! whole cells, and no two tiles of one tab overlapping.

use crate::api::dashboards::Tile;

pub const GRID_COLUMNS: u32 = 12;
/// The tallest a tile may be, in rows.
pub const MAX_TILE_ROWS: u32 = 40;
/// The lowest row a tile may start on: room for a hundred tiles of the tallest kind.
pub const MAX_ROW: u32 = 4_000;

/// A tile's place on the grid, in cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Place {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

impl Place {
    pub fn of(tile: &Tile) -> Place {
        Place { x: tile.x, y: tile.y, w: tile.w, h: tile.h }
    }

    /// Whether the place lies on the grid: at least one cell, within the columns and rows.
    pub fn fits(&self) -> bool {
        self.w >= 1
            && (1..=MAX_TILE_ROWS).contains(&self.h)
            && self.x.checked_add(self.w).is_some_and(|right| right <= GRID_COLUMNS)
            && self.y <= MAX_ROW
    }

    pub fn overlaps(&self, other: &Place) -> bool {
        self.x < other.x + other.w
            && other.x < self.x + self.w
            && self.y < other.y + other.h
            && other.y < self.y + self.h
    }

    fn bottom(&self) -> u32 {
        self.y + self.h
    }
}

/// The first two tiles of one tab that overlap, by id.
pub fn first_overlap(tiles: &[Tile]) -> Option<(&str, &str)> {
    tiles.iter().enumerate().find_map(|(i, a)| {
        tiles[i + 1..]
            .iter()
            .find(|b| a.tab == b.tab && Place::of(a).overlaps(&Place::of(b)))
            .map(|b| (a.id.as_str(), b.id.as_str()))
    })
}

/// Makes room for the tile at `moved`, which keeps its place: every tile of its tab that it
/// now covers moves down just below what it collides with, and so on down the grid. Tiles it
/// does not touch stay where they are.
pub fn settle(tiles: &mut [Tile], moved: usize) {
    let Some(tab) = tiles.get(moved).map(|t| t.tab) else { return };
    let mut others: Vec<usize> = (0..tiles.len()).filter(|&i| i != moved && tiles[i].tab == tab).collect();
    others.sort_by_key(|&i| (tiles[i].y, tiles[i].x));
    let mut settled = vec![Place::of(&tiles[moved])];
    for i in others {
        let mut place = Place::of(&tiles[i]);
        // Each step moves strictly down, so this ends.
        while let Some(below) = settled.iter().filter(|s| s.overlaps(&place)).map(Place::bottom).max() {
            place.y = below;
        }
        tiles[i].y = place.y;
        settled.push(place);
    }
}

/// Where a new tile of `w` by `h` cells goes on tab `tab`: at the left, below everything.
pub fn free_place(tiles: &[Tile], tab: usize, w: u32, h: u32) -> Place {
    let y = tiles.iter().filter(|t| t.tab == tab).map(|t| Place::of(t).bottom()).max().unwrap_or(0);
    Place { x: 0, y, w: w.clamp(1, GRID_COLUMNS), h: h.clamp(1, MAX_TILE_ROWS) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::dashboards::TileContent;

    fn tile(id: &str, tab: usize, (x, y, w, h): (u32, u32, u32, u32)) -> Tile {
        Tile { id: id.into(), tab, x, y, w, h, content: TileContent::Text { markdown: String::new() } }
    }

    fn no_overlap(tiles: &[Tile]) -> bool {
        first_overlap(tiles).is_none()
    }

    #[test]
    fn places_fit_the_grid_or_not() {
        assert!(Place { x: 6, y: 0, w: 6, h: 4 }.fits());
        assert!(!Place { x: 7, y: 0, w: 6, h: 4 }.fits(), "past the right edge");
        assert!(!Place { x: 0, y: 0, w: 0, h: 4 }.fits());
        assert!(!Place { x: 0, y: 0, w: 2, h: MAX_TILE_ROWS + 1 }.fits());
        assert!(!Place { x: u32::MAX, y: 0, w: 2, h: 1 }.fits(), "no overflow");
    }

    #[test]
    fn overlaps_are_found_within_a_tab_only() {
        let tiles = [tile("a", 0, (0, 0, 6, 4)), tile("b", 0, (6, 0, 6, 4)), tile("c", 1, (3, 1, 6, 4))];
        assert!(no_overlap(&tiles), "side by side, and on another tab");
        let tiles = [tile("a", 0, (0, 0, 6, 4)), tile("b", 0, (5, 3, 6, 4))];
        assert_eq!(first_overlap(&tiles), Some(("a", "b")));
    }

    #[test]
    fn a_moved_tile_pushes_what_it_covers_down_and_leaves_the_rest() {
        let mut tiles = vec![
            tile("a", 0, (0, 0, 6, 4)),
            tile("b", 0, (6, 0, 6, 4)),
            tile("c", 0, (6, 4, 6, 2)),
            tile("d", 0, (0, 4, 6, 2)),
            tile("other-tab", 1, (6, 0, 6, 4)),
        ];
        // "a" moves right, onto "b": "b" goes below it, then "c" below "b".
        tiles[0].x = 6;
        settle(&mut tiles, 0);
        assert!(no_overlap(&tiles), "{tiles:?}");
        let at = |id: &str| tiles.iter().find(|t| t.id == id).map(|t| (t.x, t.y)).unwrap_or_default();
        assert_eq!(at("a"), (6, 0), "the moved tile keeps its place");
        assert_eq!(at("b"), (6, 4));
        assert_eq!(at("c"), (6, 8));
        assert_eq!(at("d"), (0, 4), "untouched tiles stay");
        assert_eq!(at("other-tab"), (6, 0));
    }

    #[test]
    fn settling_always_ends_without_overlaps() {
        // Every tile stacked on one spot, then each in turn moved: the grid always comes apart.
        let mut tiles: Vec<Tile> =
            (0..30).map(|i| tile(&format!("t{i}"), 0, (i % 5, 0, 4 + i % 3, 1 + i % 4))).collect();
        for moved in 0..tiles.len() {
            tiles[moved].y = 0;
            settle(&mut tiles, moved);
            assert!(no_overlap(&tiles), "after moving {moved}: {tiles:?}");
            assert!(tiles.iter().all(|t| Place::of(t).fits()));
        }
    }

    #[test]
    fn new_tiles_go_below_everything_on_their_tab() {
        let tiles = [tile("a", 0, (0, 0, 6, 4)), tile("b", 0, (6, 2, 6, 5)), tile("c", 1, (0, 20, 6, 5))];
        assert_eq!(free_place(&tiles, 0, 6, 4), Place { x: 0, y: 7, w: 6, h: 4 });
        assert_eq!(free_place(&tiles, 2, 99, 0), Place { x: 0, y: 0, w: 12, h: 1 });
    }
}
