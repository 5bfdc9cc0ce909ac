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
        /// The originator that created the resource (default access policy).
        owner -> Nullable<Text>,
        /// A value unique among siblings (`dgt` of a timeSeriesInstance, …).
        uk -> Nullable<Text>,
        /// When the type's timer is next due (missing-data detection).
        due -> Nullable<Text>,
        /// Subscription features watching the resource (bits, see the migration).
        watch -> Integer,
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

diesel::table! {
    /// One row per accessControlPolicyID of a resource.
    policy_links (ri, acp) {
        /// The resource naming the policy.
        ri -> Text,
        /// The policy's resourceID.
        acp -> Text,
    }
}

diesel::table! {
    /// The counting window of a missing-data subscription (see the migration).
    missing_data_windows (sub_ri) {
        /// The subscription.
        sub_ri -> Text,
        /// When the window closes.
        window_end -> Text,
        /// Missing points counted in the window.
        count -> Integer,
        /// Points not notified yet, a JSON array, newest first.
        pending -> Text,
    }
}

diesel::joinable!(labels -> resources (ri));
diesel::table! {
    /// The targets a crossResourceSubscription heard from in its current window.
    cross_resource_heard (crs_ri, member) {
        /// The crossResourceSubscription.
        crs_ri -> Text,
        /// The member subscription that notified.
        member -> Text,
    }
}

diesel::joinable!(cross_resource_heard -> resources (crs_ri));
diesel::joinable!(missing_data_windows -> resources (sub_ri));
diesel::joinable!(policy_links -> resources (ri));
diesel::table! {
    /// Requests queued for AEs that poll a pollingChannel (see the migration).
    polling_queue (id) {
        /// Insertion order, which is the hand-out order per owner.
        id -> BigInt,
        /// The AE-ID (resourceID of the AE) whose channel the row waits in.
        owner -> Text,
        /// The request identifier of the queued request.
        rqi -> Text,
        /// The request primitive (`m2m:rqp` members) as JSON.
        rqp -> Text,
        /// When it was queued.
        created -> Text,
        /// When it expires (its rqet).
        et -> Text,
    }
}

diesel::table! {
    /// Answers awaited from polling AEs (see the migration).
    polling_answers (owner, rqi) {
        /// The AE-ID of the polling AE.
        owner -> Text,
        /// The request identifier of the request awaiting its answer.
        rqi -> Text,
        /// When the wait ends.
        et -> Text,
        /// The `m2m:rsp` members as JSON, once the answer arrived.
        rsp -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    resources,
    labels,
    missing_data_windows,
    cross_resource_heard,
    outbox,
    policy_links,
    polling_answers,
    polling_queue,
    group_members,
    locations
);

diesel::table! {
    /// Notifications waiting for delivery (see the migration for column meanings).
    outbox (id) {
        /// Insertion order.
        id -> BigInt,
        /// Subscription and target; order is kept per stream.
        stream -> Text,
        /// The subscription that produced the notification.
        sub_ri -> Text,
        /// The `nu` (or `su`) entry to deliver to.
        target -> Text,
        /// One `m2m:sgn` object as JSON.
        payload -> Text,
        /// `bn.num` of a batching subscription.
        batch_num -> Nullable<Integer>,
        /// 1 when only the latest notification is kept (`ln`).
        latest_only -> Integer,
        /// 1 when a successful delivery counts towards `exc`.
        counts -> Integer,
        /// When the row was written.
        created -> Text,
        /// Not to be sent before this time.
        due -> Text,
        /// Failed delivery attempts so far.
        attempts -> Integer,
        /// Lease of the worker delivering it.
        claimed_until -> Nullable<Text>,
        /// 1 once delivery was given up.
        failed -> Integer,
        /// 1 for the row of its stream that is next to be delivered.
        head -> Integer,
        /// Why the last attempt failed.
        last_error -> Nullable<Text>,
        /// Event category (`nec`) sent as X-M2M-EC.
        ec -> Nullable<Integer>,
    }
}

diesel::table! {
    /// Accepted non-blocking requests not finished yet (see the migration).
    requests (ri) {
        /// The `<request>` resource.
        ri -> Text,
        /// The request's originator (bounded per originator).
        originator -> Text,
        /// When it was accepted.
        created -> Text,
        /// When it may run (`oet`, else `created`).
        due -> Text,
        /// Lease of the worker running it.
        claimed_until -> Nullable<Text>,
        /// The request primitive and caller, JSON.
        primitive -> Text,
    }
}

diesel::joinable!(requests -> resources (ri));

diesel::table! {
    /// Leases on work one process does for all (see the migration).
    leases (name) {
        /// What the lease is for.
        name -> Text,
        /// The process holding it.
        holder -> Text,
        /// When it lapses unless renewed.
        until -> Text,
    }
}

diesel::table! {
    /// Announcement work owed to other CSEs (see the migration for column meanings).
    announcements (id) {
        /// Insertion order: the order a target's rows are worked in.
        id -> BigInt,
        /// The CSE-ID the copy lives on.
        target -> Text,
        /// resourceID of the original.
        original -> Text,
        /// `create`, `update` or `delete`.
        op -> Text,
        /// For an update: the attribute names to send, as a JSON list.
        names -> Nullable<Text>,
        /// For a delete: the copy's address.
        address -> Nullable<Text>,
        /// Not before this time.
        due -> Text,
        /// Failed attempts so far.
        attempts -> Integer,
        /// Why the last attempt failed.
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    /// The local members of each group (see the migration).
    group_members (grp, member) {
        /// The `<group>`.
        grp -> Text,
        /// The resourceID of a local member.
        member -> Text,
    }
}

diesel::table! {
    /// The bounding box of each resource's `loc`, in degrees (see the migration).
    locations (ri) {
        /// The located resource.
        ri -> Text,
        /// Westmost longitude.
        min_lon -> Double,
        /// Southmost latitude.
        min_lat -> Double,
        /// Eastmost longitude.
        max_lon -> Double,
        /// Northmost latitude.
        max_lat -> Double,
    }
}

diesel::joinable!(locations -> resources (ri));
