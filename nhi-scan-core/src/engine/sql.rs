//! SQL dumps: a column list names each value of the rows that follow it. `INSERT INTO t (id,
//! api_key) VALUES (1, '...'), (2, '...');` (mysqldump, pg_dump `--inserts`, seed scripts) and
//! PostgreSQL's `COPY t (id, api_key) FROM stdin;` with tab-separated rows up to `\.`. The
//! credential word is in the header, never beside the value, so the assignment engine alone
//! cannot pair them: the header hit finds the column, and each row's cell in that column is
//! parsed as an assignment to the column's name.

use std::ops::Range;

use super::assign::trim_range as trim;

/// Longest column list read (a wide table has a few hundred bytes of names).
const MAX_HEADER: usize = 2048;

/// Rows read per column, at most.
const MAX_ROWS: usize = 10_000;

/// How the rows are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// `VALUES (..), (..);`: comma-separated, strings in single quotes.
    Insert,
    /// `FROM stdin;` then one tab-separated line per row, ended by `\.`.
    Copy,
}

/// A credential column of an `INSERT` or `COPY` column list.
#[derive(Debug)]
pub(crate) struct Column {
    /// The column's name (without quotes or backticks).
    pub name: Range<usize>,
    index: usize,
    form: Form,
    /// Where the rows start (after `VALUES` or the `FROM stdin;` line).
    pub rows_start: usize,
    /// In a key-value table (`settings (key, value)`), the value column: each row's key cell
    /// names its value cell (`('mailgun.api_key', 'key-...')`).
    pub pair: Option<usize>,
}

/// The column whose name holds `hit`, when `hit` lies in the column list of an `INSERT INTO`
/// or `COPY` statement (`INSERT INTO `users` (`id`, `password`) VALUES`).
pub(crate) fn column(hay: &[u8], hit: Range<usize>) -> Option<Column> {
    list_column(hay, hit.clone()).or_else(|| create_table_column(hay, hit))
}

/// The column of an `INSERT` or `COPY` column list.
fn list_column(hay: &[u8], hit: Range<usize>) -> Option<Column> {
    // Cheap first (most hits are not in a column list): the hit's cell ends at `,` or `)` and
    // starts after `(` or `,`, with only name bytes, quotes and blanks between.
    let cell_byte = |b: u8| b.is_ascii_alphanumeric() || b"_`\"[] \t".contains(&b);
    let mut e = hit.end;
    while e < hay.len() && e - hit.end < 64 && cell_byte(hay[e]) {
        e += 1;
    }
    if !matches!(hay.get(e), Some(b',' | b')')) {
        return None;
    }
    let mut b = hit.start;
    while b > 0 && hit.start - b < 64 && cell_byte(hay[b - 1]) {
        b -= 1;
    }
    if b == 0 || !matches!(hay[b - 1], b'(' | b',' | b'\n') {
        return None;
    }
    // The enclosing `( ... )`, with no statement end or nested parenthesis inside.
    let floor = hit.start.saturating_sub(MAX_HEADER);
    let open = hay[floor..hit.start]
        .iter()
        .rposition(|b| matches!(b, b'(' | b')' | b';'))
        .map(|i| floor + i)?;
    if hay[open] != b'(' {
        return None;
    }
    let ceil = (hit.end + MAX_HEADER).min(hay.len());
    let close = hay[hit.end..ceil]
        .iter()
        .position(|b| matches!(b, b'(' | b')' | b';'))
        .map(|i| hit.end + i)?;
    if hay[close] != b')' {
        return None;
    }
    if !statement_before(hay, open) {
        return None;
    }
    let after = skip_ws(hay, close + 1);
    let (form, rows_start) = if starts_with_ci(&hay[after..], b"values") {
        (Form::Insert, after + 6)
    } else if starts_with_ci(&hay[after..], b"from stdin") {
        let nl = memchr::memchr(b'\n', &hay[after..])?;
        (Form::Copy, after + nl + 1)
    } else {
        return None;
    };
    // The hit's cell, which must be one (quoted) identifier.
    let cs = hay[open + 1..hit.start]
        .iter()
        .rposition(|b| *b == b',')
        .map_or(open + 1, |i| open + 2 + i);
    let ce = hay[hit.end..close]
        .iter()
        .position(|b| *b == b',')
        .map_or(close, |i| hit.end + i);
    let name = unquote(hay, trim(hay, cs..ce));
    if name.is_empty()
        || !hay[name.clone()]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_')
    {
        return None;
    }
    let index = hay[open + 1..cs].iter().filter(|b| **b == b',').count();
    let pair = value_column(&hay[name.clone()], &hay[open + 1..close]);
    Some(Column {
        name,
        index,
        form,
        rows_start,
        pair,
    })
}

