//! The spec's constraints as static tables (generated once per schema and parameter set) and
//! the one engine that evaluates them. The client takes the first violation and raises it;
//! the mock server takes every violation and answers 422: both ask the same rules here, so
//! they agree by construction. A violation is data (rule, bound, actual); each side words it.

use std::sync::OnceLock;

use regex::Regex;

use super::Format;

/// A request input in the tables: a path or query parameter, a body field, a nested property.
#[derive(Clone, Copy)]
pub struct Field {
    /// The name on the wire.
    pub wire: &'static str,
    pub ty: Type,
    pub required: bool,
    pub nullable: bool,
    pub checks: Checks,
}

/// The JSON type of an input; `Model` and `Enum` carry their fields and values.
#[derive(Clone, Copy)]
pub enum Type {
    String,
    Integer,
    Number,
    Boolean,
    Any,
    Object,
    Map(&'static Type),
    Array(&'static Type),
    Model(&'static [Field]),
    Enum(&'static [&'static str]),
}

/// The constraints of one input.
#[derive(Clone, Copy, Default)]
pub struct Checks {
    /// `(bound, exclusive)`.
    pub minimum: Option<(f64, bool)>,
    pub maximum: Option<(f64, bool)>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub pattern: Option<&'static Pattern>,
    pub format: Option<Format>,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
    /// Checks of each item of an array.
    pub items: Option<&'static Checks>,
    /// A path parameter: one URL segment, so neither empty nor a dot segment (`.`, `..`),
    /// which URL normalization would drop, sending the request to another endpoint.
    pub segment: bool,
}

impl Checks {
    pub const NONE: Checks = Checks {
        minimum: None,
        maximum: None,
        min_length: None,
        max_length: None,
        pattern: None,
        format: None,
        min_items: None,
        max_items: None,
        items: None,
        segment: false,
    };

    /// Every rule a string breaks, in a fixed order: segment, length, pattern, format. Lazy,
    /// so taking the first computes no more than that.
    pub fn string<'a>(&'a self, value: &'a str) -> impl Iterator<Item = Broken<'a>> + 'a {
        let segment = match value {
            "" if self.segment => Some(Broken::Empty),
            "." | ".." if self.segment => Some(Broken::DotSegment { actual: value }),
            _ => None,
        };
        let length = move || value.chars().count();
        let short = move || {
            let bound = self.min_length?;
            let actual = length();
            (actual < bound).then_some(Broken::TooShort { bound, actual })
        };
        let long = move || {
            let bound = self.max_length?;
            let actual = length();
            (actual > bound).then_some(Broken::TooLong { bound, actual })
        };
        let pattern = move || {
            let pattern = self.pattern?;
            (!pattern.is_match(value)).then_some(Broken::Mismatch {
                pattern,
                actual: value,
            })
        };
        let format = move || {
            let format = self.format?;
            (!format.accepts(value)).then_some(Broken::NotFormat {
                format,
                actual: value,
            })
        };
        segment
            .into_iter()
            .chain(std::iter::once_with(short).flatten())
            .chain(std::iter::once_with(long).flatten())
            .chain(std::iter::once_with(pattern).flatten())
            .chain(std::iter::once_with(format).flatten())
    }

    /// Every rule a number breaks: minimum, then maximum.
    pub fn number(&self, actual: f64) -> impl Iterator<Item = Broken<'static>> {
        let below = self.minimum.and_then(|(bound, exclusive)| {
            (actual < bound || (exclusive && actual == bound)).then_some(Broken::Below {
                bound,
                exclusive,
                actual,
            })
        });
        let above = self.maximum.and_then(|(bound, exclusive)| {
            (actual > bound || (exclusive && actual == bound)).then_some(Broken::Above {
                bound,
                exclusive,
                actual,
            })
        });
        below.into_iter().chain(above)
    }

    /// Every rule an array of `actual` items breaks: minItems, then maxItems.
    pub fn count(&self, actual: usize) -> impl Iterator<Item = Broken<'static>> {
        let few = self
            .min_items
            .filter(|bound| actual < *bound)
            .map(|bound| Broken::TooFew { bound, actual });
        let many = self
            .max_items
            .filter(|bound| actual > *bound)
            .map(|bound| Broken::TooMany { bound, actual });
        few.into_iter().chain(many)
    }

    /// The checks of each item of an array.
    pub fn each(&self) -> &'static Checks {
        self.items.unwrap_or(&Checks::NONE)
    }
}

/// The rule an enum value breaks when the spec does not list it.
pub fn listed<'a>(values: &'static [&'static str], actual: &'a str) -> Option<Broken<'a>> {
    (!values.contains(&actual)).then_some(Broken::NotListed { values, actual })
}

