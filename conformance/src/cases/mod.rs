//! The test purposes, one module per group.

mod bnd;
mod crt;
mod dis;
mod dmr;
mod exp;
mod fcnt;
mod gen_;
mod grp;
mod nod;
mod pch;
mod reg;
mod req;
mod sec;
mod sec_acc;
mod sec_out;
mod sec_r4;
mod sec_sub;
mod ser;
mod sub;
mod subf;
mod ts;

use crate::suite::TestPurpose;

/// Every test purpose, in run order.
pub fn all() -> Vec<TestPurpose> {
    let mut all = gen_::tps();
    all.extend(reg::tps());
    all.extend(dmr::tps());
    all.extend(sub::tps());
    all.extend(subf::tps());
    all.extend(dis::tps());
    all.extend(crt::tps());
    all.extend(fcnt::tps());
    all.extend(sec::tps());
    all.extend(sec_sub::tps());
    all.extend(sec_acc::tps());
    all.extend(sec_out::tps());
    all.extend(sec_r4::tps());
    all.extend(nod::tps());
    all.extend(grp::tps());
    all.extend(ts::tps());
    all.extend(req::tps());
    all.extend(pch::tps());
    all.extend(ser::tps());
    all.extend(bnd::tps());
    // Last: its Upper Tester purposes switch settings of the whole CSE.
    all.extend(exp::tps());
    all
}

/// Builds a [`TestPurpose`] from its fields and a check body.
macro_rules! tp {
    ($id:literal, $needs:expr, $clause:literal, $purpose:literal, $run:expr) => {
        $crate::suite::TestPurpose {
            id: $id,
            purpose: $purpose,
            clause: $clause,
            needs: $needs,
            run: $run,
        }
    };
}
pub(crate) use tp;

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
