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

/// Makes the oldest live row of a stream its head, unless it has one.
pub fn promote(conn: &mut DbConn, stream: &str) -> QueryResult<()> {
    if has_head(conn, stream)? {
        return Ok(());
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
    Ok(())
}

/// Names onecse's per-stream locks among PostgreSQL advisory locks (two-key form, so
/// it cannot meet the migration lock's one-key form).
const STREAM_LOCK_SPACE: i32 = 0x6f6e_6531;

/// The stream's live head row, key-share-locked until commit on PostgreSQL.
///
/// `FOR KEY SHARE` is the weakest lock that still makes the recorder's DELETE of the
/// head (and [`give_up`], which locks it `FOR UPDATE` first) wait for this commit; the
/// claim's lease UPDATE does not conflict with it (`FOR NO KEY UPDATE`), so a head
/// that requests keep share-locking under load is still claimed at once instead of
/// being skipped (`SKIP LOCKED`) until a moment without writers.
fn lock_head(pg: &mut diesel::PgConnection, stream: &str) -> QueryResult<Option<i64>> {
    outbox::table
        .filter(outbox::stream.eq(stream))
        .filter(outbox::head.eq(1))
        .filter(outbox::failed.eq(0))
        .select(outbox::id)
        .for_key_share()
        .first(pg)
        .optional()
}

/// Whether a new row of `stream` follows an existing head (else it becomes the head).
///
/// On PostgreSQL the head is share-locked until commit, so the delivery recorder
/// cannot complete or give it up (and promote the next row, which it could not see
/// yet) until this row is committed; a head being completed right now makes this
/// wait and then find it gone. Without a head, a per-stream advisory lock makes
/// concurrent first rows of a stream take turns, and the check is repeated under it.
/// Before this, a row could miss both the old head and the promotion, and its stream
/// waited for the repair sweep. SQLite serialises every writer already.
fn follows_head(conn: &mut DbConn, stream: &str) -> QueryResult<bool> {
    let DbConn::Pg(pg) = conn else {
        return has_head(conn, stream);
    };
    if lock_head(pg, stream)?.is_some() {
        return Ok(true);
    }
    diesel::sql_query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
        .bind::<Integer, _>(STREAM_LOCK_SPACE)
        .bind::<Text, _>(stream)
        .execute(pg)?;
    Ok(lock_head(pg, stream)?.is_some())
}

/// A notification with the `bn` deadline of a batch it would start.
pub type Pending = (NewNotification, Option<String>);

/// Enqueues the notifications a transaction produced, at the end of the transaction,
/// so the head locks of [`follows_head`] are held only for the commit. Heads are
/// locked in stream order (as the delivery recorder takes them), then the rows are
/// written in the order they were raised.
pub fn enqueue_all(conn: &mut DbConn, pending: &[Pending]) -> QueryResult<()> {
    let mut streams: Vec<&str> = pending.iter().map(|(row, _)| row.stream.as_str()).collect();
    streams.sort_unstable();
    streams.dedup();
    let mut headed = std::collections::HashSet::new();
    for stream in streams {
        if follows_head(conn, stream)? {
            headed.insert(stream);
        }
    }
    for (row, batch_due) in pending {
        let first = headed.insert(row.stream.as_str());
        enqueue(conn, row, first, batch_due.as_deref())?;
    }
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
/// head (see [`lock_head`]) does not block.
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

/// Claims up to `extra` rows that follow a head in its stream (the rest of its batch,
/// or the next notifications to send in order). They are not heads, so no other worker can claim
/// them meanwhile.
pub fn claim_followers(
    conn: &mut DbConn,
    head: &OutboxRow,
    extra: i64,
    lease_until: &str,
) -> QueryResult<Vec<OutboxRow>> {
    if extra <= 0 {
        return Ok(Vec::new());
    }
    let rows: Vec<OutboxRow> = outbox::table
        .filter(outbox::stream.eq(&head.stream))
        .filter(outbox::failed.eq(0))
        .filter(outbox::id.gt(head.id))
        .order(outbox::id.asc())
        .limit(extra)
        .select(OutboxRow::as_select())
        .load(conn)?;
    // A batch ends at the first row that is no part of one (the deletion
    // notification of a subscription whose `su` is also a `nu` entry).
    let rows: Vec<OutboxRow> = match head.batch_num {
        Some(_) => rows
            .into_iter()
            .take_while(|r| r.batch_num.is_some())
            .collect(),
        None => rows,
    };
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
        .set(outbox::claimed_until.eq(lease_until))
        .execute(conn)?;
    Ok(rows)
}

/// Removes delivered rows and moves their stream on to its next row.
pub fn complete(conn: &mut DbConn, stream: &str, ids: &[i64]) -> QueryResult<usize> {
    let removed = diesel::delete(outbox::table.filter(outbox::id.eq_any(ids))).execute(conn)?;
    promote(conn, stream)?;
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
    if let DbConn::Pg(pg) = conn {
        // Waits for requests that enqueued behind the head (key-share lock, see
        // `lock_head`), so the promotion below sees their rows.
        outbox::table
            .filter(outbox::id.eq_any(ids))
            .select(outbox::id)
            .for_update()
            .load::<i64>(pg)?;
    }
    let changed = diesel::update(outbox::table.filter(outbox::id.eq_any(ids)))
        .set((
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::failed.eq(1),
            outbox::head.eq(0),
            outbox::claimed_until.eq(None::<String>),
            outbox::last_error.eq(error),
        ))
        .execute(conn)?;
    promote(conn, stream)?;
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
/// A safety net: [`follows_head`] keeps a row enqueued while its stream's head is
/// being completed from missing both; should a stream still lose its head (a bug, a
/// manual edit), this sweep, run by the workers every few seconds, gives it back. It
/// reads the (stream, id) index once.
pub fn repair_heads(conn: &mut DbConn) -> QueryResult<usize> {
    let streams: Vec<StreamName> = match conn {
        DbConn::Pg(pg) => diesel::sql_query(HEADLESS_STREAMS).load(pg)?,
        DbConn::Sqlite(sqlite) => diesel::sql_query(HEADLESS_STREAMS).load(sqlite)?,
    };
    for s in &streams {
        promote(conn, &s.stream)?;
    }
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
