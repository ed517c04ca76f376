//! Question → SQL, offline and deterministic: words are matched to the schema (`resolve`), read
//! as a query shape (`intent`), open column choices are settled by match strength and join
//! distance along foreign keys (`joins`), and the result is rendered per engine (`sql`).
//! Whenever a choice is a coin toss or a join would count rows twice, it asks instead.

mod intent;
mod joins;
mod resolve;
mod sql;
mod words;

#[cfg(test)]
pub(crate) mod fixtures;

use serde::{Deserialize, Serialize};

use crate::chart::{ChartKind, ChartSpec};
use crate::semantic::SchemaModel;
use intent::{col_name, Dim, FilterKind, Intent, Measure};
use joins::{JoinPlan, PlanError};
use resolve::{Agg, Cand, Dir, LexError, Vocab};
use sql::{Aliases, Select};

/// One step of the explanation: which words of the question mapped to what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mapping {
    /// The words as the user typed them.
    pub phrase: String,
    /// What they became, e.g. `SUM("orders"."total_amount")` or `group by month of "orders"."order_date"`.
    pub meaning: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Answer {
    /// A single read-only SELECT in the source's dialect.
    pub sql: String,
    /// The chart the question asks for (a time bucket → line, a grouping → bar …).
    pub chart: ChartSpec,
    pub explanation: Vec<Mapping>,
}

/// Returned instead of a guess when words do not map or map to several things.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Clarification {
    pub message: String,
    /// Words of the question the compiler could not place.
    pub unknown_words: Vec<String>,
    /// Columns (`table.column`) the user may have meant.
    pub candidates: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CompileOutcome {
    Answer(Answer),
    Clarify(Clarification),
}

/// Column combinations tried before asking the user to be more specific.
const MAX_COMBINATIONS: usize = 20_000;

/// Compiles a question against a source's semantic model.
pub fn compile(question: &str, model: &SchemaModel) -> CompileOutcome {
    match compile_answer(question, model) {
        Ok(answer) => CompileOutcome::Answer(answer),
        Err(clarification) => CompileOutcome::Clarify(clarification),
    }
}

fn clarify(message: impl Into<String>) -> Clarification {
    Clarification { message: message.into(), unknown_words: Vec::new(), candidates: Vec::new() }
}

fn compile_answer(question: &str, model: &SchemaModel) -> Result<Answer, Clarification> {
    let toks = words::tokenize(question);
    if toks.is_empty() {
        return Err(clarify("Ask a question about the data, e.g. \"how many orders per month\"."));
    }
    let vocab = Vocab::new(model);
    let pieces = resolve::lex(&toks, &vocab).map_err(|e| match e {
        LexError::Unknown(words) => Clarification {
            message: format!(
                "I could not match {} to any table or column of this source. Which data do you mean?",
                quoted_list(&words)
            ),
            unknown_words: words,
            candidates: Vec::new(),
        },
        LexError::Unsupported(words) => Clarification {
            message: format!(
                "I cannot answer questions with {} reliably yet. Could you rephrase without it?",
                quoted_list(&words)
            ),
            unknown_words: words,
            candidates: Vec::new(),
        },
    })?;
    let mut intent = intent::read(pieces, model, &vocab)?;
    (intent.asks, intent.singular_verb) = question_form(&toks);
    if intent.rank.is_some() && intent.dims.is_empty() && intent.listing.is_none() {
        return Err(clarify("Top or bottom what? Name what to rank, e.g. \"top 5 customers by revenue\"."));
    }
    let chosen = choose(&intent, model)?;
    let answer = build(&intent, &chosen, model);
    // The guard runs again in the relay; failing here means a compiler bug, and asking beats
    // returning SQL that will be refused.
    crate::guard::check(&answer.sql, model.engine)
        .map_err(|e| clarify(format!("I built a query the SQL guard refused ({e}); please rephrase.")))?;
    Ok(answer)
}

/// Whether the question opens with `what`/`which`/`who` (after `please`, `in`, `for` …), and
/// whether its first verb is singular (`has`, `is`), which the stop-word lexer would lose.
fn question_form(toks: &[words::Tok]) -> (bool, bool) {
    let lowers: Vec<&str> = toks.iter().filter_map(words::Tok::lower).collect();
    let asks = lowers
        .iter()
        .find(|w| !matches!(**w, "please" | "so" | "and" | "in" | "for" | "of" | "from" | "on" | "at" | "by"))
        .is_some_and(|w| matches!(*w, "what" | "which" | "who" | "whats"));
    let singular = lowers
        .iter()
        .find(|w| matches!(**w, "is" | "was" | "has" | "does" | "are" | "were" | "have" | "do"))
        .is_some_and(|w| matches!(*w, "is" | "was" | "has" | "does"));
    (asks, singular)
}

fn quoted_list(words: &[String]) -> String {
    words.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(", ")
}

/// The columns picked for every slot and the joins they need.
struct Chosen {
    picks: Vec<Cand>,
    plan: JoinPlan,
}

/// Why one combination of columns cannot answer the question.
enum Reject {
    /// Nothing to measure or list from.
    NoTable,
    Plan(PlanError),
    /// Summing or averaging over a one-to-many join counts the measured rows several times.
    FanOut {
        measured: usize,
        other: usize,
    },
    /// A column that must be one value per row sits behind a one-to-many join.
    Multiplied(Cand),
}

/// Tries every combination of candidate columns, keeps those the joins can answer correctly,
/// and picks the best: the strongest name matches first, then the fewest joins, then columns
/// nearest the measured table. A tie between different columns is returned as a question.
fn choose(intent: &Intent, model: &SchemaModel) -> Result<Chosen, Clarification> {
    let edges = joins::edges(model);
    let lists: Vec<Vec<Cand>> = intent
        .slots
        .iter()
        .map(|s| {
            let mut c = s.cands.clone();
            c.sort_by(|a, b| b.tier.cmp(&a.tier).then(a.col.cmp(&b.col)));
            c
        })
        .collect();
    let combinations = lists.iter().try_fold(1usize, |acc, l| acc.checked_mul(l.len().max(1)));
    if combinations.is_none_or(|n| n > MAX_COMBINATIONS) {
        return Err(clarify("The question matches too many columns to choose from; please name them more precisely."));
    }

    let mut best: Vec<(Vec<Cand>, JoinPlan)> = Vec::new();
    let mut best_score = (0u32, i64::MIN, i64::MIN);
    let mut first_reject: Option<(u32, Reject)> = None;
    let mut index = vec![0usize; lists.len()];
    loop {
        let picks: Vec<Cand> = lists.iter().zip(&index).filter_map(|(l, &i)| l.get(i).copied()).collect();
        if picks.len() == lists.len() {
            let tiers: u32 = picks.iter().map(|c| u32::from(c.tier)).sum();
            match evaluate(intent, &picks, model, &edges) {
                Ok(plan) => {
                    // Among equal names and equal joins, columns nearer the measured table win:
                    // the date of "revenue in 2024" is the order's own date, not its customer's.
                    let depth: usize = picks.iter().map(|c| plan.depth(c.col.table)).sum();
                    let score = (tiers, -(plan.steps.len() as i64), -(depth as i64));
                    if score > best_score {
                        best_score = score;
                        best.clear();
                    }
                    if score == best_score {
                        best.push((picks, plan));
                    }
                }
                Err(reject) => {
                    if first_reject.as_ref().is_none_or(|(t, _)| tiers > *t) {
                        first_reject = Some((tiers, reject));
                    }
                }
            }
        }
        // Odometer over the candidate lists.
        let mut k = 0;
        while k < index.len() {
            index[k] += 1;
            if index[k] < lists[k].len() {
                break;
            }
            index[k] = 0;
            k += 1;
        }
        if k == index.len() {
            break;
        }
    }

    if best.len() > 1 {
        return Err(tie(intent, &best, model));
    }
    match best.pop() {
        Some((picks, plan)) => Ok(Chosen { picks, plan }),
        None => Err(match first_reject {
            Some((_, reject)) => explain_reject(reject, model),
            None => clarify("I could not find columns that answer this question."),
        }),
    }
}