/// The value column of a key-value table, when `name` is its key column (`key`, `config_key`)
/// and the list has a column `value`, `val` or `..._value`, or when `name` is another settings
/// key column (`cred_name`: see [`key_column`]) and such a column follows it.
fn value_column(name: &[u8], list: &[u8]) -> Option<usize> {
    let key = clean(name);
    if key == b"key" || key.ends_with(b"_key") && key.len() <= 16 {
        return list.split(|b| *b == b',').position(value_col);
    }
    // Other key columns (`cred_name`, `option_name`) only with their value right after them:
    // `(id, name, password_value)` is no settings table.
    if !key_column(name) {
        return None;
    }
    let cols: Vec<Vec<u8>> = list.split(|b| *b == b',').map(clean).collect();
    let i = cols.iter().position(|c| *c == key)?;
    cols.get(i + 1)
        .is_some_and(|c| value_col(c))
        .then_some(i + 1)
}

/// A settings table's row written as a statement of its own, its name in one string and its
/// value in another: `UPDATE app_settings SET value = '...' WHERE key = 'smtp_password'`
/// (WordPress: `SET option_value = ... WHERE option_name = ...`) and `INSERT INTO creds
/// (system, cred_name, cred_value) VALUES ('ops', 'smtp_password', '...')`. The hit lies in
/// the name's string; returns the name (the string's text) and the value's range. Seed
/// scripts and migrations write settings so, one statement per line.
pub(crate) fn setting(hay: &[u8], hit: Range<usize>) -> Option<(Range<usize>, Range<usize>)> {
    let name_byte = |b: u8| b.is_ascii_alphanumeric() || b"_.-:/".contains(&b);
    let mut open = hit.start;
    while open > 0 && hit.start - open < 128 && name_byte(hay[open - 1]) {
        open -= 1;
    }
    let mut close = hit.end;
    while close < hay.len() && close - hit.end < 128 && name_byte(hay[close]) {
        close += 1;
    }
    if open == 0 || hay[open - 1] != b'\'' || hay.get(close) != Some(&b'\'') {
        return None;
    }
    let name = open..close;
    let before = skip_ws_back(hay, open - 1);
    match hay[..before].last()? {
        b'=' => update_setting(hay, name, before - 1),
        b',' | b'(' => insert_setting(hay, name),
        _ => None,
    }
}

