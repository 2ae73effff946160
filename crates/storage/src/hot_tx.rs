//! Transactions for the message pipeline's hot path.
//!
//! rusqlite's `Transaction` parses `BEGIN` and `COMMIT` anew every time; the
//! message writer thread opens one transaction per batch (up to a few thousand
//! a second), where that parsing showed in profiles. These statements are
//! prepared once per connection and kept in its statement cache.

use rusqlite::Connection;

use crate::error::Result;

/// Runs `work` inside one transaction on `conn`: committed when it returns
/// `Ok`, rolled back when it (or the commit) fails or panics. Called while a
/// transaction is already open (inside [`crate::Store::transaction`]), `work`
/// simply joins it and the outer transaction commits or rolls back all of it,
/// so a failure here must reach the outer work's result (see there).
pub(crate) fn in_transaction<T>(
    conn: &Connection,
    work: impl FnOnce(&Connection) -> Result<T>,
) -> Result<T> {
    if !conn.is_autocommit() {
        return work(conn);
    }
    conn.prepare_cached("BEGIN")?.execute([])?;
    let open = RollbackUnlessDone(conn);
    let done = work(conn).and_then(|value| {
        conn.prepare_cached("COMMIT")?.execute([])?;
        Ok(value)
    });
    drop(open);
    done
}

/// Rolls back the transaction still open on its connection when dropped: after
/// a failed step or a failed commit, and while unwinding from a panic (so the
/// next caller of the shared connection does not find itself inside it).
struct RollbackUnlessDone<'c>(&'c Connection);

impl Drop for RollbackUnlessDone<'_> {
    fn drop(&mut self) {
        if !self.0.is_autocommit() {
            // A failed rollback leaves nothing more to do; the error the
            // caller gets is the one worth reporting.
            let _ = self.0.execute_batch("ROLLBACK");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::StorageError;

    fn table() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (x INTEGER UNIQUE)")
            .unwrap();
        conn
    }

    fn count(conn: &Connection) -> i64 {
        conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn commits_what_succeeds() {
        let conn = table();
        let v = in_transaction(&conn, |c| {
            c.execute("INSERT INTO t VALUES (1)", [])?;
            c.execute("INSERT INTO t VALUES (2)", [])?;
            Ok(7)
        })
        .unwrap();
        assert_eq!(v, 7);
        assert_eq!(count(&conn), 2);
        assert!(conn.is_autocommit());
    }

    #[test]
    fn rolls_back_all_of_a_failed_batch_and_stays_usable() {
        let conn = table();
        let failed = in_transaction(&conn, |c| {
            c.execute("INSERT INTO t VALUES (1)", [])?;
            c.execute("INSERT INTO t VALUES (1)", [])?; // violates UNIQUE
            Ok(())
        });
        assert!(failed.is_err());
        assert_eq!(count(&conn), 0, "the first row must be rolled back too");
        assert!(conn.is_autocommit());
        // A refusal from the work itself rolls back the same way.
        let refused: Result<()> = in_transaction(&conn, |c| {
            c.execute("INSERT INTO t VALUES (3)", [])?;
            Err(StorageError::NotFound)
        });
        assert!(matches!(refused, Err(StorageError::NotFound)));
        assert_eq!(count(&conn), 0);
        // The cached BEGIN and COMMIT work again afterwards.
        in_transaction(&conn, |c| Ok(c.execute("INSERT INTO t VALUES (4)", [])?)).unwrap();
        assert_eq!(count(&conn), 1);
    }
}
