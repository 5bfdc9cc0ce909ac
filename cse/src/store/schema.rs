//! diesel table definitions; must match both migrations in `migrations/`.

diesel::table! {
    /// The resource tree (see the migration for column meanings).
    resources (ri) {
        /// resourceID.
        ri -> Text,
        /// parentID; NULL only for the CSEBase.
        pi -> Nullable<Text>,
        /// resourceType number.
        ty -> Integer,
        /// resourceName.
        rn -> Text,
        /// Structured CSE-relative address.
        path -> Text,
        /// creationTime.
        ct -> Text,
        /// lastModifiedTime.
        lt -> Text,
        /// expirationTime.
        et -> Nullable<Text>,
        /// stateTag.
        st -> BigInt,
        /// creator.
        cr -> Nullable<Text>,
        /// contentSize (instances).
        cs -> BigInt,
        /// currentNrOfInstances (containers); authoritative over the document.
        cni -> BigInt,
        /// currentByteSize (containers); authoritative over the document.
        cbs -> BigInt,
        /// Depth of `path` (the CSEBase is 1).
        lvl -> Integer,
        /// The full representation as JSON.
        doc -> Text,
    }
}

diesel::table! {
    /// One row per label of a resource.
    labels (ri, label) {
        /// Owning resource.
        ri -> Text,
        /// The label token.
        label -> Text,
    }
}

diesel::joinable!(labels -> resources (ri));
diesel::allow_tables_to_appear_in_same_query!(resources, labels);
