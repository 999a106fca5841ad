//! Generates the rule registry from the files in `src/rules/`, so adding a
//! rule means adding its code, its doc in `rules/` and its examples, nothing else.

use std::fs;
use std::path::Path;

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    let src = Path::new(&root).join("src/rules");
    println!("cargo:rerun-if-changed=src/rules");
    println!("cargo:rerun-if-changed=rules");
    let mut names: Vec<String> = fs::read_dir(&src)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("eni") && n.ends_with(".rs"))
        .map(|n| n.trim_end_matches(".rs").to_string())
        .collect();
    names.sort();
    let mut out = String::new();
    for n in &names {
        out += &format!("#[path = {:?}]\nmod {n};\n", src.join(format!("{n}.rs")).display().to_string());
    }
    out += "/// Every rule, in ID order, with its documentation.\npub static RULES: &[Registered] = &[\n";
    for n in &names {
        let id = n[..6].to_uppercase();
        let doc = Path::new(&root).join("rules").join(format!("{id}.md"));
        assert!(doc.is_file(), "rule {id} has no documentation at {}", doc.display());
        out += &format!(
            "    Registered {{ rule: &{n}::RULE, doc: include_str!({:?}) }},\n",
            doc.display().to_string()
        );
    }
    out += "];\n";
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("registry.rs");
    // A new file renamed into place, never a rewrite: a target directory copied
    // with hard links must not have its copies' registries changed too.
    let tmp = dest.with_extension("rs.tmp");
    fs::write(&tmp, out).unwrap();
    fs::rename(&tmp, &dest).unwrap();
}
