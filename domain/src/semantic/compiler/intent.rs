//! Reads the lexed pieces as a query shape: one measure, the groupings, the filters, a ranking,
//! or a plain listing. Columns stay open as candidate slots; `plan.rs` picks among them.

use super::resolve::{is_date_like, tier, Agg, Cand, Dir, Item, Op, Period, Piece, TimeUnit, Vocab};
use super::words;
use super::Clarification;
use crate::semantic::SchemaModel;

/// A column still to be chosen among candidates.
#[derive(Debug, Clone)]
pub(crate) struct Slot {
    pub phrase: String,
    pub cands: Vec<Cand>,
    /// The column must have one value per measured row (no one-to-many join on the way), as
    /// for the date a measure is bucketed or filtered by.
    pub single_valued: bool,
    pub plural: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum Measure {
    CountRows {
        table: usize,
    },
    CountDistinct {
        slot: usize,
    },
    /// `agg` is `None` when the question named no aggregate; it is picked from the column.
    Agg {
        agg: Option<Agg>,
        slot: usize,
    },
}

#[derive(Debug, Clone)]
pub(crate) enum Dim {
    Time { unit: TimeUnit, slot: usize, phrase: String },
    Entity { table: usize, phrase: String, plural: bool },
    Column { slot: usize },
}

#[derive(Debug, Clone)]
pub(crate) enum FilterKind {
    Compare(Op, f64),
    Between(f64, f64),
    Period(Period),
    Equals(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Filter {
    pub slot: usize,
    pub kind: FilterKind,
    pub phrase: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Rank {
    pub dir: Dir,
    pub limit: Option<u64>,
    pub phrase: String,
    /// From a superlative (`the most`), which means one row when its noun is singular.
    pub superlative: bool,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Intent {
    pub slots: Vec<Slot>,
    pub measure: Option<(Measure, String)>,
    pub dims: Vec<Dim>,
    pub filters: Vec<Filter>,
    pub rank: Option<Rank>,
    /// `Some` when the question lists rows instead of aggregating.
    pub listing: Option<Listing>,
    /// Tables mentioned only to be joined (`revenue of customers in 'France'`).
    pub context: Vec<(usize, String)>,
    /// Columns of the one grouped entity the question asked to see (`the album names, ids …
    /// for each album`), shown in place of the entity's label, in the order asked.
    pub shown: Vec<usize>,
    /// `… with at least 3 albums`: keeps groups whose measure passes; the measure exists only
    /// for this test and is not shown.
    pub having: Option<(Op, f64)>,
    /// The question is phrased as a question (`which …`, `what …`): it wants the answer, not
    /// the figures that decided it, so a ranking measure is used for ordering only.
    pub asks: bool,
    /// The question's first verb is singular (`which of the countries has …`): one answer.
    pub singular_verb: bool,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Listing {
    pub table: Option<(usize, String)>,
    pub columns: Vec<usize>,
    pub distinct: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Free,
    Used,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Numeric,
    NumericOrDate,
    Text,
    Date,
    Any,
}

fn clarify(message: impl Into<String>, unknown: Vec<String>, candidates: Vec<String>) -> Clarification {
    Clarification { message: message.into(), unknown_words: unknown, candidates }
}

pub(crate) fn col_name(model: &SchemaModel, c: Cand) -> String {
    let t = &model.tables[c.col.table];
    format!("{}.{}", t.name, t.columns[c.col.column].name)
}

struct Reader<'a> {
    model: &'a SchemaModel,
    vocab: &'a Vocab,
    pieces: Vec<Piece>,
    cands: Vec<Vec<Cand>>,
    role: Vec<Role>,
    /// For a table piece that names the table of the column piece right next to it.
    qualifies: Vec<Option<usize>>,
    /// For a table piece named right before another table it leads to.
    routes: Vec<bool>,
    piece_slot: Vec<Option<usize>>,
    intent: Intent,
    extreme: Option<(Dir, usize, String)>,
    pending_time: Vec<usize>,
    saw_aggregate_words: bool,
    distinct_listing: bool,
}

pub(crate) fn read(pieces: Vec<Piece>, model: &SchemaModel, vocab: &Vocab) -> Result<Intent, Clarification> {
    let n = pieces.len();
    let cands = pieces
        .iter()
        .map(|p| match &p.item {
            Item::Column(c) => c.clone(),
            _ => Vec::new(),
        })
        .collect();
    let mut r = Reader {
        model,
        vocab,
        pieces,
        cands,
        role: vec![Role::Free; n],
        qualifies: vec![None; n],
        routes: vec![false; n],
        piece_slot: vec![None; n],
        intent: Intent::default(),
        extreme: None,
        pending_time: Vec::new(),
        saw_aggregate_words: false,
        distinct_listing: false,
    };
    r.total_as_column();
    r.find_qualifiers();
    r.read_operators()?;
    r.read_free_pieces()?;
    Ok(r.intent)
}

impl Reader<'_> {
    fn table_of(&self, j: usize) -> Option<usize> {
        match self.pieces.get(j).map(|p| &p.item) {
            Some(Item::Table(t)) => Some(*t),
            _ => None,
        }
    }

    fn is_column(&self, j: usize) -> bool {
        matches!(self.pieces.get(j).map(|p| &p.item), Some(Item::Column(_)))
    }

    /// `total` with nothing to sum after it (`highest order total`, `total by month`) is a
    /// column word, as in schemas with a `total` column.
    fn total_as_column(&mut self) {
        for j in 0..self.pieces.len() {
            let is_total = matches!(self.pieces[j].item, Item::Agg(Agg::Sum))
                && self.pieces[j].phrase.eq_ignore_ascii_case("total");
            let next_is_noun =
                matches!(self.pieces.get(j + 1).map(|p| &p.item), Some(Item::Column(_) | Item::Table(_)));
            if is_total && !next_is_noun {
                let cands = self.vocab_word_columns("total", &words::synonyms("total"));
                if !cands.is_empty() {
                    self.cands[j] = cands.clone();
                    self.pieces[j].item = Item::Column(cands);
                }
            }
        }
    }

    /// `order value`, `product category`, `total amount of orders`: a table named right next to a
    /// column narrows the column to that table. `customer region`: a table named right before
    /// another is the way to reach it, and is joined on the way.
    fn find_qualifiers(&mut self) {
        for j in 0..self.pieces.len() {
            // Only a compound (`customer region`): `genre in all tracks` names two things.
            let compound = self.pieces.get(j + 1).is_some_and(|next| next.start == self.pieces[j].end);
            if let (Some(via), Some(_), true) = (self.table_of(j), self.table_of(j + 1), compound) {
                self.routes[j] = true;
                self.role[j] = Role::Used;
                self.intent.context.push((via, self.pieces[j].phrase.clone()));
            }
        }
        for j in 0..self.pieces.len() {
            if !self.is_column(j) {
                continue;
            }
            for k in [j.wrapping_sub(1), j + 1] {
                let Some(t) = self.table_of(k) else { continue };
                if self.qualifies[k].is_some() || self.routes[k] {
                    continue;
                }
                let inside: Vec<Cand> = self.cands[j].iter().copied().filter(|c| c.col.table == t).collect();
                if !inside.is_empty() {
                    self.cands[j] = inside;
                    self.qualifies[k] = Some(j);
                    break;
                }
            }
        }
    }

    /// The piece an operator at `j` applies to: a qualifying table stands aside for its column.
    fn target(&self, j: usize) -> usize {
        if self.routes.get(j).copied().unwrap_or(false) {
            return self.target(j + 1);
        }
        match self.qualifies.get(j) {
            Some(Some(c)) if *c == j + 1 => *c,
            _ => j,
        }
    }

    fn phrase_with_qualifier(&self, j: usize) -> String {
        match (j.checked_sub(1).and_then(|q| self.qualifies.get(q).copied().flatten()), self.qualifies.get(j + 1)) {
            (Some(c), _) if c == j => format!("{} {}", self.pieces[j - 1].phrase, self.pieces[j].phrase),
            (_, Some(Some(c))) if *c == j => format!("{} of {}", self.pieces[j].phrase, self.pieces[j + 1].phrase),
            _ => self.pieces[j].phrase.clone(),
        }
    }

    /// Marks column piece `j` and any table qualifying it as used.
    fn use_column(&mut self, j: usize) {
        self.role[j] = Role::Used;
        for k in [j.wrapping_sub(1), j + 1] {
            if self.qualifies.get(k).copied().flatten() == Some(j) {
                self.role[k] = Role::Used;
            }
        }
    }

    /// Marks column piece `j` as used by a filter; a table qualifying it stays a noun of the
    /// question (`products in category 'Tools'` still lists products).
    fn use_filter_column(&mut self, j: usize) {
        self.role[j] = Role::Used;
    }

    fn accepts(&self, c: Cand, want: Want) -> bool {
        let col = &self.model.tables[c.col.table].columns[c.col.column];
        let key = self.vocab.column(c.col).key;
        match want {
            Want::Numeric => col.kind.is_numeric() && !key,
            Want::NumericOrDate => (col.kind.is_numeric() && !key) || is_date_like(self.model, c.col),
            Want::Text => !key && !col.kind.is_numeric() && !is_date_like(self.model, c.col),
            Want::Date => is_date_like(self.model, c.col),
            Want::Any => true,
        }
    }

    /// The slot for column piece `j`, keeping only candidates of the wanted type.
    fn slot(&mut self, j: usize, want: Want) -> Result<usize, Clarification> {
        if let Some(s) = self.piece_slot[j] {
            if self.intent.slots[s].cands.iter().all(|c| self.accepts(*c, want)) {
                return Ok(s);
            }
            let phrase = self.intent.slots[s].phrase.clone();
            return Err(clarify(
                format!("\"{phrase}\" is used in two different ways in the question. Could you rephrase?"),
                vec![phrase],
                Vec::new(),
            ));
        }
        let kept: Vec<Cand> = self.cands[j].iter().copied().filter(|c| self.accepts(*c, want)).collect();
        let phrase = self.phrase_with_qualifier(j);
        if kept.is_empty() {
            let what = match want {
                Want::Numeric | Want::NumericOrDate => "a number",
                Want::Text => "text",
                Want::Date => "a date",
                Want::Any => "a column",
            };
            return Err(clarify(
                format!("\"{phrase}\" does not name a column holding {what} here. Which column did you mean?"),
                vec![phrase],
                self.cands[j].iter().map(|c| col_name(self.model, *c)).collect(),
            ));
        }
        let s = self.push_slot(phrase, kept, false, self.pieces[j].plural);
        self.piece_slot[j] = Some(s);
        Ok(s)
    }

    fn push_slot(&mut self, phrase: String, cands: Vec<Cand>, single_valued: bool, plural: bool) -> usize {
        self.intent.slots.push(Slot { phrase, cands, single_valued, plural });
        self.intent.slots.len() - 1
    }

    /// A column the question implies but does not name, from `pool`. When join distance may
    /// not decide (a quoted value's column: the nearest table says nothing about the value),
    /// the best-ranked candidate must be alone or the user is asked.
    fn implied_slot(
        &mut self,
        phrase: &str,
        pool: Vec<Cand>,
        by_distance: bool,
        what: &str,
    ) -> Result<usize, Clarification> {
        if pool.is_empty() {
            return Err(clarify(
                format!("\"{phrase}\" needs {what}, and I found none."),
                vec![phrase.to_string()],
                Vec::new(),
            ));
        }
        let mut cands = pool;
        if !by_distance {
            let best = cands.iter().map(|c| c.tier).max().unwrap_or(0);
            cands.retain(|c| c.tier == best);
            if cands.len() > 1 {
                return Err(clarify(
                    format!("Which column does \"{phrase}\" refer to?"),
                    Vec::new(),
                    cands.iter().map(|c| col_name(self.model, *c)).collect(),
                ));
            }
        }
        Ok(self.push_slot(phrase.to_string(), cands, true, false))
    }

    fn all_columns(&self, table: Option<usize>, want: Want) -> Vec<Cand> {
        let mut out = Vec::new();
        for (ti, t) in self.model.tables.iter().enumerate() {
            if table.is_some_and(|x| x != ti) {
                continue;
            }
            for ci in 0..t.columns.len() {
                let c = Cand { col: super::resolve::ColRef { table: ti, column: ci }, tier: tier::WEAK };
                if self.accepts(c, want) {
                    out.push(c);
                }
            }
        }
        out
    }

    /// The date a period or time bucket applies to; `whole_years` admits integer year columns
    /// (`Year`, `release_year`), which can hold a span of whole years but nothing finer.
    fn date_slot(&mut self, phrase: &str, whole_years: bool) -> Result<usize, Clarification> {
        let mut pool = self.all_columns(None, Want::Date);
        if whole_years {
            let year = words::stem("year");
            let years = self
                .all_columns(None, Want::Numeric)
                .into_iter()
                .filter(|c| {
                    self.model.tables[c.col.table].columns[c.col.column].kind == crate::semantic::ColumnKind::Integer
                })
                .filter(|c| self.vocab.column(c.col).stems.last() == Some(&year));
            pool.extend(years);
        }
        self.implied_slot(phrase, pool, true, "a date column")
    }

    fn read_operators(&mut self) -> Result<(), Clarification> {
        let n = self.pieces.len();
        let mut j = 0;
        while j < n {
            let item = self.pieces[j].item.clone();
            let phrase = self.pieces[j].phrase.clone();
            match item {
                Item::Count => {
                    self.saw_aggregate_words = true;
                    let mut k = j + 1;
                    if matches!(self.pieces.get(k).map(|p| &p.item), Some(Item::Distinct)) {
                        self.role[k] = Role::Used;
                        k += 1;
                    }
                    if let Some(t) = self.table_of(k) {
                        self.qualifies[k] = None;
                        self.role[k] = Role::Used;
                        let label = format!("number of {}", self.pieces[k].phrase);
                        self.set_measure(Measure::CountRows { table: t }, label)?;
                    } else if self.is_column(k) {
                        let s = self.slot(k, Want::Any)?;
                        self.use_column(k);
                        let label = format!("number of distinct {}", self.pieces[k].phrase);
                        self.set_measure(Measure::CountDistinct { slot: s }, label)?;
                    } else {
                        return Err(clarify(
                            format!("\"{phrase}\" what? Name the things to count."),
                            vec![phrase],
                            Vec::new(),
                        ));
                    }
                    j = k;
                }
                Item::Distinct => {
                    self.distinct_listing = true;
                }
                Item::Agg(agg) => {
                    self.saw_aggregate_words = true;
                    let k = self.target(j + 1);
                    if self.is_column(k) {
                        let want = if matches!(agg, Agg::Min | Agg::Max) { Want::NumericOrDate } else { Want::Numeric };
                        let s = self.slot(k, want)?;
                        self.use_column(k);
                        let label = format!("{phrase} {}", self.phrase_with_qualifier(k));
                        self.set_measure(Measure::Agg { agg: Some(agg), slot: s }, label)?;
                        j = k;
                    } else if let (Some(t), Agg::Sum) = (self.table_of(k), agg) {
                        // `total orders` counts them.
                        self.role[k] = Role::Used;
                        let label = format!("{phrase} {}", self.pieces[k].phrase);
                        self.set_measure(Measure::CountRows { table: t }, label)?;
                        j = k;
                    } else if phrase.eq_ignore_ascii_case("total") {
                        // `total` alone may itself be the column (`total by month`).
                        let syn = words::synonyms("total");
                        let cands = self.vocab_word_columns("total", &syn);
                        self.cands[j] = cands;
                        self.pieces[j].item = Item::Column(self.cands[j].clone());
                        continue;
                    } else {
                        return Err(clarify(
                            format!("\"{phrase}\" of what? Name a numeric column."),
                            vec![phrase],
                            Vec::new(),
                        ));
                    }
                }
                Item::Extreme(dir) => {
                    self.saw_aggregate_words = true;
                    let k = self.target(j + 1);
                    if let Some(t) = self.table_of(k) {
                        // `the most orders`: rank by how many.
                        self.role[k] = Role::Used;
                        self.qualifies[k] = None;
                        let label = format!("number of {}", self.pieces[k].phrase);
                        self.set_measure(Measure::CountRows { table: t }, label)?;
                        self.set_rank(dir, None, phrase, true);
                        j = k;
                    } else if self.is_column(k) {
                        self.use_column(k);
                        self.extreme = Some((dir, k, phrase));
                        j = k;
                    } else {
                        self.set_rank(dir, None, phrase, true);
                    }
                }
                Item::Common(dir) => {
                    // `the most common genre in all tracks`: genres ranked by how many tracks;
                    // the counted rows come from the other table the question names.
                    self.saw_aggregate_words = true;
                    self.set_rank(dir, None, phrase.clone(), true);
                    let k = self.target(j + 1);
                    if let Some(t) = self.table_of(k) {
                        self.role[k] = Role::Used;
                        self.qualifies[k] = None;
                        let p = &self.pieces[k];
                        self.intent.dims.push(Dim::Entity { table: t, phrase: p.phrase.clone(), plural: p.plural });
                    } else if self.is_column(k) {
                        let s = self.slot(k, Want::Any)?;
                        // The table naming the column (`category of products`) is what is counted.
                        self.use_filter_column(k);
                        self.intent.dims.push(Dim::Column { slot: s });
                    } else {
                        return Err(clarify(
                            format!("\"{phrase}\" what? Name the things to rank."),
                            vec![phrase],
                            Vec::new(),
                        ));
                    }
                    j = k;
                }
                Item::Proper(value) => self.read_proper(j, value)?,
                Item::Top(n, dir) => {
                    self.saw_aggregate_words = true;
                    self.set_rank(dir, Some(n), phrase, false);
                    let k = self.target(j + 1);
                    if let Some(t) = self.table_of(k) {
                        self.role[k] = Role::Used;
                        let p = &self.pieces[k];
                        self.intent.dims.push(Dim::Entity { table: t, phrase: p.phrase.clone(), plural: p.plural });
                        j = k;
                    } else if self.is_column(k) {
                        let s = self.slot(k, Want::Any)?;
                        self.use_column(k);
                        self.intent.dims.push(Dim::Column { slot: s });
                        j = k;
                    }
                }
                Item::Group => {
                    j = self.read_grouping(j)?;
                }
                Item::Bucket(unit) => {
                    self.pending_time.push(self.intent.dims.len());
                    self.intent.dims.push(Dim::Time { unit, slot: usize::MAX, phrase });
                }
                Item::Compare(op, v) if self.table_of(j + 1).is_some() && !self.is_column(j.wrapping_sub(1)) => {
                    // `artists with at least 3 albums`: a count of related rows per group.
                    let k = j + 1;
                    let t = self.table_of(k).unwrap_or_default();
                    self.role[k] = Role::Used;
                    self.qualifies[k] = None;
                    let label = format!("number of {}", self.pieces[k].phrase);
                    self.set_measure(Measure::CountRows { table: t }, label)?;
                    self.intent.having = Some((op, v));
                    self.saw_aggregate_words = true;
                    j = k;
                }
                Item::Compare(op, v) => self.read_comparison(j, FilterKind::Compare(op, v), phrase)?,
                Item::Between(a, b) => self.read_comparison(j, FilterKind::Between(a, b), phrase)?,
                Item::Period(period) => {
                    let slot = match j.checked_sub(1) {
                        Some(p)
                            if self.is_column(p) && self.cands[p].iter().any(|c| is_date_like(self.model, c.col)) =>
                        {
                            let s = self.slot(p, Want::Date)?;
                            self.use_filter_column(p);
                            s
                        }
                        _ => self.date_slot(&phrase, period.whole_years())?,
                    };
                    self.intent.filters.push(Filter { slot, kind: FilterKind::Period(period), phrase });
                }
                Item::Quoted(value) => {
                    self.read_value(j, value)?;
                }
                Item::Place | Item::Sep | Item::Table(_) | Item::Column(_) => {}
            }
            j += 1;
        }
        Ok(())
    }

    /// `total amount over 500` compares the column before it; `orders over 500` the one
    /// numeric column of the table before it, if there is exactly one.
    fn read_comparison(&mut self, j: usize, kind: FilterKind, phrase: String) -> Result<(), Clarification> {
        let numeric_after = self.is_column(j + 1) && self.cands[j + 1].iter().any(|c| self.accepts(*c, Want::Numeric));
        let slot = if j > 0 && self.is_column(j - 1) {
            let s = self.slot(j - 1, Want::Numeric)?;
            self.use_filter_column(j - 1);
            s
        } else if numeric_after {
            // `cars with more than 4 cylinders`: the number comes before the column it counts.
            let s = self.slot(j + 1, Want::Numeric)?;
            self.use_filter_column(j + 1);
            s
        } else if let Some(t) = j.checked_sub(1).and_then(|p| self.table_of(p)) {
            let pool = self.all_columns(Some(t), Want::Numeric);
            let what = format!("a numeric column of {}", self.model.tables[t].name);
            self.implied_slot(&phrase, pool, false, &what)?
        } else {
            return Err(clarify(
                format!("\"{phrase}\" compares which value? Put the column right before it."),
                vec![phrase],
                Vec::new(),
            ));
        };
        self.intent.filters.push(Filter { slot, kind, phrase });
        Ok(())
    }

    fn vocab_word_columns(&self, word: &str, syn: &[String]) -> Vec<Cand> {
        let s = words::stem(word);
        let mut out = Vec::new();
        for (ti, t) in self.vocab.tables.iter().enumerate() {
            for (ci, c) in t.columns.iter().enumerate() {
                if c.key {
                    continue;
                }
                let col = super::resolve::ColRef { table: ti, column: ci };
                if c.core == [s.clone()] {
                    out.push(Cand { col, tier: tier::EXACT });
                } else if c.core.contains(&s) {
                    out.push(Cand { col, tier: tier::PART });
                } else if c.core.iter().all(|w| syn.contains(w)) {
                    out.push(Cand { col, tier: tier::SYNONYM });
                }
            }
        }
        out
    }

    /// `by country`, `per customer`, `by month`, `by revenue` (a ranking), `by country and segment`.
    fn read_grouping(&mut self, j: usize) -> Result<usize, Clarification> {
        let phrase = self.pieces[j].phrase.clone();
        if matches!(self.pieces.get(j + 1).map(|p| &p.item), Some(Item::Count | Item::Agg(_))) {
            // `customers by number of orders`: ranked by the measure that follows.
            if self.intent.rank.is_none() {
                self.set_rank(Dir::Desc, None, phrase, false);
            }
            return Ok(j);
        }
        let mut k = j + 1;
        let mut any = false;
        loop {
            let t = self.target(k);
            let Some(piece) = self.pieces.get(t).cloned() else { break };
            match piece.item {
                Item::Bucket(unit) => {
                    self.role[t] = Role::Used;
                    self.pending_time.push(self.intent.dims.len());
                    self.intent.dims.push(Dim::Time {
                        unit,
                        slot: usize::MAX,
                        phrase: format!("{phrase} {}", piece.phrase),
                    });
                }
                Item::Table(table) => {
                    self.role[t] = Role::Used;
                    let ranked_already = self.intent.rank.is_some() && !self.intent.dims.is_empty();
                    if ranked_already && self.intent.measure.is_none() {
                        // `top 5 countries by customers`: rank by how many.
                        self.set_measure(Measure::CountRows { table }, format!("number of {}", piece.phrase))?;
                    } else {
                        self.intent.dims.push(Dim::Entity {
                            table,
                            phrase: piece.phrase.clone(),
                            plural: piece.plural,
                        });
                    }
                }
                Item::Column(_) => {
                    let numeric = self.cands[t].iter().any(|c| self.accepts(*c, Want::Numeric));
                    let entity_before = (0..j).any(|p| self.table_of(p).is_some() && self.role[p] == Role::Free);
                    let dates_only = self.cands[t].iter().all(|c| is_date_like(self.model, c.col));
                    if self.intent.measure.is_none() && numeric && (self.intent.rank.is_some() || entity_before) {
                        // `customers by revenue`: the entity is ranked by the measure.
                        let s = self.slot(t, Want::Numeric)?;
                        self.use_column(t);
                        let label = self.phrase_with_qualifier(t);
                        self.set_measure(Measure::Agg { agg: None, slot: s }, label)?;
                        if self.intent.rank.is_none() {
                            self.set_rank(Dir::Desc, None, phrase.clone(), false);
                        }
                    } else if dates_only {
                        let s = self.slot(t, Want::Date)?;
                        self.use_column(t);
                        // `by signup year`: the time unit after the date column sets the bucket.
                        let (unit, text) = match self.pieces.get(t + 1).map(|p| (p.item.clone(), p.phrase.clone())) {
                            Some((Item::Bucket(u), unit_phrase)) => {
                                self.role[t + 1] = Role::Used;
                                self.pieces[t + 1].item = Item::Sep;
                                (u, format!("{phrase} {} {unit_phrase}", piece.phrase))
                            }
                            _ => (TimeUnit::Day, format!("{phrase} {}", piece.phrase)),
                        };
                        self.intent.dims.push(Dim::Time { unit, slot: s, phrase: text });
                    } else {
                        let s = self.slot(t, Want::Any)?;
                        self.use_column(t);
                        self.intent.dims.push(Dim::Column { slot: s });
                    }
                }
                _ => break,
            }
            any = true;
            k = t + 1;
            if matches!(self.pieces.get(k).map(|p| &p.item), Some(Item::Sep))
                && self.pieces[k].phrase.eq_ignore_ascii_case("and")
            {
                k += 1;
                continue;
            }
            break;
        }
        if !any {
            return Err(clarify(
                format!("\"{phrase}\" what? Name a column, a table or a time unit to group by."),
                vec![phrase],
                Vec::new(),
            ));
        }
        Ok(k - 1)
    }

    /// A quoted value filters a text column: the column named before it, or one of the table
    /// named around it, or, failing both, any text column, preferring places for `in`/`from`
    /// and a column named country for a country's name.
    fn read_value(&mut self, j: usize, value: String) -> Result<(), Clarification> {
        let place = j > 0 && matches!(self.pieces[j - 1].item, Item::Place);
        let before = if place { j.checked_sub(2) } else { j.checked_sub(1) };
        let phrase = match before {
            Some(b) if place => format!("{} '{value}'", self.pieces[b + 1].phrase),
            _ => format!("'{value}'"),
        };
        // `revenue for 'Enterprise' customers`: a number column before the value is not what
        // the value is compared with.
        let text_column = before.filter(|&b| {
            self.is_column(b)
                && self.piece_slot[b].is_none()
                && self.cands[b].iter().any(|c| self.accepts(*c, Want::Text))
        });
        if let Some(b) = text_column {
            let s = self.slot(b, Want::Text)?;
            self.use_filter_column(b);
            let phrase = format!("{} {phrase}", self.pieces[b].phrase);
            self.intent.filters.push(Filter { slot: s, kind: FilterKind::Equals(value), phrase });
            return Ok(());
        }
        let table = before.and_then(|b| self.table_of(b)).or_else(|| self.table_of(j + 1));
        let mut pool = self.all_columns(table, Want::Text);
        for c in &mut pool {
            let stems = &self.vocab.column(c.col).stems;
            if words::is_country_name(&value) && stems.iter().any(|w| *w == words::stem("country")) {
                c.tier = tier::EXACT;
            } else if place && stems.iter().any(|w| words::is_place_word(w)) {
                c.tier = tier::SYNONYM;
            }
        }
        let s = self.implied_slot(&phrase, pool, false, "a text column")?;
        self.intent.slots[s].single_valued = false;
        self.intent.filters.push(Filter { slot: s, kind: FilterKind::Equals(value), phrase });
        Ok(())
    }

    /// A capitalised name typed without quotes (`Jazz genre`, `Gelderland district`, `full name
    /// American Motor Company`) filters the text column named right next to it, or the name of
    /// the table named right after it; with nothing next to it, it is an unknown word.
    fn read_proper(&mut self, j: usize, value: String) -> Result<(), Clarification> {
        // Only a column touching the name: `countries in Africa` says nothing about which
        // column holds `Africa`.
        let touching = |r: &Self, k: usize| {
            let (a, b) = (&r.pieces[j.min(k)], &r.pieces[j.max(k)]);
            a.end == b.start
        };
        let text_column = |r: &Self, k: usize| {
            r.is_column(k)
                && touching(r, k)
                && r.piece_slot[k].is_none()
                && r.cands[k].iter().any(|c| r.accepts(*c, Want::Text))
        };
        let slot = if text_column(self, j + 1) {
            let s = self.slot(j + 1, Want::Text)?;
            self.use_filter_column(j + 1);
            s
        } else if let Some(t) = self.table_of(j + 1).filter(|_| touching(self, j + 1)) {
            let super::Display::Column(ci) = super::display_of(self.model, self.vocab, t) else {
                return Err(clarify(
                    format!("Which column of \"{}\" is \"{value}\"?", self.pieces[j + 1].phrase),
                    vec![value],
                    Vec::new(),
                ));
            };
            let col = super::resolve::ColRef { table: t, column: ci };
            self.push_slot(
                format!("{value} {}", self.pieces[j + 1].phrase),
                vec![Cand { col, tier: tier::EXACT }],
                false,
                false,
            )
        } else if j > 0 && text_column(self, j - 1) {
            let s = self.slot(j - 1, Want::Text)?;
            self.use_filter_column(j - 1);
            s
        } else {
            return Err(clarify(
                format!("I could not match \"{value}\" to any table or column of this source. If it is a value, put it in quotes after the column it belongs to."),
                vec![value],
                Vec::new(),
            ));
        };
        let phrase = self.pieces[j].phrase.clone();
        self.intent.filters.push(Filter { slot, kind: FilterKind::Equals(value), phrase });
        Ok(())
    }

    fn set_measure(&mut self, m: Measure, label: String) -> Result<(), Clarification> {
        if let Some((_, existing)) = &self.intent.measure {
            return Err(clarify(
                format!(
                    "I can chart one measure at a time; you asked for \"{existing}\" and \"{label}\". Ask for one."
                ),
                Vec::new(),
                Vec::new(),
            ));
        }
        self.intent.measure = Some((m, label));
        Ok(())
    }

    fn set_rank(&mut self, dir: Dir, limit: Option<u64>, phrase: String, superlative: bool) {
        match &mut self.intent.rank {
            Some(r) => {
                r.limit = r.limit.or(limit);
            }
            None => self.intent.rank = Some(Rank { dir, limit, phrase, superlative }),
        }
    }

    /// Decides what the unclaimed tables and columns are: the measure, a grouping, a table
    /// joined for context, or the rows to list.
    fn read_free_pieces(&mut self) -> Result<(), Clarification> {
        let n = self.pieces.len();
        // A qualifying table whose column became a filter or stayed free is still a noun of
        // the question (`orders with total amount over 500` lists orders).
        let free_tables: Vec<usize> =
            (0..n).filter(|&j| self.table_of(j).is_some() && self.role[j] == Role::Free).collect();
        let mut free_cols: Vec<usize> = (0..n).filter(|&j| self.is_column(j) && self.role[j] == Role::Free).collect();

        // `by signup month`: a date column named next to a time unit is what gets bucketed.
        for d in std::mem::take(&mut self.pending_time) {
            let named = free_cols.iter().position(|&c| self.cands[c].iter().all(|x| is_date_like(self.model, x.col)));
            let slot = match named {
                Some(p) => {
                    let c = free_cols.remove(p);
                    let s = self.slot(c, Want::Date)?;
                    self.use_column(c);
                    s
                }
                None => {
                    let (phrase, yearly) = match &self.intent.dims[d] {
                        Dim::Time { phrase, unit, .. } => (phrase.clone(), *unit == TimeUnit::Year),
                        _ => (String::new(), false),
                    };
                    self.date_slot(&phrase, yearly)?
                }
            };
            if let Dim::Time { slot: s, .. } = &mut self.intent.dims[d] {
                *s = slot;
            }
        }

        if let Some((dir, k, phrase)) = self.extreme.take() {
            let grouped = !self.intent.dims.is_empty()
                || !free_tables.is_empty()
                || free_cols.iter().any(|&c| !self.cands[c].iter().any(|x| self.accepts(*x, Want::Numeric)));
            if grouped {
                let s = self.slot(k, Want::Numeric)?;
                let label = self.phrase_with_qualifier(k);
                self.set_measure(Measure::Agg { agg: None, slot: s }, label)?;
                self.set_rank(dir, None, phrase, true);
            } else {
                let s = self.slot(k, Want::NumericOrDate)?;
                let agg = if dir == Dir::Desc { Agg::Max } else { Agg::Min };
                let label = format!("{phrase} {}", self.phrase_with_qualifier(k));
                self.set_measure(Measure::Agg { agg: Some(agg), slot: s }, label)?;
            }
        }

        // A number named without a table to list it from (`revenue since 2023`), or from
        // another table than the one listed (`revenue of customers in 'France'`), is a total.
        let listed: Vec<usize> = free_tables.iter().filter_map(|&j| self.table_of(j)).collect();
        let measure_word = free_cols.iter().any(|&c| {
            self.cands[c].iter().any(|x| self.accepts(*x, Want::Numeric))
                && !self.cands[c].iter().any(|x| listed.contains(&x.col.table))
        });
        let aggregating =
            self.saw_aggregate_words || self.intent.measure.is_some() || !self.intent.dims.is_empty() || measure_word;
        if !aggregating {
            if free_tables.len() > 1 {
                let names = free_tables.iter().map(|&j| self.pieces[j].phrase.clone()).collect::<Vec<_>>();
                return Err(clarify(
                    format!("Which rows should I list: {}? I list one table at a time.", names.join(" or ")),
                    Vec::new(),
                    Vec::new(),
                ));
            }
            let mut listing = Listing {
                table: free_tables.first().and_then(|&j| self.table_of(j).map(|t| (t, self.pieces[j].phrase.clone()))),
                columns: Vec::new(),
                distinct: self.distinct_listing,
            };
            for c in free_cols {
                let s = self.slot(c, Want::Any)?;
                listing.columns.push(s);
            }
            if listing.table.is_none() && listing.columns.is_empty() {
                return Err(clarify(
                    "I did not find a table or column in the question. Which data should I show?",
                    Vec::new(),
                    Vec::new(),
                ));
            }
            self.intent.listing = Some(listing);
            return Ok(());
        }

        // Columns named without an operator are what the question wants to see, unless the
        // first number among them is the measure (`revenue by month`).
        let mut requested = Vec::new();
        for c in free_cols {
            let numeric = self.cands[c].iter().any(|x| self.accepts(*x, Want::Numeric));
            if numeric && self.intent.measure.is_none() {
                let s = self.slot(c, Want::Numeric)?;
                let label = self.phrase_with_qualifier(c);
                self.set_measure(Measure::Agg { agg: None, slot: s }, label)?;
            } else {
                requested.push(c);
            }
        }
        let dims_before_tables = self.intent.dims.len();
        for j in free_tables {
            let Some(t) = self.table_of(j) else { continue };
            let p = self.pieces[j].clone();
            let grouped_by_it = self.intent.rank.is_some() || self.intent.having.is_some();
            if self.intent.measure.is_none() {
                self.set_measure(Measure::CountRows { table: t }, format!("number of {}", p.phrase))?;
            } else if grouped_by_it
                && !self.intent.dims.iter().any(|d| matches!(d, Dim::Entity { table, .. } if *table == t))
            {
                self.intent.dims.push(Dim::Entity { table: t, phrase: p.phrase, plural: p.plural });
            } else {
                self.intent.context.push((t, p.phrase));
            }
        }
        if self.intent.measure.is_none() {
            return Err(clarify(
                "What should I measure? Name a number (e.g. a total) or the things to count.",
                Vec::new(),
                Vec::new(),
            ));
        }
        self.show_requested(requested, dims_before_tables)
    }

    /// Requested columns that all belong to the one grouped entity are shown for it (grouping
    /// by its key makes them one value per group); otherwise text columns become groupings.
    fn show_requested(&mut self, requested: Vec<usize>, at: usize) -> Result<(), Clarification> {
        if requested.is_empty() {
            return Ok(());
        }
        let entities: Vec<usize> = self
            .intent
            .dims
            .iter()
            .filter_map(|d| match d {
                Dim::Entity { table, .. } => Some(*table),
                _ => None,
            })
            .collect();
        if let [t] = entities.as_slice() {
            let own: Option<Vec<Vec<Cand>>> = requested.iter().map(|&c| self.entity_column(c, *t)).collect();
            if let Some(own) = own {
                for (c, cands) in requested.into_iter().zip(own) {
                    if let Some(&s) = self.intent.shown.iter().find(|&&s| self.intent.slots[s].cands == cands) {
                        // `Which countries … ? List the country name.` names the label twice.
                        self.piece_slot[c] = Some(s);
                        continue;
                    }
                    let phrase = self.phrase_with_qualifier(c);
                    let s = self.push_slot(phrase, cands, false, self.pieces[c].plural);
                    self.piece_slot[c] = Some(s);
                    self.use_column(c);
                    self.intent.shown.push(s);
                }
                return Ok(());
            }
        }
        // A loose column groups only where nothing else could be meant: the subject of a
        // ranking (`which country has the most customers`) or the label of numbers named
        // without an aggregate (`product names and prices`). After `how many` or `total` it
        // may as well be a filter or a qualifier the question only half states.
        let loose_ok = self.intent.rank.is_some() || !self.saw_aggregate_words;
        if requested.len() > 1 || !loose_ok {
            // Several loose columns could each be a grouping, a value to show, or a label; a
            // guess among those answers a different question.
            let phrases: Vec<String> = requested.iter().map(|&c| self.pieces[c].phrase.clone()).collect();
            return Err(clarify(
                format!(
                    "Should I group by {}? Say \"by …\" or \"for each …\".",
                    phrases.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(" and ")
                ),
                phrases,
                Vec::new(),
            ));
        }
        let mut added = Vec::new();
        for c in requested {
            if !self.cands[c].iter().any(|x| self.accepts(*x, Want::Text)) {
                let phrase = self.pieces[c].phrase.clone();
                return Err(clarify(
                    format!("I can chart one measure at a time; what should \"{phrase}\" do here?"),
                    vec![phrase],
                    Vec::new(),
                ));
            }
            let s = self.slot(c, Want::Any)?;
            added.push(Dim::Column { slot: s });
        }
        let at = at.min(self.intent.dims.len());
        self.intent.dims.splice(at..at, added);
        Ok(())
    }

    /// The columns of table `t` that column piece `c` names: its own candidates there, or, for
    /// the bare words `id` and `name`, the table's key and display column.
    fn entity_column(&self, c: usize, t: usize) -> Option<Vec<Cand>> {
        let exact_on =
            |ci: usize| vec![Cand { col: super::resolve::ColRef { table: t, column: ci }, tier: tier::EXACT }];
        let words: Vec<&str> = self.pieces[c].phrase.split_whitespace().collect();
        let bare = match words.as_slice() {
            [w] => Some(words::stem(w)),
            _ => None,
        };
        let table = &self.model.tables[t];
        if bare == Some(words::stem("id")) {
            if let [key] = table.primary_key.as_slice() {
                return table.columns.iter().position(|col| col.name.eq_ignore_ascii_case(key)).map(exact_on);
            }
            return None;
        }
        let inside: Vec<Cand> = self.cands[c].iter().copied().filter(|x| x.col.table == t).collect();
        if !inside.is_empty() {
            let best = inside.iter().map(|x| x.tier).max().unwrap_or(0);
            return Some(inside.into_iter().filter(|x| x.tier == best).collect());
        }
        if bare == Some(words::stem("name")) {
            if let super::Display::Column(ci) = super::display_of(self.model, self.vocab, t) {
                return Some(exact_on(ci));
            }
        }
        None
    }
}
