//! Transactions for the message pipeline's hot path.
//!
//! rusqlite's `Transaction` parses `BEGIN` and `COMMIT` anew every time; the
//! message writer thread opens one transaction per batch (up to a few thousand
//! a second), where that parsing showed in profiles. These statements are
//! prepared once per connection and kept in its statement cache.

use rusqlite::Connection;

use crate::error::Result;

/// Runs `work` inside one transaction on `conn`: committed when it returns
/// `Ok`, rolled back when it (or the commit) fails.
pub(crate) fn in_transaction<T>(
    conn: &Connection,
    work: impl FnOnce(&Connection) -> Result<T>,
) -> Result<T> {
    conn.prepare_cached("BEGIN")?.execute([])?;
    let done = work(conn).and_then(|value| {
        conn.prepare_cached("COMMIT")?.execute([])?;
        Ok(value)
    });
    if done.is_err() && !conn.is_autocommit() {
        // The transaction is still open: undo it. A failed rollback leaves
        // nothing more to do; the first error is the one worth reporting.
        let _ = conn.execute_batch("ROLLBACK");
    }
    done
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