fn tie(intent: &Intent, best: &[(Vec<Cand>, JoinPlan)], model: &SchemaModel) -> Clarification {
    let mut phrases = Vec::new();
    let mut candidates = Vec::new();
    for (s, slot) in intent.slots.iter().enumerate() {
        let mut options: Vec<String> = best.iter().map(|(p, _)| col_name(model, p[s])).collect();
        options.dedup();
        if options.len() > 1 || best.iter().any(|(p, _)| p[s] != best[0].0[s]) {
            phrases.push(slot.phrase.clone());
            for o in options {
                if !candidates.contains(&o) {
                    candidates.push(o);
                }
            }
        }
    }
    Clarification {
        message: format!("{} could mean several columns equally well. Which one did you mean?", quoted_list(&phrases)),
        unknown_words: phrases,
        candidates,
    }
}

fn explain_reject(reject: Reject, model: &SchemaModel) -> Clarification {
    let name = |t: usize| model.tables[t].name.clone();
    match reject {
        Reject::NoTable => clarify("I could not tell which table the question is about."),
        Reject::Plan(PlanError::Unreachable(t)) => clarify(format!(
            "I found no chain of foreign keys connecting \"{}\" to the rest of the question.",
            name(t)
        )),
        Reject::Plan(PlanError::Ambiguous { table, routes }) => Clarification {
            message: format!(
                "\"{}\" can be reached in more than one way ({}); which relationship do you mean? Naming the table in between helps.",
                name(table),
                routes.join(" or ")
            ),
            unknown_words: Vec::new(),
            candidates: routes,
        },
        Reject::FanOut { measured, other } => clarify(format!(
            "Each row of \"{}\" matches several rows of \"{}\", so adding it up that way would count it more than once. \
             Try a measure stored on \"{}\" or a grouping closer to \"{}\".",
            name(measured),
            name(other),
            name(other),
            name(measured)
        )),
        Reject::Multiplied(c) => clarify(format!(
            "\"{}\" has several values per row of the question's main table; I cannot use it here without guessing.",
            col_name(model, c)
        )),
    }
}

fn root_table(intent: &Intent, picks: &[Cand]) -> Option<usize> {
    match &intent.measure {
        Some((Measure::CountRows { table }, _)) => Some(*table),
        Some((Measure::CountDistinct { slot } | Measure::Agg { slot, .. }, _)) => Some(picks[*slot].col.table),
        None => intent
            .listing
            .as_ref()
            .and_then(|l| l.table.as_ref().map(|(t, _)| *t).or_else(|| l.columns.first().map(|&s| picks[s].col.table))),
    }
}

/// A ranking of rows of the measured table itself (`top 5 products by price`) needs no grouping.
fn is_row_ranking(intent: &Intent, picks: &[Cand]) -> bool {
    match (&intent.rank, &intent.measure, intent.dims.as_slice()) {
        (Some(_), Some((Measure::Agg { agg: None, slot }, _)), [Dim::Entity { table, .. }]) => {
            picks[*slot].col.table == *table
        }
        _ => false,
    }
}

fn evaluate(intent: &Intent, picks: &[Cand], model: &SchemaModel, edges: &[joins::Edge]) -> Result<JoinPlan, Reject> {
    let root = root_table(intent, picks).ok_or(Reject::NoTable)?;
    let mut required: Vec<usize> = picks.iter().map(|c| c.col.table).collect();
    required.extend(intent.dims.iter().filter_map(|d| match d {
        Dim::Entity { table, .. } => Some(*table),
        _ => None,
    }));
    required.extend(intent.context.iter().map(|(t, _)| *t));
    let plan = joins::plan(model, edges, root, &required).map_err(Reject::Plan)?;

    let fanned = plan.steps.iter().find(|s| !s.forward).map(|s| s.added());
    if let Some(other) = fanned {
        let sums = matches!(&intent.measure, Some((Measure::Agg { agg: None | Some(Agg::Sum | Agg::Avg), .. }, _)));
        let counts_without_key = matches!(&intent.measure, Some((Measure::CountRows { .. }, _)))
            && model.tables[root].primary_key.len() != 1;
        if sums || counts_without_key || is_row_ranking(intent, picks) {
            return Err(Reject::FanOut { measured: root, other });
        }
    }
    for (s, slot) in intent.slots.iter().enumerate() {
        if slot.single_valued && plan.multiplies(picks[s].col.table) {
            return Err(Reject::Multiplied(picks[s]));
        }
    }
    if let Some(listing) = &intent.listing {
        let numeric_filters =
            intent.filters.iter().filter(|f| matches!(f.kind, FilterKind::Compare(..) | FilterKind::Between(..)));
        for s in listing.columns.iter().copied().chain(numeric_filters.map(|f| f.slot)) {
            if plan.multiplies(picks[s].col.table) {
                return Err(Reject::Multiplied(picks[s]));
            }
        }
    }
    Ok(plan)
}

/// How an entity is shown when grouped by: its name-like column(s), else its key.
enum Display {
    Column(usize),
    Names(usize, usize),
    Key,
}

fn display_of(model: &SchemaModel, vocab: &Vocab, t: usize) -> Display {
    let terms = &vocab.tables[t];
    let table = &model.tables[t];
    let text = |ci: usize| !terms.columns[ci].key && table.columns[ci].kind == crate::semantic::ColumnKind::Text;
    let named = |words: &[&str]| {
        let stems: Vec<String> = words.iter().map(|w| words::stem(w)).collect();
        (0..table.columns.len())
            .find(|&ci| text(ci) && (terms.columns[ci].core == stems || terms.columns[ci].stems == stems))
    };
    if let Some(ci) = named(&["name"]).or_else(|| named(&["full", "name"])).or_else(|| named(&["display", "name"])) {
        return Display::Column(ci);
    }
    if let (Some(f), Some(l)) = (named(&["first", "name"]), named(&["last", "name"])) {
        return Display::Names(f, l);
    }
    if let Some(ci) = named(&["title"]).or_else(|| named(&["label"])) {
        return Display::Column(ci);
    }
    // `continents.continent`, `genre.genre`: a text column named after its table is its name.
    if let Some(ci) = (0..table.columns.len()).find(|&ci| text(ci) && terms.columns[ci].stems == terms.stems) {
        return Display::Column(ci);
    }
    let name = words::stem("name");
    if let Some(ci) = (0..table.columns.len()).find(|&ci| text(ci) && terms.columns[ci].stems.last() == Some(&name)) {
        return Display::Column(ci);
    }
    Display::Key
}

