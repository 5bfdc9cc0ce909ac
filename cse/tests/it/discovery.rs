//! Discovery (fu=1, TS-0004 §7.3.3.14): filter criteria, lim/ofst, drt, in path order.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

async fn tree(app: &TestApp) {
    app.register_ae("app", "Capp").await;
    app.container(
        "/cse-in/app",
        "temp",
        json!({"lbl": ["room:1", "kind:temp"]}),
        "Capp",
    )
    .await;
    app.container("/cse-in/app", "hum", json!({"lbl": ["room:2"]}), "Capp")
        .await;
    for (con, lbl) in [("21", "room:1"), ("22", "room:1"), ("23", "room:3")] {
        let body = json!({"m2m:cin": {"con": con, "lbl": [lbl], "cnf": "text/plain:0"}});
        assert_eq!(
            app.create("/cse-in/app/temp", 4, &body, Some("Capp"))
                .await
                .rsc,
            Some(2001)
        );
    }
}

#[tokio::test]
async fn discovery_by_type_and_label_returns_structured_addresses_in_path_order() {
    let app = spawn_app().await;
    tree(&app).await;
    let reply = app.retrieve("/cse-in?fu=1&ty=3", "Capp").await;
    assert_eq!(reply.rsc, Some(2000));
    assert_eq!(reply.uril(), ["cse-in/app/hum", "cse-in/app/temp"]);
    let reply = app.retrieve("/cse-in/app?fu=1&lbl=room:1", "Capp").await;
    let found = reply.uril();
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(found[0], "cse-in/app/temp");
    let reply = app.retrieve("/cse-in?fu=1&ty=4&lbl=room:1", "Capp").await;
    assert_eq!(reply.uril().len(), 2);
    let reply = app
        .retrieve("/cse-in?fu=1&ty=3+4&lbl=room:2&lbl=room:3", "Capp")
        .await;
    assert_eq!(
        reply.uril().len(),
        2,
        "labels and types are ORed within their tag"
    );
}

#[tokio::test]
async fn discovery_pages_with_lim_and_ofst_and_gives_resource_ids_with_drt_2() {
    let app = spawn_app().await;
    tree(&app).await;
    let all = app.retrieve("/cse-in/app?fu=1", "Capp").await.uril();
    assert_eq!(all.len(), 5);
    let page = app
        .retrieve("/cse-in/app?fu=1&lim=2&ofst=2", "Capp")
        .await
        .uril();
    assert_eq!(page, all[1..3].to_vec());
    let ids = app
        .retrieve("/cse-in/app?fu=1&ty=3&drt=2", "Capp")
        .await
        .uril();
    assert!(ids.iter().all(|i| i.starts_with("cnt")), "{ids:?}");
    let none = app.retrieve("/cse-in/app?fu=1&lbl=nowhere", "Capp").await;
    assert_eq!(
        (none.rsc, none.body.clone()),
        (Some(2000), json!({"m2m:uril": []}))
    );
}

#[tokio::test]
async fn discovery_conditions_combine_with_and_or_or() {
    let app = spawn_app().await;
    tree(&app).await;
    let and = app
        .retrieve("/cse-in?fu=1&ty=4&sza=2&szb=3", "Capp")
        .await
        .uril();
    assert_eq!(and.len(), 3);
    let cty = app
        .retrieve("/cse-in?fu=1&cty=text/plain", "Capp")
        .await
        .uril();
    assert_eq!(cty.len(), 3);
    let attr = app.retrieve("/cse-in?fu=1&rn=te*", "Capp").await.uril();
    assert_eq!(attr, ["cse-in/app/temp"]);
    let or = app
        .retrieve("/cse-in?fu=1&lbl=room:2&rn=te*&fo=2", "Capp")
        .await
        .uril();
    assert_eq!(or, ["cse-in/app/hum", "cse-in/app/temp"]);
    let reply = app.retrieve("/cse-in?fu=1&rcn=1", "Capp").await;
    reply.assert_error(4000, 400, "discovery");
    let reply = app
        .onem2m(
            Method::DELETE,
            "/cse-in/app?fu=1&ty=4",
            Some("Capp"),
            None,
            None,
        )
        .await;
    reply.assert_error(5001, 501, "discovery");
}

