//! Word lists and small sampling helpers that make the demo rows look like a real business.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

pub struct Country {
    pub name: &'static str,
    pub weight: f64,
    pub cities: &'static [&'static str],
}

pub struct Region {
    pub name: &'static str,
    pub weight: f64,
    pub countries: &'static [Country],
}

const fn country(name: &'static str, weight: f64, cities: &'static [&'static str]) -> Country {
    Country { name, weight, cities }
}

pub const REGIONS: [Region; 4] = [
    Region {
        name: "North America",
        weight: 0.38,
        countries: &[
            country(
                "United States",
                0.75,
                &["New York", "Chicago", "Austin", "Seattle", "Boston", "Denver", "Atlanta"],
            ),
            country("Canada", 0.18, &["Toronto", "Vancouver", "Montreal", "Calgary"]),
            country("Mexico", 0.07, &["Mexico City", "Monterrey", "Guadalajara"]),
        ],
    },
    Region {
        name: "Europe",
        weight: 0.34,
        countries: &[
            country("Germany", 0.24, &["Berlin", "Munich", "Hamburg", "Cologne"]),
            country("United Kingdom", 0.22, &["London", "Manchester", "Leeds", "Edinburgh"]),
            country("France", 0.18, &["Paris", "Lyon", "Toulouse", "Lille"]),
            country("Netherlands", 0.1, &["Amsterdam", "Rotterdam", "Utrecht"]),
            country("Spain", 0.1, &["Madrid", "Barcelona", "Valencia"]),
            country("Italy", 0.09, &["Milan", "Rome", "Turin"]),
            country("Sweden", 0.07, &["Stockholm", "Gothenburg"]),
        ],
    },
    Region {
        name: "Asia Pacific",
        weight: 0.2,
        countries: &[
            country("Japan", 0.3, &["Tokyo", "Osaka", "Nagoya"]),
            country("Australia", 0.25, &["Sydney", "Melbourne", "Brisbane"]),
            country("India", 0.2, &["Bengaluru", "Mumbai", "Pune"]),
            country("Singapore", 0.13, &["Singapore"]),
            country("South Korea", 0.12, &["Seoul", "Busan"]),
        ],
    },
    Region {
        name: "Latin America",
        weight: 0.08,
        countries: &[
            country("Brazil", 0.5, &["São Paulo", "Rio de Janeiro", "Curitiba"]),
            country("Argentina", 0.2, &["Buenos Aires", "Córdoba"]),
            country("Chile", 0.15, &["Santiago", "Valparaíso"]),
            country("Colombia", 0.15, &["Bogotá", "Medellín"]),
        ],
    },
];

pub const SEGMENTS: [&str; 4] = ["Enterprise", "Mid-Market", "Small Business", "Public Sector"];

pub struct Category {
    pub name: &'static str,
    pub price_range: (f64, f64),
    pub items: &'static [&'static str],
}

pub const CATEGORIES: [Category; 8] = [
    Category {
        name: "Office Supplies",
        price_range: (2.0, 40.0),
        items: &["Copy Paper", "Gel Pens", "Sticky Notes", "Binder", "Stapler", "Desk Organizer"],
    },
    Category {
        name: "Furniture",
        price_range: (80.0, 900.0),
        items: &["Office Chair", "Standing Desk", "Bookcase", "Filing Cabinet", "Meeting Table"],
    },
    Category {
        name: "Electronics",
        price_range: (60.0, 1400.0),
        items: &["Laptop", "Monitor", "Docking Station", "Headset", "Webcam", "Tablet"],
    },
    Category {
        name: "Software",
        price_range: (30.0, 600.0),
        items: &["Office Suite", "Antivirus", "Design Suite", "Backup Service"],
    },
    Category {
        name: "Networking",
        price_range: (40.0, 1200.0),
        items: &["Router", "Switch", "Access Point", "Firewall"],
    },
    Category {
        name: "Storage",
        price_range: (50.0, 800.0),
        items: &["SSD", "NAS", "External Drive", "Tape Cartridge"],
    },
    Category {
        name: "Printing",
        price_range: (15.0, 700.0),
        items: &["Laser Printer", "Toner", "Ink Cartridge", "Label Printer"],
    },
    Category {
        name: "Safety",
        price_range: (5.0, 150.0),
        items: &["First Aid Kit", "Safety Glasses", "Fire Extinguisher"],
    },
];

pub const FIRST_NAMES: &[&str] = &[
    "Ava", "Ben", "Chloé", "Daniel", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kara", "Liam", "Maya",
    "Noah", "Olga", "Pablo", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wei", "Yara", "Zoe",
];

pub const LAST_NAMES: &[&str] = &[
    "Andersson",
    "Brown",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "García",
    "Hoffmann",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Martin",
    "Nakamura",
    "Okafor",
    "Patel",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Weber",
];

const COMPANY_FIRST: &[&str] = &[
    "Acme", "Blue", "Cedar", "Delta", "Echo", "Falcon", "Granite", "Harbor", "Iron", "Juniper", "Kite", "Lumen",
    "Maple", "North", "Orbit", "Pine", "Quartz", "River", "Summit", "Terra", "Union", "Vertex", "Willow", "Zenith",
    "Atlas", "Beacon", "Copper", "Drift", "Ember", "Fjord",
];
const COMPANY_SECOND: &[&str] = &[
    "Logistics",
    "Labs",
    "Foods",
    "Health",
    "Capital",
    "Works",
    "Systems",
    "Studios",
    "Energy",
    "Retail",
    "Partners",
    "Robotics",
    "Media",
    "Analytics",
    "Builders",
    "Outfitters",
    "Pharma",
    "Motors",
];
const COMPANY_SUFFIX: &[&str] = &["Inc.", "Ltd", "GmbH", "Group", "Co.", "LLC", "AG", "SA"];

pub fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    items[rng.gen_range(0..items.len())]
}

pub fn company_name(rng: &mut ChaCha8Rng) -> String {
    format!("{} {} {}", pick(rng, COMPANY_FIRST), pick(rng, COMPANY_SECOND), pick(rng, COMPANY_SUFFIX))
}

/// Index drawn with probability proportional to `weights`.
pub fn weighted(rng: &mut ChaCha8Rng, weights: &[f64]) -> usize {
    sample_cumulative(rng, &cumulative(weights))
}

pub fn weighted_slice<T>(rng: &mut ChaCha8Rng, items: &[T], weight: impl Fn(&T) -> f64) -> usize {
    let weights: Vec<f64> = items.iter().map(weight).collect();
    weighted(rng, &weights)
}

pub fn cumulative(weights: &[f64]) -> Vec<f64> {
    weights
        .iter()
        .scan(0.0, |sum, w| {
            *sum += w;
            Some(*sum)
        })
        .collect()
}

pub fn sample_cumulative(rng: &mut ChaCha8Rng, cumulative: &[f64]) -> usize {
    let total = cumulative.last().copied().unwrap_or(0.0);
    let target = rng.gen::<f64>() * total;
    cumulative.partition_point(|&c| c <= target).min(cumulative.len().saturating_sub(1))
}

/// Lines per order: most orders are small, a few are large (mean about 4).
pub fn line_count(rng: &mut ChaCha8Rng) -> usize {
    1 + (rng.gen::<f64>().powi(2) * 9.0) as usize
}

pub fn quantity(rng: &mut ChaCha8Rng) -> i64 {
    1 + (rng.gen::<f64>().powi(3) * 40.0) as i64
}
