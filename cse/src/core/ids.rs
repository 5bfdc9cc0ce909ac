//! Identifiers the CSE generates: resourceIDs and AE-IDs.

use onecse_models::ResourceType;

/// A new resourceID: the type's short name plus a UUIDv7. Version 7 is time-ordered,
/// so consecutive inserts land next to each other in the primary-key index.
pub fn new_resource_id(ty: ResourceType) -> String {
    format!("{}{}", ty.short_name(), uuid::Uuid::now_v7().simple())
}

/// A new AE-ID-Stem with the given prefix (`C`, `S`, or a configured prefix starting
/// with one of them) and 64 random bits.
pub fn new_ae_id(prefix: &str) -> String {
    let random = uuid::Uuid::new_v4().simple().to_string();
    let tail = random.get(..16).unwrap_or(&random);
    format!("{prefix}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_unreserved_and_distinct() {
        let a = new_resource_id(ResourceType::Container);
        let b = new_resource_id(ResourceType::Container);
        assert!(a.starts_with("cnt") && a != b);
        let c = new_ae_id("C");
        assert!(c.starts_with('C') && c.len() == 17);
        assert!(onecse_models::id::is_unreserved_id(&c));
    }
}