/// Output-column names must be unique for the chart to address them.
fn unique_alias(columns: &[(String, String)], wanted: &str) -> String {
    let base = if wanted.trim().is_empty() { "value".to_string() } else { wanted.trim().to_string() };
    let mut alias = base.clone();
    let mut n = 2;
    while columns.iter().any(|(_, a)| *a == alias) {
        alias = format!("{base} {n}");
        n += 1;
    }
    alias
}

fn build(intent: &Intent, chosen: &Chosen, model: &SchemaModel) -> Answer {
    let engine = model.engine;
    let vocab = Vocab::new(model);
    let picks = &chosen.picks;
    let plan = &chosen.plan;
    let aliases = Aliases::new(model, plan);
    let col_of =
        |c: Cand| sql::column(model, &aliases, c.col.table, &model.tables[c.col.table].columns[c.col.column].name);
    let label_of =
        |c: Cand| sql::column_label(model, c.col.table, &model.tables[c.col.table].columns[c.col.column].name);
    let (from, joins, join_lines) = sql::from_and_joins(model, plan, &aliases);
    let mut select = Select { from, joins, ..Select::default() };
    let mut explanation = Vec::new();
    let map = |phrase: &str, meaning: String| Mapping { phrase: phrase.to_string(), meaning };

    for f in &intent.filters {
        let col = col_of(picks[f.slot]);
        let (sql_text, meaning) = match &f.kind {
            FilterKind::Compare(op, v) => (
                format!("{col} {} {}", op.sql(), sql::number(*v)),
                format!("{} {} {}", label_of(picks[f.slot]), op.sql(), sql::number(*v)),
            ),
            FilterKind::Between(a, b) => (
                format!("{col} BETWEEN {} AND {}", sql::number(*a), sql::number(*b)),
                format!("{} between {} and {}", label_of(picks[f.slot]), sql::number(*a), sql::number(*b)),
            ),
            FilterKind::Period(p)
                if model.tables[picks[f.slot].col.table].columns[picks[f.slot].col.column].kind.is_numeric() =>
            {
                // An integer year column: the span's years, end excluded as for dates.
                let (from, to) = p.years();
                let mut parts = Vec::new();
                if let Some(y) = from {
                    parts.push(format!("{col} >= {y}"));
                }
                if let Some(y) = to {
                    parts.push(format!("{col} < {y}"));
                }
                let range = format!(
                    "{} to {}",
                    from.map_or("…".to_string(), |y| y.to_string()),
                    to.map_or("…".to_string(), |y| y.to_string())
                );
                (parts.join(" AND "), format!("{} from {range} (end excluded)", label_of(picks[f.slot])))
            }
            FilterKind::Period(p) => {
                let mut parts = Vec::new();
                if let Some(from) = &p.from {
                    parts.push(format!("{col} >= {}", sql::string(engine, from)));
                }
                if let Some(to) = &p.to {
                    parts.push(format!("{col} < {}", sql::string(engine, to)));
                }
                let range = format!("{} to {}", p.from.as_deref().unwrap_or("…"), p.to.as_deref().unwrap_or("…"));
                (parts.join(" AND "), format!("{} from {range} (end excluded)", label_of(picks[f.slot])))
            }
            FilterKind::Equals(v) => (
                format!("{col} = {}", sql::string(engine, v)),
                format!("{} = {}", label_of(picks[f.slot]), sql::string(engine, v)),
            ),
        };
        select.filters.push(sql_text);
        explanation.push(map(&f.phrase, format!("filter {meaning}")));
    }

    let chart;
    if let Some(listing) = &intent.listing {
        let root = plan.root;
        let display = match (listing.columns.is_empty() && intent.asks, display_of(model, &vocab, root)) {
            // `What are the cities whose …` asks which cities: their names, not every column.
            (true, Display::Column(ci)) => Some(vec![ci]),
            (true, Display::Names(f, l)) => Some(vec![f, l]),
            _ => None,
        };
        if let Some(shown) = display {
            for ci in shown {
                let name = &model.tables[root].columns[ci].name;
                let alias = unique_alias(&select.columns, name);
                select.columns.push((sql::column(model, &aliases, root, name), alias));
            }
        } else if listing.columns.is_empty() {
            for c in &model.tables[root].columns {
                let expr = sql::column(model, &aliases, root, &c.name);
                let alias = unique_alias(&select.columns, &c.name);
                select.columns.push((expr, alias));
            }
        } else {
            for &s in &listing.columns {
                let c = picks[s];
                let alias = unique_alias(&select.columns, &model.tables[c.col.table].columns[c.col.column].name);
                select.columns.push((col_of(c), alias));
                explanation.push(map(&intent.slots[s].phrase, format!("show {}", label_of(c))));
            }
        }
        if let Some((t, phrase)) = &listing.table {
            explanation.push(map(phrase, format!("rows of {}", sql::table_name(model, *t))));
        }
        // A filter across a one-to-many join would repeat a row once per match.
        select.distinct = listing.distinct || plan.fans_out();
        // No LIMIT: the relay streams results and enforces its own row cap, and a cut-off
        // listing would silently answer a different question.
        chart = ChartSpec::table();
    } else if is_row_ranking(intent, picks) {
        let (Some((Measure::Agg { slot, .. }, _)), [Dim::Entity { table, phrase, .. }]) =
            (&intent.measure, intent.dims.as_slice())
        else {
            return Answer { sql: String::new(), chart: ChartSpec::table(), explanation };
        };
        let first =
            show_entity(intent, model, &vocab, &aliases, picks, *table, phrase, &mut select, &mut explanation).0;
        let c = picks[*slot];
        let column = &model.tables[c.col.table].columns[c.col.column];
        // A row without the value cannot be the largest or smallest, yet SQLite sorts NULL
        // first ascending and PostgreSQL first descending.
        if column.nullable {
            select.filters.push(format!("{} IS NOT NULL", col_of(c)));
        }
        let hidden = measure_hidden(intent);
        let order = if hidden {
            col_of(c)
        } else {
            let alias = unique_alias(&select.columns, &column.name);
            select.columns.push((col_of(c), alias.clone()));
            engine.quote_ident(&alias)
        };
        explanation.push(map(&intent.slots[*slot].phrase, label_of(c)));
        rank_clause(intent, &mut select, &order, &column.name, &first, &mut explanation);
        chart = if select.columns.len() == 2 {
            ChartSpec { kind: ChartKind::Bar, x: Some(0), y: vec![1] }
        } else {
            ChartSpec::table()
        };
    } else {
        // `average quantity per order line`: grouping a table's average by its own rows would
        // return every row; the question means the average over them.
        let own_rows = intent.rank.is_none()
            && intent.having.is_none()
            && match (&intent.measure, intent.dims.as_slice()) {
                (Some((Measure::Agg { agg: Some(Agg::Avg), slot }, _)), [Dim::Entity { table, .. }]) => {
                    picks[*slot].col.table == *table
                }
                _ => false,
            };
        let dims: &[Dim] = if own_rows { &[] } else { &intent.dims };
        let mut has_time = false;
        let mut dim_aliases = Vec::new();
        for d in dims {
            match d {
                Dim::Time { unit, slot, phrase } => {
                    has_time = true;
                    let c = picks[*slot];
                    // An integer year column (`Year`, `release_year`) is already the yearly bucket.
                    let expr = if model.tables[c.col.table].columns[c.col.column].kind.is_numeric() {
                        col_of(c)
                    } else {
                        sql::bucket(engine, *unit, &col_of(c))
                    };
                    let alias = unique_alias(&select.columns, unit.label());
                    select.group_by.push(expr.clone());
                    select.columns.push((expr, alias.clone()));
                    dim_aliases.push(engine.quote_ident(&alias));
                    explanation.push(map(phrase, format!("group by {} of {}", unit.label(), label_of(c))));
                }
                Dim::Column { slot } => {
                    let c = picks[*slot];
                    let alias = unique_alias(&select.columns, &model.tables[c.col.table].columns[c.col.column].name);
                    select.group_by.push(col_of(c));
                    select.columns.push((col_of(c), alias.clone()));
                    dim_aliases.push(engine.quote_ident(&alias));
                    explanation.push(map(&intent.slots[*slot].phrase, format!("group by {}", label_of(c))));
                }
                Dim::Entity { table, phrase, .. } => {
                    let (first, keys) = show_entity(
                        intent,
                        model,
                        &vocab,
                        &aliases,
                        picks,
                        *table,
                        phrase,
                        &mut select,
                        &mut explanation,
                    );
                    select.group_by.extend(keys);
                    dim_aliases.push(first);
                }
            }
        }
        let (expr, meaning, label) = measure_sql(intent, picks, model, plan, &aliases);
        let hidden = measure_hidden(intent) && !dims.is_empty();
        let order = if hidden {
            expr.clone()
        } else {
            let alias = unique_alias(&select.columns, &label.to_lowercase());
            select.columns.push((expr.clone(), alias.clone()));
            engine.quote_ident(&alias)
        };
        explanation.push(map(&label, meaning));
        if let Some((op, n)) = intent.having {
            select.having = Some(format!("{expr} {} {}", op.sql(), sql::number(n)));
            explanation.push(map(&label, format!("keep groups where {label} {} {}", op.sql(), sql::number(n))));
        }
        if intent.rank.is_some() {
            let first = dim_aliases.first().cloned().unwrap_or_default();
            rank_clause(intent, &mut select, &order, &label.to_lowercase(), &first, &mut explanation);
        } else if has_time {
            select.order_by = dim_aliases.iter().map(|a| format!("{a} ASC")).collect();
        } else if !dim_aliases.is_empty() {
            select.order_by.push(format!("{order} DESC"));
            select.order_by.extend(dim_aliases.iter().map(|a| format!("{a} ASC")));
        }
        chart = match (dims.len(), dims.first()) {
            (0, _) => ChartSpec { kind: ChartKind::BigNumber, x: None, y: vec![0] },
            _ if hidden || select.columns.len() != 2 => ChartSpec::table(),
            (1, Some(Dim::Time { .. })) => ChartSpec { kind: ChartKind::Line, x: Some(0), y: vec![1] },
            (1, _) => ChartSpec { kind: ChartKind::Bar, x: Some(0), y: vec![1] },
            _ => ChartSpec::table(),
        };
    }
    for line in join_lines {
        explanation.push(map("(join)", format!("join on {line}")));
    }
    Answer { sql: select.render(engine), chart, explanation }
}

