//! The notification outbox: rows written with the change that caused them, claimed
//! by delivery workers (several processes may share one PostgreSQL database), deleted
//! once delivered. Per stream only the oldest live row is ever claimed, which keeps
//! delivery order per subscription and target.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use super::db::DbConn;
use super::schema::outbox;

/// A notification to enqueue.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = outbox)]
pub struct NewNotification {
    /// Subscription and target.
    pub stream: String,
    /// The subscription.
    pub sub_ri: String,
    /// Where to deliver (`nu` or `su` entry).
    pub target: String,
    /// The `m2m:sgn` object.
    pub payload: String,
    /// `bn.num`, when batching.
    pub batch_num: Option<i32>,
    /// 1 with `ln`.
    pub latest_only: i32,
    /// 1 when delivery counts towards `exc`.
    pub counts: i32,
    /// Now.
    pub created: String,
    /// Earliest send time.
    pub due: String,
    /// Set by [`enqueue`]: 1 when the stream had no head.
    pub head: i32,
    /// The subscription's `nec` (X-M2M-EC), if any.
    pub ec: Option<i32>,
}

/// A claimed notification.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    /// Row id.
    pub id: i64,
    /// Stream.
    pub stream: String,
    /// The subscription.
    pub sub_ri: String,
    /// Target entry.
    pub target: String,
    /// The `m2m:sgn` object.
    pub payload: String,
    /// `bn.num`, when batching.
    pub batch_num: Option<i32>,
    /// 1 with `ln`.
    pub latest_only: i32,
    /// 1 when delivery counts towards `exc`.
    pub counts: i32,
    /// Failed attempts so far.
    pub attempts: i32,
    /// The subscription's `nec` (X-M2M-EC), if any.
    pub ec: Option<i32>,
}

/// Rows of a stream not yet claimed nor given up.
fn waiting(
    stream: &str,
    now: &str,
) -> outbox::BoxedQuery<'static, <DbConn as Connection>::Backend> {
    outbox::table
        .filter(outbox::stream.eq(stream.to_owned()))
        .filter(outbox::failed.eq(0))
        .filter(
            outbox::claimed_until
                .is_null()
                .or(outbox::claimed_until.lt(now.to_owned())),
        )
        .into_boxed()
}

/// Whether a stream has a head that is not given up.
fn has_head(conn: &mut DbConn, stream: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        outbox::table
            .filter(outbox::stream.eq(stream))
            .filter(outbox::head.eq(1))
            .filter(outbox::failed.eq(0)),
    ))
    .get_result(conn)
}