#[tokio::test]
async fn huge_offsets_and_pathological_wildcards_answer_quickly() {
    let app = spawn_app().await;
    tree(&app).await;
    let started = std::time::Instant::now();
    let far = app.retrieve("/cse-in?fu=1&ofst=1000000000", "Capp").await;
    assert_eq!(
        (far.rsc, far.body.clone()),
        (Some(2000), json!({"m2m:uril": []}))
    );
    let pattern = format!("{}b", "t*".repeat(40));
    let none = app
        .retrieve(&format!("/cse-in?fu=1&rn={pattern}"), "Capp")
        .await;
    assert_eq!(
        (none.rsc, none.body.clone()),
        (Some(2000), json!({"m2m:uril": []}))
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

/// A pattern of 1002 characters (within the bound) that makes a backtracking or
/// retry-the-last-star matcher compare pattern × text on a long run of `a`.
fn pathological_pattern() -> String {
    format!("*{}b", "a".repeat(1000))
}

#[tokio::test]
async fn a_pathological_pattern_on_private_large_rows_answers_fast_and_shows_nothing_of_them() {
    let app = spawn_app().await;
    app.register_ae("owner", "Cowner").await;
    app.container("/cse-in/owner", "private", json!({}), "Cowner")
        .await;
    let large = "a".repeat(300_000);
    for _ in 0..3 {
        app.instance("/cse-in/owner/private", &large, "Cowner")
            .await;
    }
    app.register_ae("seeker", "Cseeker").await;
    app.container("/cse-in/seeker", "mine", json!({}), "Cseeker")
        .await;
    let own = app
        .instance(
            "/cse-in/seeker/mine",
            &format!("{}b", "a".repeat(1500)),
            "Cseeker",
        )
        .await;
    let own_ri = own.expect_resource("m2m:cin")["ri"].clone();
    let started = Instant::now();
    let reply = app
        .retrieve(
            &format!("/cse-in?fu=1&drt=2&con={}", pathological_pattern()),
            "Cseeker",
        )
        .await;
    let took = started.elapsed();
    assert_eq!(reply.rsc, Some(2000), "{}", reply.raw);
    // Only the seeker's own match: nothing of the rows it may not discover.
    assert_eq!(reply.body, json!({"m2m:uril": [own_ri]}));
    assert!(took < Duration::from_secs(1), "discovery took {took:?}");
}

#[tokio::test]
async fn an_overlong_pattern_or_too_many_conditions_is_refused_naming_the_limit() {
    let app = spawn_app().await;
    app.register_ae("app", "Capp").await;
    let overlong = format!("*{}", "a".repeat(1024));
    app.retrieve(&format!("/cse-in/app?fu=1&con={overlong}"), "Capp")
        .await
        .assert_error(
            4000,
            400,
            "'con' is too long: 1025 characters (at most 1024)",
        );
    app.retrieve(&format!("/cse-in/app?fu=1&lbl={overlong}"), "Capp")
        .await
        .assert_error(4000, 400, "'lbl' is too long");
    let types = vec!["3"; 65].join("+");
    app.retrieve(&format!("/cse-in/app?fu=1&ty={types}"), "Capp")
        .await
        .assert_error(
            4000,
            400,
            "65 values of ty, lbl, cty, chty, pty, clbl, palb and attribute filters (at most 64)",
        );
    let fits = format!("*{}", "a".repeat(1023));
    let reply = app
        .retrieve(&format!("/cse-in/app?fu=1&con={fits}"), "Capp")
        .await;
    assert_eq!(reply.rsc, Some(2000), "{}", reply.raw);
}

#[tokio::test]
async fn a_scan_past_its_row_budget_answers_partially_and_continues_with_ofst() {
    let app = spawn_app_with(|c| c.scan_max_rows = 3).await;
    app.register_ae("app", "Capp").await;
    app.container("/cse-in/app", "cnt", json!({}), "Capp").await;
    for i in 0..10 {
        app.instance("/cse-in/app/cnt", &format!("v{i}"), "Capp")
            .await;
    }
    // The administrator sees every row: the database pages, no row is examined here.
    let all = app.retrieve("/cse-in/app/cnt?fu=1&ty=4", "CAdmin").await;
    assert_eq!(all.uril().len(), 10);
    assert_eq!(all.header("X-M2M-CTS"), None);
    // An attribute filter is checked row by row, so the budget applies.
    let first = app.retrieve("/cse-in/app/cnt?fu=1&con=v*", "Capp").await;
    assert_eq!(first.rsc, Some(2000));
    assert_eq!(first.uril(), all.uril()[..3].to_vec());
    assert_eq!(first.header("X-M2M-CTS"), Some("1"));
    assert_eq!(first.header("X-M2M-CTO"), Some("4"));
    let mut found = first.uril();
    let mut next = first.header("X-M2M-CTO").map(str::to_owned);
    let mut pages = 1;
    while let Some(offset) = next {
        assert!(pages < 10, "the pages never end");
        let page = app
            .retrieve(
                &format!("/cse-in/app/cnt?fu=1&con=v*&ofst={offset}"),
                "Capp",
            )
            .await;
        assert_eq!(page.rsc, Some(2000));
        assert!(!page.uril().is_empty(), "no progress at ofst={offset}");
        found.extend(page.uril());
        next = page.header("X-M2M-CTO").map(str::to_owned);
        pages += 1;
    }
    assert_eq!(found, all.uril());
    assert_eq!(pages, 4);
    // A child listing for a requester who may not see everything has the same budget.
    let listing = app.retrieve("/cse-in/app/cnt?rcn=6", "Capp").await;
    let refs = listing.expect_resource("m2m:rrl")["rrf"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(refs, 3);
    assert_eq!(listing.header("X-M2M-CTO"), Some("4"));
}

#[tokio::test]
async fn a_plain_get_is_not_held_up_by_heavy_discoveries() {
    // One HTTP worker, as in the report: a discovery run on it would hold up
    // every request it serves. Each discovery reads large rows until they or its time
    // budget (scan_max_ms, 1 s by default) end.
    let app = spawn_app().await;
    app.register_ae("app", "Capp").await;
    app.container("/cse-in/app", "big", json!({"mbs": 100_000_000}), "Capp")
        .await;
    let large = json!({"m2m:cin": {"con": "a".repeat(900_000)}});
    for _ in 0..20 {
        let reply = app
            .create("/cse-in/app/big?rcn=0", 4, &large, Some("Capp"))
            .await;
        assert_eq!(reply.rsc, Some(2001));
    }
    app.container("/cse-in/app", "small", json!({}), "Capp")
        .await;
    let query = format!("/cse-in/app?fu=1&con={}", pathological_pattern());
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let heavy: Vec<_> = (0..2)
        .map(|_| {
            let (client, query, stop) = ((*app).clone(), query.clone(), stop.clone());
            tokio::spawn(async move {
                let mut took = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    let started = Instant::now();
                    let reply = client.retrieve(&query, "Capp").await;
                    took.push(started.elapsed());
                    assert_eq!(reply.uril(), Vec::<String>::new(), "{}", reply.raw);
                }
                took
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut worst = Duration::ZERO;
    for _ in 0..5 {
        let started = Instant::now();
        let reply = app.retrieve("/cse-in/app/small", "Capp").await;
        worst = worst.max(started.elapsed());
        assert_eq!(reply.rsc, Some(2000));
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut took = Vec::new();
    for task in heavy {
        took.extend(task.await.expect("discovery task"));
    }
    let shortest = took.iter().min().copied().unwrap_or_default();
    assert!(
        worst * 2 < shortest,
        "a GET took {worst:?} beside two discoveries taking {took:?}"
    );
}

/// `chty`, `clbl` and `palb` count only relatives the requester may see: a hidden
/// child or parent must not make a visible resource match (which would leak the
/// relative's type or labels).
#[tokio::test]
async fn parent_and_child_conditions_count_only_relatives_the_requester_sees() {
    let app = spawn_app().await;
    app.register_ae("owner", "Cowner").await;
    app.register_ae("viewer", "Cviewer").await;
    let acp = json!({"m2m:acp": {"rn": "share",
        "pv": {"acr": [{"acor": ["Cviewer"], "acop": 34}, {"acor": ["Cowner"], "acop": 63}]},
        "pvs": {"acr": [{"acor": ["Cowner"], "acop": 63}]}}});
    let made = app.create("/cse-in/owner", 1, &acp, Some("Cowner")).await;
    assert_eq!(made.rsc, Some(2001), "{made:#?}");
    let share = json!([made.body["m2m:acp"]["ri"].clone()]);
    let shared = json!({"acpi": share});
    let ae = "/cse-in/owner";
    app.container(ae, "open", shared.clone(), "Cowner").await;
    app.container(
        "/cse-in/owner/open",
        "hidden",
        json!({"lbl": ["s:x"]}),
        "Cowner",
    )
    .await;
    app.container(ae, "open2", shared.clone(), "Cowner").await;
    let mut shown = shared.clone();
    shown["lbl"] = json!(["s:x"]);
    app.container("/cse-in/owner/open2", "shown", shown, "Cowner")
        .await;
    app.container(ae, "closed", json!({"lbl": ["p:x"]}), "Cowner")
        .await;
    app.container("/cse-in/owner/closed", "kid", shared.clone(), "Cowner")
        .await;
    let found = |query: &'static str, who: &'static str| {
        let app = &app;
        async move {
            let reply = app.retrieve(&format!("{ae}?fu=1&{query}"), who).await;
            assert_eq!(reply.rsc, Some(2000), "{query} as {who}: {reply:#?}");
            reply.uril()
        }
    };
    // The owner sees every child and parent.
    assert_eq!(
        found("chty=3", "Cowner").await,
        [
            "cse-in/owner/closed",
            "cse-in/owner/open",
            "cse-in/owner/open2"
        ]
    );
    assert_eq!(
        found("clbl=s:x", "Cowner").await,
        ["cse-in/owner/open", "cse-in/owner/open2"]
    );
    assert_eq!(
        found("palb=p:x", "Cowner").await,
        ["cse-in/owner/closed/kid"]
    );
    // The viewer: `open` has only a hidden child, `closed` is hidden itself.
    assert_eq!(found("chty=3", "Cviewer").await, ["cse-in/owner/open2"]);
    assert_eq!(found("clbl=s:x", "Cviewer").await, ["cse-in/owner/open2"]);
    assert!(
        found("ty=3", "Cviewer")
            .await
            .contains(&"cse-in/owner/closed/kid".to_owned()),
        "the child of the hidden parent is itself visible"
    );
    assert!(found("palb=p:x", "Cviewer").await.is_empty());
}
