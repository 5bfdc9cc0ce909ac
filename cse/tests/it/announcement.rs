//! Announcement (spec digest inter-cse §4): an MN-CSE announces its resources to
//! the IN-CSE it is registered with; the copies (`…Annc`) follow the originals'
//! changes and deletion, appear in the IN's discovery, and answer rcn=7 with the
//! original; the work survives the IN being down. Two onecse instances (IN `/id-in`,
//! MN `/id-mn`) on separate databases, over loopback.

use std::time::Duration;

use onecse_testkit::{Client, Reply};
use serde_json::{Value, json};

use crate::forwarding::{client_for, spawn_in, spawn_mn};
use crate::helpers::{TestApp, TestDb, spawn_app_on};

/// Waits (up to 10 s) until `check` accepts what `read` returns; the last reply.
async fn eventually<F, Fut>(what: &str, mut read: F, check: impl Fn(&Reply) -> bool) -> Reply
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Reply>,
{
    let mut last = read().await;
    for _ in 0..100 {
        if check(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        last = read().await;
    }
    panic!("{what} did not happen: {last:#?}");
}

/// An IN, and an MN registered with it; the MN's client.
async fn pair() -> (TestApp, TestApp, Client) {
    let inn = spawn_in().await;
    let mn = spawn_mn(&inn.base, 60).await;
    let mn_client = client_for(&mn.base, "cse-mn", "/id-mn");
    registered(&mn_client).await;
    (inn, mn, mn_client)
}

/// Waits until the MN keeps its registrar's `<remoteCSE>` (it registered).
async fn registered(mn: &Client) {
    eventually(
        "registration of the MN",
        || mn.retrieve("/cse-mn/id-in", "CAdmin"),
        |r| r.rsc == Some(2000),
    )
    .await;
}

/// The `at` entry of the resource at `path` on `cse` once it names its copy on the IN.
async fn copy_address(cse: &Client, path: &str, root: &str) -> String {
    let reply = eventually(
        &format!("announcement of {path}"),
        || cse.retrieve(path, "CAdmin"),
        |r| {
            r.body[root]["at"][0]
                .as_str()
                .is_some_and(|a| a.starts_with("/id-in/"))
        },
    )
    .await;
    reply.body[root]["at"][0]
        .as_str()
        .expect("at entry")
        .to_owned()
}

/// The IN's HTTP path of an SP-relative address `/id-in/x`.
fn on_in(address: &str) -> String {
    format!("/~{address}")
}

#[tokio::test]
async fn an_announced_container_follows_its_original_and_is_found_at_the_in() {
    let (inn, _mn, mn) = pair().await;
    // The MN's administrator reads here as /id-mn/CAdmin... and the IN's as /id-in/CAdmin.
    let acp = mn
        .create(
            "/cse-mn",
            1,
            &json!({"m2m:acp": {"rn": "acpRemote",
                "pv": {"acr": [{"acor": ["/id-in/CAdmin", "CAdmin", "Cmyapp"], "acop": 63}]},
                "pvs": {"acr": [{"acor": ["CAdmin"], "acop": 63}]}}}),
            Some("CAdmin"),
        )
        .await;
    assert_eq!(acp.rsc, Some(2001), "{acp:#?}");
    let acp_ri = acp.body["m2m:acp"]["ri"].clone();
    let ae = mn
        .create(
            "/cse-mn",
            2,
            &json!({"m2m:ae": {"rn": "myapp", "api": "Nmyapp", "rr": true, "srv": ["3"],
                "at": ["/id-in"], "acpi": [acp_ri.clone()]}}),
            Some("Cmyapp"),
        )
        .await;
    // The CREATE answers at once; the copy is made in the background.
    assert_eq!(ae.rsc, Some(2001), "{ae:#?}");
    assert_eq!(ae.body["m2m:ae"]["at"], json!(["/id-in"]));
    let created = mn
        .create(
            "/cse-mn/myapp",
            3,
            &json!({"m2m:cnt": {"rn": "temp", "mni": 10, "lbl": ["room:1"],
                "at": ["/id-in"], "aa": ["mni", "ri", "lbl"], "acpi": [acp_ri]}}),
            Some("Cmyapp"),
        )
        .await;
    assert_eq!(created.rsc, Some(2001), "{created:#?}");
    // Names that are no optional-announced attribute (ri, lbl) are dropped from aa.
    assert_eq!(created.body["m2m:cnt"]["aa"], json!(["mni"]));
    let cnt_ri = created.body["m2m:cnt"]["ri"]
        .as_str()
        .expect("ri")
        .to_owned();

    let ae_copy = copy_address(&mn, "/cse-mn/myapp", "m2m:ae").await;
    let cnt_copy = copy_address(&mn, "/cse-mn/myapp/temp", "m2m:cnt").await;
    let (ae_path, cnt_path) = (on_in(&ae_copy), on_in(&cnt_copy));
    // The AE's copy sits under the MN's CSEBaseAnnc, the container's under the AE's.
    let ae_a = inn.retrieve(&on_in(&ae_copy), "CAdmin").await;
    assert_eq!(ae_a.rsc, Some(2000), "{ae_a:#?}");
    assert_eq!(ae_a.body["m2m:aeA"]["ty"], 10002);
    assert_eq!(ae_a.body["m2m:aeA"]["srv"], json!(["3"]));
    let base_a = inn
        .retrieve(&format!("/cse-in/{}", "id-mn_cse-mn"), "CAdmin")
        .await;
    assert_eq!(base_a.body["m2m:cbA"]["ty"], 10005, "{base_a:#?}");
    assert_eq!(base_a.body["m2m:cbA"]["lnk"], "/id-mn/id-mn");
    assert_eq!(ae_a.body["m2m:aeA"]["pi"], base_a.body["m2m:cbA"]["ri"]);
    let cnt_a = inn.retrieve(&on_in(&cnt_copy), "CAdmin").await;
    assert_eq!(cnt_a.rsc, Some(2000), "{cnt_a:#?}");
    let copy = &cnt_a.body["m2m:cntA"];
    assert_eq!(copy["ty"], 10003);
    assert_eq!(copy["lnk"], format!("/id-mn/{cnt_ri}"));
    assert_eq!(copy["mni"], 10);
    assert_eq!(copy["lbl"], json!(["room:1"]));
    assert_eq!(copy["pi"], ae_a.body["m2m:aeA"]["ri"]);
    assert!(copy.get("cni").is_none(), "{copy}");

    // Discovery at the IN finds the copy by type and by label.
    for query in ["fu=1&ty=10003", "fu=1&lbl=room:1"] {
        let found = inn.retrieve(&format!("/cse-in?{query}"), "CAdmin").await;
        let uril = found.body["m2m:uril"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            uril.iter().any(|u| u
                .as_str()
                .is_some_and(|u| u.ends_with(copy["rn"].as_str().unwrap_or("?")))),
            "{query}: {found:#?}"
        );
    }

    // rcn=7 answers the original, read at the MN under the MN's access control.
    let original = inn
        .retrieve(&format!("{}?rcn=7", on_in(&cnt_copy)), "CAdmin")
        .await;
    assert_eq!(original.rsc, Some(2000), "{original:#?}");
    assert_eq!(original.body["m2m:cnt"]["ri"], cnt_ri.as_str());
    assert_eq!(original.body["m2m:cnt"]["ty"], 3);
    inn.retrieve("/cse-in?rcn=7", "CAdmin").await.assert_error(
        4000,
        400,
        "announced resources only",
    );

    // An UPDATE of an announced attribute reaches the copy; removing it from aa
    // removes it there.
    let update = mn
        .update(
            "/cse-mn/myapp/temp",
            &json!({"m2m:cnt": {"mni": 20, "lbl": ["room:2"]}}),
            "Cmyapp",
        )
        .await;
    assert_eq!(update.rsc, Some(2004), "{update:#?}");
    eventually(
        "the copy's update",
        || inn.retrieve(&cnt_path, "CAdmin"),
        |r| r.body["m2m:cntA"]["mni"] == 20 && r.body["m2m:cntA"]["lbl"] == json!(["room:2"]),
    )
    .await;
    mn.update(
        "/cse-mn/myapp/temp",
        &json!({"m2m:cnt": {"aa": null}}),
        "Cmyapp",
    )
    .await;
    eventually(
        "mni leaving the copy",
        || inn.retrieve(&cnt_path, "CAdmin"),
        |r| r.rsc == Some(2000) && r.body["m2m:cntA"].get("mni").is_none(),
    )
    .await;

    // Deleting the original deletes its copy; at: null de-announces the AE.
    assert_eq!(
        mn.delete("/cse-mn/myapp/temp", "Cmyapp").await.rsc,
        Some(2002)
    );
    eventually(
        "deletion of the container's copy",
        || inn.retrieve(&cnt_path, "CAdmin"),
        |r| r.rsc == Some(4004),
    )
    .await;
    let off = mn
        .update("/cse-mn/myapp", &json!({"m2m:ae": {"at": null}}), "Cmyapp")
        .await;
    assert_eq!(off.rsc, Some(2004), "{off:#?}");
    eventually(
        "deletion of the AE's copy",
        || inn.retrieve(&ae_path, "CAdmin"),
        |r| r.rsc == Some(4004),
    )
    .await;
}

#[tokio::test]
async fn bad_announcement_content_is_refused_and_copies_belong_to_their_cse() {
    let (inn, _mn, mn) = pair().await;
    let cnt = |extra: Value| {
        let mut body = json!({"m2m:cnt": {"rn": "c"}});
        if let (Some(members), Some(extra)) = (body["m2m:cnt"].as_object_mut(), extra.as_object()) {
            members.extend(extra.clone());
        }
        body
    };
    for (extra, needle) in [
        (json!({"at": ["/id-zz"]}), "not registered"),
        (json!({"at": ["/id-mn"]}), "this CSE itself"),
        (json!({"at": ["http://127.0.0.1:9/x"]}), "not a CSE-ID"),
        (json!({"at": ["/id-in"], "aa": ["lb+l"]}), "lb+l"),
        (json!({"at": ["/id-in"], "aa": ["1lbl"]}), "1lbl"),
        (
            json!({"at": ["/id-in"], "aa": ["api"]}),
            "not an attribute of a container",
        ),
        (json!({"at": "/id-in"}), "at"),
    ] {
        mn.create("/cse-mn", 3, &cnt(extra.clone()), Some("CAdmin"))
            .await
            .assert_error(4000, 400, needle);
    }
    // An instance is announced only below a parent announced to the same CSE.
    let plain = mn
        .create(
            "/cse-mn",
            3,
            &json!({"m2m:cnt": {"rn": "plain"}}),
            Some("CAdmin"),
        )
        .await;
    assert_eq!(plain.rsc, Some(2001), "{plain:#?}");
    mn.create(
        "/cse-mn/plain",
        4,
        &json!({"m2m:cin": {"con": "x", "at": ["/id-in"]}}),
        Some("CAdmin"),
    )
    .await
    .assert_error(4005, 405, "not announced to /id-in");

    // On the IN: an AE never creates announced resources; content is checked.
    inn.register_ae("intruder", "Cintruder").await;
    inn.create(
        "/cse-in",
        10005,
        &json!({"m2m:cbA": {"lnk": "/id-zz/id-zz"}}),
        Some("Cintruder"),
    )
    .await
    .assert_error(4005, 405, "created by the CSE");
    let bad_copy = inn
        .create(
            "/cse-in",
            10003,
            &json!({"m2m:cntA": {"lnk": "/id-mn/cnt1", "cni": 3}}),
            Some("/id-mn"),
        )
        .await;
    bad_copy.assert_error(4000, 400, "cni");
    inn.create(
        "/cse-in",
        10003,
        &json!({"m2m:cntA": {"mni": 3}}),
        Some("/id-mn"),
    )
    .await
    .assert_error(4000, 400, "lnk");
    // A copy the MN made is the MN's: another originator cannot change it.
    let made = inn
        .create(
            "/cse-in",
            10003,
            &json!({"m2m:cntA": {"lnk": "/id-mn/cnt1", "mni": 3}}),
            Some("/id-mn"),
        )
        .await;
    assert_eq!(made.rsc, Some(2001), "{made:#?}");
    let path = format!(
        "/cse-in/{}",
        made.body["m2m:cntA"]["rn"].as_str().expect("rn")
    );
    inn.update(&path, &json!({"m2m:cntA": {"mni": 4}}), "Cintruder")
        .await
        .assert_error(4103, 403, "");
    let mine = inn
        .update(&path, &json!({"m2m:cntA": {"mni": 4}}), "/id-mn")
        .await;
    assert_eq!(mine.rsc, Some(2004), "{mine:#?}");
}

#[tokio::test]
async fn announcements_wait_for_an_unreachable_in_and_never_fail_the_request() {
    let (db, url) = TestDb::fresh();
    let inn = spawn_app_on(&url, |c| {
        c.registration_cse_originators = Some("/id-mn*".into());
    })
    .await;
    let port = inn.base.rsplit(':').next().expect("port").to_owned();
    let mn_app = spawn_mn(&inn.base, 60).await;
    let mn = client_for(&mn_app.base, "cse-mn", "/id-mn");
    registered(&mn).await;
    inn.stop().await;
    // The IN is down: the CREATE still succeeds, its copy waits.
    let reply = mn
        .create(
            "/cse-mn",
            3,
            &json!({"m2m:cnt": {"rn": "waiting", "at": ["/id-in"], "lbl": ["late"]}}),
            Some("CAdmin"),
        )
        .await;
    assert_eq!(reply.rsc, Some(2001), "{reply:#?}");
    assert_eq!(reply.body["m2m:cnt"]["at"], json!(["/id-in"]));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let pending = mn.retrieve("/cse-mn/waiting", "CAdmin").await;
    assert_eq!(
        pending.body["m2m:cnt"]["at"],
        json!(["/id-in"]),
        "{pending:#?}"
    );
    // The IN comes back on the same address and database: the copy arrives.
    let back = spawn_app_on(&url, |c| {
        c.registration_cse_originators = Some("/id-mn*".into());
        c.bind = format!("127.0.0.1:{port}");
    })
    .await;
    let copy = copy_address(&mn, "/cse-mn/waiting", "m2m:cnt").await;
    let read = back.retrieve(&on_in(&copy), "CAdmin").await;
    assert_eq!(read.body["m2m:cntA"]["lbl"], json!(["late"]), "{read:#?}");
    back.stop().await;
    drop(db);
}

#[tokio::test]
async fn a_node_and_its_battery_are_announced_with_the_object_attributes_aa_names() {
    let (inn, _mn, mn) = pair().await;
    let node = mn
        .create(
            "/cse-mn",
            14,
            &json!({"m2m:nod": {"rn": "gw", "ni": "urn:dev:gw", "at": ["/id-in"]}}),
            Some("CAdmin"),
        )
        .await;
    assert_eq!(node.rsc, Some(2001), "{node:#?}");
    let acp = mn
        .create(
            "/cse-mn",
            1,
            &json!({"m2m:acp": {"rn": "acpIn",
                "pv": {"acr": [{"acor": ["/id-in/CAdmin", "CAdmin"], "acop": 63}]},
                "pvs": {"acr": [{"acor": ["CAdmin"], "acop": 63}]}}}),
            Some("CAdmin"),
        )
        .await;
    let acp_ri = acp.body["m2m:acp"]["ri"].clone();
    let battery = mn
        .create(
            "/cse-mn/gw",
            13,
            &json!({"m2m:bat": {"rn": "bat", "mgd": 1006, "btl": 23, "bts": 1,
                "at": ["/id-in"], "aa": ["btl"], "acpi": [acp_ri]}}),
            Some("CAdmin"),
        )
        .await;
    assert_eq!(battery.rsc, Some(2001), "{battery:#?}");
    // An attribute no specialization of this mgmtObj has is no aa entry.
    mn.create(
        "/cse-mn/gw",
        13,
        &json!({"m2m:bat": {"mgd": 1006, "btl": 1, "bts": 1, "at": ["/id-in"], "aa": ["fwn"]}}),
        Some("CAdmin"),
    )
    .await
    .assert_error(4000, 400, "fwn");
    let node_copy = copy_address(&mn, "/cse-mn/gw", "m2m:nod").await;
    let bat_copy = copy_address(&mn, "/cse-mn/gw/bat", "m2m:bat").await;
    let nod_a = inn.retrieve(&on_in(&node_copy), "CAdmin").await;
    assert_eq!(nod_a.body["m2m:nodA"]["ni"], "urn:dev:gw", "{nod_a:#?}");
    let bat_a = inn.retrieve(&on_in(&bat_copy), "CAdmin").await;
    let copy = &bat_a.body["m2m:batA"];
    assert_eq!(copy["ty"], 10013, "{bat_a:#?}");
    assert_eq!(copy["mgd"], 1006);
    assert_eq!(copy["btl"], 23);
    assert!(copy.get("bts").is_none(), "{copy}");
    assert_eq!(copy["pi"], nod_a.body["m2m:nodA"]["ri"]);
    // The original through the copy, and an update reaching it.
    let original = inn
        .retrieve(&format!("{}?rcn=7", on_in(&bat_copy)), "CAdmin")
        .await;
    assert_eq!(original.body["m2m:bat"]["ty"], 13, "{original:#?}");
    assert_eq!(original.body["m2m:bat"]["bts"], 1);
    let update = mn
        .update(
            "/cse-mn/gw/bat",
            &json!({"m2m:bat": {"btl": 42, "bts": 2}}),
            "CAdmin",
        )
        .await;
    assert_eq!(update.rsc, Some(2004), "{update:#?}");
    let bat_path = on_in(&bat_copy);
    let followed = eventually(
        "the battery copy's update",
        || inn.retrieve(&bat_path, "CAdmin"),
        |r| r.body["m2m:batA"]["btl"] == 42,
    )
    .await;
    assert!(
        followed.body["m2m:batA"].get("bts").is_none(),
        "{followed:#?}"
    );
}

#[tokio::test]
async fn flex_containers_are_announced_with_their_definition_and_the_custom_attributes_aa_names() {
    let (inn, _mn, mn) = pair().await;
    let acp = mn
        .create(
            "/cse-mn",
            1,
            &json!({"m2m:acp": {"rn": "acpFlex",
                "pv": {"acr": [{"acor": ["/id-in/CAdmin", "CAdmin"], "acop": 63}]},
                "pvs": {"acr": [{"acor": ["CAdmin"], "acop": 63}]}}}),
            Some("CAdmin"),
        )
        .await;
    let acp_ri = acp.body["m2m:acp"]["ri"].clone();
    // A specialization: its data points are OA, the definition MA.
    let tempe = mn
        .create(
            "/cse-mn",
            28,
            &json!({"cod:tempe": {"rn": "thermo",
                "cnd": "org.onem2m.common.moduleclass.temperature",
                "curT0": 21.5, "unit": 1, "at": ["/id-in"], "aa": ["curT0", "lbl"],
                "acpi": [acp_ri.clone()]}}),
            Some("CAdmin"),
        )
        .await;
    assert_eq!(tempe.rsc, Some(2001), "{tempe:#?}");
    assert_eq!(tempe.body["cod:tempe"]["aa"], json!(["curT0"]));
    // The generic form: any custom attribute may be announced; a name that is no
    // attribute of it at all (cni is, but is not announceable) is simply not kept.
    let generic = mn
        .create(
            "/cse-mn/thermo",
            28,
            &json!({"m2m:fcnt": {"rn": "raw", "cnd": "com.example.raw",
                "level": 3, "secret": "x", "at": ["/id-in"], "aa": ["level"],
                "acpi": [acp_ri]}}),
            Some("CAdmin"),
        )
        .await;
    assert_eq!(generic.rsc, Some(2001), "{generic:#?}");

    let tempe_copy = copy_address(&mn, "/cse-mn/thermo", "cod:tempe").await;
    let raw_copy = copy_address(&mn, "/cse-mn/thermo/raw", "m2m:fcnt").await;
    let annc = inn.retrieve(&on_in(&tempe_copy), "CAdmin").await;
    let copy = &annc.body["cod:tempeAnnc"];
    assert_eq!(copy["ty"], 10028, "{annc:#?}");
    assert_eq!(copy["cnd"], "org.onem2m.common.moduleclass.temperature");
    assert_eq!(copy["curT0"], 21.5);
    assert!(copy.get("unit").is_none(), "{copy}");
    let raw = inn.retrieve(&on_in(&raw_copy), "CAdmin").await;
    let raw_a = &raw.body["m2m:fcntA"];
    assert_eq!(raw_a["level"], 3, "{raw:#?}");
    assert!(raw_a.get("secret").is_none(), "{raw_a}");
    // Below the copy of its parent.
    assert_eq!(raw_a["pi"], copy["ri"]);
    // The original through the copy, and a custom attribute's change followed.
    let original = inn
        .retrieve(&format!("{}?rcn=7", on_in(&raw_copy)), "CAdmin")
        .await;
    assert_eq!(original.body["m2m:fcnt"]["secret"], "x", "{original:#?}");
    let update = mn
        .update(
            "/cse-mn/thermo/raw",
            &json!({"m2m:fcnt": {"level": 4}}),
            "CAdmin",
        )
        .await;
    assert_eq!(update.rsc, Some(2004), "{update:#?}");
    let raw_path = on_in(&raw_copy);
    eventually(
        "the flexContainer copy's update",
        || inn.retrieve(&raw_path, "CAdmin"),
        |r| r.body["m2m:fcntA"]["level"] == 4,
    )
    .await;
    // Discovery at the IN finds the announced flexContainers by type.
    let found = inn.retrieve("/cse-in?fu=1&ty=10028", "CAdmin").await;
    assert_eq!(
        found.body["m2m:uril"].as_array().map(Vec::len),
        Some(2),
        "{found:#?}"
    );
    // Deleting the original removes the copy.
    mn.delete("/cse-mn/thermo", "CAdmin").await;
    let tempe_path = on_in(&tempe_copy);
    eventually(
        "the removal of the flexContainer copy",
        || inn.retrieve(&tempe_path, "CAdmin"),
        |r| r.rsc == Some(4004),
    )
    .await;
}