/// Makes the oldest live row of each of `streams` its head, unless it has one. On
/// PostgreSQL one statement for all of them (each stream's first live row read from
/// the `(stream, id)` index, its head from the partial head index), so recording the
/// deliveries of many streams costs one round trip, not three per stream.
pub fn promote_all(conn: &mut DbConn, streams: &[&str]) -> QueryResult<()> {
    if streams.is_empty() {
        return Ok(());
    }
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query(
            "UPDATE outbox SET head = 1 WHERE id IN ( \
               SELECT (SELECT o.id FROM outbox o WHERE o.stream = s.stream AND o.failed = 0 \
                       ORDER BY o.id LIMIT 1) \
               FROM unnest($1::text[]) AS s(stream) \
               WHERE NOT EXISTS (SELECT 1 FROM outbox h \
                                 WHERE h.stream = s.stream AND h.head = 1 AND h.failed = 0))",
        )
        .bind::<diesel::sql_types::Array<Text>, _>(streams)
        .execute(pg)?;
        return Ok(());
    }
    for stream in streams {
        if has_head(conn, stream)? {
            continue;
        }
        let next: Option<i64> = outbox::table
            .filter(outbox::stream.eq(stream))
            .filter(outbox::failed.eq(0))
            .order(outbox::id.asc())
            .select(outbox::id)
            .first(conn)
            .optional()?;
        if let Some(id) = next {
            diesel::update(outbox::table.filter(outbox::id.eq(id)))
                .set(outbox::head.eq(1))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Names onecse's per-stream locks among PostgreSQL advisory locks (two-key form, so
/// it cannot meet the migration lock's one-key form).
const STREAM_LOCK_SPACE: i32 = 0x6f6e_6531;

/// The streams among `streams` (sorted) that have a live head, whose head rows are
/// key-share-locked until commit on PostgreSQL, in stream order (the order the
/// delivery recorder takes them), in one statement however many streams there are.
///
/// `FOR KEY SHARE` is the weakest lock that still makes the recorder's DELETE of a
/// head (and [`give_up`], which locks it `FOR UPDATE` first) wait for this commit; the
/// claim's lease UPDATE does not conflict with it (`FOR NO KEY UPDATE`), so a head
/// that requests keep share-locking under load is still claimed at once instead of
/// being skipped (`SKIP LOCKED`) until a moment without writers.
fn headed_streams(conn: &mut DbConn, streams: &[&str]) -> QueryResult<Vec<String>> {
    let heads = outbox::table
        .filter(outbox::stream.eq_any(streams))
        .filter(outbox::head.eq(1))
        .filter(outbox::failed.eq(0))
        .order(outbox::stream.asc())
        .select(outbox::stream);
    match conn {
        DbConn::Pg(pg) => heads.for_key_share().load(pg),
        DbConn::Sqlite(sqlite) => heads.load(sqlite),
    }
}

/// The streams among `streams` whose new rows follow an existing head (the others'
/// first new row becomes their head).
///
/// On PostgreSQL the heads are share-locked until commit, so the delivery recorder
/// cannot complete or give them up (and promote the next row, which it could not see
/// yet) until these rows are committed; a head being completed right now makes this
/// wait and then find it gone. For the streams without a head, per-stream advisory
/// locks (taken in stream order, in one statement) make concurrent first rows of a
/// stream take turns, and the check is repeated under them. Before this, a row could
/// miss both the old head and the promotion, and its stream waited for the repair
/// sweep. SQLite serialises every writer already. Whatever the number of streams (one
/// event to many subscribers), this is one statement, or three when some stream has
/// no head.
fn follow_heads<'s>(
    conn: &mut DbConn,
    streams: &[&'s str],
) -> QueryResult<std::collections::HashSet<&'s str>> {
    let mut headed = std::collections::HashSet::with_capacity(streams.len());
    let mark = |found: Vec<String>, headed: &mut std::collections::HashSet<&'s str>| {
        for name in found {
            if let Some(stream) = streams
                .binary_search(&name.as_str())
                .ok()
                .and_then(|i| streams.get(i))
            {
                headed.insert(*stream);
            }
        }
    };
    let found = headed_streams(conn, streams)?;
    mark(found, &mut headed);
    let DbConn::Pg(pg) = conn else {
        return Ok(headed);
    };
    let headless: Vec<&str> = streams
        .iter()
        .copied()
        .filter(|s| !headed.contains(s))
        .collect();
    if headless.is_empty() {
        return Ok(headed);
    }
    // The sorted subquery is not flattened, so the locks are taken in stream order.
    diesel::sql_query(
        "SELECT count(pg_advisory_xact_lock($1, hashtext(s))) FROM \
         (SELECT s FROM unnest($2::text[]) AS s ORDER BY s) AS sorted",
    )
    .bind::<Integer, _>(STREAM_LOCK_SPACE)
    .bind::<diesel::sql_types::Array<Text>, _>(&headless)
    .execute(pg)?;
    let found = headed_streams(conn, &headless)?;
    mark(found, &mut headed);
    Ok(headed)
}

/// A notification with the `bn` deadline of a batch it would start.
pub type Pending = (NewNotification, Option<String>);

