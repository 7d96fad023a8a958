//! `rules check`: every rule proves itself on its own examples. The test suite runs the same
//! code over the built-in pack, so a rule that stops matching its examples fails CI.

use crate::engine::Scanner;
use crate::rules::{RuleError, RuleSet};

/// One example that did not behave as its rule says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    /// Rule id.
    pub rule_id: String,
    /// Where the rule was defined.
    pub origin: String,
    /// What went wrong, including the example text.
    pub problem: String,
}

/// Compiles every rule of `set` and runs each rule's examples through the whole engine (gate,
/// windowed regex, filters). A positive example must be reported by its rule; a negative one
/// must not be. Rules without at least one example of each kind fail too. Returns the rules
/// that could not be compiled and the examples that failed.
pub fn check_examples(set: RuleSet) -> (Vec<RuleError>, Vec<ExampleFailure>) {
    let (scanner, errors) = Scanner::new(set);
    let failures = check_scanner(&scanner);
    (errors, failures)
}

/// [`check_examples`] over an already compiled scanner.
pub(crate) fn check_scanner(scanner: &Scanner) -> Vec<ExampleFailure> {
    let mut failures = Vec::new();
    for (id, problem) in scanner.compile_all() {
        let origin = scanner
            .rule_index(&id)
            .map(|i| scanner.rule(i).origin.to_string())
            .unwrap_or_default();
        failures.push(ExampleFailure {
            rule_id: id,
            origin,
            problem: format!("regex cannot be compiled: {problem}"),
        });
    }
    let mut scratch = scanner.scratch();
    let mut matches = Vec::new();
    for index in 0..scanner.rule_count() {
        let loaded = scanner.rule(index);
        let rule = &loaded.rule;
        let mut fail = |problem: String| {
            failures.push(ExampleFailure {
                rule_id: rule.id.clone(),
                origin: loaded.origin.to_string(),
                problem,
            })
        };
        if rule.examples.is_empty() {
            fail("has no examples".into());
        }
        if rule.negative_examples.is_empty() {
            fail("has no negative_examples".into());
        }
        for (positive, list) in [(true, &rule.examples), (false, &rule.negative_examples)] {
            for example in list {
                matches.clear();
                scanner.scan_all(example.as_bytes(), &mut scratch, &mut matches);
                let hit = matches.iter().any(|m| m.rule == index);
                if hit != positive {
                    let what = if positive {
                        "example not reported"
                    } else {
                        "negative example reported"
                    };
                    fail(format!("{what}: {example:?}"));
                }
            }
        }
    }
    failures
}
