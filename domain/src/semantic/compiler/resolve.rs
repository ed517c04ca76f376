//! Maps the question's words onto the schema: tables, candidate columns with a match strength,
//! and the operator phrases (`how many`, `top 5`, `by month`, `since 2023` …) around them.

use super::words::{self, Tok};
use crate::semantic::{ColumnKind, Engine, SchemaModel, Table};

/// A column of the model, by position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct ColRef {
    pub table: usize,
    pub column: usize,
}

/// How well a phrase names a column. Higher is better; ties between columns are resolved by
/// join distance or, failing that, by asking the user.
pub(crate) mod tier {
    /// The phrase is the column's name (`unit price`, `order date`, `product name`).
    pub const EXACT: u8 = 4;
    /// The phrase is one word of the column's name (`price` → `unit_price`).
    pub const PART: u8 = 3;
    /// Synonyms explain every word of the column's name (`revenue` → `total_amount`).
    pub const SYNONYM: u8 = 2;
    /// Synonyms explain some words of the name (`revenue` → `line_total`), or a column picked
    /// only by its type and place (the date of `by month`).
    pub const WEAK: u8 = 1;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cand {
    pub col: ColRef,
    pub tier: u8,
}

pub(crate) struct ColumnTerms {
    pub stems: Vec<String>,
    /// The name without a leading copy of the table's name (`orders.order_date` → `date`).
    pub core: Vec<String>,
    /// Part of the primary key or of a foreign key: matched only by its exact name, since
    /// `customer` should mean the customers table, not `orders.customer_id`.
    pub key: bool,
}

pub(crate) struct TableTerms {
    pub stems: Vec<String>,
    pub columns: Vec<ColumnTerms>,
}

/// The stemmed words of every table and column name, computed once per question.
pub(crate) struct Vocab {
    pub tables: Vec<TableTerms>,
}

fn stems_of(name: &str) -> Vec<String> {
    words::split_identifier(name).iter().map(|w| words::stem(w)).collect()
}

impl Vocab {
    pub(crate) fn new(model: &SchemaModel) -> Self {
        let tables = model
            .tables
            .iter()
            .map(|t| {
                let tstems = stems_of(&t.name);
                let columns = t
                    .columns
                    .iter()
                    .map(|c| {
                        let stems = stems_of(&c.name);
                        let core = if stems.len() > tstems.len() && stems.starts_with(&tstems) {
                            stems[tstems.len()..].to_vec()
                        } else {
                            stems.clone()
                        };
                        ColumnTerms { stems, core, key: is_key(t, &c.name) }
                    })
                    .collect();
                TableTerms { stems: tstems, columns }
            })
            .collect();
        Vocab { tables }
    }

    pub(crate) fn column(&self, c: ColRef) -> &ColumnTerms {
        &self.tables[c.table].columns[c.column]
    }

    /// Columns whose whole name is `span` (optionally preceded by the table's name).
    fn exact_columns(&self, span: &[String]) -> Vec<Cand> {
        let mut out = Vec::new();
        for (ti, t) in self.tables.iter().enumerate() {
            for (ci, c) in t.columns.iter().enumerate() {
                let qualified = |name: &[String]| {
                    span.len() == t.stems.len() + name.len()
                        && span.starts_with(&t.stems)
                        && span[t.stems.len()..] == *name
                };
                if span == c.stems.as_slice() || span == c.core.as_slice() || qualified(&c.stems) || qualified(&c.core)
                {
                    out.push(Cand { col: ColRef { table: ti, column: ci }, tier: tier::EXACT });
                }
            }
        }
        out
    }

