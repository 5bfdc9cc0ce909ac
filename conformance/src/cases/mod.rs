//! The test purposes, one module per group.

mod act;
mod ann;
mod bnd;
mod cin_dcnt;
mod crs;
mod crt;
mod dac;
mod dis;
mod dis_fc;
mod dmr;
mod exp;
mod fcnt;
mod fcnt_history;
mod fwd;
mod gen_;
mod grp;
mod loc;
mod mgo;
mod mqt;
mod nod;
mod ntp;
mod pch;
mod pdr;
mod reg;
mod req;
mod sch;
mod sec;
mod sec_acc;
mod sec_out;
mod sec_r4;
mod sec_sub;
mod ser;
mod smd;
mod sub;
mod sub_eeno;
mod subf;
mod ts;
mod ts_windows;
mod tsb;

use crate::suite::TestPurpose;

/// Every test purpose, in run order.
pub fn all() -> Vec<TestPurpose> {
    let mut all = gen_::tps();
    all.extend(reg::tps());
    all.extend(dmr::tps());
    all.extend(cin_dcnt::tps());
    all.extend(sub::tps());
    all.extend(sub_eeno::tps());
    all.extend(subf::tps());
    all.extend(crs::tps());
    all.extend(ntp::tps());
    all.extend(pdr::tps());
    all.extend(dis::tps());
    all.extend(dis_fc::tps());
    all.extend(crt::tps());
    all.extend(fcnt::tps());
    all.extend(fcnt_history::tps());
    all.extend(sec::tps());
    all.extend(sec_sub::tps());
    all.extend(sec_acc::tps());
    all.extend(sec_out::tps());
    all.extend(sec_r4::tps());
    all.extend(nod::tps());
    all.extend(mgo::tps());
    all.extend(grp::tps());
    all.extend(ts::tps());
    all.extend(ts_windows::tps());
    all.extend(sch::tps());
    all.extend(act::tps());
    all.extend(tsb::tps());
    all.extend(dac::tps());
    all.extend(loc::tps());
    all.extend(smd::tps());
    all.extend(req::tps());
    all.extend(pch::tps());
    all.extend(ser::tps());
    all.extend(bnd::tps());
    all.extend(ann::tps());
    all.extend(fwd::tps());
    all.extend(mqt::tps());
    // Last: its Upper Tester purposes switch settings of the whole CSE.
    all.extend(exp::tps());
    all
}

/// The group that runs only over MQTT (`--transport mqtt`).
pub const MQTT_GROUP: &str = "TP/oneM2M/CSE/MQT/";

/// Test purposes that check what only the HTTP binding has, skipped with this reason
/// when the suite speaks MQTT (TS-0010 carries no headers, media types or peer
/// address).
pub const HTTP_ONLY: &[(&str, &str)] = &[
    (
        "TP/oneM2M/CSE/GEN/RET/018",
        "Accept negotiation: over MQTT the topic names the serialization",
    ),
    (
        "TP/oneM2M/CSE/GEN/CRE/003",
        "Content-Type media types: over MQTT the topic names the serialization",
    ),
    (
        "TP/oneM2M/CSE/REG/CRE/002",
        "Content-Location is an HTTP response header",
    ),
    (
        "TP/oneM2M/CSE/SEC/RET/021",
        "acip needs the originator's IP address, which MQTT (through a broker) does not give",
    ),
    (
        "TP/oneM2M/CSE/REQ/RET/020",
        "noResponse (rt=5): over MQTT no response message is sent at all, so there is no acknowledgement to check",
    ),
    (
        "TP/oneM2M/CSE/REQ/CRE/017",
        "X-M2M-RST echo is an HTTP header rule (TS-0009 §6.4)",
    ),
    (
        "TP/oneM2M/CSE/SER/NEG/001",
        "Accept negotiation: over MQTT the topic names the serialization",
    ),
    (
        "TP/oneM2M/CSE/SER/NEG/002",
        "Accept negotiation: over MQTT the topic names the serialization",
    ),
    (
        "TP/oneM2M/CSE/SER/NEG/003",
        "Accept negotiation: over MQTT the topic names the serialization",
    ),
    (
        "TP/oneM2M/CSE/SER/NEG/004",
        "Content-Type media types: over MQTT the topic names the serialization",
    ),
];

/// The groups of the registered test purposes (`GEN`, `REG`, …), in run order, each
/// once: what `--group` accepts and its help lists.
pub fn groups() -> Vec<String> {
    let mut groups: Vec<String> = Vec::new();
    for tp in all() {
        if !groups.iter().any(|g| g == tp.group()) {
            groups.push(tp.group().to_owned());
        }
    }
    groups
}

/// Builds a [`TestPurpose`] from its fields and a check body.
macro_rules! tp {
    ($id:literal, $needs:expr, $clause:literal, $purpose:literal, $run:expr) => {
        $crate::suite::TestPurpose {
            id: $id,
            purpose: $purpose,
            clause: $clause,
            needs: $needs,
            needs_peer: false,
            run: $run,
        }
    };
}
pub(crate) use tp;

/// [`tp!`] for a test purpose that needs a second CSE (`--peer`).
macro_rules! peer_tp {
    ($id:literal, $clause:literal, $purpose:literal, $run:expr) => {
        $crate::suite::TestPurpose {
            id: $id,
            purpose: $purpose,
            clause: $clause,
            needs: &[],
            needs_peer: true,
            run: $run,
        }
    };
}
pub(crate) use peer_tp;

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_unique_and_well_formed() {
        let all = super::all();
        let mut ids: Vec<&str> = all.iter().map(|t| t.id).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len(), "duplicate test purpose IDs");
        for tp in &all {
            let parts: Vec<&str> = tp.id.split('/').collect();
            assert_eq!(parts.len(), 6, "{}", tp.id);
            assert_eq!(&parts[..3], ["TP", "oneM2M", "CSE"], "{}", tp.id);
            assert!(!tp.purpose.is_empty() && !tp.clause.is_empty(), "{}", tp.id);
        }
    }
}
