//! The plan as Markdown, for a pull-request comment.

use std::fmt::Write;

use super::text::{command, config, frees, one_line, shown};
use super::{Kind, Plan};

pub fn render(plan: &Plan) -> String {
    let mut out = String::from("## eniplan plan\n\n");
    let (b, a) = (&plan.before, &plan.after);
    let _ = writeln!(
        out,
        "**{} → {} combinations**, {} → {} ENIs, {} → {} IP addresses¹, in {}.\n",
        b.combinations,
        a.combinations,
        b.enis,
        a.enis,
        b.ips,
        a.ips,
        crate::plural::count(plan.steps.len(), "step")
    );
    out.push_str(
        "| VPC | quota | combinations | ENIs | headroom before ENI101 warns | headroom before the quota |\n|---|---|---|---|---|---|\n",
    );
    for v in &plan.vpcs {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} → {} | {} → {} | {} → {} | {} → {} |",
            v.vpc,
            v.quota,
            v.before.combinations,
            v.after.combinations,
            v.before.enis,
            v.after.enis,
            v.before.headroom_warning,
            v.after.headroom_warning,
            v.before.headroom_quota,
            v.after.headroom_quota
        );
    }
    out.push_str("\n| subnet | AZ | combinations | ENIs | free IPs | headroom before ENI102 |\n|---|---|---|---|---|---|\n");
    let opt = |x: Option<i64>| x.map_or("?".to_string(), |n| n.to_string());
    for v in &plan.vpcs {
        for s in &v.subnets {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} → {} | {} → {} | {} → {} | {} → {} |",
                s.subnet,
                s.availability_zone.as_deref().unwrap_or("?"),
                s.before.combinations,
                s.after.combinations,
                s.before.enis,
                s.after.enis,
                opt(s.before.free_ips),
                opt(s.after.free_ips),
                opt(s.before.headroom),
                opt(s.after.headroom)
            );
        }
    }
    out.push_str("\n¹ one IP per ENI is an assumption: AWS does not document it. Headroom: how many more combinations fit before the rule fires; negative: it fires already.\n");
    if plan.steps.is_empty() {
        out.push_str("\nNothing to do: no safe merge changes a combination.\n");
    }
    for (i, step) in plan.steps.iter().enumerate() {
        let what = match (step.kind, step.reuses_existing) {
            (Kind::Update, true) => "update onto combinations in use (no Pending)",
            (Kind::Update, false) => "update that creates a combination (Pending)",
            (Kind::Version, _) => "published versions that keep an old combination",
            (Kind::Cleanup, _) => "cleanup",
        };
        let review = if step.changes_access {
            " — **changes access: review**"
        } else {
            ""
        };
        let _ = writeln!(out, "\n### Step {}: {what}{review}\n", i + 1);
        if !step.functions.is_empty() {
            let _ = writeln!(out, "- functions: {}", crate::rules::names(&step.functions.strings(), 20));
        }
        let _ = writeln!(out, "- from: `{}`", config(&step.from));
        if step.kind != Kind::Cleanup {
            let _ = writeln!(out, "- to: `{}`", config(&step.to));
        }
        for e in &step.edits {
            let _ = writeln!(
                out,
                "- edit `{}:{}:{}`: `{}` → `{}`",
                e.file,
                e.line,
                e.column,
                one_line(&e.replace),
                one_line(shown(&e.with))
            );
        }
        if !step.frees.is_empty() {
            let _ = writeln!(out, "- frees: {}", frees(&step.frees, 20));
        }
        for n in &step.notes {
            let _ = writeln!(out, "- {n}");
        }
        if step.commands().next().is_some() {
            out.push_str("\n```sh\n");
            for c in step.commands() {
                let _ = writeln!(out, "{}", command(&c));
            }
            out.push_str("```\n");
        }
    }
    for n in &plan.notes {
        let _ = writeln!(out, "\n> {n}");
    }
    out
}
