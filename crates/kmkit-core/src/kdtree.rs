//! Exact weighted Lloyd iterations for 1 to 4 coordinates by the filtering
//! algorithm of Kanungo et al. (2002), "An efficient k-means clustering
//! algorithm: analysis and implementation", IEEE TPAMI 24(7): [`KdTree`].
//!
//! The rows go into a kd-tree once; every node keeps the weighted sum,
//! weight and weighted squared norm of its rows. Each iteration walks the
//! tree with a list of candidate centroids and drops a candidate as soon as
//! another one is nearer to every point of the node's bounding box; a node
//! left with one candidate is assigned whole, from its sums, without looking
//! at its rows. Colour histograms (kmkit-image's palette fit) are tightly
//! clustered in 3-D, so most of their 10⁵ rows are never visited one by one:
//! an iteration costs a fraction of a brute-force pass (china.jpg, k = 64:
//! see BENCHMARKS.md). One tree serves any number of starts.
//!
//! The assignment is the brute-force one (nearest centroid by direct f32
//! distances, ties to the lower index) up to rounding in near-ties (a
//! candidate is dropped on the distances at its box's corner, with a
//! margin), so the iterations are Lloyd's; only
//! the order in which the f64 sums are added differs from [`lloyd`](crate::lloyd),
//! and a near-tie can go the other way than in the core's tile (which
//! expands the distance), as in the bounded algorithms.
//!
//! The walk is one definition compiled for baseline x86-64, AVX2 + FMA and
//! AVX-512F; the kernel set of [`kernels::get`](crate::kernels::get) picks
//! it (so `KMKIT_SIMD=scalar` forces the baseline), and every version gives
//! the same bits.

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;

use crate::data::{validate, Input};
use crate::error::{KMeansError, Result};
use crate::lloyd::{farthest, Run};
use crate::points::{DenseRows, Points};

/// Rows per leaf: below this, scanning the rows beats splitting further.
/// With the walk compiled for AVX-512 a leaf is three 16-lane vectors; on
/// china.jpg (default fit, two threads) 48 beat 16, 24, 32 and 64 at
/// k = 64 (112 ms against 142, 130, 124, 115) and was best or level at
/// k = 8, 32 and 256. (Before the AVX-512 walk, with SSE only, 16 was best.)
const LEAF: usize = 48;
/// Subtrees walked in parallel (and merged in this fixed order, so results
/// do not depend on the thread count).
const PARALLEL_DEPTH: usize = 4;

/// Coordinates padded to 4 (a zero fourth coordinate changes no distance).
type P4 = [f64; 4];
/// The same in f32: what distances are compared in (as the core's kernels).
type Q4 = [f32; 4];

/// A row of 1 to 4 coordinates, zero-padded to four.
fn q4(r: ndarray::ArrayView1<f32>) -> Q4 {
    let mut p = [0.0; 4];
    for (p, &v) in p.iter_mut().zip(r) {
        *p = v;
    }
    p
}

/// A row and its weight, moved around while the tree is built.
#[derive(Clone, Copy)]
struct Item {
    p: Q4,
    w: f32,
}

struct Node {
    lo: Q4,
    hi: Q4,
    sum: P4,
    weight: f64,
    /// Σ w·‖x‖², for the node's inertia against a centroid.
    sq: f64,
    start: u32,
    end: u32,
    /// Children, or `None` for a leaf.
    children: Option<(u32, u32)>,
}

impl Node {
    /// The node over `items` (rows `start..` of the final order): its
    /// bounding box only. Sums are set once the node is known to be a leaf
    /// ([`Node::add_rows`]) or from its children ([`Node::add_children`]):
    /// summing every node's rows directly cost a pass over the rows per level.
    fn of(items: &[Item], start: usize) -> Node {
        let (mut lo, mut hi) = ([f32::INFINITY; 4], [f32::NEG_INFINITY; 4]);
        for it in items {
            for j in 0..4 {
                lo[j] = lo[j].min(it.p[j]);
                hi[j] = hi[j].max(it.p[j]);
            }
        }
        Node {
            lo,
            hi,
            sum: [0.0; 4],
            weight: 0.0,
            sq: 0.0,
            start: start as u32,
            end: (start + items.len()) as u32,
            children: None,
        }
    }

    /// A leaf's sums, over its rows in order.
    fn add_rows(&mut self, items: &[Item]) {
        for it in items {
            let w = f64::from(it.w);
            let mut norm = 0.0;
            for j in 0..4 {
                let v = f64::from(it.p[j]);
                self.sum[j] += w * v;
                norm += v * v;
            }
            self.weight += w;
            self.sq += w * norm;
        }
    }

