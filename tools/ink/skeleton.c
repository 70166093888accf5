/* MNIST digit -> strokes by thinning (skeleton.h).
 *
 * 1. Enlarge 3x (bilinear) and threshold at half intensity: thinning a
 *    28x28 picture directly gives a staircase skeleton with one-pixel
 *    spurs everywhere; at 3x the skeleton follows the stroke's middle.
 * 2. Zhang-Suen thinning to a one-pixel-wide, 8-connected skeleton.
 * 3. The skeleton as a graph: each pixel is linked to its 8 neighbours,
 *    except a diagonal link when both pixels also touch a common 4-neighbour
 *    (a staircase step would otherwise look like a junction). Pixels with 2
 *    links are the insides of branches; the others are nodes (ends: 1 link,
 *    junctions: 3 or more, with touching junction pixels merged into one).
 * 4. Branches are traced from node to node; closed loops without nodes
 *    (a "0") are traced on their own.
 * 5. Pruning: short branches from a junction to a free end (thinning's
 *    spurs at corners) and tiny loops at a junction (holes in a blot) go.
 * 6. At every node, branch ends are paired: two ends join; with three or
 *    more, the pair that continues most straight joins first (the bar of a
 *    "4" crossing its stem). Chains of joined branches are the strokes.
 * 7. Strokes are smoothed (the 3x pixel grid still shows), oriented to
 *    start at their upper end and ordered top to bottom. */
#include "skeleton.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define UP 3                    /* enlargement before thinning */
#define SIDE (28 * UP + 2)      /* one blank pixel of border */
#define NPIX (SIDE * SIDE)
#define THRESHOLD 128
#define SPUR_LEN 2.2f           /* 28-px units: spurs shorter than this go */
#define LOOP_MIN 3.0f           /* loops at a junction shorter than this go */
#define SPECK_LEN 1.2f          /* isolated bits shorter than this go */
#define DIR_LEN 2.5f            /* how far along a branch its direction is read */
#define JOIN_COS -0.5f          /* ends join when at least 120 degrees apart */

static const int DX[8] = {1, 1, 0, -1, -1, -1, 0, 1};
static const int DY[8] = {0, 1, 1, 1, 0, -1, -1, -1};

typedef struct {
  float x, y;
} Pt;

typedef struct {
  int node[2];   /* cluster ids at each end; -1 for a loop without nodes */
  int first, n;  /* points[first .. first+n) */
  float length;
  int alive;
} Branch;

typedef struct {
  uint8_t on[NPIX];
  uint8_t links[NPIX];   /* bit d: linked to the neighbour in direction d */
  uint8_t seen[NPIX];    /* bit d: that link already traced */
  int cluster[NPIX];     /* node id of a node pixel, else -1 */
  int n_clusters;
  Pt points[2 * NPIX];
  int n_points;
  Branch branches[NPIX];
  int n_branches;
  int degree[NPIX];      /* per cluster: live branch ends */
  int partner[2 * NPIX]; /* per branch end (2b + e): the joined end, or -1 */
  int used[NPIX];        /* per branch: already in a stroke */
} Work;

/* ---- 1. enlarge and threshold ---- */

static float sample(const uint8_t *img, float u, float v) {
  int j = (int)floorf(u), i = (int)floorf(v);
  float fu = u - (float)j, fv = v - (float)i, acc = 0;
  for (int di = 0; di < 2; di++)
    for (int dj = 0; dj < 2; dj++) {
      int ii = i + di, jj = j + dj;
      if (ii < 0 || jj < 0 || ii >= 28 || jj >= 28) continue;
      float w = (di ? fv : 1 - fv) * (dj ? fu : 1 - fu);
      acc += w * img[ii * 28 + jj];
    }
  return acc;
}

static void binarize(const uint8_t *img, Work *w) {
  memset(w->on, 0, sizeof w->on);
  for (int y = 0; y < 28 * UP; y++)
    for (int x = 0; x < 28 * UP; x++) {
      float u = ((float)x + 0.5f) / UP - 0.5f, v = ((float)y + 0.5f) / UP - 0.5f;
      w->on[(y + 1) * SIDE + x + 1] = sample(img, u, v) >= THRESHOLD;
    }
}

/* ---- 2. Zhang-Suen ---- */