/// `UPDATE t SET <value column> = '<value>' WHERE <key column> = '<name>'`, `eq` at the `=`
/// before the name.
fn update_setting(
    hay: &[u8],
    name: Range<usize>,
    eq: usize,
) -> Option<(Range<usize>, Range<usize>)> {
    let (key_col, k) = word_before(hay, eq)?;
    let (kw, where_at) = word_before(hay, k)?;
    let kw = &hay[kw];
    if !(kw.eq_ignore_ascii_case(b"where") || kw.eq_ignore_ascii_case(b"and"))
        || !key_column(&hay[key_col])
    {
        return None;
    }
    // The last `SET` before the `WHERE`, after an `UPDATE`; its value must end where the
    // `WHERE` starts, so that no other statement's `SET` is paired with this name.
    let floor = where_at.saturating_sub(MAX_HEADER);
    let text = &hay[floor..where_at];
    let set = text.windows(5).rposition(|w| {
        w[0].is_ascii_whitespace()
            && w[1..4].eq_ignore_ascii_case(b"set")
            && w[4].is_ascii_whitespace()
    })?;
    let update = text[..set]
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"update "))?;
    if update > 0 && (text[update - 1].is_ascii_alphanumeric() || text[update - 1] == b'_') {
        return None;
    }
    let mut p = skip_ws(hay, floor + set + 4);
    let col = p;
    while p < where_at && (hay[p].is_ascii_alphanumeric() || b"_`\"[]".contains(&hay[p])) {
        p += 1;
    }
    if !value_col(&hay[col..p]) {
        return None;
    }
    p = skip_ws(hay, p);
    if hay.get(p) != Some(&b'=') {
        return None;
    }
    let (value, true, next) = sql_cell(hay, skip_ws(hay, p + 1))? else {
        return None;
    };
    (skip_ws(hay, next) == where_at && !value.is_empty()).then_some((name, value))
}

/// `INSERT INTO t (.., <key column>, <value column>) VALUES (.., '<name>', '<value>')` on one
/// line (or `INSERT INTO t VALUES ('<name>', '<value>')`, a row of two strings).
fn insert_setting(hay: &[u8], name: Range<usize>) -> Option<(Range<usize>, Range<usize>)> {
    // `VALUES` at most a header's length before the name (a row near it: no walk of a
    // long dump's line for every name in it).
    let floor = name.start.saturating_sub(MAX_HEADER);
    let ls = hay[floor..name.start]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(floor, |i| floor + i + 1);
    let line = &hay[ls..name.start];
    let at = line
        .windows(6)
        .rposition(|w| w.eq_ignore_ascii_case(b"values"))?;
    if at > 0 && (line[at - 1].is_ascii_alphanumeric() || line[at - 1] == b'_') {
        return None;
    }
    let rows = ls + at + 6;
    // The column list, when there is one: `( ... )` right before `VALUES`.
    let head = hay[ls..ls + at].trim_ascii_end();
    let list = head
        .strip_suffix(b")")
        .and_then(|h| h.iter().rposition(|b| *b == b'(').map(|o| &h[o + 1..]));
    let mut found = None;
    insert_rows(hay, rows, |row| {
        let Some(i) = row.iter().position(|(c, _)| *c == name) else {
            // Rows end before the name's or hold it; past it, stop.
            return row.last().is_none_or(|(c, _)| c.end < name.start);
        };
        let pair = match list {
            Some(list) => list
                .split(|b| *b == b',')
                .nth(i)
                .and_then(|c| value_column(c, list)),
            None => (row.len() == 2 && i == 0).then_some(1),
        };
        if let Some((v, true)) = pair.and_then(|v| row.get(v))
            && !v.is_empty()
        {
            found = Some(v.clone());
        }
        false
    });
    found.map(|v| (name, v))
}

/// Calls `f` with each row's key cell and value cell of a key-value table (see
/// [`Column::pair`]), both quoted strings; returns where the rows end.
pub(crate) fn pairs(
    hay: &[u8],
    col: &Column,
    mut f: impl FnMut(Range<usize>, Range<usize>),
) -> usize {
    let Some(vi) = col.pair else {
        return col.rows_start;
    };
    if col.form != Form::Insert {
        return col.rows_start;
    }
    insert_rows(hay, col.rows_start, |row| {
        if let (Some((k, true)), Some((v, true))) = (row.get(col.index), row.get(vi))
            && !v.is_empty()
        {
            f(k.clone(), v.clone());
        }
        true
    })
}

/// Calls `f` with each row's cell in the column (its range and whether it was quoted); returns
/// where the rows end.
pub(crate) fn cells(hay: &[u8], col: &Column, mut f: impl FnMut(Range<usize>, bool)) -> usize {
    match col.form {
        Form::Copy => copy_cells(hay, col, &mut f),
        Form::Insert => insert_cells(hay, col, &mut f),
    }
}