    /// An inner node's sums: its children's, left then right.
    fn add_children(&mut self, l: &Node, r: &Node) {
        for j in 0..4 {
            self.sum[j] = l.sum[j] + r.sum[j];
        }
        self.weight = l.weight + r.weight;
        self.sq = l.sq + r.sq;
    }
}

/// Splits node `n`'s `items` at the median of the widest side of its box
/// (of the first `d` coordinates), or `None` for a leaf: at most [`LEAF`]
/// rows, or all rows equal.
fn split<'a>(
    d: usize,
    n: &Node,
    items: &'a mut [Item],
) -> Option<(&'a mut [Item], &'a mut [Item])> {
    let (lo, hi) = (n.lo, n.hi);
    let axis = (0..d)
        .max_by(|&a, &b| (hi[a] - lo[a]).total_cmp(&(hi[b] - lo[b])))
        .unwrap_or(0);
    if items.len() <= LEAF || hi[axis] <= lo[axis] {
        return None;
    }
    let mid = items.len() / 2;
    items.select_nth_unstable_by(mid, |a, b| a.p[axis].total_cmp(&b.p[axis]));
    Some(items.split_at_mut(mid))
}

/// A kd-tree over weighted rows of 1 to 4 coordinates, for exact weighted
/// Lloyd by filtering ([`KdTree::lloyd`]).
///
/// ```
/// use kmkit_core::KdTree;
/// use ndarray::array;
///
/// let x = array![[0.0f32, 0.0, 0.0], [0.1, 0.0, 0.0], [5.0, 5.0, 5.0], [5.1, 5.0, 5.0]];
/// let tree = KdTree::new(x.view(), Some(&[1.0, 3.0, 1.0, 1.0]))?;
/// let fit = tree.lloyd(array![[1.0f32, 1.0, 1.0], [4.0, 4.0, 4.0]], 100, 0.0)?;
/// assert!(fit.converged);
/// assert!((fit.centroids[[0, 0]] - 0.075).abs() < 1e-6);
/// assert!((tree.inertia(fit.centroids.view())? - fit.inertia).abs() < 1e-9);
/// # Ok::<(), kmkit_core::KMeansError>(())
/// ```
pub struct KdTree {
    /// Columns of the rows (1 to 4).
    d: usize,
    nodes: Vec<Node>,
    /// The rows column by column in tree order (zero-padded to whole
    /// leaves), and their weights: one copy, kept in f32 as given (the tree
    /// is rebuilt for every fit, and fresh memory costs page faults).
    columns: [Vec<f32>; 4],
    weights: Vec<f32>,
    /// Roots of the subtrees walked in parallel, in tree order.
    tops: Vec<u32>,
}

impl std::fmt::Debug for KdTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KdTree")
            .field("rows", &self.weights.len())
            .field("d", &self.d)
            .field("nodes", &self.nodes.len())
            .finish()
    }
}

/// Per-cluster weighted sums, weights and inertia of one pass.
#[derive(Clone)]
struct Stats {
    sums: Vec<P4>,
    weights: Vec<f64>,
    inertia: f64,
}

impl Stats {
    fn zeros(k: usize) -> Stats {
        Stats {
            sums: vec![[0.0; 4]; k],
            weights: vec![0.0; k],
            inertia: 0.0,
        }
    }
    fn merge(&mut self, o: &Stats) {
        for (a, b) in self.sums.iter_mut().zip(&o.sums) {
            for j in 0..4 {
                a[j] += b[j];
            }
        }
        for (a, b) in self.weights.iter_mut().zip(&o.weights) {
            *a += b;
        }
        self.inertia += o.inertia;
    }
}

#[inline(always)]
fn sq_dist(a: &Q4, b: &Q4) -> f32 {
    let (t0, t1, t2, t3) = (a[0] - b[0], a[1] - b[1], a[2] - b[2], a[3] - b[3]);
    t0 * t0 + t1 * t1 + t2 * t2 + t3 * t3
}