/* The 8 neighbours clockwise from north: P2 .. P9 in Zhang and Suen's
 * naming. */
static void neighbours(const uint8_t *on, int p, int nb[8]) {
  nb[0] = on[p - SIDE], nb[1] = on[p - SIDE + 1], nb[2] = on[p + 1], nb[3] = on[p + SIDE + 1];
  nb[4] = on[p + SIDE], nb[5] = on[p + SIDE - 1], nb[6] = on[p - 1], nb[7] = on[p - SIDE - 1];
}

static int removable(const uint8_t *on, int p, int pass) {
  int nb[8];
  neighbours(on, p, nb);
  int count = 0, rises = 0;
  for (int k = 0; k < 8; k++) {
    count += nb[k];
    rises += !nb[k] && nb[(k + 1) % 8];
  }
  if (count < 2 || count > 6 || rises != 1) return 0;
  /* P2 P4 P6 / P4 P6 P8 on the first pass, P2 P4 P8 / P2 P6 P8 on the second. */
  if (pass == 0) return !(nb[0] && nb[2] && nb[4]) && !(nb[2] && nb[4] && nb[6]);
  return !(nb[0] && nb[2] && nb[6]) && !(nb[0] && nb[4] && nb[6]);
}

static void thin(Work *w) {
  static _Thread_local int marked[NPIX];
  for (int changed = 1; changed;) {
    changed = 0;
    for (int pass = 0; pass < 2; pass++) {
      int n = 0;
      for (int p = SIDE; p < NPIX - SIDE; p++)
        if (w->on[p] && removable(w->on, p, pass)) marked[n++] = p;
      for (int k = 0; k < n; k++) w->on[marked[k]] = 0;
      changed |= n > 0;
    }
  }
}

/* ---- 3. graph ---- */

static void link_pixels(Work *w) {
  memset(w->links, 0, sizeof w->links);
  memset(w->seen, 0, sizeof w->seen);
  for (int p = SIDE; p < NPIX - SIDE; p++) {
    if (!w->on[p]) continue;
    for (int d = 0; d < 8; d++) {
      int q = p + DY[d] * SIDE + DX[d];
      if (!w->on[q]) continue;
      if ((d & 1) && (w->on[p + DX[d]] || w->on[p + DY[d] * SIDE])) continue;
      w->links[p] |= (uint8_t)(1u << d);
    }
  }
}

static int link_count(uint8_t links) { return __builtin_popcount(links); }

static int find_root(int *parent, int i) {
  while (parent[i] != i) i = parent[i] = parent[parent[i]];
  return i;
}

/* Node pixels get a cluster id; touching junction pixels share one. */
static void cluster_nodes(Work *w) {
  static _Thread_local int parent[NPIX];
  for (int p = 0; p < NPIX; p++) parent[p] = p;
  for (int p = 0; p < NPIX; p++) {
    if (!w->on[p] || link_count(w->links[p]) < 3) continue;
    for (int d = 0; d < 8; d++) {
      int q = p + DY[d] * SIDE + DX[d];
      if ((w->links[p] >> d & 1) && link_count(w->links[q]) >= 3) parent[find_root(parent, p)] = find_root(parent, q);
    }
  }
  static _Thread_local int id_of_root[NPIX];
  for (int p = 0; p < NPIX; p++) id_of_root[p] = -1;
  w->n_clusters = 0;
  for (int p = 0; p < NPIX; p++) {
    w->cluster[p] = -1;
    if (!w->on[p] || link_count(w->links[p]) == 2) continue;
    int r = find_root(parent, p);
    if (id_of_root[r] < 0) id_of_root[r] = w->n_clusters++;
    w->cluster[p] = id_of_root[r];
  }
}

/* ---- 4. tracing ---- */

static Pt pixel_point(int p) {
  return (Pt){((float)(p % SIDE - 1) + 0.5f) / UP, ((float)(p / SIDE - 1) + 0.5f) / UP};
}

static void mark_link(Work *w, int p, int d) {
  w->seen[p] |= (uint8_t)(1u << d);
  w->seen[p + DY[d] * SIDE + DX[d]] |= (uint8_t)(1u << ((d + 4) & 7));
}

