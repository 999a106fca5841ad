//! The HTML report and the SVG graph: a golden page for the SAM example, its
//! structure read back with an HTML parser, hostile names rendered as text, no
//! reference to the network, and the page drawn by a real browser (Debian's
//! chromium) for the SAM example and a generated 500-function account.

#[path = "support/cli.rs"]
mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use scraper::{Html, Selector};
use serde_json::Value;

const SAM: &str = "testdata/examples/sam-app/template.yaml";

fn run(args: &[&str]) -> String {
    let out = support::eniplan().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code().is_some_and(|c| c == 0 || c == 1), "{stderr}");
    String::from_utf8(out.stdout).unwrap()
}

fn select<'a>(doc: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    doc.select(&Selector::parse(css).unwrap()).collect()
}

/// Every combination of a JSON report, written as the SVG's `data-key` writes it.
fn combination_keys(report: &Value) -> BTreeSet<String> {
    report["combinations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let sgs: Vec<&str> = c["security_groups"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            let key = format!("{} + [{}]", c["subnet"].as_str().unwrap(), sgs.join(", "));
            match c["account"].as_str().unwrap() {
                "" => key,
                account => format!("{account}: {key}"),
            }
        })
        .collect()
}

fn drawn_keys(doc: &Html) -> BTreeSet<String> {
    select(doc, "svg g.combination")
        .iter()
        .map(|g| g.value().attr("data-key").unwrap().to_string())
        .collect()
}

/// Fails on anything a browser would fetch: an http(s) or protocol-relative
/// URL in an attribute that loads or links, an external script or
/// stylesheet, `@import`, or a `url()` that is not a fragment of this file.
fn assert_offline(html: &str) {
    let doc = Html::parse_document(html);
    for el in select(&doc, "*") {
        for (name, value) in el.value().attrs() {
            let v = value.trim().to_ascii_lowercase();
            if ["src", "href", "xlink:href", "action", "poster", "srcset", "data"].contains(&name) {
                assert!(
                    !(v.starts_with("http:") || v.starts_with("https:") || v.starts_with("//")),
                    "<{} {name}={value:?}> reaches the network",
                    el.value().name()
                );
            }
        }
    }
    for tag in ["link", "iframe", "img", "object", "embed", "audio", "video", "source"] {
        assert!(select(&doc, tag).is_empty(), "the page has a <{tag}> element");
    }
    assert!(select(&doc, "script[src]").is_empty(), "an external script");
    let lower = html.to_ascii_lowercase();
    assert!(!lower.contains("@import"), "a stylesheet import");
    for (at, _) in lower.match_indices("url(") {
        let rest = lower[at + 4..].trim_start_matches(['\'', '"', ' ']);
        assert!(
            rest.starts_with('#'),
            "url() that is not a fragment: {}",
            &lower[at..(at + 60).min(lower.len())]
        );
    }
}

#[test]
fn sam_example_html_golden() {
    insta::assert_snapshot!("sam_html", run(&["check", SAM, "--format", "html"]));
    insta::assert_snapshot!("sam_graph_svg", run(&["graph", SAM, "--format", "svg"]));
}