/// A broken rule: which, its bound, and what the value had.
#[derive(Clone, Copy, Debug)]
pub enum Broken<'a> {
    /// Below `minimum` (or at it, when exclusive).
    Below {
        bound: f64,
        exclusive: bool,
        actual: f64,
    },
    /// Above `maximum` (or at it, when exclusive).
    Above {
        bound: f64,
        exclusive: bool,
        actual: f64,
    },
    /// Fewer characters than `minLength`.
    TooShort {
        bound: usize,
        actual: usize,
    },
    /// More characters than `maxLength`.
    TooLong {
        bound: usize,
        actual: usize,
    },
    /// Fewer items than `minItems`.
    TooFew {
        bound: usize,
        actual: usize,
    },
    /// More items than `maxItems`.
    TooMany {
        bound: usize,
        actual: usize,
    },
    Mismatch {
        pattern: &'static Pattern,
        actual: &'a str,
    },
    NotFormat {
        format: Format,
        actual: &'a str,
    },
    NotListed {
        values: &'static [&'static str],
        actual: &'a str,
    },
    /// An empty path parameter.
    Empty,
    /// A path parameter that is `.` or `..`.
    DotSegment {
        actual: &'a str,
    },
}

impl Broken<'_> {
    pub fn rule(&self) -> Rule {
        match self {
            Broken::Below { .. } | Broken::Above { .. } => Rule::Range,
            Broken::TooShort { .. } | Broken::TooLong { .. } => Rule::Length,
            Broken::TooFew { .. } | Broken::TooMany { .. } => Rule::Items,
            Broken::Mismatch { .. } => Rule::Pattern,
            Broken::NotFormat { .. } => Rule::Format,
            Broken::NotListed { .. } => Rule::Enum,
            Broken::Empty | Broken::DotSegment { .. } => Rule::Segment,
        }
    }
}

/// The kinds of rule; `field.rule` selectors in the mock's `x-mock.invalid` use these names.
/// `Required` and `Type` are only broken by JSON: a typed argument always has its type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    Required,
    Type,
    Enum,
    Pattern,
    Format,
    Range,
    Length,
    Items,
    Segment,
}

impl Rule {
    pub fn name(self) -> &'static str {
        match self {
            Rule::Required => "required",
            Rule::Type => "type",
            Rule::Enum => "enum",
            Rule::Pattern => "pattern",
            Rule::Format => "format",
            Rule::Range => "range",
            Rule::Length => "length",
            Rule::Items => "items",
            Rule::Segment => "segment",
        }
    }
}

/// A spec `pattern`, compiled on first use.
pub struct Pattern {
    source: &'static str,
    compiled: OnceLock<Option<Regex>>,
}

impl Pattern {
    pub const fn new(source: &'static str) -> Self {
        Pattern {
            source,
            compiled: OnceLock::new(),
        }
    }

    /// The pattern as the spec writes it.
    pub fn source(&self) -> &'static str {
        self.source
    }

    pub(crate) fn is_match(&self, value: &str) -> bool {
        // The generator refuses invalid patterns, so `None` is unreachable; treat it as a failed check.
        self.compiled
            .get_or_init(|| Regex::new(self.source).ok())
            .as_ref()
            .is_some_and(|re| re.is_match(value))
    }
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Pattern").field(&self.source).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules<'a>(broken: impl Iterator<Item = Broken<'a>>) -> Vec<Rule> {
        broken.map(|b| b.rule()).collect()
    }

    #[test]
    fn bounds_are_inclusive_unless_exclusive() {
        let inclusive = Checks {
            minimum: Some((1.0, false)),
            maximum: Some((2.0, false)),
            ..Checks::NONE
        };
        let exclusive = Checks {
            minimum: Some((1.0, true)),
            maximum: Some((2.0, true)),
            ..Checks::NONE
        };
        for edge in [1.0, 2.0] {
            assert_eq!(inclusive.number(edge).count(), 0);
            assert_eq!(rules(exclusive.number(edge)), [Rule::Range]);
        }
        assert!(matches!(
            exclusive.number(0.5).next(),
            Some(Broken::Below {
                bound: 1.0,
                exclusive: true,
                actual: 0.5
            })
        ));
        assert!(matches!(
            inclusive.number(3.0).next(),
            Some(Broken::Above { bound: 2.0, .. })
        ));
    }

    #[test]
    fn a_string_reports_every_rule_it_breaks_in_order() {
        static DIGITS: Pattern = Pattern::new(r"^\d+$");
        let checks = Checks {
            max_length: Some(3),
            pattern: Some(&DIGITS),
            format: Some(Format::Date),
            segment: true,
            ..Checks::NONE
        };
        assert_eq!(
            rules(checks.string("..")),
            [Rule::Segment, Rule::Pattern, Rule::Format]
        );
        assert_eq!(
            rules(checks.string("abcd")),
            [Rule::Length, Rule::Pattern, Rule::Format]
        );
        assert!(matches!(checks.string("").next(), Some(Broken::Empty)));
        let short = Checks {
            min_length: Some(5),
            ..Checks::NONE
        };
        assert!(matches!(
            short.string("ééé").next(),
            Some(Broken::TooShort {
                bound: 5,
                actual: 3
            })
        ));
    }

    #[test]
    fn items_and_enums() {
        let checks = Checks {
            min_items: Some(1),
            max_items: Some(2),
            ..Checks::NONE
        };
        assert_eq!(rules(checks.count(0)), [Rule::Items]);
        assert_eq!(rules(checks.count(3)), [Rule::Items]);
        assert_eq!(checks.count(2).count(), 0);
        assert!(listed(&["a", "b"], "b").is_none());
        assert_eq!(listed(&["a", "b"], "c").map(|b| b.rule()), Some(Rule::Enum));
    }
}
