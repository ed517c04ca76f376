//! Splits a question into words, numbers, dates and quoted values, and holds the small, generic
//! vocabulary (stemming, stop words, synonyms, place names) that words are matched with.

/// One token of the question. Identifiers typed by the user (`unit_price`, `UnitPrice`) arrive
/// already split into their words so they match schema names the same way prose does.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Word {
        text: String,
        lower: String,
        stem: String,
    },
    Number {
        value: f64,
        text: String,
    },
    /// `2024-03` or `2024-03-15`; a bare year is a `Number` until context says otherwise.
    Date {
        year: i32,
        month: u32,
        day: Option<u32>,
        text: String,
    },
    Quoted(String),
    Symbol(&'static str),
}

impl Tok {
    pub(crate) fn text(&self) -> &str {
        match self {
            Tok::Word { text, .. } | Tok::Number { text, .. } | Tok::Date { text, .. } => text,
            Tok::Quoted(v) => v,
            Tok::Symbol(s) => s,
        }
    }

    pub(crate) fn lower(&self) -> Option<&str> {
        match self {
            Tok::Word { lower, .. } => Some(lower),
            _ => None,
        }
    }
}

fn word(text: &str) -> Tok {
    let lower = text.to_lowercase();
    Tok::Word { text: text.to_string(), stem: stem(&lower), lower }
}

pub(crate) fn tokenize(question: &str) -> Vec<Tok> {
    let chars: Vec<char> = question.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let prev_alnum = i > 0 && chars[i - 1].is_alphanumeric();
        if c.is_whitespace() {
            i += 1;
        } else if (c == '\'' || c == '’') && prev_alnum {
            // A possessive or contraction ("customer's", "what's"): drop the apostrophe and its `s`.
            i += 1;
            if chars.get(i) == Some(&'s') && !chars.get(i + 1).is_some_and(|n| n.is_alphanumeric()) {
                i += 1;
            }
        } else if matches!(c, '\'' | '"' | '‘' | '“' | '’' | '”') {
            let closers: &[char] = if matches!(c, '"' | '“' | '”') { &['"', '”'] } else { &['\'', '’'] };
            match chars[i + 1..].iter().position(|ch| closers.contains(ch)) {
                Some(len) => {
                    toks.push(Tok::Quoted(chars[i + 1..i + 1 + len].iter().collect()));
                    i += len + 2;
                }
                None => i += 1,
            }
        } else if c.is_ascii_digit() || (c == '$' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            let start = if c == '$' { i + 1 } else { i };
            i = number_or_date(&chars, start, &mut toks);
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let raw: String = chars[start..i].iter().collect();
            let parts = split_identifier(&raw);
            if parts.len() == 1 {
                // Kept as typed: a capital letter may mark a name the user did not quote.
                toks.push(word(&raw));
            } else {
                toks.extend(parts.iter().map(|w| word(w)));
            }
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let symbol = match (two.as_str(), c) {
                (">=", _) => Some((">=", 2)),
                ("<=", _) => Some(("<=", 2)),
                ("!=" | "<>", _) => Some(("!=", 2)),
                (_, '>') => Some((">", 1)),
                (_, '<') => Some(("<", 1)),
                (_, '=') => Some(("=", 1)),
                _ => None,
            };
            match symbol {
                Some((s, len)) => {
                    toks.push(Tok::Symbol(s));
                    i += len;
                }
                None => i += 1,
            }
        }
    }
    toks
}