static int unseen_link(const Work *w, int p) {
  uint8_t free_links = w->links[p] & (uint8_t)~w->seen[p];
  return free_links ? __builtin_ctz(free_links) : -1;
}

static float polyline_length(const Pt *pts, int n) {
  float len = 0;
  for (int i = 1; i < n; i++) len += hypotf(pts[i].x - pts[i - 1].x, pts[i].y - pts[i - 1].y);
  return len;
}

static void add_branch(Work *w, int first, int node0, int node1) {
  Branch *b = &w->branches[w->n_branches++];
  b->first = first;
  b->n = w->n_points - first;
  b->node[0] = node0, b->node[1] = node1;
  b->length = polyline_length(&w->points[first], b->n);
  b->alive = 1;
}

/* Walks from node pixel p along direction d to the next node (or until
 * the path runs out) and records the branch. */
static void trace_from(Work *w, int p, int d) {
  int first = w->n_points;
  w->points[w->n_points++] = pixel_point(p);
  int cur = p;
  while (d >= 0) {
    mark_link(w, cur, d);
    cur += DY[d] * SIDE + DX[d];
    w->points[w->n_points++] = pixel_point(cur);
    if (w->cluster[cur] >= 0) break;
    d = unseen_link(w, cur);
  }
  add_branch(w, first, w->cluster[p], w->cluster[cur]);
}

static void trace_loop(Work *w, int p) {
  int first = w->n_points, cur = p, d;
  w->points[w->n_points++] = pixel_point(p);
  while ((d = unseen_link(w, cur)) >= 0) {
    mark_link(w, cur, d);
    cur += DY[d] * SIDE + DX[d];
    w->points[w->n_points++] = pixel_point(cur);
  }
  add_branch(w, first, -1, -1);
}

static void trace_all(Work *w) {
  w->n_points = w->n_branches = 0;
  for (int p = 0; p < NPIX; p++) {
    if (w->cluster[p] < 0) continue;
    if (w->links[p] == 0) { /* an isolated pixel: a dot */
      int first = w->n_points;
      w->points[w->n_points++] = pixel_point(p);
      add_branch(w, first, w->cluster[p], w->cluster[p]);
      continue;
    }
    for (int d = 0; d < 8; d++) {
      if (!(w->links[p] >> d & 1) || (w->seen[p] >> d & 1)) continue;
      int q = p + DY[d] * SIDE + DX[d];
      if (w->cluster[q] == w->cluster[p]) { /* inside one junction */
        mark_link(w, p, d);
        continue;
      }
      trace_from(w, p, d);
    }
  }
  for (int p = 0; p < NPIX; p++)
    if (w->on[p] && unseen_link(w, p) >= 0) trace_loop(w, p);
}

/* ---- 5. pruning ---- */

static void count_degrees(Work *w) {
  memset(w->degree, 0, (size_t)w->n_clusters * sizeof *w->degree);
  for (int b = 0; b < w->n_branches; b++) {
    const Branch *br = &w->branches[b];
    if (!br->alive) continue;
    for (int e = 0; e < 2; e++)
      if (br->node[e] >= 0) w->degree[br->node[e]]++;
  }
}

static float total_length(const Work *w) {
  float t = 0;
  for (int b = 0; b < w->n_branches; b++)
    if (w->branches[b].alive) t += w->branches[b].length;
  return t;
}

/* Live branch ends at a node; a path that ran out (node -1) has none. */
static int node_degree(const Work *w, int node) { return node >= 0 ? w->degree[node] : 0; }

static void prune(Work *w) {
  for (int round = 0; round < 4; round++) {
    count_degrees(w);
    int killed = 0;
    for (int b = 0; b < w->n_branches; b++) {
      Branch *br = &w->branches[b];
      if (!br->alive) continue;
      int d0 = node_degree(w, br->node[0]), d1 = node_degree(w, br->node[1]);
      int spur = ((d0 == 1 && d1 >= 3) || (d1 == 1 && d0 >= 3)) && br->length < SPUR_LEN;
      int blot = br->node[0] == br->node[1] && d0 >= 3 && br->length < LOOP_MIN;
      if (spur || blot) br->alive = 0, killed++;
    }
    if (!killed) break;
  }
  count_degrees(w);
  if (total_length(w) < 2 * SPECK_LEN) return; /* all there is: keep it */
  for (int b = 0; b < w->n_branches; b++) {
    Branch *br = &w->branches[b];
    int d0 = node_degree(w, br->node[0]), d1 = node_degree(w, br->node[1]);
    int isolated = (d0 <= 1 && d1 <= 1) || (br->node[0] == br->node[1] && d0 <= 2);
    if (br->alive && isolated && br->length < SPECK_LEN) br->alive = 0;
  }
}

