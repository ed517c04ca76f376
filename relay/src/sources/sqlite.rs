//! SQLite sources: opening a file so that it cannot be written through the relay, and choosing
//! files only from the directory the operator set aside.

use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::ConnectOptions;
use vizkraft_domain::api::sources::{ConnectionFailure, ConnectionFailureKind as Kind};

use super::tls_bridge::failure;

/// Most memory SQLite may hold in this process, over all sources and the metadata store.
pub const SQLITE_HEAP_LIMIT_BYTES: u64 = 512 << 20;

/// Opens `path` read-only (SQLITE_OPEN_READONLY) with `query_only` set, temp data kept in
/// memory and untrusted schema objects disarmed: even a statement that slipped past the
/// guard cannot write (https://www.sqlite.org/pragma.html#pragma_query_only).
pub async fn open_read_only(path: &Path) -> Result<sqlx::SqlitePool, sqlx::Error> {
    // The path comes from the operator's configuration, never from a request; the filename
    // setter (not URL parsing) keeps `?mode=` tricks out.
    let options = SqliteConnectOptions::from_str("sqlite://")?
        .filename(path)
        .read_only(true)
        .create_if_missing(false)
        .pragma("query_only", "ON")
        .pragma("temp_store", "MEMORY")
        .pragma("trusted_schema", "OFF")
        // SQLite lets one value grow to SQLITE_MAX_LENGTH (1e9 bytes), and functions such as
        // printf('%.*c', N, 'x'), randomblob(N) and zeroblob(N) allocate it inside a single
        // step the progress handler cannot interrupt. The per-connection length limit
        // (sqlite3_limit, SQLITE_LIMIT_LENGTH) is not reachable from sqlx without unsafe FFI,
        // so cap SQLite's heap instead: past it an allocation fails and the statement ends with
        // SQLITE_NOMEM instead of the host running out of memory. The limit is process-wide
        // and this pragma can only lower it (https://www.sqlite.org/pragma.html#pragma_hard_heap_limit,
        // https://www.sqlite.org/c3ref/hard_heap_limit64.html).
        .pragma("hard_heap_limit", SQLITE_HEAP_LIMIT_BYTES.to_string())
        .disable_statement_logging();
    SqlitePoolOptions::new()
        .max_connections(super::MAX_CONNECTIONS_PER_SOURCE)
        .min_connections(0)
        .idle_timeout(std::time::Duration::from_secs(300))
        .connect_with(options)
        .await
}

/// Every SQLite file admins may choose: regular files under `dir` (three levels deep at
/// most) that start with the SQLite header, named relative to `dir`, in name order.
pub fn list_files(dir: &Path, data_dir: &Path) -> Vec<String> {
    let Ok(root) = dir.canonicalize() else { return Vec::new() };
    let mut found = Vec::new();
    let mut pending = vec![(root.clone(), 0)];
    while let Some((folder, depth)) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() && depth < 3 {
                pending.push((path, depth + 1));
            } else if kind.is_file() || kind.is_symlink() {
                let Ok(relative) = path.strip_prefix(&root) else { continue };
                let name = relative.to_string_lossy().into_owned();
                if resolve_in(dir, data_dir, &name).is_ok() {
                    found.push(name);
                }
            }
        }
    }
    found.sort();
    found
}

/// `name` as a file inside `dir`: relative, no `..`, not a link that leads out, not one of the
/// relay's own files (compared by inode, so a hard link is caught too), and a SQLite database.
pub fn resolve_in(dir: &Path, data_dir: &Path, name: &str) -> Result<PathBuf, ConnectionFailure> {
    let refuse = |why: &str| Err(failure(Kind::FileRefused, format!("{name:?} cannot be used: {why}.")));
    let relative = Path::new(name);
    if name.is_empty() || name.contains('\0') || name.len() > 1024 {
        return refuse("it is not a file name");
    }
    if !relative.components().all(|c| matches!(c, Component::Normal(_))) {
        return refuse("give a path inside the SQLite directory, without `..`, `.` or a leading `/`");
    }
    let Ok(root) = dir.canonicalize() else { return refuse("the SQLite directory does not exist") };
    let Ok(path) = root.join(relative).canonicalize() else { return refuse("there is no such file") };
    if !path.starts_with(&root) {
        return refuse("it is a link that leads out of the SQLite directory");
    }
    let Ok(metadata) = std::fs::metadata(&path) else { return refuse("there is no such file") };
    if !metadata.is_file() {
        return refuse("it is not a regular file");
    }
    if is_relay_file(&path, &metadata, data_dir) {
        return refuse("it is one of the relay's own files");
    }
    let mut header = [0u8; 16];
    let is_sqlite = std::fs::File::open(&path).and_then(|mut f| f.read_exact(&mut header)).is_ok()
        && &header == b"SQLite format 3\0";
    if !is_sqlite {
        return refuse("it is not a SQLite database");
    }
    Ok(path)
}

/// Whether `path` is inside the data directory, or the same file as one there.
fn is_relay_file(path: &Path, metadata: &std::fs::Metadata, data_dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(data_dir) = data_dir.canonicalize() else { return false };
    if path.starts_with(&data_dir) {
        return true;
    }
    let same =
        |other: &Path| std::fs::metadata(other).is_ok_and(|m| m.dev() == metadata.dev() && m.ino() == metadata.ino());
    let mut folders = vec![data_dir];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => folders.push(entry.path()),
                Ok(_) if same(&entry.path()) => return true,
                _ => {}
            }
        }
    }
    false
}

/// Why SQLite would not open a file that passed `resolve_in`.
pub fn refused(path: &Path, error: &sqlx::Error) -> ConnectionFailure {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    failure(Kind::FileRefused, format!("SQLite cannot open {name:?}: {error}."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite_file(path: &Path) {
        let mut bytes = b"SQLite format 3\0".to_vec();
        bytes.resize(512, 0);
        std::fs::write(path, bytes).unwrap();
    }

    #[test]
    fn only_sqlite_files_inside_the_directory_are_offered_and_opened() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("sources");
        let data = root.path().join("data");
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::create_dir_all(&data).unwrap();
        sqlite_file(&dir.join("shop.db"));
        sqlite_file(&dir.join("sub/archive.sqlite"));
        std::fs::write(dir.join("notes.txt"), "not a database").unwrap();
        sqlite_file(&root.path().join("outside.db"));
        std::os::unix::fs::symlink(root.path().join("outside.db"), dir.join("escape.db")).unwrap();
        sqlite_file(&data.join("meta.sqlite"));
        std::fs::hard_link(data.join("meta.sqlite"), dir.join("meta-copy.db")).unwrap();
        std::os::unix::fs::symlink(dir.join("shop.db"), dir.join("inside-link.db")).unwrap();

        assert_eq!(list_files(&dir, &data), ["inside-link.db", "shop.db", "sub/archive.sqlite"]);
        assert!(resolve_in(&dir, &data, "sub/archive.sqlite").is_ok());
        for name in [
            "../outside.db",
            "/etc/passwd",
            "escape.db",
            "meta-copy.db",
            "notes.txt",
            "sub/../shop.db",
            "./shop.db",
            "missing.db",
            "",
            "sub",
        ] {
            assert_eq!(
                resolve_in(&dir, &data, name).err().map(|f| f.kind),
                Some(Kind::FileRefused),
                "{name:?} was accepted"
            );
        }
        // The data directory itself inside the SQLite directory is refused whole.
        assert!(resolve_in(root.path(), &data, "data/meta.sqlite").is_err());
    }
}
