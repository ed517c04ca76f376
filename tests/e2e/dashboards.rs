//! A person builds a dashboard of two saved charts with a filter and a note, uses its tabs and
//! filter (the address follows), edits it in place (tiles dragged without overlapping, a tab,
//! a text and a chart tile added and bound to the filter, a tile removed), shares it with a
//! link a signed-out browser opens and prints (every tile drawn first), revokes the link and sees
//! it die, and archives it.

use std::time::Duration;

use sqlx::Row;

use crate::support::{output_dir, Browser, Relay, OWNER_EMAIL, OWNER_PASSWORD};

async fn save_chart_for(browser: &Browser, question: &str, kind: &str, name: &str) {
    browser.ask(question).await;
    browser.wait_for_chart(kind).await;
    browser.fill("save-chart-name", name).await;
    browser.click("save-chart").await;
    browser.wait_for_testid_text("save-chart-done").await;
}

/// Each chart tile's state by its chart's name, once every tile has drawn or failed. Tiles
/// run once on screen, so a tile still waiting is scrolled to, as a person would.
async fn tile_states(browser: &Browser) -> serde_json::Value {
    browser
        .wait_for_js(
            "every tile",
            "const tiles = [...document.querySelectorAll('[data-testid=dashboard-tile]')];
             const states = {};
             for (const t of tiles) {
                 const name = t.querySelector('.tile-head strong')?.textContent;
                 if (!name) continue;
                 states[name] = t.querySelector('[data-testid=error]') ? 'failed'
                     : t.querySelector('[_echarts_instance_]') ? 'chart' : null;
                 if (!states[name]) t.scrollIntoView({block: 'center'});
             }
             const values = Object.values(states);
             return values.length && values.every(s => s) ? states : null;",
        )
        .await
}

/// Drags the `handle` ("move" or "resize") of the tile showing `chart` by whole grid cells,
/// with the pointer events a mouse makes; returns the tile's id.
async fn drag(browser: &Browser, chart: &str, handle: &str, columns: i32, rows: i32) -> String {
    let script = "const [name, kind, dx, dy] = arguments;
        const tile = [...document.querySelectorAll('[data-testid=dashboard-tile]')]
            .find(t => t.querySelector('.tile-head strong')?.textContent === name);
        const handle = tile.querySelector(`[data-testid=tile-${kind}]`);
        const r = handle.getBoundingClientRect();
        const [x, y] = [r.left + r.width / 2, r.top + r.height / 2];
        const gridElement = document.querySelector('.dashboard-grid');
        const grid = gridElement.getBoundingClientRect();
        const css = getComputedStyle(gridElement);
        const [gap, rowGap] = [parseFloat(css.columnGap), parseFloat(css.rowGap)];
        const [cw, ch] = [(grid.width - 11 * gap) / 12 + gap, parseFloat(css.gridAutoRows) + rowGap];
        const to = {clientX: x + dx * cw, clientY: y + dy * ch, bubbles: true};
        handle.dispatchEvent(new PointerEvent('pointerdown', {clientX: x, clientY: y, bubbles: true}));
        window.dispatchEvent(new PointerEvent('pointermove', to));
        window.dispatchEvent(new PointerEvent('pointerup', to));
        return tile.getAttribute('data-tile-id');";
    let args = vec![chart.into(), handle.into(), columns.into(), rows.into()];
    browser.client.execute(script, args).await.unwrap().as_str().unwrap().to_owned()
}

/// The open dashboard's definition as the relay has it.
async fn saved_definition(browser: &Browser) -> serde_json::Value {
    let script = "const done = arguments[0];
        const id = new URLSearchParams(location.search).get('id');
        fetch(`/api/v1/dashboards/${id}`).then(r => r.json()).then(d => done(d.definition), e => done(String(e)));";
    browser.client.execute_async(script, vec![]).await.unwrap()
}

/// The open dashboard's tiles as the relay has them, by tile id.
async fn saved_tiles(browser: &Browser) -> serde_json::Map<String, serde_json::Value> {
    let definition = saved_definition(browser).await;
    let tiles = definition["tiles"].as_array().unwrap();
    tiles.iter().map(|t| (t["id"].as_str().unwrap().to_owned(), t.clone())).collect()
}