#[test]
fn sam_page_structure() {
    let html = run(&["check", SAM, "--format", "html"]);
    let (report, _) = support::json(&["check", SAM]);
    let doc = Html::parse_document(&html);
    // What a reviewer sees first, in this order: verdict, graph, findings, summary, assumptions.
    let order: Vec<String> = select(&doc, "body > header, body > section")
        .iter()
        .map(|e| e.value().attr("id").unwrap_or(e.value().name()).to_string())
        .collect();
    assert_eq!(order[..5], ["header", "graph", "findings", "summary", "assumptions"], "{order:?}");
    let verdict = select(&doc, "#verdict")[0].text().collect::<String>();
    let s = &report["summary"];
    for n in ["error", "warning", "note"] {
        assert!(verdict.contains(&format!("{}{n}s", s["findings"][n])), "{n} count in {verdict:?}");
    }
    assert!(verdict.contains(&format!("{} → {}", s["combinations"], s["consolidated_combinations"])));
    // Every active finding is a row, linked to its rule's documentation in this file.
    let active = support::active(&report);
    let rows = select(&doc, "table.findings tbody tr.finding");
    assert_eq!(rows.len(), active.len());
    for (row, f) in rows.iter().zip(&active) {
        assert_eq!(row.value().attr("data-rule"), f["rule"].as_str());
        let link = row.select(&Selector::parse("a[href^='#rule-']").unwrap()).next().unwrap();
        let target = &link.value().attr("href").unwrap()[1..];
        let doc_text = select(&doc, &format!("article#{target} pre"))[0].text().collect::<String>();
        assert!(
            doc_text.starts_with(&format!("# {}", f["rule"].as_str().unwrap())),
            "{target}: {doc_text:.40}"
        );
        let text = row.text().collect::<String>();
        assert!(text.contains(f["fix"].as_str().unwrap()), "fix of {}", f["rule"]);
        let l = &f["location"];
        assert!(text.contains(&format!("{}:{}", l["file"].as_str().unwrap(), l["line"])));
        assert!(row.select(&Selector::parse("pre.excerpt span.hit").unwrap()).next().is_some());
    }
    assert!(select(&doc, "th[data-sort='rank']").len() == 1 && select(&doc, "th[data-sort='rule']").len() == 1);
    // The per-VPC table has a row per VPC, and the graph a node per combination.
    assert_eq!(select(&doc, "table.vpcs tr").len(), 1 + s["vpcs"].as_array().unwrap().len());
    assert_eq!(drawn_keys(&doc), combination_keys(&report));
    assert!(
        !select(&doc, "svg g.combination.split").is_empty(),
        "the SAM example has needless splits"
    );
    assert!(!select(&doc, "svg g.combination.target").is_empty());
    assert_eq!(
        select(&doc, "#assumptions li").len(),
        report["assumptions"].as_array().unwrap().len()
    );
}

const HOSTILE_FN: &str = "<script>alert(1)</script>";
const HOSTILE_SG: &str = "sg-\"><img src=x onerror=alert(2)>";
const HOSTILE_SUBNET: &str = "subnet-'&amp;<b>";
const HOSTILE_VPC: &str = "vpc-<svg onload=alert(3)>";

fn hostile_snapshot(dir: &Path) -> std::path::PathBuf {
    let vpc = serde_json::json!({"subnet_ids": [HOSTILE_SUBNET], "security_group_ids": [HOSTILE_SG], "vpc_id": HOSTILE_VPC});
    let other = serde_json::json!({"subnet_ids": ["subnet-2"], "security_group_ids": [HOSTILE_SG], "vpc_id": HOSTILE_VPC});
    let f = |name: &str, vpc: &Value| {
        serde_json::json!({"name": name, "account": "111122223333", "region": "eu-west-1",
            "arn": format!("arn:aws:lambda:eu-west-1:111122223333:function:{name}"),
            "versions": [{"version": "$LATEST", "vpc": vpc}]})
    };
    let snap = serde_json::json!({
        "eniplan_snapshot": 1,
        "scopes": [{"account": "111122223333", "region": "eu-west-1"}],
        "functions": [f(HOSTILE_FN, &vpc), f("Tom & \"Jerry's\"", &vpc), f("plain", &other)],
        "subnets": [
            {"id": HOSTILE_SUBNET, "vpc_id": HOSTILE_VPC, "availability_zone": "eu-west-1a", "cidr_block": "10.0.0.0/24", "available_ip_address_count": 200},
            {"id": "subnet-2", "vpc_id": HOSTILE_VPC, "availability_zone": "eu-west-1a", "cidr_block": "10.0.1.0/24", "available_ip_address_count": 200}
        ],
        "security_groups": [{"id": HOSTILE_SG, "vpc_id": HOSTILE_VPC, "rules": []}],
        "vpcs": [], "enis": [], "incomplete": [], "api_calls": 0
    });
    let path = dir.join("hostile.json");
    std::fs::write(&path, snap.to_string()).unwrap();
    path
}