fn copy_cells(hay: &[u8], col: &Column, f: &mut impl FnMut(Range<usize>, bool)) -> usize {
    let mut p = col.rows_start;
    for _ in 0..MAX_ROWS {
        if p >= hay.len() {
            break;
        }
        let le = memchr::memchr(b'\n', &hay[p..]).map_or(hay.len(), |i| p + i);
        let line = &hay[p..le];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line == b"\\." {
            return le;
        }
        if let Some(cell) = nth_field(line, b'\t', col.index)
            && line[cell.clone()] != *b"\\N"
            && !cell.is_empty()
        {
            f(p + cell.start..p + cell.end, false);
        }
        p = le + 1;
    }
    p.min(hay.len())
}

fn insert_cells(hay: &[u8], col: &Column, f: &mut impl FnMut(Range<usize>, bool)) -> usize {
    insert_rows(hay, col.rows_start, |row| {
        if let Some((cell, true)) = row.get(col.index)
            && !cell.is_empty()
        {
            f(cell.clone(), true);
        }
        true
    })
}

/// Walks the `VALUES` tuples from `p`, calling `f` with each row's cells (range, quoted), a row
/// cut short by malformed text included, until `f` returns false; returns where the rows end
/// (or where the walk stopped).
fn insert_rows(
    hay: &[u8],
    mut p: usize,
    mut f: impl FnMut(&[(Range<usize>, bool)]) -> bool,
) -> usize {
    let mut row = Vec::new();
    for _ in 0..MAX_ROWS {
        p = skip_ws(hay, p);
        if hay.get(p) == Some(&b',') {
            p = skip_ws(hay, p + 1);
        }
        if hay.get(p) != Some(&b'(') {
            break;
        }
        p += 1;
        row.clear();
        loop {
            p = skip_ws(hay, p);
            let Some((cell, quoted, next)) = sql_cell(hay, p) else {
                f(&row);
                return p;
            };
            row.push((cell, quoted));
            p = skip_ws(hay, next);
            match hay.get(p) {
                Some(b',') => p += 1,
                Some(b')') => {
                    p += 1;
                    break;
                }
                _ => {
                    f(&row);
                    return p;
                }
            }
        }
        if !f(&row) {
            break;
        }
    }
    p.min(hay.len())
}

/// One value of a `VALUES` tuple at `p`: a single-quoted string (`''` and `\'` escape a quote)
/// or anything else up to the next top-level `,` or `)` (numbers, `NULL`, `NOW()`). Returns the
/// value's range, whether it was quoted, and where it ends.
fn sql_cell(hay: &[u8], p: usize) -> Option<(Range<usize>, bool, usize)> {
    if hay.get(p) == Some(&b'\'') {
        let mut i = p + 1;
        while i < hay.len() {
            match hay[i] {
                b'\\' => i += 2,
                b'\'' if hay.get(i + 1) == Some(&b'\'') => i += 2,
                b'\'' => return Some((p + 1..i, true, i + 1)),
                _ => i += 1,
            }
        }
        return None;
    }
    let mut depth = 0usize;
    let mut i = p;
    while i < hay.len() {
        match hay[i] {
            b'(' => depth += 1,
            b')' if depth == 0 => break,
            b')' => depth -= 1,
            b',' if depth == 0 => break,
            b';' | b'\n' if depth == 0 => return None,
            _ => {}
        }
        i += 1;
    }
    (i < hay.len()).then(|| (trim(hay, p..i), false, i))
}

/// Whether `INSERT [IGNORE] INTO name` or `COPY name` (a table name, optionally schema-qualified
/// and quoted) ends just before the column list at `open`.
fn statement_before(hay: &[u8], open: usize) -> bool {
    let mut k = open;
    while k > 0 && matches!(hay[k - 1], b' ' | b'\t') {
        k -= 1;
    }
    let name_end = k;
    while k > 0
        && (hay[k - 1].is_ascii_alphanumeric() || b"_.`\"[]".contains(&hay[k - 1]))
        && name_end - k < 128
    {
        k -= 1;
    }
    if k == name_end {
        return false;
    }
    while k > 0 && matches!(hay[k - 1], b' ' | b'\t' | b'\n' | b'\r') {
        k -= 1;
    }
    let word_start = hay[..k]
        .iter()
        .rposition(|b| !b.is_ascii_alphabetic())
        .map_or(0, |i| i + 1);
    let word = &hay[word_start..k];
    word.eq_ignore_ascii_case(b"into") || word.eq_ignore_ascii_case(b"copy")
}