/// Most rows written by one INSERT (PostgreSQL allows 65,535 bound values; a row has 11).
const INSERT_CHUNK: usize = 1000;

/// Enqueues the notifications a transaction produced, at the end of the transaction,
/// so the head locks of [`follow_heads`] are held only for the commit. Heads are
/// locked in stream order (as the delivery recorder takes them), then the rows are
/// written in the order they were raised: plain rows (neither `ln` nor `bn`) in one
/// multi-row INSERT per run of them, so one event to 100 subscribers costs a handful
/// of statements, not hundreds.
pub fn enqueue_all(conn: &mut DbConn, pending: &[Pending]) -> QueryResult<()> {
    let mut streams: Vec<&str> = pending.iter().map(|(row, _)| row.stream.as_str()).collect();
    streams.sort_unstable();
    streams.dedup();
    let mut headed = follow_heads(conn, &streams)?;
    let mut plain: Vec<NewNotification> = Vec::new();
    for (row, batch_due) in pending {
        let first = headed.insert(row.stream.as_str());
        if row.latest_only == 0 && row.batch_num.is_none() {
            let mut row = row.clone();
            row.head = i32::from(first);
            plain.push(row);
            continue;
        }
        // Rows before this one are written first: ids keep the order of the events.
        insert_plain(conn, &mut plain)?;
        enqueue(conn, row, first, batch_due.as_deref())?;
    }
    insert_plain(conn, &mut plain)
}

/// Writes (and empties) `rows`, in their order: on PostgreSQL in as few multi-row
/// INSERTs as allowed (one round trip each); on SQLite, which is in-process and whose
/// diesel backend has no multi-row INSERT with defaults, one by one.
fn insert_plain(conn: &mut DbConn, rows: &mut Vec<NewNotification>) -> QueryResult<()> {
    match conn {
        DbConn::Pg(pg) => {
            for chunk in rows.chunks(INSERT_CHUNK) {
                diesel::insert_into(outbox::table)
                    .values(chunk)
                    .execute(pg)?;
            }
        }
        DbConn::Sqlite(sqlite) => {
            for row in rows.iter() {
                diesel::insert_into(outbox::table)
                    .values(row)
                    .execute(sqlite)?;
            }
        }
    }
    rows.clear();
    Ok(())
}

/// Enqueues a notification, as its stream's head when `head` (the stream had none). `ln`
/// keeps only the newest waiting row of the stream; `bn` holds rows until `num` are
/// waiting or the first has waited `dur` (`batch_due` is that deadline for a first row).
fn enqueue(
    conn: &mut DbConn,
    row: &NewNotification,
    mut head: bool,
    batch_due: Option<&str>,
) -> QueryResult<()> {
    let now = row.created.as_str();
    // With `bn` as well, the batch still counts every event and only its latest is
    // sent (see the delivery); alone, `ln` keeps just the newest waiting row.
    if row.latest_only == 1 && row.batch_num.is_none() {
        let stale: Vec<i64> = waiting(&row.stream, now).select(outbox::id).load(conn)?;
        if !stale.is_empty() {
            diesel::delete(outbox::table.filter(outbox::id.eq_any(stale))).execute(conn)?;
            // The head may have been among them; then this row takes its place.
            head = !has_head(conn, &row.stream)?;
        }
    }
    let mut row = row.clone();
    row.head = i32::from(head);
    if let (Some(num), Some(batch_due)) = (row.batch_num, batch_due) {
        let head_due: Option<String> = waiting(&row.stream, now)
            .order(outbox::id.asc())
            .select(outbox::due)
            .first(conn)
            .optional()?;
        let waiting_count: i64 = waiting(&row.stream, now).count().get_result(conn)?;
        row.due = head_due.unwrap_or_else(|| batch_due.to_owned());
        diesel::insert_into(outbox::table)
            .values(&row)
            .execute(conn)?;
        if waiting_count + 1 >= i64::from(num) {
            let ids: Vec<i64> = waiting(&row.stream, now).select(outbox::id).load(conn)?;
            diesel::update(outbox::table.filter(outbox::id.eq_any(ids)))
                .set(outbox::due.eq(now))
                .execute(conn)?;
        }
        return Ok(());
    }
    diesel::insert_into(outbox::table)
        .values(&row)
        .execute(conn)
        .map(|_| ())
}

