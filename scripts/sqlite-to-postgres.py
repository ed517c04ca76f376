#!/usr/bin/env python3
"""Prints a PostgreSQL script that recreates a SQLite database: tables, primary keys, data
(COPY), indexes and foreign keys, in one transaction that checks every table's row count.

Usage: sqlite-to-postgres.py DATABASE.sqlite | psql -v ON_ERROR_STOP=1 ...

Used by scripts/test-servers to load the shared sample databases into PostgreSQL at test time
(the datasets are never copied into the repository). Reads the schema through SQLite's own
catalog (PRAGMA table_info, foreign_key_list, index_list) rather than rewriting the SQL text,
so quoting, statement order and INSERT syntax of the source script do not matter. Identifiers
keep their case (always double-quoted). A declared type it does not know is an error, not a guess.
"""
import re
import sqlite3
import sys

INT4 = (-(2**31), 2**31 - 1)


def ident(name):
    return '"' + name.replace('"', '""') + '"'


def pg_type(declared, values_fit_int4):
    t = declared.strip().upper()
    m = re.fullmatch(r"(N?VARCHAR|NATIONAL VARCHAR|CHARACTER VARYING|VARYING CHARACTER)\s*\((\d+)\)", t)
    if m:
        return f"VARCHAR({m.group(2)})"
    m = re.fullmatch(r"N?CHAR(ACTER)?\s*\((\d+)\)", t)
    if m:
        return f"CHAR({m.group(2)})"
    m = re.fullmatch(r"(NUMERIC|DECIMAL)\s*(\(\s*\d+\s*(,\s*\d+\s*)?\))?", t)
    if m:
        return "NUMERIC" + (m.group(2) or "").replace(" ", "")
    if t in ("INTEGER", "INT", "MEDIUMINT", "SMALLINT", "TINYINT"):
        return "INTEGER" if values_fit_int4 else "BIGINT"
    if t in ("BIGINT", "INT8"):
        return "BIGINT"
    if t in ("TEXT", "CLOB", "NTEXT", "VARCHAR", "NVARCHAR", ""):
        return "TEXT"
    if t in ("DATETIME", "TIMESTAMP"):
        return "TIMESTAMP"
    if t == "DATE":
        return "DATE"
    if t in ("REAL", "FLOAT", "DOUBLE", "DOUBLE PRECISION"):
        return "DOUBLE PRECISION"
    if t in ("BLOB",):
        return "BYTEA"
    if t in ("BOOLEAN", "BOOL"):
        return "BOOLEAN"
    raise SystemExit(f"sqlite-to-postgres: no PostgreSQL type for declared type {declared!r}")


def copy_value(v):
    if v is None:
        return r"\N"
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, bytes):
        return "\\\\x" + v.hex()
    s = str(v)
    return (s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r"))


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    db.text_factory = str
    out = sys.stdout
    tables = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")]
    if not tables:
        raise SystemExit("sqlite-to-postgres: no tables")
    out.write("\\set ON_ERROR_STOP on\nSET client_min_messages = warning;\nBEGIN;\n")
    later = []
    for table in tables:
        cols = list(db.execute(f"PRAGMA table_info({ident(table)})"))
        defs = []
        for _cid, name, declared, notnull, _default, _pk in cols:
            lo, hi = db.execute(f"SELECT min({ident(name)}), max({ident(name)}) FROM {ident(table)} "
                                f"WHERE typeof({ident(name)}) = 'integer'").fetchone()
            fits = lo is None or (INT4[0] <= lo and hi <= INT4[1])
            defs.append(f"{ident(name)} {pg_type(declared or '', fits)}" + (" NOT NULL" if notnull else ""))
        pk = [c[1] for c in sorted((c for c in cols if c[5]), key=lambda c: c[5])]
        if pk:
            sql = db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()[0]
            m = re.search(r"CONSTRAINT\s+[\[\"`]?([^\]\"`\s]+)[\]\"`]?\s+PRIMARY\s+KEY", sql or "", re.I)
            defs.append((f"CONSTRAINT {ident(m.group(1))} " if m else "") +
                        "PRIMARY KEY (" + ", ".join(map(ident, pk)) + ")")
        out.write(f"CREATE TABLE {ident(table)} (\n    " + ",\n    ".join(defs) + "\n);\n")

        names = [c[1] for c in cols]
        out.write(f"COPY {ident(table)} ({', '.join(map(ident, names))}) FROM stdin;\n")
        count = 0
        for row in db.execute(f"SELECT {', '.join(map(ident, names))} FROM {ident(table)}"):
            out.write("\t".join(copy_value(v) for v in row) + "\n")
            count += 1
        out.write("\\.\n")
        literal = "'" + table.replace("'", "''") + "'"
        later.append(f"DO $$ BEGIN IF (SELECT count(*) FROM {ident(table)}) <> {count} THEN "
                     f"RAISE EXCEPTION 'table %: % rows, expected {count}', {literal}, "
                     f"(SELECT count(*) FROM {ident(table)}); END IF; END $$;\n")

        for _seq, index, unique, origin, _partial in db.execute(f"PRAGMA index_list({ident(table)})"):
            if origin != "c":
                continue
            icols = [r[2] for r in db.execute(f"PRAGMA index_info({ident(index)})")]
            later.append(f"CREATE {'UNIQUE ' if unique else ''}INDEX {ident(index)} ON {ident(table)} "
                         f"({', '.join(map(ident, icols))});\n")
        fks = {}
        for fid, _seq, ref, frm, to, on_update, on_delete, _match in db.execute(
                f"PRAGMA foreign_key_list({ident(table)})"):
            fks.setdefault(fid, (ref, [], [], on_update, on_delete))
            fks[fid][1].append(frm)
            fks[fid][2].append(to)
        for ref, frm, to, on_update, on_delete in fks.values():
            later.append(f"ALTER TABLE {ident(table)} ADD FOREIGN KEY ({', '.join(map(ident, frm))}) "
                         f"REFERENCES {ident(ref)} ({', '.join(map(ident, to))}) "
                         f"ON DELETE {on_delete} ON UPDATE {on_update};\n")
    out.writelines(later)
    out.write("COMMIT;\n")
    out.writelines(f"ANALYZE {ident(t)};\n" for t in tables)


if __name__ == "__main__":
    main()
