//! Benchmark helper: pages `ListFunctions` (`FunctionVersion=ALL`, 50 a page)
//! in each region with exactly the clients `eniplan audit` uses, and nothing
//! else. `bench/live.sh` compares the audit's wall time against this floor.
//!
//!     cargo run --release --example live_pages -- [--endpoint-url URL] --region R [--region R2 ...]

use eniplan::source::aws::{list_function_pages, AwsOptions};

fn main() {
    eniplan::timing::event(|| "started".into());
    let mut opts = AwsOptions::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--endpoint-url" => opts.endpoint_url = args.next(),
            "--region" => opts.regions.extend(args.next()),
            "--profile" => opts.profile = args.next(),
            other => {
                eprintln!("unknown argument {other}");
                std::process::exit(2);
            }
        }
    }
    match list_function_pages(&opts) {
        Ok((pages, items)) => {
            println!("{{\"pages\": {pages}, \"items\": {items}}}");
            eniplan::timing::event(|| "done".into());
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(e.exit_code());
        }
    }
}