/// Makes the waiting `bn` rows of `streams` due at `now`: a subscription that is
/// deleted sends the notifications it still holds first (spec digest notifications
/// §7), instead of at the batch's `dur`.
pub fn flush_batches(conn: &mut DbConn, streams: &[String], now: &str) -> QueryResult<usize> {
    diesel::update(
        outbox::table
            .filter(outbox::stream.eq_any(streams))
            .filter(outbox::batch_num.is_not_null())
            .filter(outbox::failed.eq(0))
            .filter(outbox::due.gt(now)),
    )
    .set(outbox::due.eq(now))
    .execute(conn)
}

const CLAIM_HEADS: &str = "\
    UPDATE outbox SET claimed_until = {lease} WHERE id IN ( \
      SELECT o.id FROM outbox o \
      WHERE o.head = 1 AND o.failed = 0 AND o.due <= {now} \
        AND (o.claimed_until IS NULL OR o.claimed_until < {now}) \
      ORDER BY o.due, o.id LIMIT {limit} {lock}) \
    RETURNING id, stream, sub_ri, target, payload, batch_num, latest_only, counts, attempts, ec";

/// Claims up to `limit` due stream heads until `lease_until`. On PostgreSQL the
/// candidate rows are locked with `SKIP LOCKED`, so concurrent claimers (other
/// processes) take disjoint rows without waiting for each other; the lock is
/// `FOR NO KEY UPDATE`, which the key-share lock of a request enqueueing behind the
/// head (see [`headed_streams`]) does not block.
pub fn claim(
    conn: &mut DbConn,
    now: &str,
    lease_until: &str,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    match conn {
        DbConn::Pg(pg) => {
            let sql = CLAIM_HEADS
                .replace("{lease}", "$1")
                .replace("{now}", "$2")
                .replace("{limit}", "$3")
                .replace("{lock}", "FOR NO KEY UPDATE SKIP LOCKED");
            diesel::sql_query(sql)
                .bind::<Text, _>(lease_until)
                .bind::<Text, _>(now)
                .bind::<BigInt, _>(limit)
                .load(pg)
        }
        DbConn::Sqlite(sqlite) => {
            let sql = CLAIM_HEADS
                .replace("{lease}", "?1")
                .replace("{now}", "?2")
                .replace("{limit}", "?3")
                .replace("{lock}", "");
            diesel::sql_query(sql)
                .bind::<Text, _>(lease_until)
                .bind::<Text, _>(now)
                .bind::<BigInt, _>(limit)
                .load(sqlite)
        }
    }
}

/// The rows that follow each head (of its own stream), up to its `extra`, on
/// PostgreSQL in one statement for all the claimed heads.
const FOLLOWERS: &str = "\
    SELECT f.id, f.stream, f.sub_ri, f.target, f.payload, f.batch_num, f.latest_only, \
           f.counts, f.attempts, f.ec \
    FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS h(id, stream, extra) \
    CROSS JOIN LATERAL (SELECT o.* FROM outbox o \
                        WHERE o.stream = h.stream AND o.failed = 0 AND o.id > h.id \
                        ORDER BY o.id LIMIT h.extra) AS f \
    ORDER BY f.stream, f.id";