/// Whether the measure only decides which groups or rows are kept: `which artist has the most
/// albums` asks for an artist, `names of countries with the top 3 populations` for names, and
/// `artists with at least 3 albums` for artists. Extra columns would answer another question;
/// `top 10 customers by revenue` keeps its measure, which is what the bar chart draws.
fn measure_hidden(intent: &Intent) -> bool {
    intent.having.is_some() || (intent.rank.is_some() && (intent.asks || !intent.shown.is_empty()))
}

/// Puts an entity's label, or the columns of it the question asked for, into the select list.
/// Returns the first shown column (quoted, for tie-breaking) and the GROUP BY keys.
#[allow(clippy::too_many_arguments)]
fn show_entity(
    intent: &Intent,
    model: &SchemaModel,
    vocab: &Vocab,
    aliases: &Aliases,
    picks: &[Cand],
    table: usize,
    phrase: &str,
    select: &mut Select,
    explanation: &mut Vec<Mapping>,
) -> (String, Vec<String>) {
    let (label, alias, mut keys) = entity_label(model, vocab, aliases, table);
    if intent.shown.is_empty() {
        let alias = unique_alias(&select.columns, &alias);
        select.columns.push((label, alias.clone()));
        explanation.push(Mapping {
            phrase: phrase.to_string(),
            meaning: if is_row_ranking(intent, picks) {
                format!("one row per {} labelled {alias}", sql::table_name(model, table))
            } else {
                format!("group by each row of {} (shown as {alias})", sql::table_name(model, table))
            },
        });
        return (model.engine.quote_ident(&alias), keys);
    }
    let mut first = String::new();
    for &s in &intent.shown {
        let c = picks[s];
        let name = &model.tables[c.col.table].columns[c.col.column].name;
        let expr = sql::column(model, aliases, c.col.table, name);
        let alias = unique_alias(&select.columns, name);
        if !keys.contains(&expr) {
            keys.push(expr.clone());
        }
        select.columns.push((expr, alias.clone()));
        if first.is_empty() {
            first = model.engine.quote_ident(&alias);
        }
        explanation.push(Mapping {
            phrase: intent.slots[s].phrase.clone(),
            meaning: format!(
                "show {} for each row of {}",
                sql::column_label(model, c.col.table, name),
                sql::table_name(model, table)
            ),
        });
    }
    (first, keys)
}

/// `ORDER BY measure DESC LIMIT n`, where a superlative over a singular noun (`which customer
/// has the most orders`) means just the first row. `order` and `tie` are rendered SQL.
fn rank_clause(
    intent: &Intent,
    select: &mut Select,
    order: &str,
    measure_name: &str,
    tie: &str,
    explanation: &mut Vec<Mapping>,
) {
    let Some(rank) = &intent.rank else { return };
    let dir = if rank.dir == Dir::Desc { "DESC" } else { "ASC" };
    let singular = match intent.dims.first() {
        Some(Dim::Entity { plural, .. }) => !plural,
        Some(Dim::Column { slot }) => !intent.slots[*slot].plural,
        Some(Dim::Time { phrase, .. }) => !phrase.ends_with('s'),
        None => false,
    } || (intent.asks && intent.singular_verb);
    let limit = rank.limit.or((rank.superlative && singular).then_some(1));
    select.order_by = vec![format!("{order} {dir}")];
    if !tie.is_empty() {
        // Breaks ties so the same data always gives the same top N.
        select.order_by.push(format!("{tie} ASC"));
    }
    select.limit = limit;
    let meaning = match limit {
        Some(n) => format!("order by {measure_name} {}, keep the first {n}", dir.to_lowercase()),
        None => format!("order by {measure_name} {}", dir.to_lowercase()),
    };
    explanation.push(Mapping { phrase: rank.phrase.clone(), meaning });
}