/// Field `index` of a `sep`-separated line.
fn nth_field(line: &[u8], sep: u8, index: usize) -> Option<Range<usize>> {
    let mut start = 0;
    for _ in 0..index {
        start += memchr::memchr(sep, &line[start..])? + 1;
    }
    let end = memchr::memchr(sep, &line[start..]).map_or(line.len(), |i| start + i);
    Some(start..end)
}

/// How far after a `CREATE TABLE` its rows' `INSERT` is looked for (mysqldump puts `LOCK
/// TABLES` and comments between them).
const MAX_TO_INSERT: usize = 4096;

/// A credential column defined in a `CREATE TABLE` (one definition per line, as mysqldump and
/// pg_dump write them), whose rows follow in `INSERT INTO t VALUES (...)` with no column list:
/// the column's place in the definition is its place in each row.
fn create_table_column(hay: &[u8], hit: Range<usize>) -> Option<Column> {
    // The hit's line: `  `access_token` text,` (a name, blanks, a type).
    let ls = hay[..hit.start]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let lead = &hay[ls..hit.start];
    if let Some(at) = memchr::memmem::find(&lead.to_ascii_lowercase(), b"create table") {
        return one_line_create(hay, hit, ls + at);
    }
    // Definitions are indented and end with a comma (the last one before the keys, too).
    if !matches!(lead.first(), Some(b' ' | b'\t'))
        || !lead
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"_`\" \t".contains(b))
    {
        return None;
    }
    let le = memchr::memchr(b'\n', &hay[hit.end..]).map_or(hay.len(), |i| hit.end + i);
    if hay[hit.end..le].trim_ascii_end().last() != Some(&b',') {
        return None;
    }
    let (name, after) = defined_name(hay, ls, hit.end)?;
    // `CREATE TABLE name (` above, with no statement end between.
    let floor = ls.saturating_sub(MAX_HEADER);
    let head = &hay[floor..ls];
    let at = memchr::memmem::rfind(head, b"CREATE TABLE")
        .or_else(|| memchr::memmem::rfind(head, b"create table"))?;
    if memchr::memchr(b';', &head[at..]).is_some() {
        return None;
    }
    rows_after_create(hay, floor + at, ls, name, after)
}

/// `CREATE TABLE `users` (`id` int, `api_token` varchar(64));` on one line: the hit's cell
/// starts after `(` or `,` and its name is followed by a type.
fn one_line_create(hay: &[u8], hit: Range<usize>, create: usize) -> Option<Column> {
    let mut b = hit.start;
    while b > create
        && hit.start - b < 64
        && (hay[b - 1].is_ascii_alphanumeric() || b"_`\"".contains(&hay[b - 1]))
    {
        b -= 1;
    }
    let cs = skip_back_ws(hay, b);
    if cs == 0 || !matches!(hay[cs - 1], b'(' | b',') {
        return None;
    }
    let (name, after) = defined_name(hay, b, hit.end)?;
    rows_after_create(hay, create, cs, name, after)
}

/// A column definition's name, from `start` through the identifier the hit ends in (quotes
/// dropped), and where the text after it starts; `None` unless blanks and a type follow.
fn defined_name(hay: &[u8], start: usize, hit_end: usize) -> Option<(Range<usize>, usize)> {
    let mut ne = hit_end;
    while ne < hay.len() && (hay[ne].is_ascii_alphanumeric() || hay[ne] == b'_') {
        ne += 1;
    }
    let mut name = trim(hay, start..ne);
    if name.len() >= 2 && matches!(hay[name.start], b'`' | b'"') {
        name.start += 1;
    }
    let after = ne + usize::from(matches!(hay.get(ne), Some(b'`' | b'"')));
    if !matches!(hay.get(after), Some(b' ' | b'\t'))
        || !hay
            .get(skip_ws(hay, after))
            .is_some_and(u8::is_ascii_alphabetic)
    {
        return None;
    }
    Some((name, after))
}