/// Claims, for each head of `heads` (one per stream), up to its `extras` entry of the
/// rows that follow it in its stream (the rest of its batch, or the next
/// notifications to send in order); returned in the order of `heads`. They are not
/// heads, so no other worker can claim them meanwhile. On PostgreSQL this is two
/// statements for the whole claim, not two per head.
pub fn claim_followers(
    conn: &mut DbConn,
    heads: &[OutboxRow],
    extras: &[i64],
    lease_until: &str,
) -> QueryResult<Vec<Vec<OutboxRow>>> {
    let mut found: Vec<Vec<OutboxRow>> = match conn {
        DbConn::Pg(pg) => {
            let ids: Vec<i64> = heads.iter().map(|h| h.id).collect();
            let streams: Vec<&str> = heads.iter().map(|h| h.stream.as_str()).collect();
            let extras: Vec<i64> = extras.iter().map(|e| (*e).max(0)).collect();
            let rows: Vec<OutboxRow> = diesel::sql_query(FOLLOWERS)
                .bind::<diesel::sql_types::Array<BigInt>, _>(&ids)
                .bind::<diesel::sql_types::Array<Text>, _>(&streams)
                .bind::<diesel::sql_types::Array<BigInt>, _>(&extras)
                .load(pg)?;
            let mut by_stream: std::collections::HashMap<String, Vec<OutboxRow>> =
                std::collections::HashMap::new();
            for row in rows {
                by_stream.entry(row.stream.clone()).or_default().push(row);
            }
            heads
                .iter()
                .map(|h| by_stream.remove(&h.stream).unwrap_or_default())
                .collect()
        }
        DbConn::Sqlite(_) => {
            let mut found = Vec::with_capacity(heads.len());
            for (head, extra) in heads.iter().zip(extras) {
                found.push(if *extra <= 0 {
                    Vec::new()
                } else {
                    outbox::table
                        .filter(outbox::stream.eq(&head.stream))
                        .filter(outbox::failed.eq(0))
                        .filter(outbox::id.gt(head.id))
                        .order(outbox::id.asc())
                        .limit(*extra)
                        .select(OutboxRow::as_select())
                        .load(conn)?
                });
            }
            found
        }
    };
    // A batch ends at the first row that is no part of one (the deletion
    // notification of a subscription whose `su` is also a `nu` entry).
    for (head, rows) in heads.iter().zip(found.iter_mut()) {
        if head.batch_num.is_some()
            && let Some(end) = rows.iter().position(|r| r.batch_num.is_none())
        {
            rows.truncate(end);
        }
    }
    let ids: Vec<i64> = found.iter().flatten().map(|r| r.id).collect();
    if !ids.is_empty() {
        diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
            .set(outbox::claimed_until.eq(lease_until))
            .execute(conn)?;
    }
    Ok(found)
}

/// Locks rows that are about to be deleted or given up, in stream order (the order
/// requests key-share-lock heads, see [`headed_streams`]), in one statement: a
/// recorder finishing many streams at once then waits for the requests enqueueing
/// behind those heads without ever holding one head a request waits for while
/// waiting for another that request holds. PostgreSQL only (SQLite has one writer).
pub fn lock_for_removal(conn: &mut DbConn, ids: &[i64]) -> QueryResult<()> {
    if let DbConn::Pg(pg) = conn
        && !ids.is_empty()
    {
        outbox::table
            .filter(outbox::id.eq_any(ids))
            .order((outbox::stream.asc(), outbox::id.asc()))
            .select(outbox::id)
            .for_update()
            .load::<i64>(pg)?;
    }
    Ok(())
}

/// Removes delivered rows (`ids`, of `streams`) and moves each stream on to its next
/// row: two statements however many streams a recording batch finished.
pub fn complete(conn: &mut DbConn, streams: &[&str], ids: &[i64]) -> QueryResult<usize> {
    if ids.is_empty() {
        return Ok(0);
    }
    lock_for_removal(conn, ids)?;
    let removed = diesel::delete(outbox::table.filter(outbox::id.eq_any(ids))).execute(conn)?;
    promote_all(conn, streams)?;
    Ok(removed)
}