/// The filtering walk, one definition compiled once per instruction set
/// (`KdTree::walk` picks at run time). Rust never fuses or reorders float
/// operations, so every version computes the same bits.
macro_rules! visit_fn {
    ($(#[$attr:meta])* $name:ident) => {
        /// Filters the candidates `arena[from..to]` on `node` and recurses.
        $(#[$attr])*
        fn $name(
            &self,
            node: u32,
            from: usize,
            to: usize,
            c: &[Q4],
            arena: &mut Vec<u16>,
            st: &mut Stats,
        ) {
            let n = &self.nodes[node as usize];
            debug_assert!(arena[from..to].is_sorted(), "candidates in ascending order");
            if to - from > 1 {
                let Some((l, r)) = n.children else {
                    self.scan_leaf(n, &arena[from..to], c, st);
                    return;
                };
                // z*: the candidate nearest to the box centre (ties to the lower
                // index: candidate lists are always in ascending order, so a
                // strict `<` keeps the first).
                let mid: [f32; 4] = std::array::from_fn(|j| 0.5 * (n.lo[j] + n.hi[j]));
                let mut star = arena[from];
                let mut best = sq_dist(&c[star as usize], &mid);
                for &z in &arena[from + 1..to] {
                    let dz = sq_dist(&c[z as usize], &mid);
                    if dz < best {
                        best = dz;
                        star = z;
                    }
                }
                let zs = &c[star as usize];
                let start = arena.len();
                for i in from..to {
                    let z = arena[i];
                    if z == star || !self.dominated(&c[z as usize], zs, z > star, n) {
                        arena.push(z);
                    }
                }
                let end = arena.len();
                if end - start > 1 {
                    self.$name(l, start, end, c, arena, st);
                    self.$name(r, start, end, c, arena, st);
                    arena.truncate(start);
                    return;
                }
                arena.truncate(start);
                whole(n, star as usize, zs, st);
                return;
            }
            let z = arena[from] as usize;
            whole(n, z, &c[z], st);
        }
    };
}

impl KdTree {
    /// The tree of rows `x` (1 to 4 columns) with weights `w` (all 1 if
    /// `None`). Rows of weight 0 are left out.
    ///
    /// # Errors
    /// What `fit` refuses (no rows, non-finite values, weights of the wrong
    /// length, negative, non-finite or all zero, an unusable `KMKIT_SIMD`),
    /// and more than 4 columns.
    pub fn new<'a>(x: ArrayView2<'a, f32>, w: Option<&'a [f32]>) -> Result<KdTree> {
        let input = Input::from(x);
        validate(&match w {
            Some(w) => input.weighted(w),
            None => input,
        })?;
        if x.ncols() > 4 {
            return Err(KMeansError::ShapeMismatch(format!(
                "the kd-tree filter takes 1 to 4 columns, not {}",
                x.ncols()
            )));
        }
        Ok(KdTree::build_tree(x, w))
    }

    /// [`KdTree::new`] on checked input.
    fn build_tree(x: ArrayView2<f32>, w: Option<&[f32]>) -> KdTree {
        let d = x.ncols();
        let mut items: Vec<Item> = x
            .rows()
            .into_iter()
            .enumerate()
            .map(|(i, r)| Item {
                p: q4(r),
                w: w.map_or(1.0, |w| w[i]),
            })
            .filter(|it| it.w > 0.0)
            .collect();
        let mut tree = KdTree {
            d,
            nodes: Vec::new(),
            columns: Default::default(),
            weights: Vec::new(),
            tops: Vec::new(),
        };
        if items.is_empty() {
            return tree;
        }
        tree.nodes = KdTree::build(d, &mut items, 0, 0);
        tree.columns = std::array::from_fn(|j| {
            let col = items.iter().map(|it| it.p[j]);
            col.chain(std::iter::repeat_n(0.0, LEAF)).collect()
        });
        tree.weights = items.iter().map(|it| it.w).collect();
        tree.collect_tops(0, 0);
        tree
    }

    /// The nodes of the subtree over `items` (rows `start..` of the final
    /// order), in preorder with child indices relative to its root,
    /// reordering `items`. The top [`PARALLEL_DEPTH`] levels build their two
    /// halves in parallel; the layout is the serial one either way.
    fn build(d: usize, items: &mut [Item], start: usize, depth: usize) -> Vec<Node> {
        let mut nodes = Vec::new();
        if depth >= PARALLEL_DEPTH {
            Self::build_into(&mut nodes, d, items, start);
            return nodes;
        }
        nodes.push(Node::of(items, start));
        let Some((left, right)) = split(d, &nodes[0], items) else {
            nodes[0].add_rows(items);
            return nodes;
        };
        let mid = left.len();
        let (l, r) = rayon::join(
            || Self::build(d, left, start, depth + 1),
            || Self::build(d, right, start + mid, depth + 1),
        );
        let (lo, ro) = (1, 1 + l.len() as u32);
        nodes[0].children = Some((lo, ro));
        let (root, _) = nodes.split_at_mut(1);
        root[0].add_children(&l[0], &r[0]);
        for (off, part) in [(lo, l), (ro, r)] {
            nodes.extend(part.into_iter().map(|mut n| {
                n.children = n.children.map(|(a, b)| (a + off, b + off));
                n
            }));
        }
        nodes
    }

    /// [`Self::build`] below the parallel levels: appends the subtree's nodes
    /// to `nodes` in preorder and returns its root's index there.
    fn build_into(nodes: &mut Vec<Node>, d: usize, items: &mut [Item], start: usize) -> u32 {
        let me = nodes.len() as u32;
        nodes.push(Node::of(items, start));
        match split(d, &nodes[me as usize], items) {
            Some((left, right)) => {
                let mid = left.len();
                let l = Self::build_into(nodes, d, left, start);
                let r = Self::build_into(nodes, d, right, start + mid);
                let (head, tail) = nodes.split_at_mut(me as usize + 1);
                let at = |c: u32| &tail[(c - me - 1) as usize];
                head[me as usize].add_children(at(l), at(r));
                head[me as usize].children = Some((l, r));
            }
            None => nodes[me as usize].add_rows(items),
        }
        me
    }

    fn collect_tops(&mut self, node: u32, depth: usize) {
        match self.nodes[node as usize].children {
            Some((l, r)) if depth < PARALLEL_DEPTH => {
                self.collect_tops(l, depth + 1);
                self.collect_tops(r, depth + 1);
            }
            _ => self.tops.push(node),
        }
    }

    /// Weighted inertia of the rows against `centroids` (k × d): the sum of
    /// each row's weight times its squared distance to the nearest one.
    ///
    /// # Errors
    /// `centroids` with another number of columns than the rows, or with
    /// no rows or more than 65,535.
    pub fn inertia(&self, centroids: ArrayView2<f32>) -> Result<f64> {
        self.check(centroids)?;
        Ok(self.assign(centroids).inertia)
    }

    /// Checks `centroids` against the tree: same columns, 1 to 65,535 rows
    /// (candidate lists hold `u16` indices), finite.
    fn check(&self, centroids: ArrayView2<f32>) -> Result<()> {
        let (k, d) = centroids.dim();
        if d != self.d {
            return Err(KMeansError::ShapeMismatch(format!(
                "centroids have {d} columns, the rows {}",
                self.d
            )));
        }
        if k == 0 || k > usize::from(u16::MAX) {
            return Err(KMeansError::BadInit(format!(
                "{k} centroids; the kd-tree filter takes 1 to 65535"
            )));
        }
        if centroids.iter().any(|v| !v.is_finite()) {
            return Err(KMeansError::BadInit("a centroid is not finite".into()));
        }
        Ok(())
    }

    /// Nearest-centroid statistics of every row against `centroids` (k × d).
    fn assign(&self, centroids: ArrayView2<f32>) -> Stats {
        let k = centroids.nrows();
        let c: Vec<Q4> = centroids.rows().into_iter().map(q4).collect();
        let parts: Vec<Stats> = self
            .tops
            .par_iter()
            .map(|&top| {
                let mut st = Stats::zeros(k);
                let mut arena: Vec<u16> = (0..k as u16).collect();
                self.walk(top, &c, &mut arena, &mut st);
                st
            })
            .collect();
        let mut total = Stats::zeros(k);
        for p in &parts {
            total.merge(p);
        }
        total
    }

    visit_fn!(visit);
    #[cfg(target_arch = "x86_64")]
    visit_fn!(
        #[target_feature(enable = "avx2,fma")]
        visit_avx2
    );
    #[cfg(target_arch = "x86_64")]
    visit_fn!(
        #[target_feature(enable = "avx512f")]
        visit_avx512
    );

    /// [`Self::visit`] from the root `top` with every candidate, in the
    /// instruction set of the core's kernels ([`crate::kernels::get`]).
    fn walk(&self, top: u32, c: &[Q4], arena: &mut Vec<u16>, st: &mut Stats) {
        let k = arena.len();
        #[cfg(target_arch = "x86_64")]
        {
            match crate::kernels::get().name {
                // SAFETY: the core hands out the AVX-512 kernels only on a
                // CPU with AVX-512F.
                "avx512" => return unsafe { self.visit_avx512(top, 0, k, c, arena, st) },
                // SAFETY: and the AVX2 ones only with AVX2 and FMA.
                "avx2" => return unsafe { self.visit_avx2(top, 0, k, c, arena, st) },
                _ => {}
            }
        }
        self.visit(top, 0, k, c, arena, st)
    }

    /// Whether candidate `z` can be dropped in favour of `zs` for every point of
    /// `n`'s box: the box corner farthest along `z − zs` is at least as near to
    /// `zs` (strictly nearer unless `z` loses ties, `z_after`).
    #[inline(always)]
    fn dominated(&self, z: &Q4, zs: &Q4, z_after: bool, n: &Node) -> bool {
        let mut v = [0.0; 4];
        for j in 0..4 {
            v[j] = if z[j] > zs[j] { n.hi[j] } else { n.lo[j] };
        }
        let (dz, ds) = (sq_dist(z, &v), sq_dist(zs, &v));
        // Margin: rounding in the two sums must never drop a candidate that
        // could win by a hair at some point of the box.
        let margin = 1e-5 * (dz + ds);
        if z_after {
            dz >= ds + margin
        } else {
            dz > ds + margin
        }
    }

    /// Nearest candidate of every row of leaf `n`, candidate by candidate
    /// over [`LEAF`] rows at once (columns apart and branch-free, so the
    /// inner loop vectorises; same arithmetic as [`sq_dist`], so the same
    /// distances).
    #[inline(always)]
    fn scan_leaf(&self, n: &Node, cands: &[u16], c: &[Q4], st: &mut Stats) {
        // A leaf of identical rows may hold more than LEAF of them.
        for start in (n.start as usize..n.end as usize).step_by(LEAF) {
            let end = (start + LEAF).min(n.end as usize);
            // Whole blocks of LEAF lanes (the columns are padded at the end);
            // lanes past `end` are computed and ignored.
            let col = |j: usize| -> &[f32; LEAF] {
                self.columns[j][start..start + LEAF]
                    .try_into()
                    .expect("padded columns")
            };
            let (x0, x1, x2, x3) = (col(0), col(1), col(2), col(3));
            let mut best = [f32::INFINITY; LEAF];
            let mut label = [0u32; LEAF];
            // Ascending candidates: a strict `<` keeps the lower index on ties.
            for &z in cands {
                let cz = &c[z as usize];
                for i in 0..LEAF {
                    let (t0, t1) = (x0[i] - cz[0], x1[i] - cz[1]);
                    let (t2, t3) = (x2[i] - cz[2], x3[i] - cz[3]);
                    let dz = t0 * t0 + t1 * t1 + t2 * t2 + t3 * t3;
                    let nearer = dz < best[i];
                    best[i] = if nearer { dz } else { best[i] };
                    label[i] = if nearer { u32::from(z) } else { label[i] };
                }
            }
            for (o, i) in (start..end).enumerate() {
                let (w, b) = (f64::from(self.weights[i]), label[o] as usize);
                for (j, s) in st.sums[b].iter_mut().enumerate() {
                    *s += w * f64::from(self.columns[j][i]);
                }
                st.weights[b] += w;
                st.inertia += w * f64::from(best[o]);
            }
        }
    }
}

/// Adds every row of `n` to cluster `z` (centroid `cz`).
#[inline(always)]
fn whole(n: &Node, z: usize, cz: &Q4, st: &mut Stats) {
    let mut dot = 0.0;
    let mut norm = 0.0;
    for ((s, &sum), &c) in st.sums[z].iter_mut().zip(&n.sum).zip(cz) {
        *s += sum;
        dot += f64::from(c) * sum;
        norm += f64::from(c) * f64::from(c);
    }
    st.weights[z] += n.weight;
    // Σ w‖x − c‖² = Σ w‖x‖² − 2 c·Σ w x + W‖c‖², clamped against cancellation.
    st.inertia += (n.sq - 2.0 * dot + n.weight * norm).max(0.0);
}

/// The outcome of [`KdTree::lloyd`].
#[derive(Debug, Clone)]
pub struct KdFit {
    /// The centroids after the last update.
    pub centroids: Array2<f32>,
    /// Inertia against the centroids of the last assignment (those before
    /// the final update); infinite when `max_iter` is 0 (no assignment).
    pub inertia: f64,
    /// Iterations run.
    pub n_iter: usize,
    /// Whether the centroids stopped moving (or moved less than `tol`).
    pub converged: bool,
}

impl KdTree {
    /// Weighted Lloyd from `centroids` until they stop moving, their total
    /// squared shift is at most `tol` (absolute: scale it as the core's
    /// `tol` is scaled, by the data's variance), or `max_iter` steps. A
    /// cluster left empty takes the row farthest from its centroid (as
    /// scikit-learn), found by a plain scan.
    ///
    /// # Errors
    /// As [`KdTree::inertia`] for `centroids`.
    pub fn lloyd(&self, centroids: Array2<f32>, max_iter: usize, tol: f64) -> Result<KdFit> {
        self.check(centroids.view())?;
        Ok(lloyd(self, centroids, max_iter, tol))
    }
}

impl KdTree {
    /// The tree over a fit's dense rows (their weights, if any), which
    /// `fit` has validated already.
    pub(crate) fn of_rows(rows: &DenseRows) -> Result<KdTree> {
        let x = ArrayView2::from_shape((rows.n, rows.d), rows.x)
            .map_err(|e| KMeansError::ShapeMismatch(e.to_string()))?;
        Ok(KdTree::build_tree(x, rows.w))
    }

    /// One run of a fit (`Algorithm::KdTree`): these iterations, then the
    /// labels and inertia of the last centroids by the core's assignment,
    /// as Lloyd ends when it stops on `tol`.
    pub(crate) fn run(
        &self,
        points: &(impl Points + ?Sized),
        init: Array2<f32>,
        max_iter: usize,
        tol: f64,
    ) -> Run {
        // `fit` refuses more clusters than the candidate lists index, and
        // seeding gives 1 to k finite rows of the data's width.
        debug_assert!(self.check(init.view()).is_ok());
        let fit = lloyd(self, init, max_iter, tol);
        let n = points.n();
        crate::lloyd::finish(
            points,
            fit.centroids,
            vec![0; n],
            vec![0.0; n],
            false,
            fit.n_iter,
            fit.converged,
        )
    }
}

/// [`KdTree::lloyd`] on checked centroids.
fn lloyd(tree: &KdTree, mut centroids: Array2<f32>, max_iter: usize, tol: f64) -> KdFit {
    let (k, d) = centroids.dim();
    let mut n_iter = 0;
    let mut inertia = f64::INFINITY;
    let mut converged = false;
    for it in 0..max_iter {
        n_iter = it + 1;
        let mut st = tree.assign(centroids.view());
        inertia = st.inertia;
        if st.weights.iter().any(|&w| w <= 0.0) {
            tree.relocate_empty(centroids.view(), &mut st);
        }
        let mut shift = 0.0;
        let mut new = centroids.clone();
        for c in 0..k {
            if st.weights[c] <= 0.0 {
                continue;
            }
            for j in 0..d {
                let v = (st.sums[c][j] / st.weights[c]) as f32;
                let t = f64::from(v) - f64::from(centroids[[c, j]]);
                shift += t * t;
                new[[c, j]] = v;
            }
        }
        let still = new == centroids;
        centroids = new;
        if still || shift <= tol {
            converged = true;
            break;
        }
    }
    KdFit {
        centroids,
        inertia,
        n_iter,
        converged,
    }
}

impl KdTree {
    /// Row `i` in tree order.
    fn point(&self, i: usize) -> Q4 {
        std::array::from_fn(|j| self.columns[j][i])
    }

    /// scikit-learn's rule for empty clusters: the i-th empty cluster takes
    /// the i-th row farthest from its own centroid, which leaves its old
    /// cluster's sums.
    fn relocate_empty(&self, centroids: ArrayView2<f32>, st: &mut Stats) {
        let c: Vec<Q4> = centroids.rows().into_iter().map(q4).collect();
        let n = self.weights.len();
        let (mut labels, mut dists) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for i in 0..n {
            let p = self.point(i);
            let mut best = (f32::INFINITY, 0u32);
            for (z, cz) in c.iter().enumerate() {
                let dz = sq_dist(&p, cz);
                if dz < best.0 {
                    best = (dz, z as u32);
                }
            }
            dists.push(best.0);
            labels.push(best.1);
        }
        // The core's farthest-row rule and its tie order (`FarRow::order`,
        // never the tree position, which follows the input's row order), on
        // the rows copied out row by row: a cluster empties rarely.
        let rows: Vec<f32> = (0..n)
            .flat_map(|i| self.point(i).into_iter().take(self.d))
            .collect();
        let points = DenseRows::new(&rows, n, self.d, Some(&self.weights));
        let empty: Vec<usize> = (0..c.len()).filter(|&z| st.weights[z] <= 0.0).collect();
        for (&e, far) in empty
            .iter()
            .zip(farthest(&points, &labels, &dists, empty.len(), 0))
        {
            let (old, w) = (far.label as usize, far.weight);
            for (j, &v) in far.row.iter().enumerate() {
                st.sums[old][j] -= w * f64::from(v);
                st.sums[e][j] = w * f64::from(v);
            }
            st.weights[old] -= w;
            st.weights[e] = w;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// `n` rows of `d` coordinates on the 8-bit grid in `groups` clumps
    /// (`(count, step between clumps, spread within one)`, in levels of
    /// 255), with integer weights below `max_weight`: a histogram's shape.
    fn colours(
        rng: &mut ChaCha8Rng,
        n: usize,
        d: usize,
        (count, step, spread): (usize, f32, u32),
        max_weight: u32,
    ) -> (Array2<f32>, Vec<f32>) {
        let x = Array2::from_shape_fn((n, d), |(i, _)| {
            ((i % count) as f32 * step + rng.random_range(0..spread) as f32) / 255.0
        });
        let w = (0..n)
            .map(|_| rng.random_range(1..max_weight) as f32)
            .collect();
        (x, w)
    }

    fn brute(x: &Array2<f32>, w: &[f32], c: &Array2<f32>) -> (Vec<P4>, Vec<f64>, f64) {
        let k = c.nrows();
        let (mut sums, mut ws, mut inertia) = (vec![[0.0; 4]; k], vec![0.0; k], 0.0);
        for (i, row) in x.rows().into_iter().enumerate() {
            let mut best = (f64::INFINITY, 0);
            for (z, cr) in c.rows().into_iter().enumerate() {
                let d: f64 = row
                    .iter()
                    .zip(cr)
                    .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
                    .sum();
                if d < best.0 {
                    best = (d, z);
                }
            }
            let wi = f64::from(w[i]);
            for (j, &v) in row.iter().enumerate() {
                sums[best.1][j] += wi * f64::from(v);
            }
            ws[best.1] += wi;
            inertia += wi * best.0;
        }
        (sums, ws, inertia)
    }

    #[test]
    fn the_filter_assigns_as_brute_force_does() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for d in [3usize, 4] {
            // Clustered integer-grid colours, as a histogram is.
            let n = 3000;
            let (x, w) = colours(&mut rng, n, d, (7, 30.0, 20), 50);
            let tree = KdTree::new(x.view(), Some(&w)).unwrap();
            for k in [1usize, 2, 9, 64] {
                let c = Array2::from_shape_fn((k, d), |_| rng.random_range(0.0f32..1.0));
                let st = tree.assign(c.view());
                let (sums, ws, inertia) = brute(&x, &w, &c);
                for z in 0..k {
                    assert!((st.weights[z] - ws[z]).abs() < 1e-6, "d={d} k={k} z={z}");
                    for (got, want) in st.sums[z].iter().zip(&sums[z]).take(d) {
                        assert!((got - want).abs() < 1e-6 * (1.0 + want.abs()));
                    }
                }
                // Leaves compare distances in f32, as the core's kernels do.
                assert!((st.inertia - inertia).abs() < 1e-6 * (1.0 + inertia));
            }
        }
    }

    #[test]
    fn every_instruction_set_walks_to_the_same_bits() {
        type Walk = fn(&KdTree, u32, usize, &[Q4], &mut Vec<u16>, &mut Stats);
        let mut walks: Vec<(&str, Walk)> = vec![("baseline", |t, top, k, c, a, st| {
            t.visit(top, 0, k, c, a, st)
        })];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                // SAFETY: AVX2 and FMA checked just above.
                walks.push(("avx2", |t, top, k, c, a, st| unsafe {
                    t.visit_avx2(top, 0, k, c, a, st)
                }));
            }
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: AVX-512F checked just above.
                walks.push(("avx512", |t, top, k, c, a, st| unsafe {
                    t.visit_avx512(top, 0, k, c, a, st)
                }));
            }
        }
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for d in [3usize, 4] {
            let n = 5000;
            let (x, w) = colours(&mut rng, n, d, (11, 20.0, 25), 60);
            let tree = KdTree::new(x.view(), Some(&w)).unwrap();
            for k in [2usize, 17, 64, 200] {
                let c: Vec<Q4> = (0..k)
                    .map(|_| {
                        std::array::from_fn(|j| {
                            if j < d {
                                rng.random_range(0.0f32..1.0)
                            } else {
                                0.0
                            }
                        })
                    })
                    .collect();
                let stats: Vec<(&str, Stats)> = walks
                    .iter()
                    .map(|&(name, walk)| {
                        let mut st = Stats::zeros(k);
                        for &top in &tree.tops {
                            let mut arena: Vec<u16> = (0..k as u16).collect();
                            walk(&tree, top, k, &c, &mut arena, &mut st);
                        }
                        (name, st)
                    })
                    .collect();
                let (_, base) = &stats[0];
                assert!(base.weights.iter().sum::<f64>() > 0.0);
                for (name, st) in &stats[1..] {
                    let bits = |s: &Stats| {
                        let mut v: Vec<u64> =
                            s.sums.iter().flatten().map(|x| x.to_bits()).collect();
                        v.extend(s.weights.iter().map(|x| x.to_bits()));
                        v.push(s.inertia.to_bits());
                        v
                    };
                    assert_eq!(bits(st), bits(base), "{name}: d={d} k={k}");
                }
            }
        }
    }

    #[test]
    fn lloyd_reaches_the_cores_fixed_point() {
        use crate::{Algorithm, Init, Input, KMeans};
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for d in [3usize, 4] {
            let n = 4000;
            let (x, w) = colours(&mut rng, n, d, (9, 25.0, 30), 40);
            let tree = KdTree::new(x.view(), Some(&w)).unwrap();
            for k in [2usize, 7, 40] {
                // Off the colour grid: equidistant rows would make the first
                // assignment hinge on how each side rounds its distances.
                let init = Array2::from_shape_fn((k, d), |(i, j)| {
                    x[[i * 37 % n, j]] + rng.random_range(-1e-3..1e-3)
                });
                let ours = lloyd(&tree, init.clone(), 300, 0.0);
                let core = KMeans::params(k)
                    .init(Init::Given(init))
                    .n_init(1)
                    .tol(0.0)
                    .algorithm(Algorithm::Lloyd)
                    .refine(false)
                    .fit(Input::from(&x).weighted(&w))
                    .unwrap();
                assert!(
                    ours.converged && ours.n_iter <= core.n_iter + 1,
                    "d={d} k={k}"
                );
                for (a, b) in ours.centroids.iter().zip(core.centroids.iter()) {
                    assert!((a - b).abs() < 1e-5, "d={d} k={k}: {a} vs {b}");
                }
                let inertia = tree.assign(ours.centroids.view()).inertia;
                assert!(
                    (inertia - core.inertia).abs() < 1e-5 * core.inertia,
                    "d={d} k={k}"
                );
            }
        }
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        use ndarray::array;
        let x = array![[0.0f32, 1.0], [2.0, 3.0]];
        assert!(matches!(
            KdTree::new(Array2::<f32>::zeros((0, 2)).view(), None),
            Err(KMeansError::NoRows)
        ));
        assert!(KdTree::new(Array2::<f32>::zeros((3, 5)).view(), None).is_err());
        assert!(matches!(
            KdTree::new(array![[0.0f32, f32::NAN]].view(), None),
            Err(KMeansError::NonFinite { row: 0, col: 1, .. })
        ));
        for w in [&[1.0f32][..], &[1.0, -1.0], &[1.0, f32::INFINITY]] {
            assert!(matches!(
                KdTree::new(x.view(), Some(w)),
                Err(KMeansError::BadWeights(_))
            ));
        }
        let tree = KdTree::new(x.view(), None).unwrap();
        assert!(tree.lloyd(Array2::zeros((0, 2)), 10, 0.0).is_err());
        assert!(tree.lloyd(Array2::zeros((2, 3)), 10, 0.0).is_err());
        assert!(tree.inertia(array![[f32::NAN, 0.0]].view()).is_err());
        // Every row of weight 0: refused, as `fit` refuses it.
        assert!(matches!(
            KdTree::new(x.view(), Some(&[0.0, 0.0])),
            Err(KMeansError::BadWeights(_))
        ));
        assert_eq!(
            tree.inertia(array![[0.0f32, 1.0], [2.0, 3.0]].view())
                .unwrap(),
            0.0
        );
    }

    /// An empty cluster takes the farthest row; between rows equally far it
    /// takes the same one whatever order the rows came in.
    #[test]
    fn empty_cluster_refill_ignores_row_order() {
        let fit = |rows: [f32; 3]| {
            let x = Array2::from_shape_vec((3, 1), rows.to_vec()).unwrap();
            let tree = KdTree::new(x.view(), None).unwrap();
            // Centroid 1 is far from every row: it starts empty, and -2 and
            // 2 are equally far from centroid 0.
            let init = ndarray::array![[0.0f32], [100.0]];
            tree.lloyd(init, 1, 0.0).unwrap().centroids
        };
        let a = fit([2.0, -2.0, 0.0]);
        assert_eq!(a, fit([-2.0, 2.0, 0.0]));
        assert_eq!(a, fit([0.0, 2.0, -2.0]));
        // The lower value wins the tie (the core's `FarRow::order`).
        assert_eq!(a.column(0).to_vec(), [1.0, -2.0]);
    }

    #[test]
    fn lloyd_reaches_a_fixed_point_and_refills_empty_clusters() {
        let x = ndarray::array![
            [0.0f32, 0.0, 0.0],
            [0.1, 0.0, 0.0],
            [5.0, 5.0, 5.0],
            [5.1, 5.0, 5.0]
        ];
        let w = [1.0f32, 3.0, 1.0, 1.0];
        let tree = KdTree::new(x.view(), Some(&w)).unwrap();
        // The second centroid is far from every row: it starts empty.
        let init = ndarray::array![[2.0f32, 2.0, 2.0], [90.0, 90.0, 90.0]];
        let fit = lloyd(&tree, init, 100, 0.0);
        let mut c: Vec<f32> = fit.centroids.column(0).to_vec();
        c.sort_by(f32::total_cmp);
        assert!(
            (c[0] - 0.075).abs() < 1e-6 && (c[1] - 5.05).abs() < 1e-6,
            "{c:?}"
        );
        assert!(fit.inertia < 0.1);
    }
}