/* ---- 6. joining branch ends at nodes ---- */

/* The point of end e of branch b, and the unit direction leaving the
 * node along the branch. */
static void end_direction(const Work *w, int b, int e, Pt *at, Pt *dir) {
  const Branch *br = &w->branches[b];
  const Pt *p = &w->points[br->first];
  int step = e == 0 ? 1 : -1, i = e == 0 ? 0 : br->n - 1;
  *at = p[i];
  float len = 0;
  int j = i;
  while (j + step >= 0 && j + step < br->n && len < DIR_LEN) {
    len += hypotf(p[j + step].x - p[j].x, p[j + step].y - p[j].y);
    j += step;
  }
  float dx = p[j].x - at->x, dy = p[j].y - at->y, n = hypotf(dx, dy);
  *dir = n > 0 ? (Pt){dx / n, dy / n} : (Pt){0, 0};
}

static void join_at_node(Work *w, const int *ends, int n) {
  Pt at, dir[64];
  int paired[64] = {0};
  if (n > 64) n = 64;
  for (int k = 0; k < n; k++) end_direction(w, ends[k] / 2, ends[k] % 2, &at, &dir[k]);
  for (;;) {
    int bi = -1, bj = -1;
    float best = n == 2 ? 2.0f : JOIN_COS; /* two ends always join */
    for (int i = 0; i < n; i++)
      for (int j = i + 1; j < n; j++) {
        if (paired[i] || paired[j]) continue;
        float c = dir[i].x * dir[j].x + dir[i].y * dir[j].y;
        if (c < best) best = c, bi = i, bj = j;
      }
    if (bi < 0) break;
    paired[bi] = paired[bj] = 1;
    w->partner[ends[bi]] = ends[bj];
    w->partner[ends[bj]] = ends[bi];
  }
}

static void join_all(Work *w) {
  for (int i = 0; i < 2 * w->n_branches; i++) w->partner[i] = -1;
  static _Thread_local int ends[NPIX * 2];
  static _Thread_local int start[NPIX + 1];
  /* Group live branch ends by node (counting sort). */
  memset(start, 0, (size_t)(w->n_clusters + 1) * sizeof *start);
  for (int b = 0; b < w->n_branches; b++)
    for (int e = 0; e < 2 && w->branches[b].alive; e++)
      if (w->branches[b].node[e] >= 0) start[w->branches[b].node[e] + 1]++;
  for (int c = 0; c < w->n_clusters; c++) start[c + 1] += start[c];
  static _Thread_local int fill[NPIX];
  memcpy(fill, start, (size_t)w->n_clusters * sizeof *fill);
  for (int b = 0; b < w->n_branches; b++)
    for (int e = 0; e < 2 && w->branches[b].alive; e++)
      if (w->branches[b].node[e] >= 0) ends[fill[w->branches[b].node[e]]++] = 2 * b + e;
  for (int c = 0; c < w->n_clusters; c++)
    if (start[c + 1] - start[c] >= 2) join_at_node(w, &ends[start[c]], start[c + 1] - start[c]);
}

/* ---- 7. strokes ---- */

typedef struct {
  Pt *pts;
  int n, cap;
} Line;

static void line_push(Line *l, Pt p) {
  if (l->n > 0 && l->pts[l->n - 1].x == p.x && l->pts[l->n - 1].y == p.y) return;
  if (l->n == l->cap) {
    l->cap = l->cap ? 2 * l->cap : 256;
    l->pts = realloc(l->pts, (size_t)l->cap * sizeof *l->pts);
  }
  l->pts[l->n++] = p;
}

