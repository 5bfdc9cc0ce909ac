//! The semantics filter (`smf`, TS-0001 §10.2.37 semantic resource discovery,
//! TS-0004 §7.3.3.17): a resource matches when a SPARQL query, run over the RDF of
//! its `<semanticDescriptor>` children, has a result (ASK true, a solution, a
//! triple). The descriptors are loaded into an in-memory Oxigraph store per candidate
//! and the queries evaluated by Oxigraph's SPARQL engine; nothing here parses RDF or
//! SPARQL itself.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use onecse_models::ResourceType;
use oxigraph::sparql::{QueryResults, SparqlEvaluator};
use oxigraph::store::Store;
use serde_json::Value;

use crate::core::record::Resource;
use crate::core::resources::smd::descriptor_format;
use crate::core::transaction::Txn;
use crate::error::{CseError, CseResult};
use crate::security::Sight;
use crate::store::resource_table;

/// Refuses `smf` values that are no SPARQL query (4000, saying where), before any
/// candidate is read.
pub fn check_queries(queries: &[String]) -> CseResult<()> {
    for query in queries {
        SparqlEvaluator::new()
            .parse_query(query)
            .map(drop)
            .map_err(|e| CseError::bad_request(format!("smf is not a SPARQL query: {e}")))?;
    }
    Ok(())
}

/// Whether any of `queries` has a result over the descriptors of `resource`'s
/// semanticDescriptor children that `sight` lets the requester see (none: no
/// match): a query is an oracle on what it reads, so a descriptor under stricter
/// access control than its parent answers nothing to those it is hidden from.
pub fn matches(
    tx: &mut Txn<'_>,
    resource: &Resource,
    queries: &[String],
    sight: &mut Sight<'_>,
) -> CseResult<bool> {
    let rows = resource_table::children_of_type(
        tx.conn,
        &resource.ri,
        ResourceType::SemanticDescriptor,
        &tx.now_text,
    )?;
    if rows.is_empty() {
        return Ok(false);
    }
    let store = Store::new().map_err(|e| CseError::internal(format!("RDF store: {e}")))?;
    for row in rows {
        let descriptor = Resource::from_row(row)?;
        if sight.sees(tx, &descriptor.subject())? {
            load(&store, &descriptor)?;
        }
    }
    for query in queries {
        let prepared = SparqlEvaluator::new()
            .parse_query(query)
            .map_err(|e| CseError::bad_request(format!("smf is not a SPARQL query: {e}")))?;
        let results = prepared
            .on_store(&store)
            .execute()
            .map_err(|e| CseError::bad_request(format!("smf could not be evaluated: {e}")))?;
        let found = match results {
            QueryResults::Boolean(answer) => answer,
            QueryResults::Solutions(mut solutions) => solutions.next().is_some(),
            QueryResults::Graph(mut triples) => triples.next().is_some(),
        };
        if found {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Adds a stored descriptor's statements to `store` (stored descriptors were checked
/// on CREATE and UPDATE; one that no longer parses is skipped, not fatal).
fn load(store: &Store, descriptor: &Resource) -> CseResult<()> {
    let Some(format) = descriptor_format(&descriptor.attrs) else {
        return Ok(());
    };
    let dsp = descriptor.attrs.get("dsp").and_then(Value::as_str);
    let Some(document) = dsp.and_then(|d| STANDARD.decode(d.trim()).ok()) else {
        return Ok(());
    };
    if let Err(e) = store.load_from_slice(format, &document) {
        tracing::warn!(ri = %descriptor.ri, error = %e, "stored semanticDescriptor does not parse");
    }
    Ok(())
}