    /// Columns one word may name: a word of their name, or synonyms covering their name.
    fn word_columns(&self, stem: &str, synonyms: &[String]) -> Vec<Cand> {
        let mut out = Vec::new();
        for (ti, t) in self.tables.iter().enumerate() {
            for (ci, c) in t.columns.iter().enumerate() {
                let col = ColRef { table: ti, column: ci };
                if c.core == [stem] || c.stems == [stem] {
                    out.push(Cand { col, tier: tier::EXACT });
                    continue;
                }
                if c.key {
                    continue;
                }
                if c.core.iter().any(|w| w == stem) {
                    out.push(Cand { col, tier: tier::PART });
                    continue;
                }
                let covered = c.core.iter().filter(|w| synonyms.contains(w)).count();
                if covered > 0 {
                    let t = if covered == c.core.len() { tier::SYNONYM } else { tier::WEAK };
                    out.push(Cand { col, tier: t });
                }
            }
        }
        out
    }

    /// Tables named by `span`, exactly or (for one word) through a synonym.
    fn tables_named(&self, span: &[String], synonyms: &[String]) -> Vec<usize> {
        let exact: Vec<usize> = (0..self.tables.len()).filter(|&t| self.tables[t].stems == span).collect();
        if !exact.is_empty() || span.len() != 1 {
            return exact;
        }
        (0..self.tables.len())
            .filter(|&t| self.tables[t].stems.len() == 1 && synonyms.contains(&self.tables[t].stems[0]))
            .collect()
    }
}

impl Vocab {
    /// Tables whose name is `span` followed by one word that only says "table".
    fn tables_aliased(&self, span: &[String]) -> Vec<usize> {
        const TABLE_WORDS: &[&str] =
            &["data", "info", "information", "list", "table", "tbl", "detail", "record", "entry", "entries"];
        (0..self.tables.len())
            .filter(|&t| {
                let stems = &self.tables[t].stems;
                stems.len() == span.len() + 1
                    && stems.starts_with(span)
                    && stems.last().is_some_and(|w| TABLE_WORDS.iter().any(|g| words::stem(g) == *w))
            })
            .collect()
    }
}

fn is_key(table: &Table, column: &str) -> bool {
    table.primary_key.iter().any(|k| k.eq_ignore_ascii_case(column))
        || table.foreign_keys.iter().any(|fk| fk.columns.iter().any(|k| k.eq_ignore_ascii_case(column)))
}

/// Whether a column holds dates. SQLite has no date type and stores them as text, so there a
/// text column named like a date counts too.
pub(crate) fn is_date_like(model: &SchemaModel, c: ColRef) -> bool {
    let column = &model.tables[c.table].columns[c.column];
    if column.kind.is_temporal() {
        return true;
    }
    let name = column.name.to_lowercase();
    model.engine == Engine::Sqlite
        && matches!(column.kind, ColumnKind::Text | ColumnKind::Other)
        && (name.ends_with("date") || name.ends_with("_at") || name.ends_with("time") || name.ends_with("timestamp"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Agg {
    Sum,
    Avg,
    Min,
    Max,
}

impl Agg {
    pub(crate) fn sql(self) -> &'static str {
        match self {
            Agg::Sum => "SUM",
            Agg::Avg => "AVG",
            Agg::Min => "MIN",
            Agg::Max => "MAX",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dir {
    Desc,
    Asc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeUnit {
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl TimeUnit {
    pub(crate) fn label(self) -> &'static str {
        match self {
            TimeUnit::Day => "day",
            TimeUnit::Week => "week",
            TimeUnit::Month => "month",
            TimeUnit::Quarter => "quarter",
            TimeUnit::Year => "year",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
}

impl Op {
    pub(crate) fn sql(self) -> &'static str {
        match self {
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Eq => "=",
        }
    }
}

/// A half-open date range `[from, to)` as ISO date literals; either end may be open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Period {
    pub from: Option<String>,
    pub to: Option<String>,
}

impl Period {
    /// Both ends fall on the 1st of January, so an integer year column can express it.
    pub(crate) fn whole_years(&self) -> bool {
        let on_new_year = |d: &Option<String>| d.as_deref().is_none_or(|d| d.ends_with("-01-01"));
        on_new_year(&self.from) && on_new_year(&self.to)
    }

    /// The years of `[from, to)`, for an integer year column.
    pub(crate) fn years(&self) -> (Option<i64>, Option<i64>) {
        let year = |d: &Option<String>| d.as_deref().and_then(|d| d.get(..4)).and_then(|y| y.parse().ok());
        (year(&self.from), year(&self.to))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    Count,
    Distinct,
    Agg(Agg),
    /// `highest`, `most`, `lowest` …: a MAX/MIN on its own, an ordering once there is a grouping.
    Extreme(Dir),
    Top(u64, Dir),
    Group,
    Bucket(TimeUnit),
    Compare(Op, f64),
    Between(f64, f64),
    Period(Period),
    /// `in`/`from` right before a quoted value: a hint that the value is a place.
    Place,
    /// `most common`, `least common`: rank the next noun by how many rows of another table.
    Common(Dir),
    /// Capitalised words typed without quotes that name nothing in the schema: maybe a value.
    Proper(String),
    /// `where`, `with`, `whose` …: ends a noun phrase, so a table before it does not qualify a
    /// column after it.
    Sep,
    Quoted(String),
    Table(usize),
    Column(Vec<Cand>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Piece {
    pub item: Item,
    /// The words as typed, for the explanation.
    pub phrase: String,
    /// The noun was plural (`customers`), which keeps a superlative from meaning "just one".
    pub plural: bool,
    /// The question's tokens `[start, end)` this piece was read from.
    pub start: usize,
    pub end: usize,
}

pub(crate) enum LexError {
    Unknown(Vec<String>),
    Unsupported(Vec<String>),
}

/// Words that start an operator phrase, longest first so `more than` wins over `more`.
const KEYWORDS: &[(&str, Kw)] = &[
    ("total number of", Kw::Count),
    ("broken down by", Kw::Group),
    ("no more than", Kw::Cmp(Op::Le)),
    ("no less than", Kw::Cmp(Op::Ge)),
    ("how many", Kw::Count),
    ("number of", Kw::Count),
    ("count of", Kw::Count),
    ("sum of", Kw::Agg(Agg::Sum)),
    ("total of", Kw::Agg(Agg::Sum)),
    ("for each", Kw::Group),
    ("for every", Kw::Group),
    ("in each", Kw::Group),
    ("in every", Kw::Group),
    ("grouped by", Kw::Group),
    ("group by", Kw::Group),
    ("breakdown by", Kw::Group),
    ("split by", Kw::Group),
    ("over time", Kw::Bucket(TimeUnit::Month)),
    ("more than", Kw::Cmp(Op::Gt)),
    ("greater than", Kw::Cmp(Op::Gt)),
    ("higher than", Kw::Cmp(Op::Gt)),
    ("larger than", Kw::Cmp(Op::Gt)),
    ("bigger than", Kw::Cmp(Op::Gt)),
    ("less than", Kw::Cmp(Op::Lt)),
    ("fewer than", Kw::Cmp(Op::Lt)),
    ("lower than", Kw::Cmp(Op::Lt)),
    ("smaller than", Kw::Cmp(Op::Lt)),
    ("at least", Kw::Cmp(Op::Ge)),
    ("at most", Kw::Cmp(Op::Le)),
    ("up to", Kw::Cmp(Op::Le)),
    ("equal to", Kw::Cmp(Op::Eq)),
    ("most recent", Kw::Extreme(Dir::Desc)),
    ("most common", Kw::Common(Dir::Desc)),
    ("least common", Kw::Common(Dir::Asc)),
    ("most frequent", Kw::Common(Dir::Desc)),
    ("least frequent", Kw::Common(Dir::Asc)),
    ("count", Kw::Count),
    ("distinct", Kw::Distinct),
    ("unique", Kw::Distinct),
    ("different", Kw::Distinct),
    ("total", Kw::Agg(Agg::Sum)),
    ("sum", Kw::Agg(Agg::Sum)),
    ("average", Kw::Agg(Agg::Avg)),
    ("avg", Kw::Agg(Agg::Avg)),
    ("mean", Kw::Agg(Agg::Avg)),
    ("maximum", Kw::Agg(Agg::Max)),
    ("max", Kw::Agg(Agg::Max)),
    ("minimum", Kw::Agg(Agg::Min)),
    ("min", Kw::Agg(Agg::Min)),
    ("most", Kw::Extreme(Dir::Desc)),
    ("highest", Kw::Extreme(Dir::Desc)),
    ("largest", Kw::Extreme(Dir::Desc)),
    ("biggest", Kw::Extreme(Dir::Desc)),
    ("greatest", Kw::Extreme(Dir::Desc)),
    ("best", Kw::Extreme(Dir::Desc)),
    ("latest", Kw::Extreme(Dir::Desc)),
    ("newest", Kw::Extreme(Dir::Desc)),
    ("least", Kw::Extreme(Dir::Asc)),
    ("fewest", Kw::Extreme(Dir::Asc)),
    ("lowest", Kw::Extreme(Dir::Asc)),
    ("smallest", Kw::Extreme(Dir::Asc)),
    ("worst", Kw::Extreme(Dir::Asc)),
    ("earliest", Kw::Extreme(Dir::Asc)),
    ("oldest", Kw::Extreme(Dir::Asc)),
    ("top", Kw::Top(Dir::Desc)),
    ("bottom", Kw::Top(Dir::Asc)),
    ("by", Kw::Group),
    ("per", Kw::Group),
    ("each", Kw::Group),
    ("every", Kw::Group),
    ("daily", Kw::Bucket(TimeUnit::Day)),
    ("day", Kw::Bucket(TimeUnit::Day)),
    ("days", Kw::Bucket(TimeUnit::Day)),
    ("weekly", Kw::Bucket(TimeUnit::Week)),
    ("week", Kw::Bucket(TimeUnit::Week)),
    ("weeks", Kw::Bucket(TimeUnit::Week)),
    ("monthly", Kw::Bucket(TimeUnit::Month)),
    ("month", Kw::Bucket(TimeUnit::Month)),
    ("months", Kw::Bucket(TimeUnit::Month)),
    ("quarterly", Kw::Bucket(TimeUnit::Quarter)),
    ("quarter", Kw::Bucket(TimeUnit::Quarter)),
    ("quarters", Kw::Bucket(TimeUnit::Quarter)),
    ("yearly", Kw::Bucket(TimeUnit::Year)),
    ("annual", Kw::Bucket(TimeUnit::Year)),
    ("annually", Kw::Bucket(TimeUnit::Year)),
    ("year", Kw::Bucket(TimeUnit::Year)),
    ("years", Kw::Bucket(TimeUnit::Year)),
    ("trend", Kw::Bucket(TimeUnit::Month)),
    ("over", Kw::Cmp(Op::Gt)),
    ("above", Kw::Cmp(Op::Gt)),
    ("exceeding", Kw::Cmp(Op::Gt)),
    ("under", Kw::Cmp(Op::Lt)),
    ("below", Kw::Cmp(Op::Lt)),
    ("exactly", Kw::Cmp(Op::Eq)),
    ("equals", Kw::Cmp(Op::Eq)),
    ("between", Kw::Between),
    ("in", Kw::Date(DateOp::In)),
    ("during", Kw::Date(DateOp::In)),
    ("for", Kw::Date(DateOp::In)),
    ("of", Kw::Date(DateOp::In)),
    ("since", Kw::Date(DateOp::Since)),
    ("from", Kw::Date(DateOp::Since)),
    ("after", Kw::Date(DateOp::After)),
    ("before", Kw::Date(DateOp::Before)),
    ("until", Kw::Date(DateOp::Until)),
    ("through", Kw::Date(DateOp::Until)),
    ("where", Kw::Sep),
    ("with", Kw::Sep),
    ("whose", Kw::Sep),
    ("having", Kw::Sep),
    ("that", Kw::Sep),
    ("who", Kw::Sep),
    // `and` joins groupings (`by country and segment`) and stops `names and prices` from
    // reading as one noun phrase.
    ("and", Kw::Sep),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateOp {
    In,
    Since,
    After,
    Before,
    Until,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kw {
    Count,
    Distinct,
    Agg(Agg),
    Extreme(Dir),
    Common(Dir),
    Top(Dir),
    Group,
    Bucket(TimeUnit),
    Cmp(Op),
    Between,
    Date(DateOp),
    Sep,
}

/// A calendar point the question named: a year, a month of a year, or a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct When {
    year: i32,
    month: Option<u32>,
    day: Option<u32>,
}

impl When {
    fn start(self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month.unwrap_or(1), self.day.unwrap_or(1))
    }

    /// The first day after the named span.
    fn end(self) -> String {
        match (self.month, self.day) {
            (None, _) => format!("{:04}-01-01", self.year + 1),
            (Some(12), None) => format!("{:04}-01-01", self.year + 1),
            (Some(m), None) => format!("{:04}-{:02}-01", self.year, m + 1),
            (Some(m), Some(d)) => {
                if d < days_in_month(self.year, m) {
                    format!("{:04}-{:02}-{:02}", self.year, m, d + 1)
                } else if m < 12 {
                    format!("{:04}-{:02}-01", self.year, m + 1)
                } else {
                    format!("{:04}-01-01", self.year + 1)
                }
            }
        }
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn is_year(value: f64) -> bool {
    value.fract() == 0.0 && (1900.0..=2100.0).contains(&value)
}

struct Lexer<'a> {
    toks: &'a [Tok],
    vocab: &'a Vocab,
    pieces: Vec<Piece>,
    unknown: Vec<String>,
    unsupported: Vec<String>,
}

pub(crate) fn lex(toks: &[Tok], vocab: &Vocab) -> Result<Vec<Piece>, LexError> {
    let mut lx = Lexer { toks, vocab, pieces: Vec::new(), unknown: Vec::new(), unsupported: Vec::new() };
    let mut i = 0;
    while i < toks.len() {
        i = lx.step(i);
    }
    if !lx.unsupported.is_empty() {
        return Err(LexError::Unsupported(lx.unsupported));
    }
    if !lx.unknown.is_empty() {
        return Err(LexError::Unknown(lx.unknown));
    }
    Ok(lx.pieces)
}

impl Lexer<'_> {
    fn push(&mut self, item: Item, from: usize, to: usize) {
        let phrase = self.toks[from..to].iter().map(Tok::text).collect::<Vec<_>>().join(" ");
        let plural = self.toks[from..to].last().is_some_and(|t| match t {
            Tok::Word { lower, stem, .. } => lower != stem && lower.ends_with('s') && !lower.ends_with("ss"),
            _ => false,
        });
        self.pieces.push(Piece { item, phrase, plural, start: from, end: to });
    }

    fn lower(&self, i: usize) -> Option<&str> {
        self.toks.get(i).and_then(Tok::lower)
    }

    fn number(&self, i: usize) -> Option<f64> {
        match self.toks.get(i) {
            Some(Tok::Number { value, .. }) => Some(*value),
            _ => None,
        }
    }

    /// Skips articles so `in the year 2024` and `the top 5` read like their short forms.
    fn skip_articles(&self, mut i: usize) -> usize {
        while matches!(self.lower(i), Some("the" | "a" | "an")) {
            i += 1;
        }
        i
    }

    /// A calendar point at `i`: `2024`, `year 2024`, `March 2024`, `2024-03`, `2024-03-15`.
    fn when_at(&self, i: usize) -> Option<(When, usize)> {
        let i = self.skip_articles(i);
        match self.toks.get(i) {
            Some(Tok::Number { value, .. }) if is_year(*value) => {
                Some((When { year: *value as i32, month: None, day: None }, i + 1))
            }
            Some(Tok::Date { year, month, day, .. }) => {
                Some((When { year: *year, month: Some(*month), day: *day }, i + 1))
            }
            Some(Tok::Word { lower, .. }) if lower == "year" => match self.number(i + 1) {
                Some(y) if is_year(y) => Some((When { year: y as i32, month: None, day: None }, i + 2)),
                _ => None,
            },
            Some(Tok::Word { lower, .. }) => {
                let month = words::month_number(lower)?;
                let mut j = i + 1;
                if self.lower(j) == Some("of") {
                    j += 1;
                }
                match self.number(j) {
                    Some(y) if is_year(y) => Some((When { year: y as i32, month: Some(month), day: None }, j + 1)),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn keyword_at(&self, i: usize) -> Option<(Kw, usize)> {
        KEYWORDS.iter().find_map(|(phrase, kw)| {
            let parts: Vec<&str> = phrase.split(' ').collect();
            let matches = parts.iter().enumerate().all(|(k, p)| self.lower(i + k) == Some(*p));
            matches.then_some((*kw, parts.len()))
        })
    }

    /// Lexes the phrase at `i` and returns where the next one starts.
    fn step(&mut self, i: usize) -> usize {
        match &self.toks[i] {
            Tok::Quoted(v) => {
                let v = v.clone();
                self.push(Item::Quoted(v), i, i + 1);
                return i + 1;
            }
            Tok::Symbol(s) => {
                let op = match *s {
                    ">" => Some(Op::Gt),
                    ">=" => Some(Op::Ge),
                    "<" => Some(Op::Lt),
                    "<=" => Some(Op::Le),
                    "=" => Some(Op::Eq),
                    _ => None,
                };
                match (op, self.number(i + 1)) {
                    (Some(op), Some(n)) => {
                        self.push(Item::Compare(op, n), i, i + 2);
                        return i + 2;
                    }
                    // `country = 'France'`: the equals sign adds nothing to the quoted value.
                    (Some(Op::Eq), None) => return i + 1,
                    _ => {
                        self.unsupported.push(s.to_string());
                        return i + 1;
                    }
                }
            }
            Tok::Number { value, text } => {
                // A year on its own (`2024 revenue`) restricts to that year.
                if is_year(*value) {
                    let w = When { year: *value as i32, month: None, day: None };
                    self.push(Item::Period(Period { from: Some(w.start()), to: Some(w.end()) }), i, i + 1);
                } else if matches!(self.toks.get(i + 1), Some(Tok::Word { .. })) {
                    // `cars with 8 cylinders`: a count named before its column means equality;
                    // the reader refuses it unless a numeric column or a table follows.
                    self.push(Item::Compare(Op::Eq, *value), i, i + 1);
                } else {
                    self.unknown.push(text.clone());
                }
                return i + 1;
            }
            Tok::Date { year, month, day, .. } => {
                let w = When { year: *year, month: Some(*month), day: *day };
                self.push(Item::Period(Period { from: Some(w.start()), to: Some(w.end()) }), i, i + 1);
                return i + 1;
            }
            Tok::Word { .. } => {}
        }

        // A column named by several words wins over keywords inside it (`total_amount`, `max_speed`).
        if let Some(next) = self.schema_phrase(i, 2) {
            return next;
        }
        if let Some(next) = self.keyword(i) {
            return next;
        }
        let lower = self.lower(i).unwrap_or_default().to_string();
        if let Some((w, next)) = self.when_at(i) {
            // `March 2024` without a preposition.
            if w.month.is_some() {
                self.push(Item::Period(Period { from: Some(w.start()), to: Some(w.end()) }), i, next);
                return next;
            }
        }
        if words::is_unsupported(&lower) {
            self.unsupported.push(lower);
            return i + 1;
        }
        if words::is_stop_word(&lower) {
            return i + 1;
        }
        if let Some(next) = self.schema_phrase(i, 1) {
            return next;
        }
        if let Some(next) = self.aliased_table(i) {
            return next;
        }
        if let Some(next) = self.proper_name(i) {
            return next;
        }
        self.unknown.push(self.toks[i].text().to_string());
        i + 1
    }

    /// `cars` for a table `cars_data`, `models` for `model_list`: a table whose name ends in a
    /// word that only says it is a table, when no column has the shorter name.
    fn aliased_table(&mut self, i: usize) -> Option<usize> {
        let Some(Tok::Word { stem, .. }) = self.toks.get(i) else { return None };
        let span = [stem.clone()];
        let tables = self.vocab.tables_aliased(&span);
        match tables.as_slice() {
            [t] => {
                self.push(Item::Table(*t), i, i + 1);
                Some(i + 1)
            }
            _ => None,
        }
    }

    /// A run of capitalised words past the question's first word that name nothing in the
    /// schema: a value typed without quotes, which the reader accepts only next to a column.
    fn proper_name(&mut self, i: usize) -> Option<usize> {
        let capital = |t: &Tok| matches!(t, Tok::Word { text, lower, .. } if text.chars().next().is_some_and(char::is_uppercase) && !words::is_stop_word(lower) && !words::is_unsupported(lower));
        if i == 0 || !self.toks.get(i).is_some_and(capital) {
            return None;
        }
        let mut end = i;
        while end < self.toks.len() && capital(&self.toks[end]) && (end == i || self.vocab_misses(end)) {
            end += 1;
        }
        let value = self.toks[i..end].iter().map(Tok::text).collect::<Vec<_>>().join(" ");
        self.push(Item::Proper(value), i, end);
        Some(end)
    }

    /// Whether the word at `i` names no table or column, so it can continue a name.
    fn vocab_misses(&self, i: usize) -> bool {
        let Some(Tok::Word { stem, .. }) = self.toks.get(i) else { return false };
        let span = [stem.clone()];
        self.keyword_at(i).is_none()
            && self.vocab.tables_named(&span, &[]).is_empty()
            && self.vocab.exact_columns(&span).is_empty()
            && self.vocab.word_columns(stem, &[]).is_empty()
    }

    fn keyword(&mut self, i: usize) -> Option<usize> {
        let (kw, len) = self.keyword_at(i)?;
        let after = i + len;
        match kw {
            Kw::Count => self.push(Item::Count, i, after),
            Kw::Distinct => self.push(Item::Distinct, i, after),
            Kw::Agg(a) => self.push(Item::Agg(a), i, after),
            Kw::Extreme(d) => self.push(Item::Extreme(d), i, after),
            Kw::Common(d) => self.push(Item::Common(d), i, after),
            Kw::Sep => self.push(Item::Sep, i, after),
            Kw::Group => {
                // `by month`, `per year`: the bucket follows; `group` itself adds nothing more.
                self.push(Item::Group, i, after);
            }
            Kw::Top(dir) => {
                let j = self.skip_articles(after);
                let n = self.number(j).or_else(|| self.lower(j).and_then(words::number_word).map(|n| n as f64));
                match n {
                    Some(n) if n >= 1.0 && n.fract() == 0.0 => {
                        self.push(Item::Top(n as u64, dir), i, j + 1);
                        return Some(j + 1);
                    }
                    _ => self.push(Item::Extreme(dir), i, after),
                }
            }
            Kw::Bucket(unit) => {
                // `in the year 2024` names a year, not a yearly grouping.
                if unit == TimeUnit::Year {
                    if let Some((w, next)) = self.when_at(i) {
                        self.push(Item::Period(Period { from: Some(w.start()), to: Some(w.end()) }), i, next);
                        return Some(next);
                    }
                }
                self.push(Item::Bucket(unit), i, after);
            }
            Kw::Cmp(op) => {
                let j = self.skip_articles(after);
                let word = self.lower(j).and_then(words::number_word).map(|n| n as f64);
                match self.number(j).or(word) {
                    Some(n) => {
                        self.push(Item::Compare(op, n), i, j + 1);
                        return Some(j + 1);
                    }
                    None => return None,
                }
            }
            Kw::Between => {
                if let Some((a, j)) = self.when_at(after) {
                    if self.lower(j) == Some("and") {
                        if let Some((b, k)) = self.when_at(j + 1) {
                            self.push(Item::Period(Period { from: Some(a.start()), to: Some(b.end()) }), i, k);
                            return Some(k);
                        }
                    }
                }
                if let (Some(a), Some("and"), Some(b)) =
                    (self.number(after), self.lower(after + 1), self.number(after + 2))
                {
                    self.push(Item::Between(a.min(b), a.max(b)), i, after + 3);
                    return Some(after + 3);
                }
                return None;
            }
            Kw::Date(op) => return self.date_filter(op, i, after),
        }
        Some(after)
    }

    /// `in 2024`, `since March 2023`, `from 2022 to 2023`, `before 2022-06-01`; and `in`/`from`
    /// before a quoted value, which hints at a place.
    fn date_filter(&mut self, op: DateOp, i: usize, after: usize) -> Option<usize> {
        let Some((w, next)) = self.when_at(after) else {
            let j = self.skip_articles(after);
            if matches!(self.toks.get(j), Some(Tok::Quoted(_))) && matches!(self.lower(i), Some("in" | "from")) {
                self.push(Item::Place, i, after);
                return Some(after);
            }
            return None;
        };
        let period = match op {
            DateOp::In => Period { from: Some(w.start()), to: Some(w.end()) },
            DateOp::Since
                if self.lower(i) == Some("from") && matches!(self.lower(next), Some("to" | "until" | "through")) =>
            {
                let (b, k) = self.when_at(next + 1)?;
                self.push(Item::Period(Period { from: Some(w.start()), to: Some(b.end()) }), i, k);
                return Some(k);
            }
            DateOp::Since => Period { from: Some(w.start()), to: None },
            DateOp::After => Period { from: Some(w.end()), to: None },
            DateOp::Before => Period { from: None, to: Some(w.start()) },
            DateOp::Until => Period { from: None, to: Some(w.end()) },
        };
        self.push(Item::Period(period), i, next);
        Some(next)
    }

    /// Tables and columns named by the words at `i`, trying longer phrases first; only phrases
    /// of at least `min_len` words.
    fn schema_phrase(&mut self, i: usize, min_len: usize) -> Option<usize> {
        let max = 4.min(self.toks.len() - i);
        for len in (min_len..=max).rev() {
            let mut span = Vec::new();
            for t in &self.toks[i..i + len] {
                match t {
                    Tok::Word { stem, .. } => span.push(stem.clone()),
                    _ => break,
                }
            }
            if span.len() != len {
                continue;
            }
            let synonyms = if len == 1 { words::synonyms(&span[0]) } else { Vec::new() };
            let tables = self.vocab.tables_named(&span, &synonyms);
            if let [t] = tables.as_slice() {
                self.push(Item::Table(*t), i, i + len);
                return Some(i + len);
            }
            let mut cands = self.vocab.exact_columns(&span);
            if len == 1 && cands.is_empty() {
                cands = self.vocab.word_columns(&span[0], &synonyms);
            }
            if !cands.is_empty() {
                self.push(Item::Column(cands), i, i + len);
                return Some(i + len);
            }
            if tables.len() > 1 {
                // Several tables share the name (one per schema): a column of one of them
                // could not be told apart either, so the caller clarifies on the word.
                return None;
            }
        }
        None
    }
}
