//! What an editor does to a dashboard's definition before saving it: tabs added, renamed and
//! removed; chart and text tiles added and removed; filters added, removed and bound to a
//! tile's column; tiles dragged and resized. Every change keeps the grid's rules
//! (`vizkraft_domain::layout`), so what the editor shows is what the relay accepts.

use vizkraft_domain::api::dashboards::{
    DashboardDefinition, DashboardFilter, FilterBinding, FilterKind, Tile, TileContent,
};
use vizkraft_domain::layout::{self, Place, GRID_COLUMNS, MAX_ROW, MAX_TILE_ROWS};

/// A new chart tile's size: half the width, four rows.
const CHART_SIZE: (u32, u32) = (6, 4);
const TEXT_SIZE: (u32, u32) = (12, 2);

/// The first of `prefix1`, `prefix2`, … not yet taken.
fn fresh_id(prefix: &str, taken: impl Fn(&str) -> bool) -> String {
    (1..).map(|n| format!("{prefix}{n}")).find(|id| !taken(id)).unwrap_or_else(|| prefix.to_owned())
}

pub fn add_tab(definition: &mut DashboardDefinition) -> usize {
    definition.tabs.push(format!("Tab {}", definition.tabs.len() + 1));
    definition.tabs.len() - 1
}

pub fn rename_tab(definition: &mut DashboardDefinition, tab: usize, name: &str) {
    if let Some(label) = definition.tabs.get_mut(tab) {
        name.trim().clone_into(label);
    }
}

/// Removes an empty tab (a tab with tiles is kept: removing tiles is a choice of its own);
/// the last tab always stays.
pub fn remove_tab(definition: &mut DashboardDefinition, tab: usize) -> bool {
    let empty = definition.tiles.iter().all(|t| t.tab != tab);
    if !empty || definition.tabs.len() <= 1 || tab >= definition.tabs.len() {
        return false;
    }
    definition.tabs.remove(tab);
    for tile in &mut definition.tiles {
        if tile.tab > tab {
            tile.tab -= 1;
        }
    }
    true
}

fn add_tile(definition: &mut DashboardDefinition, tab: usize, (w, h): (u32, u32), content: TileContent) -> String {
    let id = fresh_id("t", |id| definition.tiles.iter().any(|t| t.id == id));
    let Place { x, y, w, h } = layout::free_place(&definition.tiles, tab, w, h);
    definition.tiles.push(Tile { id: id.clone(), tab, x, y, w, h, content });
    id
}

pub fn add_chart_tile(definition: &mut DashboardDefinition, tab: usize, chart_id: &str) -> String {
    add_tile(definition, tab, CHART_SIZE, TileContent::Chart { chart_id: chart_id.to_owned(), bindings: Vec::new() })
}

pub fn add_text_tile(definition: &mut DashboardDefinition, tab: usize) -> String {
    add_tile(definition, tab, TEXT_SIZE, TileContent::Text { markdown: "# A heading\n\nSome words.".to_owned() })
}

pub fn remove_tile(definition: &mut DashboardDefinition, tile_id: &str) {
    definition.tiles.retain(|t| t.id != tile_id);
}

pub fn set_markdown(definition: &mut DashboardDefinition, tile_id: &str, text: String) {
    if let Some(TileContent::Text { markdown }) = tile_mut(definition, tile_id).map(|t| &mut t.content) {
        *markdown = text;
    }
}

fn tile_mut<'a>(definition: &'a mut DashboardDefinition, tile_id: &str) -> Option<&'a mut Tile> {
    definition.tiles.iter_mut().find(|t| t.id == tile_id)
}

pub fn add_filter(definition: &mut DashboardDefinition, label: &str, kind: FilterKind) -> String {
    let id = fresh_id("f", |id| definition.filters.iter().any(|f| f.id == id));
    definition.filters.push(DashboardFilter { id: id.clone(), label: label.trim().to_owned(), kind });
    id
}