/* Follows joined branches from end `e` of branch b into one polyline. */
static void follow_chain(Work *w, int b, int e, Line *line) {
  line->n = 0;
  while (b >= 0 && !w->used[b]) {
    w->used[b] = 1;
    const Branch *br = &w->branches[b];
    for (int k = 0; k < br->n; k++) line_push(line, w->points[br->first + (e == 0 ? k : br->n - 1 - k)]);
    int next = w->partner[2 * b + (1 - e)];
    if (next < 0) break;
    b = next / 2, e = next % 2;
  }
}

/* Two passes of a 5-point moving average; the ends stay put. */
static void smooth(Line *l) {
  if (l->n < 5) return;
  Pt *tmp = malloc((size_t)l->n * sizeof *tmp);
  for (int pass = 0; pass < 2; pass++) {
    memcpy(tmp, l->pts, (size_t)l->n * sizeof *tmp);
    for (int i = 2; i < l->n - 2; i++) {
      float sx = 0, sy = 0;
      for (int k = -2; k <= 2; k++) sx += tmp[i + k].x, sy += tmp[i + k].y;
      l->pts[i] = (Pt){sx / 5, sy / 5};
    }
    if (l->n >= 3) {
      l->pts[1] = (Pt){(tmp[0].x + tmp[1].x + tmp[2].x) / 3, (tmp[0].y + tmp[1].y + tmp[2].y) / 3};
      int m = l->n - 2;
      l->pts[m] = (Pt){(tmp[m - 1].x + tmp[m].x + tmp[m + 1].x) / 3, (tmp[m - 1].y + tmp[m].y + tmp[m + 1].y) / 3};
    }
  }
  free(tmp);
}

static void reverse(Line *l) {
  for (int i = 0, j = l->n - 1; i < j; i++, j--) {
    Pt t = l->pts[i];
    l->pts[i] = l->pts[j], l->pts[j] = t;
  }
}

typedef struct {
  Line line;
  float key;
} Stroke;

static int by_key(const void *a, const void *b) {
  float ka = ((const Stroke *)a)->key, kb = ((const Stroke *)b)->key;
  return (ka > kb) - (ka < kb);
}

static int collect_strokes(Work *w, Stroke *strokes, int max) {
  int n = 0;
  memset(w->used, 0, (size_t)w->n_branches * sizeof *w->used);
  /* Chains with a free end first, then the closed ones. */
  for (int closed = 0; closed < 2; closed++)
    for (int b = 0; b < w->n_branches && n < max; b++) {
      if (!w->branches[b].alive || w->used[b]) continue;
      int e = w->partner[2 * b] < 0 ? 0 : w->partner[2 * b + 1] < 0 ? 1 : -1;
      if (e < 0 && !closed) continue;
      Stroke *s = &strokes[n];
      follow_chain(w, b, e < 0 ? 0 : e, &s->line);
      if (s->line.n == 0) continue;
      smooth(&s->line);
      Pt a = s->line.pts[0], z = s->line.pts[s->line.n - 1];
      if (z.y + 0.3f * z.x < a.y + 0.3f * a.x) reverse(&s->line), a = z;
      s->key = a.y + 0.3f * a.x;
      n++;
    }
  qsort(strokes, (size_t)n, sizeof *strokes, by_key);
  return n;
}

int skeleton_strokes(const uint8_t *image28, DlabStrokes *out) {
  dlab_strokes_clear(out);
  out->canvas_w = out->canvas_h = 28 * SKELETON_CANVAS_SCALE;
  /* Half a megabyte, reused: a fresh one per digit would cost more in
   * page faults than the thinning itself. Kept until the tool exits. */
  static _Thread_local Work *w;
  if (!w && !(w = malloc(sizeof *w))) return 0;
  binarize(image28, w);
  thin(w);
  link_pixels(w);
  cluster_nodes(w);
  trace_all(w);
  prune(w);
  join_all(w);
  Stroke strokes[64] = {0};
  int n = collect_strokes(w, strokes, 64);
  for (int k = 0; k < n; k++) {
    dlab_strokes_begin(out);
    for (int i = 0; i < strokes[k].line.n; i++)
      dlab_strokes_add(out, strokes[k].line.pts[i].x * SKELETON_CANVAS_SCALE, strokes[k].line.pts[i].y * SKELETON_CANVAS_SCALE, 1.0f);
  }
  for (int k = 0; k < 64; k++) free(strokes[k].line.pts);
  return n;
}