/// The pairs of tiles of one tab that share a cell.
fn overlapping(tiles: &serde_json::Map<String, serde_json::Value>) -> Vec<(String, String)> {
    let cells = |t: &serde_json::Value| ["tab", "x", "y", "w", "h"].map(|k| t[k].as_u64().unwrap());
    let tiles: Vec<(&String, [u64; 5])> = tiles.iter().map(|(id, t)| (id, cells(t))).collect();
    let mut found = Vec::new();
    for (i, (a, [tab_a, xa, ya, wa, ha])) in tiles.iter().enumerate() {
        for (b, [tab_b, xb, yb, wb, hb]) in &tiles[i + 1..] {
            if tab_a == tab_b && xa < &(xb + wb) && xb < &(xa + wa) && ya < &(yb + hb) && yb < &(ya + ha) {
                found.push(((*a).clone(), (*b).clone()));
            }
        }
    }
    found
}

/// Sets a `<select>` or text field by `testid` and tells the page, as a person's change would.
async fn choose(browser: &Browser, testid: &str, value: &str) {
    let script = "const [testid, value] = arguments;
        const field = document.querySelector(`[data-testid=${testid}]`);
        field.value = value;
        field.dispatchEvent(new Event('input', {bubbles: true}));
        field.dispatchEvent(new Event('change', {bubbles: true}));";
    browser.client.execute(script, vec![testid.into(), value.into()]).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dashboard_is_built_filtered_shared_opened_signed_out_and_revoked() {
    let relay = Relay::start().await;
    let browser = Browser::start(&relay).await;
    browser.set_up_first_owner(&relay, OWNER_EMAIL, OWNER_PASSWORD).await;
    save_chart_for(&browser, "revenue by month", "line", "Revenue by month").await;
    save_chart_for(&browser, "number of orders per country", "bar", "Orders by country").await;

    browser.client.goto(&format!("{}dashboards", relay.url)).await.unwrap();
    browser
        .wait_for_js(
            "the builder",
            "return document.querySelectorAll('[data-testid=dashboard-chart-choice]').length === 2 || null;",
        )
        .await;
    browser.fill("dashboard-name-input", "Sales").await;
    for testid in ["dashboard-chart-choice", "dashboard-chart-filtered"] {
        let script = format!("document.querySelectorAll('[data-testid={testid}]').forEach(c => c.click());");
        browser.client.execute(&script, vec![]).await.unwrap();
    }
    browser.fill("dashboard-note", "# Notes\n\nQuarterly review").await;
    browser.fill("dashboard-filter-label", "Country").await;
    browser
        .client
        .execute("const s = document.querySelector('[data-testid=dashboard-filter-kind]'); s.value = 'category'; s.dispatchEvent(new Event('change'));", vec![])
        .await
        .unwrap();
    browser.fill("dashboard-filter-column", "country").await;
    browser.click("dashboard-create").await;

    browser.wait_for_testid_text("dashboard-name").await;
    let both_drawn = serde_json::json!({"Revenue by month": "chart", "Orders by country": "chart"});
    assert_eq!(tile_states(&browser).await, both_drawn);

    // The filter: the country chart narrows to one bar; the chart without that column fails in
    // its own tile only.
    let country: String = relay.direct_rows("SELECT country FROM customers ORDER BY country LIMIT 1").await[0].get(0);
    browser.fill("filter-f1", &country).await;
    browser
        .client
        .execute("document.querySelector('[data-testid=filter-f1]').dispatchEvent(new Event('change'));", vec![])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        tile_states(&browser).await,
        serde_json::json!({"Revenue by month": "failed", "Orders by country": "chart"})
    );
    let bars = browser
        .wait_for_js(
            "one country's bar",
            "const t = [...document.querySelectorAll('[data-testid=dashboard-tile]')]
                 .find(t => t.querySelector('.tile-head strong')?.textContent === 'Orders by country');
             const el = t && t.querySelector('[_echarts_instance_]');
             const n = el ? echarts.getInstanceByDom(el)?.getOption().series[0].data.length : null;
             return n === 1 ? n : null;",
        )
        .await;
    assert_eq!(bars, serde_json::json!(1));
    let address = browser.client.current_url().await.unwrap();
    assert!(address.query().unwrap_or_default().contains("f.f1="), "{address}");

    // The note's tab; the address keeps the tab, so reopening it shows the same view.
    browser.click("dashboard-tab-1").await;
    let note = browser
        .wait_for_js("the note", "const n = document.querySelector('.tile-text'); return n ? n.textContent : null;")
        .await;
    assert!(note.as_str().unwrap().contains("Quarterly review"));
    let address = browser.client.current_url().await.unwrap();
    assert!(address.query().unwrap_or_default().contains("tab=1"), "{address}");
    browser.client.goto(address.as_str()).await.unwrap();
    browser.wait_for_js("the note again", "return document.querySelector('.tile-text');").await;
    browser.click("dashboard-tab-0").await;

    // Edit in place. Drag one tile down two rows, the other's corner two columns in; then the
    // first onto the second, which makes room below it: tiles never overlap.
    let before = saved_tiles(&browser).await;
    browser.click("dashboard-edit").await;
    let moved = drag(&browser, "Revenue by month", "move", 0, 2).await;
    let resized = drag(&browser, "Orders by country", "resize", -2, 0).await;
    browser.click("dashboard-save").await;
    browser.wait_for_testid_text("dashboard-saved").await;
    let after = saved_tiles(&browser).await;
    assert_eq!(after[&moved]["y"].as_u64().unwrap(), before[&moved]["y"].as_u64().unwrap() + 2);
    assert_eq!(after[&moved]["x"], before[&moved]["x"]);
    assert_eq!(after[&resized]["w"].as_u64().unwrap(), before[&resized]["w"].as_u64().unwrap() - 2);
    assert_eq!(after[&resized]["h"], before[&resized]["h"]);

    browser.click("dashboard-edit").await;
    let cell = |id: &str, key: &str| after[id][key].as_i64().unwrap();
    let spot = (cell(&resized, "x"), cell(&resized, "y"));
    let (dx, dy) = (spot.0 - cell(&moved, "x"), spot.1 - cell(&moved, "y"));
    drag(&browser, "Revenue by month", "move", dx as i32, dy as i32).await;
    // A new name; a new tab, named, with a text tile and a chart tile the filter applies to.
    choose(&browser, "dashboard-rename", "Sales review").await;
    browser.click("tab-add").await;
    choose(&browser, "tab-name", "Extra").await;
    browser.click("tile-add-text").await;
    let orders_chart = browser
        .client
        .execute(
            "return [...document.querySelectorAll('[data-testid=tile-chart-choice] option')]
                 .find(o => o.textContent === 'Orders by country').value;",
            vec![],
        )
        .await
        .unwrap();
    choose(&browser, "tile-chart-choice", orders_chart.as_str().unwrap()).await;
    browser.click("tile-add-chart").await;
    browser
        .wait_for_js("the new chart tile", "return document.querySelector('[data-testid=tile-binding-column]');")
        .await;
    choose(&browser, "tile-binding-column", "country").await;
    browser.screenshot(&output_dir().join("dashboard-editor.png")).await;
    browser.click("dashboard-save").await;
    browser
        .wait_for_js(
            "the saved tab",
            "return document.querySelector('[data-testid=dashboard-tab-2]')?.textContent === 'Extra' || null;",
        )
        .await;
    let definition = saved_definition(&browser).await;
    assert_eq!(definition["tabs"], serde_json::json!(["Overview", "Notes", "Extra"]));
    assert_eq!(browser.wait_for_testid_text("dashboard-name").await, "Sales review");
    let tiles = saved_tiles(&browser).await;
    assert_eq!(tiles.len(), 5, "{tiles:?}");
    assert!(overlapping(&tiles).is_empty(), "{tiles:?}");
    let now = |id: &str, key: &str| tiles[id][key].as_i64().unwrap();
    assert_eq!((now(&moved, "x"), now(&moved, "y")), spot, "the dragged tile took the other's spot");
    assert_eq!(now(&resized, "y"), spot.1 + now(&moved, "h"), "the tile it covered moved below it");
    let added = tiles.values().find(|t| t["tab"] == 2 && t["content"]["type"] == "chart").unwrap();
    assert_eq!(added["content"]["bindings"], serde_json::json!([{"filter_id": "f1", "column": "country"}]));

    // The added chart runs, with the filter still set from the address: one country's bar.
    browser.click("dashboard-tab-2").await;
    assert_eq!(tile_states(&browser).await, serde_json::json!({"Orders by country": "chart"}));
    browser
        .wait_for_js(
            "the filtered new tile",
            "const el = document.querySelector('[data-testid=dashboard-tile] [_echarts_instance_]');
             const n = el ? echarts.getInstanceByDom(el)?.getOption().series[0].data.length : null;
             return n === 1 ? n : null;",
        )
        .await;
    // The text tile goes again.
    browser.click("dashboard-edit").await;
    browser
        .client
        .execute(
            "[...document.querySelectorAll('[data-testid=dashboard-tile]')]
                 .find(t => t.querySelector('[data-testid=tile-text-editor]'))
                 .querySelector('[data-testid=tile-remove]').click();",
            vec![],
        )
        .await
        .unwrap();
    browser.click("dashboard-save").await;
    browser
        .wait_for_js(
            "the tile gone",
            "return document.querySelectorAll('[data-testid=dashboard-tile]').length === 1 || null;",
        )
        .await;
    assert_eq!(saved_tiles(&browser).await.len(), 4);
    browser.click("dashboard-tab-0").await;

    // Share, and open the link in a browser that has never signed in.
    browser.click("share-create").await;
    let link = browser.wait_for_testid_text("share-url").await;
    assert!(link.contains("/share#"), "{link}");
    let visitor = Browser::start(&relay).await;
    // In a short window tiles start below the fold, where they do not run; a print runs them
    // and waits for them, so the page is printed with every chart drawn.
    visitor.client.set_window_size(1280, 420).await.unwrap();
    visitor.client.goto(&link).await.unwrap();
    assert_eq!(visitor.wait_for_testid_text("dashboard-name").await, "Sales review");
    let below_the_fold = visitor
        .client
        .execute(
            "window.print = () => { window.printed = [...document.querySelectorAll('[data-testid=dashboard-tile]')]
                 .map(t => t.querySelector('[_echarts_instance_]') ? 'chart' : 'not drawn'); };
             return [...document.querySelectorAll('[data-testid=dashboard-tile]')]
                 .filter(t => t.getBoundingClientRect().top > innerHeight && !t.querySelector('[_echarts_instance_]'))
                 .length;",
            vec![],
        )
        .await
        .unwrap();
    assert!(below_the_fold.as_u64().unwrap() >= 1, "{below_the_fold}");
    visitor.click("dashboard-print").await;
    let printed = visitor.wait_for_js("the print", "return window.printed || null;").await;
    assert_eq!(printed, serde_json::json!(["chart", "chart"]));
    visitor.client.set_window_size(1280, 900).await.unwrap();
    assert_eq!(tile_states(&visitor).await, both_drawn);
    visitor.screenshot(&output_dir().join("shared-dashboard.png")).await;

    // Revoked, the link dies at once.
    browser.click("share-revoke").await;
    browser
        .wait_for_js(
            "the revoked link",
            "return document.querySelector('[data-testid=share-link][data-revoked=true]');",
        )
        .await;
    visitor.client.goto(&link).await.unwrap();
    visitor.client.refresh().await.unwrap();
    visitor.wait_for_js("the dead link", "return document.querySelector('[data-testid=share-dead]');").await;

    // The service worker kept the application shell and no API response, for either browser.
    for who in [&browser, &visitor] {
        let cached = who
            .client
            .execute_async(
                "const done = arguments[0];
                 (async () => { const urls = [];
                   for (const n of await caches.keys()) for (const r of await (await caches.open(n)).keys()) urls.push(r.url);
                   return urls; })().then(done, e => done(['error ' + e]));",
                vec![],
            )
            .await
            .unwrap();
        assert!(!cached.to_string().contains("/api/"), "{cached}");
    }

    // A link with the filter locked at its value now: the visitor sees it and cannot change it.
    browser.click("share-lock").await;
    browser.click("share-create").await;
    let new_link = format!(
        "const text = document.querySelector('[data-testid=share-url]')?.textContent;
         return text && text !== {} ? text : null;",
        serde_json::json!(link)
    );
    let fresh = browser.wait_for_js("the new link", &new_link).await;
    let fresh = fresh.as_str().unwrap().to_owned();
    let locked = browser
        .wait_for_js(
            "the locked value listed",
            "const cells = [...document.querySelectorAll('[data-testid=share-link-locked]')].map(c => c.textContent);
             return cells.find(c => c.startsWith('Country = ')) || null;",
        )
        .await;
    assert_eq!(locked, serde_json::json!(format!("Country = {country}")));
    visitor.client.goto(&fresh).await.unwrap();
    visitor.client.refresh().await.unwrap();
    let field = visitor
        .wait_for_js(
            "the locked filter",
            "const f = document.querySelector('[data-testid=filter-f1]');
             return f ? [f.value, f.disabled] : null;",
        )
        .await;
    assert_eq!(field, serde_json::json!([country, true]));

    // Archived, the dashboard leaves the list and that link dies with it; restored, it is back.
    browser.client.goto(&format!("{}dashboards", relay.url)).await.unwrap();
    browser.click("dashboard-archive").await;
    browser
        .wait_for_js("the empty list", "return document.querySelector('[data-testid=dashboard-item]') ? null : true;")
        .await;
    visitor.client.goto(&fresh).await.unwrap();
    visitor.client.refresh().await.unwrap();
    visitor.wait_for_js("the archived link", "return document.querySelector('[data-testid=share-dead]');").await;
    browser.click("dashboards-show-archived").await;
    browser.click("dashboard-restore").await;
    browser.click("dashboards-show-archived").await;
    browser.wait_for_js("Sales back", "return document.querySelector('[data-testid=dashboard-item]');").await;

    browser.assert_no_csp_violation().await;
    visitor.assert_no_csp_violation().await;
    visitor.close().await;
    browser.close().await;
}