/// Removes a filter and every tile's binding to it.
pub fn remove_filter(definition: &mut DashboardDefinition, filter_id: &str) {
    definition.filters.retain(|f| f.id != filter_id);
    for tile in &mut definition.tiles {
        if let TileContent::Chart { bindings, .. } = &mut tile.content {
            bindings.retain(|b| b.filter_id != filter_id);
        }
    }
}

/// The column of a tile's chart that a filter applies to, if it does.
pub fn binding(definition: &DashboardDefinition, tile_id: &str, filter_id: &str) -> Option<String> {
    definition.tiles.iter().find(|t| t.id == tile_id).and_then(|t| match &t.content {
        TileContent::Chart { bindings, .. } => {
            bindings.iter().find(|b| b.filter_id == filter_id).map(|b| b.column.clone())
        }
        TileContent::Text { .. } => None,
    })
}

/// Makes a filter apply to a tile's column, or (`None`) not at all.
pub fn bind(definition: &mut DashboardDefinition, tile_id: &str, filter_id: &str, column: Option<&str>) {
    let Some(TileContent::Chart { bindings, .. }) = tile_mut(definition, tile_id).map(|t| &mut t.content) else {
        return;
    };
    bindings.retain(|b| b.filter_id != filter_id);
    if let Some(column) = column {
        bindings.push(FilterBinding { filter_id: filter_id.to_owned(), column: column.trim().to_owned() });
    }
}

/// A drag in progress: which tile, moving or resizing, from where, over which layout.
#[derive(Debug, Clone)]
pub struct Drag {
    pub tile: usize,
    pub resize: bool,
    pub start_x: f64,
    pub start_y: f64,
    /// The tiles as they were when the drag began: each step settles from here, so tiles
    /// pushed aside come back when the dragged one moves on.
    pub from: Vec<Tile>,
    /// Whole cells moved so far: pointer moves within a cell change nothing.
    pub cells: (i64, i64),
}

impl Drag {
    /// The tile's place after moving the pointer by whole cells, kept on the grid.
    fn moved(&self, dx: i64, dy: i64) -> Place {
        let Place { x, y, w, h } = self.from.get(self.tile).map(Place::of).unwrap_or_default();
        let clamp = |value: i64, low: i64, high: i64| value.clamp(low, high.max(low)) as u32;
        let columns = i64::from(GRID_COLUMNS);
        if self.resize {
            let w = clamp(i64::from(w) + dx, 1, columns - i64::from(x));
            Place { x, y, w, h: clamp(i64::from(h) + dy, 1, i64::from(MAX_TILE_ROWS)) }
        } else {
            let x = clamp(i64::from(x) + dx, 0, columns - i64::from(w));
            Place { x, y: clamp(i64::from(y) + dy, 0, i64::from(MAX_ROW)), w, h }
        }
    }

    /// The tiles after the pointer moved by `dx`, `dy` whole cells from where the drag began,
    /// or `None` if that is where they already are.
    pub fn step(&mut self, dx: i64, dy: i64) -> Option<Vec<Tile>> {
        if self.cells == (dx, dy) {
            return None;
        }
        self.cells = (dx, dy);
        Some(self.tiles_after(dx, dy))
    }