#[test]
fn hostile_names_render_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let snap = hostile_snapshot(dir.path());
    let snap = snap.to_str().unwrap();
    let html = run(&["audit", "--snapshot", snap, "--format", "html"]);
    let doc = Html::parse_document(&html);
    // The page's one script is its own sorter; no name became an element.
    assert_eq!(select(&doc, "script").len(), 1);
    for tag in ["img", "svg svg", "svg b", "table.vpcs b", ".message b"] {
        assert!(select(&doc, tag).is_empty(), "a name became <{tag}>");
    }
    assert!(!html.contains(HOSTILE_FN) && !html.contains("<img") && !html.contains(HOSTILE_SUBNET));
    // Each name is there as text: in the graph's hover text and labels, and in the tables.
    let titles: String = select(&doc, "svg title").iter().flat_map(|t| t.text()).collect();
    assert!(titles.contains(HOSTILE_FN), "{titles}");
    assert!(titles.contains("Tom & \"Jerry's\""));
    assert!(titles.contains(HOSTILE_SUBNET));
    let labels: String = select(&doc, "svg text").iter().flat_map(|t| t.text()).collect();
    assert!(labels.contains(HOSTILE_VPC), "{labels}");
    let keys: Vec<&str> = select(&doc, "svg g.combination")
        .iter()
        .map(|g| g.value().attr("data-key").unwrap())
        .collect();
    assert!(
        keys.iter().any(|k| k.contains(HOSTILE_SG) && k.contains(HOSTILE_SUBNET)),
        "{keys:?}"
    );
    let vpcs: String = select(&doc, "table.vpcs").iter().flat_map(|t| t.text()).collect();
    assert!(vpcs.contains(HOSTILE_VPC));
    assert_offline(&html);
    // The standalone SVG is well-formed XML with the names as text.
    let svg = run(&["graph", "--snapshot", snap, "--format", "svg"]);
    let svg_doc = Html::parse_fragment(&svg);
    assert!(select(&svg_doc, "img").is_empty() && !svg.contains(HOSTILE_FN));
    let titles: String = select(&svg_doc, "title").iter().flat_map(|t| t.text()).collect();
    assert!(titles.contains(HOSTILE_FN));
}

#[test]
fn pages_make_no_network_reference() {
    assert_offline(&run(&["check", SAM, "--format", "html"]));
    assert_offline(&run(&[
        "audit",
        "--snapshot",
        "testdata/snapshots/account.json",
        "--format",
        "html",
    ]));
    assert_offline(&run(&[
        "check",
        "testdata/delta/serverless.yml",
        "--against",
        "testdata/delta/account.json",
        "--format",
        "html",
    ]));
}

#[test]
fn the_offline_check_catches_a_fetch() {
    for page in [
        "<link rel=stylesheet href='https://cdn.example/x.css'>",
        "<script src=//cdn.example/x.js></script>",
        "<style>@import 'x.css'</style>",
        "<div style=\"background:url(https://example.com/a.png)\"></div>",
    ] {
        assert!(std::panic::catch_unwind(|| assert_offline(page)).is_err(), "{page}");
    }
}

/// Debian's chromium, or a failure that says how to install it: a test the
/// machine cannot run must not pass.
fn chromium() -> &'static str {
    let ok = Command::new("chromium").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "chromium is not installed: run `apt-get install -y chromium` (Debian), as .ci/run does"
    );
    "chromium"
}

