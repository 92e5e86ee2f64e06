//! TOML syntax errors as problems: the parser's own description for the English, the text at
//! its span and the tokens it expected, which read the same in any language.

use std::collections::HashMap;

use super::Ctx;
use crate::problem::Problem;

/// The tokens the TOML parser expected at each of its errors (by the offset it points at): the
/// literal ones (`]`, `=`, a quote) of its structured errors, which read the same in any language.
fn toml_expected(src: &str) -> HashMap<usize, Vec<&'static str>> {
    let tokens = toml_parser::Source::new(src).lex().into_vec();
    let mut errors: Vec<toml_parser::ParseError> = Vec::new();
    toml_parser::parser::parse_document(&tokens, &mut (), &mut errors);
    errors
        .iter()
        .filter_map(|e| {
            let at = e.unexpected()?.start();
            let literals: Vec<&'static str> = e
                .expected()?
                .iter()
                .filter_map(|x| match x {
                    toml_parser::Expected::Literal(l) => Some(*l),
                    _ => None,
                })
                .collect();
            (!literals.is_empty()).then_some((at, literals))
        })
        .collect()
}

/// Each of the parser's errors as a problem at its place.
pub(super) fn report(c: &mut Ctx<'_>, src: &str, errors: &[toml::de::Error]) {
    let expected = toml_expected(src);
    for e in errors {
        let span = e.span().unwrap_or(0..0);
        // The parser's description stays as it wrote it, for the English; the text it points at
        // is taken from the source by its span, and what it expected there from its structure.
        let near = src.get(span.clone()).filter(|t| !t.is_empty()).map(str::to_owned);
        c.err(
            &span,
            Problem::TomlSyntax {
                detail: e.message().trim().to_owned(),
                near,
                expected: expected.get(&span.start).cloned().unwrap_or_default(),
            },
        );
    }
}