/// The label expression, its output name and the GROUP BY keys for one entity. The primary key
/// is grouped on too, so two customers who share a name stay two bars.
fn entity_label(model: &SchemaModel, vocab: &Vocab, aliases: &Aliases, t: usize) -> (String, String, Vec<String>) {
    let table = &model.tables[t];
    let col = |name: &str| sql::column(model, aliases, t, name);
    let keys: Vec<String> = table.primary_key.iter().map(|k| col(k)).collect();
    let with_keys = |mut extra: Vec<String>| {
        let mut g = keys.clone();
        g.append(&mut extra);
        g
    };
    match display_of(model, vocab, t) {
        Display::Column(ci) => {
            let name = &table.columns[ci].name;
            (col(name), name.clone(), with_keys(vec![col(name)]))
        }
        Display::Names(f, l) => {
            let (f, l) = (&table.columns[f].name, &table.columns[l].name);
            (sql::concat_names(model.engine, &col(f), &col(l)), "name".to_string(), with_keys(vec![col(f), col(l)]))
        }
        Display::Key => match keys.as_slice() {
            [one] => (one.clone(), table.primary_key[0].clone(), keys.clone()),
            _ => {
                let first = table.columns.first().map(|c| c.name.clone()).unwrap_or_default();
                (col(&first), first.clone(), with_keys(vec![col(&first)]))
            }
        },
    }
}