/// Reads `2024-03-15`, `2024-03`, `1,250.50` or `100` starting at `start`; returns the next index.
fn number_or_date(chars: &[char], start: usize, toks: &mut Vec<Tok>) -> usize {
    let digits = |from: usize, n: usize| (from..from + n).all(|k| chars.get(k).is_some_and(char::is_ascii_digit));
    let num = |from: usize, n: usize| chars[from..from + n].iter().collect::<String>().parse::<u32>().unwrap_or(0);
    if digits(start, 4) && chars.get(start + 4) == Some(&'-') && digits(start + 5, 2) {
        let (year, month) = (num(start, 4) as i32, num(start + 5, 2));
        let with_day = chars.get(start + 7) == Some(&'-') && digits(start + 8, 2);
        let end = if with_day { start + 10 } else { start + 7 };
        if (1..=12).contains(&month) {
            let day = with_day.then(|| num(start + 8, 2));
            toks.push(Tok::Date { year, month, day, text: chars[start..end].iter().collect() });
            return end;
        }
    }
    let mut end = start;
    while end < chars.len()
        && (chars[end].is_ascii_digit()
            || (matches!(chars[end], ',' | '.') && chars.get(end + 1).is_some_and(char::is_ascii_digit)))
    {
        end += 1;
    }
    let text: String = chars[start..end].iter().collect();
    if let Ok(value) = text.replace(',', "").parse::<f64>() {
        toks.push(Tok::Number { value, text });
    }
    end
}

