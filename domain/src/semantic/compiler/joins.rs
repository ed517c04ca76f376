//! Join paths along declared foreign keys only: the shortest way to connect the tables a
//! question needs, refusing ties (two equally short routes mean two different questions) and
//! recording where a join multiplies the rows of the table being measured.

use std::collections::VecDeque;

use crate::semantic::{SchemaModel, Table};

/// One foreign key as a graph edge from the referencing (child) table to the referenced one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Edge {
    pub child: usize,
    pub fk: usize,
    pub parent: usize,
}

/// An edge as walked while growing the join tree: `forward` means from child to parent, where
/// each row finds at most one partner; walking backwards can find many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Step {
    pub edge: Edge,
    pub forward: bool,
}

impl Step {
    /// The table this step brings into the query.
    pub(crate) fn added(&self) -> usize {
        if self.forward {
            self.edge.parent
        } else {
            self.edge.child
        }
    }

    pub(crate) fn existing(&self) -> usize {
        if self.forward {
            self.edge.child
        } else {
            self.edge.parent
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JoinPlan {
    pub root: usize,
    /// In join order; each adds one table.
    pub steps: Vec<Step>,
}

impl JoinPlan {
    /// Whether rows of `table` can repeat a root row: some step on the way from the root to it
    /// walks a foreign key backwards (one-to-many).
    pub(crate) fn multiplies(&self, table: usize) -> bool {
        let mut t = table;
        while t != self.root {
            let Some(step) = self.steps.iter().find(|s| s.added() == t) else { return false };
            if !step.forward {
                return true;
            }
            t = step.existing();
        }
        false
    }

    /// Joins between the root and `table`.
    pub(crate) fn depth(&self, table: usize) -> usize {
        let mut t = table;
        let mut n = 0;
        while t != self.root {
            let Some(step) = self.steps.iter().find(|s| s.added() == t) else { return n };
            n += 1;
            t = step.existing();
        }
        n
    }

    /// Whether any join repeats root rows.
    pub(crate) fn fans_out(&self) -> bool {
        self.steps.iter().any(|s| !s.forward)
    }

    pub(crate) fn tables(&self) -> Vec<usize> {
        std::iter::once(self.root).chain(self.steps.iter().map(Step::added)).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PlanError {
    /// No chain of foreign keys reaches the table.
    Unreachable(usize),
    /// Two or more equally short chains reach the table (e.g. a customer's region and the sales
    /// rep's region); each alternative is listed as the foreign-key columns it starts from.
    Ambiguous { table: usize, routes: Vec<String> },
}

pub(crate) fn edges(model: &SchemaModel) -> Vec<Edge> {
    let mut out = Vec::new();
    for (child, t) in model.tables.iter().enumerate() {
        for (fk, key) in t.foreign_keys.iter().enumerate() {
            if let Some(parent) = referenced(model, t, &key.referenced_table) {
                // A table joined to itself (a manager of an employee) needs a second alias and a
                // role name the question would have to give; it is never a shortest path anyway.
                if parent != child {
                    out.push(Edge { child, fk, parent });
                }
            }
        }
    }
    out
}

/// The table a foreign key points at, preferring one in the child's own schema.
fn referenced(model: &SchemaModel, child: &Table, name: &str) -> Option<usize> {
    let (schema, bare) = match name.rsplit_once('.') {
        Some((s, b)) => (Some(s), b),
        None => (child.schema.as_deref(), name),
    };
    let same_name: Vec<usize> =
        (0..model.tables.len()).filter(|&i| model.tables[i].name.eq_ignore_ascii_case(bare)).collect();
    same_name
        .iter()
        .copied()
        .find(|&i| model.tables[i].schema.as_deref() == schema)
        .or_else(|| same_name.first().copied())
}

/// Connects `required` to `root` with the fewest joins, adding the nearest table first.
pub(crate) fn plan(
    model: &SchemaModel,
    edges: &[Edge],
    root: usize,
    required: &[usize],
) -> Result<JoinPlan, PlanError> {
    let mut plan = JoinPlan { root, steps: Vec::new() };
    let mut in_tree = vec![false; model.tables.len()];
    in_tree[root] = true;
    let from_root = bfs(edges, &in_tree);
    let mut targets: Vec<usize> = required.iter().copied().filter(|&t| t != root).collect();
    targets.sort_by_key(|&t| from_root[t].map_or(usize::MAX, |n| n.dist));
    targets.dedup();
    for target in targets {
        if in_tree[target] {
            continue;
        }
        let reach = bfs(edges, &in_tree);
        let Some(node) = reach[target] else { return Err(PlanError::Unreachable(target)) };
        if node.paths > 1 {
            return Err(PlanError::Ambiguous { table: target, routes: routes(model, edges, &in_tree, &reach, target) });
        }
        let mut path = Vec::new();
        let mut t = target;
        while let Some(step) = reach[t].and_then(|n| n.via) {
            path.push(step);
            t = step.existing();
        }
        for step in path.into_iter().rev() {
            in_tree[step.added()] = true;
            plan.steps.push(step);
        }
    }
    Ok(plan)
}

#[derive(Debug, Clone, Copy)]
struct Reach {
    dist: usize,
    /// Shortest paths from the tree, saturating; more than one means the route is ambiguous.
    paths: u32,
    via: Option<Step>,
}

fn bfs(edges: &[Edge], sources: &[bool]) -> Vec<Option<Reach>> {
    let mut reach: Vec<Option<Reach>> = vec![None; sources.len()];
    let mut queue = VecDeque::new();
    for (t, &s) in sources.iter().enumerate() {
        if s {
            reach[t] = Some(Reach { dist: 0, paths: 1, via: None });
            queue.push_back(t);
        }
    }
    while let Some(u) = queue.pop_front() {
        let Some(ru) = reach[u] else { continue };
        for e in edges {
            let step = if e.child == u {
                Step { edge: *e, forward: true }
            } else if e.parent == u {
                Step { edge: *e, forward: false }
            } else {
                continue;
            };
            let v = step.added();
            match &mut reach[v] {
                None => {
                    reach[v] = Some(Reach { dist: ru.dist + 1, paths: ru.paths, via: Some(step) });
                    queue.push_back(v);
                }
                Some(rv) if rv.dist == ru.dist + 1 => rv.paths = rv.paths.saturating_add(ru.paths),
                Some(_) => {}
            }
        }
    }
    reach
}

/// Describes the competing shortest routes to `target` by their last join, for the message.
fn routes(
    model: &SchemaModel,
    edges: &[Edge],
    in_tree: &[bool],
    reach: &[Option<Reach>],
    target: usize,
) -> Vec<String> {
    let Some(rt) = reach[target] else { return Vec::new() };
    let mut out = Vec::new();
    for e in edges {
        for step in [Step { edge: *e, forward: true }, Step { edge: *e, forward: false }] {
            if step.added() != target {
                continue;
            }
            let from = step.existing();
            if reach[from].is_some_and(|r| r.dist + 1 == rt.dist) || (rt.dist == 1 && in_tree[from]) {
                let child = &model.tables[e.child];
                let cols = child.foreign_keys[e.fk].columns.join(", ");
                let text = format!("{}.{}", child.name, cols);
                if !out.contains(&text) {
                    out.push(text);
                }
            }
        }
    }
    out
}

/// The `(child column, parent column)` pairs of a foreign key; a key declared without columns
/// (SQLite's `REFERENCES t`) points at the parent's primary key.
pub(crate) fn key_pairs(model: &SchemaModel, edge: Edge) -> Vec<(String, String)> {
    let child = &model.tables[edge.child];
    let parent = &model.tables[edge.parent];
    let fk = &child.foreign_keys[edge.fk];
    let parent_cols = if fk.referenced_columns.is_empty() { &parent.primary_key } else { &fk.referenced_columns };
    fk.columns.iter().cloned().zip(parent_cols.iter().cloned()).collect()
}