/// The page as the browser drew it (a PNG) and its DOM after the scripts ran.
fn browse(html: &str, dir: &Path, name: &str, size: &str) -> (png::Decoder<std::fs::File>, String) {
    let page = dir.join(format!("{name}.html"));
    std::fs::write(&page, html).unwrap();
    let shot = dir.join(format!("{name}.png"));
    let url = format!("file://{}", page.display());
    let profile = format!("--user-data-dir={}", dir.join("profile").display());
    let common = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", &profile];
    let out = Command::new(chromium())
        .args(common)
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("--window-size={size}"))
        .arg(&url)
        .output()
        .unwrap();
    assert!(shot.is_file(), "no screenshot: {}", String::from_utf8_lossy(&out.stderr));
    let dom = Command::new(chromium()).args(common).arg("--dump-dom").arg(&url).output().unwrap();
    assert!(dom.status.success(), "{}", String::from_utf8_lossy(&dom.stderr));
    (
        png::Decoder::new(std::fs::File::open(&shot).unwrap()),
        String::from_utf8(dom.stdout).unwrap(),
    )
}

/// RGB pixels of a screenshot.
fn pixels(decoder: png::Decoder<std::fs::File>) -> Vec<[u8; 3]> {
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let step = info.color_type.samples();
    assert!(step >= 3, "{:?}", info.color_type);
    buf[..info.buffer_size()].chunks(step).map(|p| [p[0], p[1], p[2]]).collect()
}

/// Not blank: the pixels vary, a good share is not background, and the split colour is drawn.
fn assert_drawn(px: &[[u8; 3]], split_colour: bool) {
    let mean = px.iter().map(|p| p.iter().map(|&c| c as f64).sum::<f64>() / 3.0).sum::<f64>() / px.len() as f64;
    let var = px
        .iter()
        .map(|p| (p.iter().map(|&c| c as f64).sum::<f64>() / 3.0 - mean).powi(2))
        .sum::<f64>()
        / px.len() as f64;
    assert!(var > 100.0, "the screenshot is (nearly) one colour: variance {var:.1}");
    let ink = px.iter().filter(|p| p.iter().any(|&c| c < 200)).count();
    assert!(ink * 100 > px.len(), "under 1% of the screenshot is drawn: {ink} of {}", px.len());
    if split_colour {
        // #ffd8b5, the fill of a needless split.
        let split = px
            .iter()
            .filter(|p| p[0] > 245 && (205..=222).contains(&p[1]) && (170..=190).contains(&p[2]))
            .count();
        assert!(split > 100, "no needless split is coloured in the screenshot ({split} pixels)");
    }
}

#[test]
fn browser_draws_the_sam_report() {
    let dir = tempfile::tempdir().unwrap();
    let html = run(&["check", SAM, "--format", "html"]);
    let (report, _) = support::json(&["check", SAM]);
    let (shot, dom) = browse(&html, dir.path(), "sam", "1280,1400");
    assert_drawn(&pixels(shot), true);
    let doc = Html::parse_document(&dom);
    assert_eq!(drawn_keys(&doc), combination_keys(&report));
}

#[test]
fn browser_draws_500_functions() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("500.json");
    let gen = Command::new("python3")
        .args([concat!(env!("CARGO_MANIFEST_DIR"), "/bench/gen.py"), "snapshot", "500"])
        .arg(&snap)
        .output()
        .unwrap();
    assert!(gen.status.success(), "{}", String::from_utf8_lossy(&gen.stderr));
    let snap = snap.to_str().unwrap();
    let html = run(&["audit", "--snapshot", snap, "--format", "html"]);
    let (report, _) = support::json(&["audit", "--snapshot", snap]);
    assert_eq!(report["summary"]["functions"], 500);
    let keys = combination_keys(&report);
    assert!(keys.len() >= 200, "{}", keys.len());
    let (shot, dom) = browse(&html, dir.path(), "500", "1600,1200");
    assert_drawn(&pixels(shot), false);
    let doc = Html::parse_document(&dom);
    assert_eq!(drawn_keys(&doc), keys);
    // Grouped: one function node per combination, never one per function.
    assert_eq!(select(&doc, "svg g.functions").len(), keys.len());
    assert_offline(&html);
}