/// The aggregate expression, its explanation and the output name taken from the question.
fn measure_sql(
    intent: &Intent,
    picks: &[Cand],
    model: &SchemaModel,
    plan: &JoinPlan,
    aliases: &Aliases,
) -> (String, String, String) {
    let Some((measure, label)) = &intent.measure else {
        return ("COUNT(*)".into(), "count rows".into(), "count".into());
    };
    let col_of =
        |c: Cand| sql::column(model, aliases, c.col.table, &model.tables[c.col.table].columns[c.col.column].name);
    let label_of =
        |c: Cand| sql::column_label(model, c.col.table, &model.tables[c.col.table].columns[c.col.column].name);
    match measure {
        Measure::CountRows { table } => {
            let t = &model.tables[*table];
            // A one-to-many join repeats each counted row, so count its key once instead.
            if plan.fans_out() && t.primary_key.len() == 1 {
                let key = sql::column(model, aliases, *table, &t.primary_key[0]);
                (
                    format!("COUNT(DISTINCT {key})"),
                    format!(
                        "COUNT(DISTINCT {}.{})",
                        sql::table_name(model, *table),
                        model.engine.quote_ident(&t.primary_key[0])
                    ),
                    label.clone(),
                )
            } else {
                ("COUNT(*)".into(), format!("COUNT(*) of {}", sql::table_name(model, *table)), label.clone())
            }
        }
        Measure::CountDistinct { slot } => {
            let c = picks[*slot];
            (format!("COUNT(DISTINCT {})", col_of(c)), format!("COUNT(DISTINCT {})", label_of(c)), label.clone())
        }
        Measure::Agg { agg, slot } => {
            let c = picks[*slot];
            let agg = agg.unwrap_or_else(|| {
                let stems = &Vocab::new(model).column(c.col).stems.clone();
                if words::is_non_additive(stems) {
                    Agg::Avg
                } else {
                    Agg::Sum
                }
            });
            (format!("{}({})", agg.sql(), col_of(c)), format!("{}({})", agg.sql(), label_of(c)), label.clone())
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::semantic::Engine;
    use fixtures::{demo, demo_in, music_store};

    /// Compiles, insists on an answer, and checks the guard admits its SQL.
    fn answer(question: &str, model: &SchemaModel) -> Answer {
        match compile(question, model) {
            CompileOutcome::Answer(a) => {
                assert!(crate::guard::check(&a.sql, model.engine).is_ok(), "guard refused: {}", a.sql);
                a
            }
            CompileOutcome::Clarify(c) => panic!("{question:?} clarified: {c:?}"),
        }
    }

    fn clarification(question: &str, model: &SchemaModel) -> Clarification {
        match compile(question, model) {
            CompileOutcome::Clarify(c) => c,
            CompileOutcome::Answer(a) => panic!("{question:?} answered instead of asking: {}", a.sql),
        }
    }

    #[test]
    fn revenue_by_month_sums_order_totals_per_month_in_time_order() {
        let a = answer("revenue by month", &demo());
        assert_eq!(
            a.sql,
            "SELECT strftime('%Y-%m', \"o\".\"order_date\") AS \"month\", SUM(\"o\".\"total_amount\") AS \"revenue\" \
             FROM \"orders\" AS \"o\" GROUP BY strftime('%Y-%m', \"o\".\"order_date\") ORDER BY \"month\" ASC"
        );
        assert_eq!(a.chart, ChartSpec { kind: ChartKind::Line, x: Some(0), y: vec![1] });
    }

    #[test]
    fn top_n_customers_are_ranked_by_the_measure_descending_and_grouped_by_key_and_name() {
        let a = answer("top 10 customers by revenue", &demo());
        assert!(
            a.sql.starts_with("SELECT \"c\".\"name\" AS \"name\", SUM(\"o\".\"total_amount\") AS \"revenue\""),
            "{}",
            a.sql
        );
        assert!(a.sql.contains("JOIN \"customers\" AS \"c\" ON \"o\".\"customer_id\" = \"c\".\"id\""), "{}", a.sql);
        assert!(a.sql.contains("GROUP BY \"c\".\"id\", \"c\".\"name\""), "{}", a.sql);
        assert!(a.sql.contains("ORDER BY \"revenue\" DESC") && a.sql.ends_with("LIMIT 10"), "{}", a.sql);
        assert_eq!(a.chart, ChartSpec { kind: ChartKind::Bar, x: Some(0), y: vec![1] });
    }

    #[test]
    fn orders_per_country_count_orders_grouped_by_the_customers_country() {
        let a = answer("number of orders per country", &demo());
        assert!(
            a.sql.starts_with(
                "SELECT \"c\".\"country\" AS \"country\", COUNT(*) AS \"number of orders\" FROM \"orders\""
            ),
            "{}",
            a.sql
        );
        assert!(a.sql.contains("GROUP BY \"c\".\"country\""), "{}", a.sql);
        assert_eq!(a.chart.kind, ChartKind::Bar);
    }

    #[test]
    fn average_order_value_by_year_averages_order_totals_per_year() {
        let a = answer("average order value by year", &demo());
        assert!(a.sql.contains("strftime('%Y', \"o\".\"order_date\") AS \"year\""), "{}", a.sql);
        assert!(a.sql.contains("AVG(\"o\".\"total_amount\")"), "{}", a.sql);
        assert!(a.sql.ends_with("ORDER BY \"year\" ASC"), "{}", a.sql);
    }

    #[test]
    fn how_many_customers_is_one_big_number() {
        let a = answer("how many customers", &demo());
        assert_eq!(a.sql, "SELECT COUNT(*) AS \"number of customers\" FROM \"customers\" AS \"c\"");
        assert_eq!(a.chart, ChartSpec { kind: ChartKind::BigNumber, x: None, y: vec![0] });
    }

    #[test]
    fn revenue_by_product_category_sums_line_totals_because_order_totals_would_double_count() {
        let a = answer("revenue by product category", &demo());
        assert!(a.sql.contains("SUM(\"ol\".\"line_total\")"), "{}", a.sql);
        assert!(!a.sql.contains("total_amount"), "{}", a.sql);
    }

    #[test]
    fn summing_across_a_one_to_many_join_clarifies_instead_of_double_counting() {
        // The only revenue-like column sits on invoices; genres are reached through their lines.
        let c = clarification("revenue by genre", &music_store());
        assert!(c.message.contains("more than once"), "{}", c.message);
    }

    #[test]
    fn counting_across_a_one_to_many_join_counts_each_row_once() {
        let a = answer("number of orders per product", &demo());
        assert!(a.sql.contains("COUNT(DISTINCT \"o\".\"id\")"), "{}", a.sql);
    }

    #[test]
    fn two_equally_short_join_routes_clarify_and_naming_the_middle_table_decides() {
        let c = clarification("revenue by region", &demo());
        assert!(c.candidates.contains(&"customers.region_id".to_string()), "{c:?}");
        assert!(c.candidates.contains(&"employees.region_id".to_string()), "{c:?}");
        let a = answer("revenue by customer region", &demo());
        assert!(a.sql.contains("JOIN \"customers\" AS \"c\"") && !a.sql.contains("employees"), "{}", a.sql);
        let a = answer("revenue by employee region", &demo());
        assert!(a.sql.contains("JOIN \"employees\" AS \"e\"") && !a.sql.contains("customers"), "{}", a.sql);
    }

    #[test]
    fn unknown_words_are_reported_instead_of_ignored() {
        let c = clarification("revenue by flavour", &demo());
        assert_eq!(c.unknown_words, ["flavour"]);
    }

    #[test]
    fn negations_and_relative_dates_are_refused_rather_than_dropped() {
        assert_eq!(clarification("customers not in 'France'", &demo()).unknown_words, ["not"]);
        assert_eq!(clarification("revenue last year", &demo()).unknown_words, ["last"]);
    }

    #[test]
    fn a_phrase_naming_two_columns_equally_well_clarifies_with_both() {
        let c = clarification("maximum unit price", &demo());
        assert_eq!(c.candidates, ["products.unit_price", "order_lines.unit_price"]);
    }

    #[test]
    fn the_table_named_next_to_a_column_picks_between_same_named_columns() {
        let a = answer("maximum unit price of products", &demo());
        assert!(a.sql.contains("MAX(\"p\".\"unit_price\")"), "{}", a.sql);
    }

    #[test]
    fn a_country_name_picks_the_country_column_and_other_places_clarify() {
        let a = answer("customers in 'Germany'", &demo());
        assert!(a.sql.ends_with("WHERE \"c\".\"country\" = 'Germany'"), "{}", a.sql);
        let c = clarification("customers in 'Lyon'", &demo());
        assert_eq!(c.candidates, ["customers.country", "customers.city"]);
        let c = clarification("total revenue for 'Enterprise' customers", &demo());
        assert!(c.candidates.contains(&"customers.segment".to_string()), "{c:?}");
    }

    #[test]
    fn a_named_text_column_takes_the_quoted_value() {
        let a = answer("how many customers where segment is 'Enterprise'", &demo());
        assert!(a.sql.ends_with("WHERE \"c\".\"segment\" = 'Enterprise'"), "{}", a.sql);
    }

    #[test]
    fn listings_show_every_matching_row_as_a_table_and_leave_the_row_cap_to_the_relay() {
        let a = answer("list orders with total amount over 500", &demo());
        assert!(a.sql.ends_with("FROM \"orders\" AS \"o\" WHERE \"o\".\"total_amount\" > 500"), "{}", a.sql);
        assert_eq!(a.chart, ChartSpec::table());
    }

    #[test]
    fn years_become_half_open_date_ranges() {
        let a = answer("how many orders in 2024", &demo());
        assert!(
            a.sql.ends_with("WHERE \"o\".\"order_date\" >= '2024-01-01' AND \"o\".\"order_date\" < '2025-01-01'"),
            "{}",
            a.sql
        );
        let a = answer("revenue since 2023", &demo());
        assert!(a.sql.ends_with("WHERE \"o\".\"order_date\" >= '2023-01-01'"), "{}", a.sql);
        let a = answer("orders before 2022", &demo());
        assert!(a.sql.contains("WHERE \"o\".\"order_date\" < '2022-01-01'"), "{}", a.sql);
        let a = answer("revenue between 2022 and 2023", &demo());
        assert!(a.sql.contains(">= '2022-01-01' AND \"o\".\"order_date\" < '2024-01-01'"), "{}", a.sql);
    }

    #[test]
    fn a_superlative_over_a_singular_noun_keeps_one_row_and_over_a_plural_keeps_all() {
        let a = answer("which customer has the most orders", &demo());
        assert!(a.sql.ends_with("LIMIT 1"), "{}", a.sql);
        let a = answer("customers with the highest revenue", &demo());
        assert!(!a.sql.contains("LIMIT"), "{}", a.sql);
    }

    #[test]
    fn without_a_grouping_highest_is_a_maximum() {
        let a = answer("highest order total", &demo());
        assert_eq!(a.sql, "SELECT MAX(\"o\".\"total_amount\") AS \"highest order total\" FROM \"orders\" AS \"o\"");
    }

    #[test]
    fn ranking_rows_of_the_measured_table_needs_no_grouping() {
        let a = answer("top 5 products by price", &demo());
        assert_eq!(
            a.sql,
            "SELECT \"p\".\"name\" AS \"name\", \"p\".\"unit_price\" AS \"unit_price\" FROM \"products\" AS \"p\" \
             ORDER BY \"unit_price\" DESC, \"name\" ASC LIMIT 5"
        );
    }

    #[test]
    fn an_entity_without_a_name_column_is_shown_by_first_and_last_name() {
        let a = answer("revenue per employee", &demo());
        assert!(a.sql.contains("\"e\".\"first_name\" || ' ' || \"e\".\"last_name\" AS \"name\""), "{}", a.sql);
        assert!(a.sql.contains("GROUP BY \"e\".\"id\", \"e\".\"first_name\", \"e\".\"last_name\""), "{}", a.sql);
    }

    #[test]
    fn every_answer_explains_its_measure_grouping_and_joins() {
        let a = answer("top 10 customers by revenue", &demo());
        let meanings: Vec<&str> = a.explanation.iter().map(|m| m.meaning.as_str()).collect();
        assert!(meanings.contains(&"SUM(\"orders\".\"total_amount\")"), "{meanings:?}");
        assert!(meanings.iter().any(|m| m.starts_with("group by each row of \"customers\"")), "{meanings:?}");
        assert!(meanings.iter().any(|m| m.starts_with("join on \"orders\".\"customer_id\"")), "{meanings:?}");
        assert!(a.explanation.iter().any(|m| m.phrase == "top 10"), "{:?}", a.explanation);
    }

    #[test]
    fn time_buckets_are_sortable_labels_in_each_engine() {
        let pg = demo_in(Engine::Postgres, None);
        assert!(answer("revenue by month", &pg)
            .sql
            .contains("to_char(date_trunc('month', \"o\".\"order_date\"), 'YYYY-MM')"));
        assert!(answer("quarterly revenue", &pg)
            .sql
            .contains("to_char(date_trunc('quarter', \"o\".\"order_date\"), 'YYYY-\"Q\"Q')"));
        let my = demo_in(Engine::Mysql, None);
        assert!(answer("revenue by month", &my).sql.contains("DATE_FORMAT(`o`.`order_date`, '%Y-%m') AS `month`"));
        assert!(answer("revenue by quarter", &my)
            .sql
            .contains("CONCAT(YEAR(`o`.`order_date`), '-Q', QUARTER(`o`.`order_date`))"));
        let lite = demo();
        assert!(answer("weekly revenue", &lite).sql.contains("strftime('%Y-W%W', \"o\".\"order_date\")"));
        assert!(answer("revenue by quarter", &lite)
            .sql
            .contains("strftime('%Y', \"o\".\"order_date\") || '-Q' || ((CAST(strftime('%m', \"o\".\"order_date\") AS INTEGER) + 2) / 3)"));
    }

    #[test]
    fn tables_in_a_named_schema_are_qualified_and_quoted_part_by_part() {
        let a = answer("top 10 customers by revenue", &demo_in(Engine::Postgres, Some("sales")));
        assert!(
            a.sql.contains("FROM \"sales\".\"orders\" AS \"o\" JOIN \"sales\".\"customers\" AS \"c\""),
            "{}",
            a.sql
        );
    }

    #[test]
    fn mysql_names_people_with_concat_since_double_pipe_is_or_there() {
        let a = answer("revenue per employee", &demo_in(Engine::Mysql, None));
        assert!(a.sql.contains("CONCAT(`e`.`first_name`, ' ', `e`.`last_name`)"), "{}", a.sql);
    }

    #[test]
    fn text_date_columns_count_as_dates_on_sqlite_only() {
        let a = answer("revenue by month", &music_store());
        assert!(a.sql.contains("strftime('%Y-%m', \"i\".\"InvoiceDate\")"), "{}", a.sql);
        let mut pg = music_store();
        pg.engine = Engine::Postgres;
        assert!(matches!(compile("revenue by month", &pg), CompileOutcome::Clarify(_)));
    }

    #[test]
    fn split_identifiers_and_synonyms_work_on_an_unrelated_schema() {
        let m = music_store();
        let a = answer("top 5 artists by number of albums", &m);
        assert!(
            a.sql.contains("COUNT(*) AS \"number of albums\" FROM \"Album\" AS \"a\" JOIN \"Artist\" AS \"a2\""),
            "{}",
            a.sql
        );
        let a = answer("average unit price of tracks", &m);
        assert!(a.sql.contains("AVG(\"t\".\"UnitPrice\")"), "{}", a.sql);
        let a = answer("total sales by country", &m);
        assert!(a.sql.contains("SUM(\"i\".\"Total\")") && a.sql.contains("\"c\".\"Country\""), "{}", a.sql);
        let a = answer("which artist has the most tracks", &m);
        assert!(a.sql.contains("JOIN \"Album\"") && a.sql.ends_with("LIMIT 1"), "{}", a.sql);
        let a = answer("revenue by customer", &m);
        assert!(a.sql.contains("\"c\".\"FirstName\" || ' ' || \"c\".\"LastName\""), "{}", a.sql);
    }

    #[test]
    fn questions_that_need_what_the_compiler_lacks_clarify() {
        for q in [
            "",
            "foo bar",
            "top customers",
            "revenue over 1000 by month",
            "revenue and number of orders by month",
            "profit by month",
        ] {
            let _ = clarification(q, &demo());
        }
    }

    #[test]
    fn every_answer_is_one_read_only_select_on_every_engine() {
        let questions = [
            "revenue by month",
            "top 10 customers by revenue",
            "number of orders per country",
            "average order value by year",
            "how many customers",
            "revenue by product category",
            "customers in 'Germany'",
            "orders over 500",
            "weekly orders in 2024",
            "revenue by day since 2024-06-01",
            "list distinct countries",
            "number of orders per product",
            "revenue from 'O\\'",
            "which customer has the most orders",
            "top 5 products by quantity sold",
        ];
        for engine in [Engine::Sqlite, Engine::Postgres, Engine::Mysql] {
            let m = demo_in(engine, None);
            for q in questions {
                if let CompileOutcome::Answer(a) = compile(q, &m) {
                    assert!(crate::guard::check(&a.sql, engine).is_ok(), "{engine:?} {q}: {}", a.sql);
                    assert!(a.sql.starts_with("SELECT "), "{}", a.sql);
                    assert!(!a.explanation.is_empty());
                }
            }
        }
    }

    fn column_of(m: &mut SchemaModel, table: &str, column: &str) -> usize {
        let t = m.tables.iter().position(|t| t.name == table).unwrap();
        let c = m.tables[t].columns.iter().position(|c| c.name == column).unwrap();
        m.tables[t].columns[c].nullable = true;
        t
    }

    #[test]
    fn a_which_question_returns_the_answer_and_only_orders_by_the_measure() {
        let a = answer("Which customer has the most orders?", &demo());
        assert!(a.sql.starts_with("SELECT \"c\".\"name\" AS \"name\" FROM \"orders\""), "{}", a.sql);
        assert!(a.sql.ends_with("ORDER BY COUNT(*) DESC, \"name\" ASC LIMIT 1"), "{}", a.sql);
        let a = answer("Which artist has the most albums?", &music_store());
        assert!(a.sql.starts_with("SELECT \"a2\".\"Name\" AS \"Name\" FROM \"Album\""), "{}", a.sql);
        assert!(a.sql.ends_with("ORDER BY COUNT(*) DESC, \"Name\" ASC LIMIT 1"), "{}", a.sql);
    }

    #[test]
    fn which_of_a_plural_noun_with_a_singular_verb_keeps_one_row() {
        let a = answer("Which of the customers has the most orders?", &demo());
        assert!(a.sql.ends_with("LIMIT 1"), "{}", a.sql);
    }

    #[test]
    fn requested_columns_of_the_grouped_entity_replace_its_label_in_the_order_asked() {
        let a = answer("Show the album names, ids and the number of tracks for each album.", &music_store());
        assert_eq!(
            a.sql,
            "SELECT \"a\".\"Title\" AS \"Title\", \"a\".\"AlbumId\" AS \"AlbumId\", COUNT(*) AS \"number of tracks\" \
             FROM \"Track\" AS \"t\" JOIN \"Album\" AS \"a\" ON \"t\".\"AlbumId\" = \"a\".\"AlbumId\" \
             GROUP BY \"a\".\"AlbumId\", \"a\".\"Title\" ORDER BY \"number of tracks\" DESC, \"Title\" ASC"
        );
        let a = answer("show the names, ids and the number of orders for each customer", &demo());
        assert!(
            a.sql.starts_with(
                "SELECT \"c\".\"name\" AS \"name\", \"c\".\"id\" AS \"id\", COUNT(*) AS \"number of orders\""
            ),
            "{}",
            a.sql
        );
    }

    #[test]
    fn a_label_asked_for_twice_is_shown_once() {
        let a = answer("Which of the customers has the most orders? List the customer name.", &demo());
        assert!(a.sql.starts_with("SELECT \"c\".\"name\" AS \"name\" FROM"), "{}", a.sql);
        assert!(!a.sql.contains("name 2"), "{}", a.sql);
    }

    #[test]
    fn names_of_the_top_rows_by_a_column_show_only_the_names() {
        let a = answer("What are names of products with the top 3 largest unit price?", &demo());
        assert_eq!(a.sql, "SELECT \"p\".\"name\" AS \"name\" FROM \"products\" AS \"p\" ORDER BY \"p\".\"unit_price\" DESC, \"name\" ASC LIMIT 3");
        let a = answer("Give the name and composer of the track with the largest milliseconds", &music_store());
        assert!(
            a.sql.starts_with("SELECT \"t\".\"Name\" AS \"Name\", \"t\".\"Composer\" AS \"Composer\" FROM \"Track\""),
            "{}",
            a.sql
        );
        assert!(a.sql.ends_with("ORDER BY \"t\".\"Milliseconds\" DESC, \"Name\" ASC LIMIT 1"), "{}", a.sql);
    }

    #[test]
    fn ranking_rows_skips_rows_without_the_value() {
        let mut m = demo();
        column_of(&mut m, "products", "unit_price");
        let a = answer("top 5 products by price", &m);
        assert!(a.sql.contains("WHERE \"p\".\"unit_price\" IS NOT NULL ORDER BY"), "{}", a.sql);
    }

    #[test]
    fn a_what_question_listing_an_entity_shows_its_name() {
        let a = answer("What are the products whose unit price is between 10 and 20?", &demo());
        assert_eq!(
            a.sql,
            "SELECT \"p\".\"name\" AS \"name\" FROM \"products\" AS \"p\" WHERE \"p\".\"unit_price\" BETWEEN 10 AND 20"
        );
        let a = answer("What are the tracks with milliseconds over 300000?", &music_store());
        assert_eq!(
            a.sql,
            "SELECT \"t\".\"Name\" AS \"Name\" FROM \"Track\" AS \"t\" WHERE \"t\".\"Milliseconds\" > 300000"
        );
        // An imperative listing still shows the rows.
        assert!(answer("list customers in 'France'", &demo())
            .sql
            .starts_with("SELECT \"c\".\"id\" AS \"id\", \"c\".\"name\""));
    }

    #[test]
    fn a_count_of_related_rows_after_a_comparison_keeps_groups_that_pass() {
        let a = answer("artists that have at least 3 albums", &music_store());
        assert!(a.sql.starts_with("SELECT \"a2\".\"Name\" AS \"Name\" FROM \"Album\""), "{}", a.sql);
        assert!(a.sql.contains("GROUP BY \"a2\".\"ArtistId\", \"a2\".\"Name\" HAVING COUNT(*) >= 3"), "{}", a.sql);
        let a = answer("What are the names and ids of customers with more than five orders?", &demo());
        assert!(
            a.sql.starts_with("SELECT \"c\".\"name\" AS \"name\", \"c\".\"id\" AS \"id\" FROM \"orders\""),
            "{}",
            a.sql
        );
        assert!(a.sql.contains("HAVING COUNT(*) > 5"), "{}", a.sql);
        // A count and a condition on another count are two measures.
        let _ = clarification("how many customers have more than 5 orders", &demo());
    }

    #[test]
    fn the_most_common_thing_is_ranked_by_how_many_rows_of_the_other_table_name_it() {
        let a = answer("What is the name of the most common genre in all tracks?", &music_store());
        assert!(
            a.sql.starts_with("SELECT \"g\".\"Name\" AS \"Name\" FROM \"Track\" AS \"t\" JOIN \"Genre\""),
            "{}",
            a.sql
        );
        assert!(a.sql.ends_with("ORDER BY COUNT(*) DESC, \"Name\" ASC LIMIT 1"), "{}", a.sql);
        let a = answer("What is the least common category in all products?", &demo());
        assert_eq!(
            a.sql,
            "SELECT \"p\".\"category\" AS \"category\" FROM \"products\" AS \"p\" GROUP BY \"p\".\"category\" \
             ORDER BY COUNT(*) ASC, \"category\" ASC LIMIT 1"
        );
    }

    #[test]
    fn a_number_before_a_numeric_column_compares_that_column() {
        let a = answer("how many tracks have more than 300000 milliseconds", &music_store());
        assert!(a.sql.ends_with("WHERE \"t\".\"Milliseconds\" > 300000"), "{}", a.sql);
        let a = answer("how many order lines with 3 quantity", &demo());
        assert!(a.sql.ends_with("WHERE \"ol\".\"quantity\" = 3"), "{}", a.sql);
    }

    #[test]
    fn an_unquoted_capitalised_name_filters_only_the_column_or_table_it_touches() {
        let a = answer("average unit price of tracks in the Jazz genre", &music_store());
        assert!(a.sql.ends_with("WHERE \"g\".\"Name\" = 'Jazz'"), "{}", a.sql);
        let a = answer("how many customers in the Enterprise segment", &demo());
        assert!(a.sql.ends_with("WHERE \"c\".\"segment\" = 'Enterprise'"), "{}", a.sql);
        assert_eq!(clarification("how many customers in Germany", &demo()).unknown_words, ["Germany"]);
        // Lower case is no sign of a name.
        assert_eq!(clarification("how many tracks in the jazz genre", &music_store()).unknown_words, ["jazz"]);
    }

    #[test]
    fn an_integer_year_column_takes_whole_year_periods_and_is_its_own_yearly_bucket() {
        let mut m = music_store();
        let album = m.tables.iter().position(|t| t.name == "Album").unwrap();
        m.tables[album].columns.push(crate::semantic::Column {
            name: "ReleaseYear".into(),
            declared_type: "INTEGER".into(),
            kind: crate::semantic::ColumnKind::Integer,
            nullable: false,
            comment: None,
        });
        let a = answer("how many albums before 1990", &m);
        assert!(a.sql.ends_with("WHERE \"a\".\"ReleaseYear\" < 1990"), "{}", a.sql);
        let a = answer("number of albums per year", &m);
        assert!(a.sql.starts_with("SELECT \"a\".\"ReleaseYear\" AS \"year\", COUNT(*)"), "{}", a.sql);
        assert!(matches!(compile("how many albums in March 1990", &m), CompileOutcome::Clarify(_)));
    }

    #[test]
    fn a_table_named_with_a_generic_suffix_answers_to_its_first_word() {
        let mut m = demo();
        let p = m.tables.iter().position(|t| t.name == "products").unwrap();
        m.tables[p].name = "products_data".into();
        for t in &mut m.tables {
            for fk in &mut t.foreign_keys {
                if fk.referenced_table == "products" {
                    fk.referenced_table = "products_data".into();
                }
            }
        }
        assert_eq!(
            answer("how many products", &m).sql,
            "SELECT COUNT(*) AS \"number of products\" FROM \"products_data\" AS \"pd\""
        );
    }

    #[test]
    fn several_loose_columns_after_a_count_clarify_instead_of_grouping() {
        let _ = clarification("how many orders status country", &demo());
        let _ = clarification("maximum unit price and the category name of products", &demo());
    }

    /// The committed question set parses, has unique ids, covers at least 60 questions, and its
    /// gold SQL passes the guard.
    #[test]
    fn the_demo_question_set_is_well_formed() {
        let text = include_str!("../../../tests/questions/demo.jsonl");
        let mut ids = std::collections::HashSet::new();
        let mut n = 0;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            let id = v["id"].as_str().expect("id");
            assert!(ids.insert(id.to_string()), "duplicate id {id}");
            assert!(!v["question"].as_str().expect("question").is_empty());
            let gold = v["gold_sql"].as_str().expect("gold_sql");
            assert!(crate::guard::check(gold, Engine::Sqlite).is_ok(), "{id}: {gold}");
            n += 1;
        }
        assert!(n >= 60, "only {n} questions");
    }
}