/// Returns claimed rows unsent (their stream stopped at an earlier failure).
pub fn release(conn: &mut DbConn, ids: &[i64]) -> QueryResult<usize> {
    diesel::update(outbox::table.filter(outbox::id.eq_any(ids)))
        .set(outbox::claimed_until.eq(None::<String>))
        .execute(conn)
}

/// Releases rows for another attempt at `due`.
pub fn retry(conn: &mut DbConn, ids: &[i64], due: &str, error: &str) -> QueryResult<usize> {
    diesel::update(outbox::table.filter(outbox::id.eq_any(ids)))
        .set((
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::claimed_until.eq(None::<String>),
            outbox::due.eq(due),
            outbox::last_error.eq(error),
        ))
        .execute(conn)
}

/// Marks rows as given up; they stay for inspection and their stream moves on.
pub fn give_up(conn: &mut DbConn, stream: &str, ids: &[i64], error: &str) -> QueryResult<usize> {
    // Waits for requests that enqueued behind the head (key-share lock, see
    // `headed_streams`), so the promotion below sees their rows.
    lock_for_removal(conn, ids)?;
    let changed = diesel::update(outbox::table.filter(outbox::id.eq_any(ids)))
        .set((
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::failed.eq(1),
            outbox::head.eq(0),
            outbox::claimed_until.eq(None::<String>),
            outbox::last_error.eq(error),
        ))
        .execute(conn)?;
    promote_all(conn, &[stream])?;
    Ok(changed)
}

#[derive(QueryableByName)]
struct StreamName {
    #[diesel(sql_type = Text)]
    stream: String,
}

const HEADLESS_STREAMS: &str = "\
    SELECT s.stream FROM (SELECT DISTINCT stream FROM outbox WHERE failed = 0) s \
    WHERE NOT EXISTS (SELECT 1 FROM outbox h WHERE h.stream = s.stream AND h.head = 1 AND h.failed = 0)";

/// Gives every stream that has live rows but no head its head back.
///
/// A safety net: [`follow_heads`] keeps a row enqueued while its stream's head is
/// being completed from missing both; should a stream still lose its head (a bug, a
/// manual edit), this sweep, run by the workers every few seconds, gives it back. It
/// reads the (stream, id) index once.
pub fn repair_heads(conn: &mut DbConn) -> QueryResult<usize> {
    let streams: Vec<StreamName> = match conn {
        DbConn::Pg(pg) => diesel::sql_query(HEADLESS_STREAMS).load(pg)?,
        DbConn::Sqlite(sqlite) => diesel::sql_query(HEADLESS_STREAMS).load(sqlite)?,
    };
    let names: Vec<&str> = streams.iter().map(|s| s.stream.as_str()).collect();
    promote_all(conn, &names)?;
    Ok(streams.len())
}

/// Lets the open transaction commit without waiting for its WAL flush (PostgreSQL's
/// `synchronous_commit = off`, for this transaction only; SQLite does not wait for
/// one anyway). For delivery bookkeeping only: a commit lost in a database crash
/// releases a claim or forgets a delivery, so the rows are sent again, which
/// at-least-once delivery allows. Other transactions see the commit at once, as with
/// a flushed one, so claims of other processes stay disjoint.
pub fn commit_without_flush(conn: &mut DbConn) -> QueryResult<()> {
    if let DbConn::Pg(pg) = conn {
        diesel::sql_query("SET LOCAL synchronous_commit TO OFF").execute(pg)?;
    }
    Ok(())
}

/// Notifications waiting for delivery (given-up rows excluded) and the `created` time
/// of the oldest, in one query, for the metrics scrape.
pub fn pending_summary(conn: &mut DbConn) -> QueryResult<(i64, Option<String>)> {
    use diesel::dsl::{count_star, min};
    outbox::table
        .filter(outbox::failed.eq(0))
        .select((count_star(), min(outbox::created)))
        .first(conn)
}