    /// All tiles after the pointer moved by whole cells: the dragged one in its new place,
    /// the ones it covers pushed down.
    fn tiles_after(&self, dx: i64, dy: i64) -> Vec<Tile> {
        let mut tiles = self.from.clone();
        if let Some(tile) = tiles.get_mut(self.tile) {
            Place { x: tile.x, y: tile.y, w: tile.w, h: tile.h } = self.moved(dx, dy);
            layout::settle(&mut tiles, self.tile);
        }
        tiles
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board() -> DashboardDefinition {
        let mut definition = DashboardDefinition { tabs: vec!["Overview".into()], ..Default::default() };
        add_chart_tile(&mut definition, 0, "c1");
        add_chart_tile(&mut definition, 0, "c2");
        definition
    }

    #[test]
    fn added_tiles_never_overlap_and_have_their_own_ids() {
        let mut definition = board();
        let note = add_text_tile(&mut definition, 0);
        let second_tab = add_tab(&mut definition);
        let there = add_chart_tile(&mut definition, second_tab, "c1");
        assert_eq!(
            definition.tiles.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
            ["t1", "t2", note.as_str(), &there]
        );
        assert!(layout::first_overlap(&definition.tiles).is_none(), "{:?}", definition.tiles);
        assert_eq!(definition.tiles[3].tab, 1);
        assert_eq!((definition.tiles[3].x, definition.tiles[3].y), (0, 0), "a new tab starts at the top");
        remove_tile(&mut definition, "t1");
        assert_eq!(add_chart_tile(&mut definition, 0, "c3"), "t1", "a freed id is used again");
    }

    #[test]
    fn only_empty_tabs_go_and_later_tiles_follow_their_tab() {
        let mut definition = board();
        assert!(!remove_tab(&mut definition, 0), "the last tab stays");
        let empty = add_tab(&mut definition);
        let full = add_tab(&mut definition);
        add_text_tile(&mut definition, full);
        rename_tab(&mut definition, full, "  Notes ");
        assert!(!remove_tab(&mut definition, full), "a tab with tiles stays");
        assert!(remove_tab(&mut definition, empty));
        assert_eq!(definition.tabs, ["Overview", "Notes"]);
        assert_eq!(definition.tiles.last().map(|t| t.tab), Some(1), "the note moved with its tab");
    }

    #[test]
    fn filters_bind_to_columns_and_leave_with_their_bindings() {
        let mut definition = board();
        let country = add_filter(&mut definition, " Country ", FilterKind::Category);
        assert_eq!(definition.filters[0].label, "Country");
        bind(&mut definition, "t1", &country, Some("country"));
        bind(&mut definition, "t1", &country, Some("land"));
        assert_eq!(binding(&definition, "t1", &country).as_deref(), Some("land"), "one binding per filter");
        assert_eq!(binding(&definition, "t2", &country), None);
        bind(&mut definition, "t1", &country, None);
        assert_eq!(binding(&definition, "t1", &country), None);
        bind(&mut definition, "t2", &country, Some("country"));
        remove_filter(&mut definition, &country);
        assert!(definition.filters.is_empty());
        assert_eq!(binding(&definition, "t2", &country), None, "the binding went with its filter");
    }

    #[test]
    fn drags_move_and_resize_within_the_grid_and_push_others_aside() {
        let mut from = board().tiles;
        (from[0].x, from[0].y, from[0].w, from[0].h) = (2, 1, 4, 3);
        (from[1].x, from[1].y) = (6, 0);
        let moving = Drag { tile: 0, resize: false, start_x: 0.0, start_y: 0.0, from, cells: (0, 0) };
        assert_eq!(moving.moved(3, 2), Place { x: 5, y: 3, w: 4, h: 3 });
        assert_eq!(moving.moved(20, -5), Place { x: 8, y: 0, w: 4, h: 3 }, "kept inside the grid");
        let resizing = Drag { resize: true, ..moving.clone() };
        assert_eq!(resizing.moved(-2, 1), Place { x: 2, y: 1, w: 2, h: 4 });
        assert_eq!(resizing.moved(-9, -9), Place { x: 2, y: 1, w: 1, h: 1 }, "never smaller than a cell");
        assert_eq!(resizing.moved(30, 0).w, 10, "never past the right edge");

        let onto = moving.tiles_after(4, -1);
        assert_eq!((onto[0].x, onto[0].y), (6, 0));
        assert_eq!((onto[1].x, onto[1].y), (6, 3), "the covered tile moves below");
        let back = moving.tiles_after(0, 0);
        assert_eq!(back, moving.from, "and returns when the dragged tile moves on");

        let mut stepping = moving.clone();
        assert_eq!(stepping.step(0, 0), None, "no cell moved yet");
        assert_eq!(stepping.step(4, -1), Some(onto.clone()));
        assert_eq!(stepping.step(4, -1), None, "within the same cell nothing changes");
        assert_eq!(stepping.step(0, 0), Some(moving.from.clone()));
    }
}
