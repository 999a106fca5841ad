//! Names that tell functions apart: two functions with one name (the same
//! logical ID in two templates, one function name in two accounts) are named
//! with what differs between them. Names no other function has stay as they are.

use ahash::AHashMap as HashMap;

use crate::files::Files;
use crate::model::{Function, Inventory, Value};

/// The functions that share a name with another, in groups of one name.
/// Functions are sorted by the hash of their name: at a million functions, a
/// map from each name to its functions costs ten times the memory and an
/// allocation per name.
pub fn clashes(inv: &Inventory) -> Vec<Vec<usize>> {
    let name = |i: usize| &*inv.functions[i].name;
    let hasher = ahash::RandomState::new();
    let mut hashed: Vec<(u64, usize)> = (0..inv.functions.len()).map(|i| (hasher.hash_one(name(i)), i)).collect();
    hashed.sort_unstable();
    let mut out = Vec::new();
    for run in hashed.chunk_by(|a, b| a.0 == b.0).filter(|run| run.len() > 1) {
        // Equal hashes almost always mean equal names; the names decide.
        let mut same: Vec<usize> = run.iter().map(|&(_, i)| i).collect();
        same.sort_by(|&a, &b| name(a).cmp(name(b)).then(a.cmp(&b)));
        out.extend(
            same.chunk_by(|&a, &b| name(a) == name(b))
                .filter(|s| s.len() > 1)
                .map(<[usize]>::to_vec),
        );
    }
    out
}

/// For each function of the `clashes`, what tells it apart: its file (the
/// fewest trailing path components that differ), account and region, each
/// only where those of the same-named functions differ.
pub fn qualifiers(inv: &Inventory, clashes: &[Vec<usize>], files: Option<&Files>) -> HashMap<usize, String> {
    let mut out = HashMap::new();
    for same in clashes {
        let functions: Vec<&Function> = same.iter().map(|&i| &inv.functions[i]).collect();
        let paths: Vec<Option<&str>> = functions
            .iter()
            .map(|f| Some(files?.get(f.origin.file()?.0).path.as_str()))
            .collect();
        let paths = distinct_suffixes(&paths);
        let accounts = differ(functions.iter().map(|f| &*f.account));
        let regions = differ(functions.iter().map(|f| &*f.region));
        for ((&i, f), path) in same.iter().zip(&functions).zip(paths) {
            let mut parts: Vec<&str> = path.into_iter().collect();
            if accounts && !f.account.is_empty() {
                parts.push(&f.account);
            }
            if regions && !f.region.is_empty() {
                parts.push(&f.region);
            }
            if !parts.is_empty() {
                out.insert(i, parts.join(", "));
            }
        }
    }
    out
}

/// How each VPC is shown: its ID or expression, and where two VPCs read alike
/// (`!Ref VPC` in two templates) the end of the scope that tells them apart.
pub fn vpc_names<'v>(vpcs: impl Iterator<Item = &'v Value>) -> HashMap<&'v Value, String> {
    let mut by_text: HashMap<&str, Vec<&Value>> = HashMap::new();
    for v in vpcs {
        by_text.entry(v.as_str()).or_default().push(v);
    }
    let mut out = HashMap::new();
    for same in by_text.into_values() {
        let scopes: Vec<Option<&str>> = same
            .iter()
            .map(|v| match v {
                Value::Symbol(s) if !s.scope.is_empty() => Some(&*s.scope),
                _ => None,
            })
            .collect();
        let tails = if same.len() > 1 { distinct_suffixes(&scopes) } else { vec![None] };
        for (v, tail) in same.into_iter().zip(tails) {
            out.insert(v, tail.map_or_else(|| v.to_string(), |t| format!("{v} ({t})")));
        }
    }
    out
}

/// Whether the non-empty values are not all the same (an empty one is unknown, not different).
fn differ<'a>(values: impl Iterator<Item = &'a str>) -> bool {
    let mut known = values.filter(|v| !v.is_empty());
    let Some(first) = known.next() else { return false };
    known.any(|v| v != first)
}

/// For each path, its shortest tail of whole components that no other path
/// shares; `None` everywhere when fewer than two distinct paths are known.
fn distinct_suffixes<'a>(paths: &[Option<&'a str>]) -> Vec<Option<&'a str>> {
    let mut known: Vec<&str> = paths.iter().flatten().copied().collect();
    known.sort_unstable();
    known.dedup();
    if known.len() < 2 {
        return vec![None; paths.len()];
    }
    let tail = |p: &'a str, n: usize| -> &'a str {
        match p.rmatch_indices(['/', '\\']).nth(n - 1) {
            Some((at, _)) => &p[at + 1..],
            None => p,
        }
    };
    let deepest = known.iter().map(|p| p.split(['/', '\\']).count()).max().unwrap_or(1);
    let n = (1..=deepest)
        .find(|&n| {
            let mut tails: Vec<&str> = known.iter().map(|p| tail(p, n)).collect();
            tails.sort_unstable();
            tails.dedup();
            tails.len() == known.len()
        })
        .unwrap_or(deepest);
    paths.iter().map(|p| p.map(|p| tail(p, n))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fewest_trailing_components_that_differ() {
        let paths = [Some("x/a/template.yaml"), Some("x/b/template.yaml"), None];
        assert_eq!(distinct_suffixes(&paths), [Some("a/template.yaml"), Some("b/template.yaml"), None]);
        let paths = [Some("a/one.yaml"), Some("a/two.yaml")];
        assert_eq!(distinct_suffixes(&paths), [Some("one.yaml"), Some("two.yaml")]);
        assert_eq!(distinct_suffixes(&[Some("t.yaml"), Some("t.yaml")]), [None, None]);
    }

    #[test]
    fn vpcs_that_read_alike_are_named_with_their_scope() {
        let a = Value::symbol("stacks/a/template.yaml", "!Ref VPC");
        let b = Value::symbol("stacks/b/template.yaml", "!Ref VPC");
        let c = Value::id("vpc-1");
        let names = vpc_names([&a, &b, &c].into_iter());
        assert_eq!(names[&a], "!Ref VPC (a/template.yaml)");
        assert_eq!(names[&b], "!Ref VPC (b/template.yaml)");
        assert_eq!(names[&c], "vpc-1");
    }
}