fn skip_back_ws(hay: &[u8], mut p: usize) -> usize {
    while p > 0 && matches!(hay[p - 1], b' ' | b'\t') {
        p -= 1;
    }
    p
}

/// The rows of the `CREATE TABLE` at `create` whose column `name` is defined at `ls` (its
/// index is the number of top-level commas before it): `INSERT INTO <table> VALUES` after the
/// statement's end.
fn rows_after_create(
    hay: &[u8],
    create: usize,
    ls: usize,
    name: Range<usize>,
    name_end: usize,
) -> Option<Column> {
    let mut t = skip_ws(hay, create + 12);
    if starts_with_ci(&hay[t..], b"if not exists") {
        t = skip_ws(hay, t + 13);
    }
    let ts = t;
    while t < ls && (hay[t].is_ascii_alphanumeric() || b"_.`\"".contains(&hay[t])) {
        t += 1;
    }
    let table = &hay[ts..t];
    let open = t + memchr::memchr(b'(', &hay[t..ls])?;
    // The column's index: top-level commas between `(` and its line.
    let mut depth = 0usize;
    let mut index = 0;
    for &b in &hay[open + 1..ls] {
        match b {
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => index += 1,
            _ => {}
        }
    }
    // The statement's end, then `INSERT INTO <table> VALUES`.
    let end =
        name_end + memchr::memchr(b';', &hay[name_end..(name_end + MAX_HEADER).min(hay.len())])?;
    let window = &hay[end..(end + MAX_TO_INSERT).min(hay.len())];
    let wl = window.to_ascii_lowercase();
    let ins = memchr::memmem::find(&wl, b"insert into")?;
    let mut q = skip_ws(window, ins + 11);
    if !window[q..].starts_with(table) {
        return None;
    }
    q = skip_ws(window, q + table.len());
    if !starts_with_ci(&window[q..], b"values") {
        return None;
    }
    Some(Column {
        name,
        index,
        form: Form::Insert,
        rows_start: end + q + 6,
        pair: None,
    })
}

fn skip_ws(hay: &[u8], mut p: usize) -> usize {
    while p < hay.len() && hay[p].is_ascii_whitespace() {
        p += 1;
    }
    p
}

/// Where whitespace before `p` starts, line breaks included (a statement may wrap; compare
/// `skip_back_ws`, which stays on the line).
fn skip_ws_back(hay: &[u8], mut p: usize) -> usize {
    while p > 0 && hay[p - 1].is_ascii_whitespace() {
        p -= 1;
    }
    p
}

/// The word (an identifier, perhaps quoted) that ends before `p` (blanks between), and where
/// it starts.
fn word_before(hay: &[u8], p: usize) -> Option<(Range<usize>, usize)> {
    let end = skip_ws_back(hay, p);
    let mut s = end;
    while s > 0
        && end - s < 64
        && (hay[s - 1].is_ascii_alphanumeric() || b"_`\"[]".contains(&hay[s - 1]))
    {
        s -= 1;
    }
    (s < end).then(|| (unquote(hay, s..end), s))
}

/// A column name without its quotes (`` `key` ``, `"key"`, `[key]`).
fn unquote(hay: &[u8], r: Range<usize>) -> Range<usize> {
    if r.len() >= 2 && matches!(hay[r.start], b'`' | b'"' | b'[') {
        r.start + 1..r.end - 1
    } else {
        r
    }
}