/// `unit_price`, `UnitPrice`, `HTMLTitle`, `Order Details` → their lower-case words.
pub(crate) fn split_identifier(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut parts = Vec::new();
    let mut cur = String::new();
    for (k, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                parts.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if c.is_uppercase() && !cur.is_empty() {
            let prev = chars[k - 1];
            let next_lower = chars.get(k + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                parts.push(std::mem::take(&mut cur));
            }
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    parts
}

/// A deliberately small suffix stripper: it only has to make the question's word and the
/// schema's word land on the same string (`categories`/`category`, `prices`/`price`,
/// `hired`/`hire_date`), not produce real English roots. Both sides always go through it.
pub(crate) fn stem(word: &str) -> String {
    let mut w = word.to_lowercase();
    let len = w.chars().count();
    if len > 4 && w.ends_with("ies") {
        w.truncate(w.len() - 3);
        w.push('y');
    } else if w.ends_with("sses") {
        w.truncate(w.len() - 2);
    } else if len >= 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is") {
        w.truncate(w.len() - 1);
    }
    let len = w.chars().count();
    if len > 5 && w.ends_with("ing") {
        w.truncate(w.len() - 3);
    } else if len > 4 && w.ends_with("ed") {
        w.truncate(w.len() - 2);
    }
    if w.chars().count() > 3 && w.ends_with('e') {
        w.truncate(w.len() - 1);
    }
    w
}

/// Words that carry no meaning for the query. Words with a role in some contexts (`in`, `for`,
/// `from`, `over`, `of`) are only dropped after the lexer has checked those contexts.
pub(crate) fn is_stop_word(lower: &str) -> bool {
    const STOP: &[&str] = &[
        "show",
        "me",
        "what",
        "whats",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "the",
        "a",
        "an",
        "of",
        "all",
        "list",
        "give",
        "which",
        "there",
        "in",
        "for",
        "to",
        "on",
        "and",
        "do",
        "does",
        "did",
        "we",
        "i",
        "you",
        "our",
        "my",
        "us",
        "get",
        "find",
        "display",
        "tell",
        "please",
        "have",
        "has",
        "had",
        "their",
        "its",
        "it",
        "from",
        "at",
        "as",
        "those",
        "these",
        "them",
        "they",
        "can",
        "could",
        "would",
        "should",
        "want",
        "see",
        "know",
        "let",
        "plot",
        "chart",
        "graph",
        "draw",
        "visualize",
        "visualise",
        "how",
        "much",
        "so",
        "any",
        "ever",
        "overall",
        "s",
        "made",
        "placed",
        "sold",
        "generated",
        "bought",
        "purchased",
        "received",
        "over",
        "above",
        "below",
        "under",
        "along",
        "together",
        "also",
        "just",
        "only",
        "currently",
        "now",
        "sorted",
        "ordered",
        "ranked",
        "listed",
        "whole",
        "entire",
        "altogether",
        "respective",
        "respectively",
        "per",
        "like",
        "need",
        "when",
        "up",
        "produced",
        "belong",
        "belongs",
        "belonging",
    ];
    STOP.contains(&lower)
}

/// Words the compiler does not understand well enough to answer safely; a question using them
/// is clarified instead of silently answered without them.
pub(crate) fn is_unsupported(lower: &str) -> bool {
    const UNSUPPORTED: &[&str] = &[
        "not",
        "no",
        "never",
        "without",
        "except",
        "excluding",
        "exclude",
        "or",
        "nor",
        "last",
        "this",
        "next",
        "ago",
        "today",
        "yesterday",
        "recent",
        "recently",
        "previous",
        "current",
        "ytd",
        "median",
        "growth",
        "change",
        "cumulative",
        "running",
        "percent",
        "percentage",
        "share",
        "ratio",
        "vs",
        "versus",
        "compare",
        "compared",
        "difference",
        "profit",
        "margin",
    ];
    UNSUPPORTED.contains(&lower)
}

/// Generic synonyms, keyed and valued by stem: a question word on the left may name a schema
/// word on the right. Nothing here may name one particular schema's tables.
const SYNONYMS: &[(&[&str], &[&str])] = &[
    (
        &["revenue", "sales", "sale", "income", "turnover", "earnings", "earned"],
        &["amount", "total", "revenue", "sale", "income", "value", "turnover"],
    ),
    (&["spend", "spent", "spending"], &["amount", "total", "spend", "spent", "spending"]),
    (&["value"], &["amount", "total", "value"]),
    (&["amount"], &["amount", "total", "value", "sum"]),
    (&["total"], &["total", "amount", "sum"]),
    (&["price", "prices"], &["price", "cost", "fee", "rate"]),
    (&["cost", "costs"], &["cost", "price", "expense", "fee"]),
    (&["quantity", "qty"], &["quantity", "qty"]),
    (&["people", "person", "persons"], &["person", "people"]),
    (&["client", "clients", "buyer", "buyers"], &["customer", "client", "buyer"]),
    (&["customer", "customers"], &["client", "buyer"]),
    (&["staff", "worker", "workers"], &["employee", "staff", "worker"]),
    (&["employee", "employees"], &["staff", "worker"]),
    (&["item", "items"], &["product", "item"]),
    (&["product", "products"], &["item"]),
    (&["country", "countries", "nation", "nations"], &["country", "nation"]),
    (&["city", "cities", "town", "towns"], &["city", "town"]),
    (&["name", "names"], &["name", "title"]),
    (&["title", "titles"], &["title", "name"]),
    (&["date", "dates", "time", "day"], &["date", "time", "day", "timestamp"]),
    (&["category", "categories"], &["category", "type", "kind", "class", "group"]),
    (&["type", "types", "kind", "kinds"], &["type", "category", "kind", "class"]),
    (&["length", "duration"], &["length", "duration"]),
    (
        &["signup", "signups", "signed", "joined", "registered", "registration"],
        &["signup", "registration", "registered", "join", "joined", "created"],
    ),
    (&["salary", "salaries", "wage", "wages", "pay"], &["salary", "wage", "pay"]),
];

/// Stems of the schema words `word` may stand for (not including `word` itself).
pub(crate) fn synonyms(word: &str) -> Vec<String> {
    let s = stem(word);
    let mut out: Vec<String> = Vec::new();
    for (keys, values) in SYNONYMS {
        if keys.iter().any(|k| stem(k) == s) {
            for v in values.iter().map(|v| stem(v)) {
                if v != s && !out.contains(&v) {
                    out.push(v);
                }
            }
        }
    }
    out
}

/// Column words that describe a rate or a per-unit figure, where a sum means nothing and the
/// default aggregate is an average instead.
pub(crate) fn is_non_additive(column_words: &[String]) -> bool {
    const WORDS: &[&str] = &[
        "price",
        "rate",
        "ratio",
        "percent",
        "percentage",
        "pct",
        "discount",
        "score",
        "rating",
        "age",
        "temperature",
        "latitude",
        "longitude",
        "avg",
        "average",
        "mean",
        "speed",
        "mpg",
        "horsepower",
        "unit",
    ];
    column_words.iter().any(|w| WORDS.iter().any(|n| stem(n) == *w))
}

/// Column words that name a place, which `in '…'` and `from '…'` most likely filter on.
pub(crate) fn is_place_word(stemmed: &str) -> bool {
    ["country", "city", "state", "region", "province", "town", "location", "nation", "territory"]
        .iter()
        .any(|w| stem(w) == stemmed)
}

/// Whether a quoted value is a country's name; such values pick a column named `country`.
pub(crate) fn is_country_name(value: &str) -> bool {
    const COUNTRIES: &[&str] = &[
        "argentina",
        "australia",
        "austria",
        "belgium",
        "brazil",
        "bulgaria",
        "canada",
        "chile",
        "china",
        "colombia",
        "croatia",
        "czech republic",
        "czechia",
        "denmark",
        "egypt",
        "estonia",
        "finland",
        "france",
        "germany",
        "greece",
        "hungary",
        "iceland",
        "india",
        "indonesia",
        "ireland",
        "israel",
        "italy",
        "japan",
        "kenya",
        "latvia",
        "lithuania",
        "luxembourg",
        "malaysia",
        "mexico",
        "morocco",
        "netherlands",
        "new zealand",
        "nigeria",
        "norway",
        "pakistan",
        "peru",
        "philippines",
        "poland",
        "portugal",
        "romania",
        "russia",
        "saudi arabia",
        "singapore",
        "slovakia",
        "slovenia",
        "south africa",
        "south korea",
        "korea",
        "spain",
        "sweden",
        "switzerland",
        "taiwan",
        "thailand",
        "turkey",
        "ukraine",
        "united kingdom",
        "uk",
        "united states",
        "usa",
        "us",
        "venezuela",
        "vietnam",
    ];
    COUNTRIES.contains(&value.trim().to_lowercase().as_str())
}

pub(crate) fn month_number(lower: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    MONTHS
        .iter()
        .position(|m| *m == lower || (lower.len() == 3 && m.starts_with(lower) && lower != "may"))
        .map(|p| p as u32 + 1)
}

pub(crate) fn number_word(lower: &str) -> Option<u64> {
    const WORDS: [&str; 12] =
        ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];
    WORDS.iter().position(|w| *w == lower).map(|p| p as u64 + 1).or(match lower {
        "twenty" => Some(20),
        "fifty" => Some(50),
        "hundred" => Some(100),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_split_on_underscores_and_case_changes() {
        assert_eq!(split_identifier("unit_price"), ["unit", "price"]);
        assert_eq!(split_identifier("UnitPrice"), ["unit", "price"]);
        assert_eq!(split_identifier("ArtistId"), ["artist", "id"]);
        assert_eq!(split_identifier("HTMLTitle"), ["html", "title"]);
        assert_eq!(split_identifier("Order Details"), ["order", "details"]);
    }

    #[test]
    fn plural_and_singular_forms_share_a_stem() {
        for (a, b) in [
            ("categories", "category"),
            ("prices", "price"),
            ("orders", "order"),
            ("hired", "hire"),
            ("boxes", "box"),
            ("statuses", "status"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} / {b}");
        }
        assert_eq!(stem("status"), "status");
        assert_eq!(stem("address"), "address");
    }

    #[test]
    fn quoted_values_numbers_and_dates_become_their_own_tokens() {
        let toks = tokenize("customers in 'New York' with total > 1,000.5 since 2024-03 and what's \"x\"");
        assert!(toks.contains(&Tok::Quoted("New York".into())));
        assert!(toks.contains(&Tok::Quoted("x".into())));
        assert!(toks.contains(&Tok::Symbol(">")));
        assert!(toks.iter().any(|t| matches!(t, Tok::Number { value, .. } if (*value - 1000.5).abs() < 1e-9)));
        assert!(toks.iter().any(|t| matches!(t, Tok::Date { year: 2024, month: 3, day: None, .. })));
        assert!(toks.iter().any(|t| t.lower() == Some("what")));
    }

    #[test]
    fn synonyms_are_generic_and_symmetric_enough() {
        assert!(synonyms("revenue").contains(&stem("amount")));
        assert!(synonyms("sales").contains(&stem("total")));
        assert!(synonyms("price").contains(&stem("cost")));
        assert!(synonyms("people").contains(&stem("person")));
    }
}