/// The key column of a settings table: `key`, `name`, `option_name`, `setting_key`,
/// `cred_name`, `param`.
fn key_column(c: &[u8]) -> bool {
    let c = clean(c);
    c.len() <= 24
        && (c.ends_with(b"_key")
            || c.ends_with(b"_name")
            || matches!(
                &c[..],
                b"key"
                    | b"name"
                    | b"keyname"
                    | b"setting"
                    | b"param"
                    | b"parameter"
                    | b"property"
                    | b"option"
            ))
}

/// The value column of a settings table: `value`, `val`, `option_value`, `cred_value`.
fn value_col(c: &[u8]) -> bool {
    let c = clean(c);
    c == b"value" || c == b"val" || c.ends_with(b"_value") || c.ends_with(b"_val")
}

/// A column name in lower case, without blanks and quotes.
fn clean(c: &[u8]) -> Vec<u8> {
    c.trim_ascii()
        .iter()
        .filter(|b| !matches!(b, b'`' | b'"' | b'[' | b']'))
        .map(u8::to_ascii_lowercase)
        .collect()
}

fn starts_with_ci(hay: &[u8], word: &[u8]) -> bool {
    hay.len() >= word.len() && hay[..word.len()].eq_ignore_ascii_case(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_rows_name_their_value_in_the_same_statement() {
        let setting_of = |sql: &str, word: &str| {
            let at = sql.find(word).unwrap();
            setting(sql.as_bytes(), at..at + word.len())
                .map(|(n, v)| (sql[n].to_string(), sql[v].to_string()))
        };
        let pair = |n: &str, v: &str| Some((n.to_string(), v.to_string()));
        assert_eq!(
            setting_of(
                "UPDATE app_settings SET value = 'x''y' WHERE key = 'smtp_password';\n",
                "password"
            ),
            pair("smtp_password", "x''y")
        );
        assert_eq!(
            setting_of(
                "UPDATE `wp_options`\n  SET `option_value` = 'v1'\n  WHERE `option_name` = 'mail_token';",
                "token"
            ),
            pair("mail_token", "v1")
        );
        assert_eq!(
            setting_of(
                "INSERT INTO creds (system, cred_name, cred_value) VALUES ('ops', 'api_token', 'v2');",
                "token"
            ),
            pair("api_token", "v2")
        );
        assert_eq!(
            setting_of(
                "INSERT INTO settings VALUES ('relay_secret', 'v3');",
                "secret"
            ),
            pair("relay_secret", "v3")
        );
        // Not a settings row: the value column is not a value's, the WHERE column names no
        // setting, a three-cell row with no column list, a string compared in a SELECT.
        for (sql, word) in [
            (
                "UPDATE users SET email = 'a@b.c' WHERE key = 'api_token';",
                "token",
            ),
            (
                "UPDATE t SET value = 'v' WHERE owner = 'api_token';",
                "token",
            ),
            ("INSERT INTO t VALUES (1, 'api_token', 'v');", "token"),
            (
                "SELECT value FROM settings WHERE key = 'api_token';",
                "token",
            ),
            // T-SQL batches without semicolons: the SET belongs to the other statement.
            (
                "UPDATE t SET value = 'v' WHERE key = 'site'\nGO\nDELETE FROM t WHERE key = 'api_token'\n",
                "token",
            ),
        ] {
            assert_eq!(setting_of(sql, word), None, "{sql}");
        }
    }

    #[test]
    fn key_value_tables_pair_each_rows_key_with_its_value() {
        let sql = "INSERT INTO settings (id, `key`, value) VALUES (1, 'mailgun.api_key', 'key-abc'), \
                   (2, 'mail.from', 'a@b.c');\n";
        let at = sql.find("key`").unwrap();
        let col = column(sql.as_bytes(), at..at + 3).expect("a column");
        assert_eq!(col.pair, Some(2));
        let mut rows = Vec::new();
        pairs(sql.as_bytes(), &col, |k, v| {
            rows.push((sql[k].to_string(), sql[v].to_string()))
        });
        assert_eq!(
            rows,
            [
                ("mailgun.api_key".to_string(), "key-abc".to_string()),
                ("mail.from".to_string(), "a@b.c".to_string())
            ]
        );
        // A key column with no value column is an ordinary credential column.
        let sql = "INSERT INTO api (id, key) VALUES (1, 'x');\n";
        let at = sql.find("key").unwrap();
        assert_eq!(column(sql.as_bytes(), at..at + 3).unwrap().pair, None);
    }

    fn values(text: &str, kw: &str) -> Vec<(String, String)> {
        let at = text.find(kw).unwrap();
        let Some(col) = column(text.as_bytes(), at..at + kw.len()) else {
            return Vec::new();
        };
        let name = text[col.name.clone()].to_string();
        let mut out = Vec::new();
        cells(text.as_bytes(), &col, |r, _| {
            out.push((name.clone(), text[r].to_string()))
        });
        out
    }

    #[test]
    fn insert_rows_give_the_named_column() {
        let sql = "INSERT INTO `users` (`id`, `login`, `password`) VALUES\n(1, 'admin', 'Qx8k''Lm2'),\n(2, NULL, 'Hb7#nW(q2');\nSELECT 1;";
        assert_eq!(
            values(sql, "password"),
            vec![
                ("password".into(), "Qx8k''Lm2".into()),
                ("password".into(), "Hb7#nW(q2".into())
            ]
        );
        let one = "INSERT INTO public.integrations (id, provider, api_key, webhook_secret) VALUES (1, 'woo', 'ck_1', NOW());";
        assert_eq!(
            values(one, "api_key"),
            vec![("api_key".into(), "ck_1".into())]
        );
        // A function call's value is not a literal.
        assert!(values(one, "secret").is_empty());
    }

    #[test]
    fn a_create_table_names_the_columns_of_inserts_without_a_list() {
        // mysqldump: the definition, `LOCK TABLES`, then rows in definition order.
        let sql = "CREATE TABLE `integrations` (\n  `id` int NOT NULL,\n  `provider` varchar(32) NOT NULL,\n  `access_token` text,\n  `webhook_secret` varchar(128) DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB;\nLOCK TABLES `integrations` WRITE;\nINSERT INTO `integrations` VALUES (1,'github','Qx8kLm2Wz',NULL),(2,'slack',NULL,'Hb7nWq2Rt');\n";
        assert_eq!(
            values(sql, "secret"),
            [("webhook_secret".to_string(), "Hb7nWq2Rt".to_string())]
        );
        assert_eq!(
            values(sql, "token"),
            [("access_token".to_string(), "Qx8kLm2Wz".to_string())]
        );
        // Another table's rows are not this table's.
        let other = "CREATE TABLE users (\n  id int,\n  api_token char(40)\n);\nINSERT INTO audit VALUES (1,'Qx8kLm2Wz');\n";
        assert!(values(other, "token").is_empty());
        // The whole definition on one line.
        let one = "CREATE TABLE `users` (`id` int, `email` varchar(255), `api_token` varchar(64));\nINSERT INTO `users` VALUES (1,'a@example.test','Vq7kLm2Wz9Rt');\n";
        assert_eq!(
            values(one, "token"),
            [("api_token".to_string(), "Vq7kLm2Wz9Rt".to_string())]
        );
    }

    #[test]
    fn copy_rows_give_the_named_column() {
        let sql = "COPY public.integrations (id, provider, api_key, secret) FROM stdin;\n1\twoo\tck_1\t\\N\n2\tlin\tlin_2\tabc\n\\.\n3\tx\tnot_a_row\tz\n";
        assert_eq!(
            values(sql, "api_key"),
            vec![
                ("api_key".into(), "ck_1".into()),
                ("api_key".into(), "lin_2".into())
            ]
        );
    }

    #[test]
    fn other_parentheses_are_not_column_lists() {
        assert!(values("CREATE TABLE t (id int, password text);", "password").is_empty());
        assert!(values("login(user, password) VALUES", "password").is_empty());
        assert!(values("SELECT * FROM t WHERE (password) = 'x'", "password").is_empty());
    }
}
