/* The direct convolution kernels' bodies, compiled once per instruction set
 * by direct_conv.c, which defines before including this file:
 *   V, LANES          the vector type and its floats
 *   VZERO() VLOAD(p) VBCAST(p) VFMA(a, b, acc) VADD(a, b) VSET1(x)
 *   VSTORE_N(p, v, n) store the first n lanes
 *   VLOAD_N(p, n)     load the first n lanes, zeros after
 *   VLEAKY(v, slope)  v > 0 ? v : v * slope
 *   VHSUM_MANY(v, n, sums)  sums[i] = the sum of the lanes of v[i], i < n
 *   MR, NR            forward tile: MR output channels x NR vectors of pixels
 *   WR, WK            weight-gradient tile: WR output channels x WK taps
 *   TARGET            the function attribute that enables the instructions
 *   INLINE            static, always inlined, with TARGET
 *   NAME(x)           x with the instruction set's suffix
 * See cpu_kernels.h (DlabDirectConv) for the data layout. */

/* Pixels [n0, n0 + nv*LANES) of rows [oc0, oc0 + mr) of one sample; nv and
 * mr are constants after inlining, so acc[][] lives in registers. */
INLINE void NAME(fwd_tile)(const DlabDirectConv *d, const float *weight,
                                                                 const float *shifted, int oc0, int mr,
                                                                 int n0, int nv, const float *bias,
                                                                 DlabAct act, float *out) {
  V acc[MR][NR];
  for (int i = 0; i < MR; i++)
    for (int v = 0; v < NR; v++) acc[i][v] = VZERO();
  const int K = d->kernel, kdim = d->channels * K * K;
  const size_t block = (size_t)d->in_h * d->out_w; /* one (c, kj) shifted block */
  const float *w0 = weight + (size_t)oc0 * kdim;
  /* Kernel rows that read only padding rows for every pixel of the tile add
   * exact zeros: skip them. (The input gradient's convolution runs over dY
   * padded by K - 1 - pad rows, where they are many.) */
  const int n = d->out_h * d->out_w, last = n0 + nv * LANES < n ? n0 + nv * LANES - 1 : n - 1;
  const int row_lo = n0 / d->out_w, row_hi = last / d->out_w;
  const int ki_lo = d->pad - row_hi > 0 ? d->pad - row_hi : 0;
  const int ki_end = d->pad + d->height - row_lo < K ? d->pad + d->height - row_lo : K;
  for (int c = 0; c < d->channels; c++)
    for (int ki = ki_lo; ki < ki_end; ki++) {
      const float *b_row = shifted + (size_t)c * K * block + (size_t)ki * d->out_w + n0;
      const int k_row = (c * K + ki) * K;
      for (int kj = 0; kj < K; kj++, b_row += block) {
        V b[NR];
        for (int v = 0; v < NR; v++)
          if (v < nv) b[v] = VLOAD(b_row + v * LANES);
        for (int i = 0; i < MR; i++) {
          if (i >= mr) break;
          V a = VBCAST(w0 + (size_t)i * kdim + k_row + kj);
          for (int v = 0; v < NR; v++)
            if (v < nv) acc[i][v] = VFMA(a, b[v], acc[i][v]);
        }
      }
    }
  for (int i = 0; i < MR; i++) {
    if (i >= mr) break;
    const V add = VSET1(bias ? bias[oc0 + i] : 0.0f);
    float *row = out + (size_t)(oc0 + i) * d->out_stride;
    for (int v = 0; v < NR; v++) {
      if (v >= nv) break;
      V y = VADD(acc[i][v], add);
      if (act.on) y = VLEAKY(y, act.slope);
      int p = n0 + v * LANES, left = n - p;
      VSTORE_N(row + p, y, left < LANES ? left : LANES);
    }
  }
}

/* Rows [oc0, oc0 + mr) of one sample, every pixel. */
INLINE void NAME(fwd_rows)(const DlabDirectConv *d, const float *weight,
                                                                 const float *shifted, int oc0, int mr,
                                                                 const float *bias, DlabAct act, float *out) {
  const int n = d->out_h * d->out_w, vectors = (n + LANES - 1) / LANES;
  int v0 = 0;
  for (; v0 + NR <= vectors; v0 += NR) NAME(fwd_tile)(d, weight, shifted, oc0, mr, v0 * LANES, NR, bias, act, out);
  switch (vectors - v0) { /* constant nv in each call, for registers */
  case 1: NAME(fwd_tile)(d, weight, shifted, oc0, mr, v0 * LANES, 1, bias, act, out); break;
#if NR > 2
  case 2: NAME(fwd_tile)(d, weight, shifted, oc0, mr, v0 * LANES, 2, bias, act, out); break;
#endif
#if NR > 3
  case 3: NAME(fwd_tile)(d, weight, shifted, oc0, mr, v0 * LANES, 3, bias, act, out); break;
#endif
  default: break;
  }
}

#define FWD_ROWS(m) NAME(fwd_rows)(d, weight, shifted, oc0, m, bias, act, out)
TARGET static void NAME(direct_forward)(const DlabDirectConv *d, const float *weight, const float *shifted,
                                        const float *bias, DlabAct act, float *out) {
  int oc0 = 0;
  for (; oc0 + MR <= d->out_channels; oc0 += MR) FWD_ROWS(MR);
  switch (d->out_channels - oc0) { /* the last rows, again with a constant count */
  case 1: FWD_ROWS(1); break;
  case 2: FWD_ROWS(2); break;
  case 3: FWD_ROWS(3); break;
#if MR > 4
  case 4: FWD_ROWS(4); break;
  case 5: FWD_ROWS(5); break;
  case 6: FWD_ROWS(6); break;
  case 7: FWD_ROWS(7); break;
#endif
  default: break;
  }
}
#undef FWD_ROWS

/* dw[oc][k] for oc in [oc0, oc0 + wr) and taps [t0, t0 + wk) (taps in the
 * weight's order), summed over the samples. dy rows are zero past the
 * last pixel, so whole vectors can be read. */
INLINE void NAME(wgrad_tile)(const DlabDirectConv *d, const float *dy,
                                                                   const float *shifted, int samples, int oc0,
                                                                   int wr, int t0, int wk, float *dw,
                                                                   int accumulate) {
  V acc[WR][WK];
  for (int i = 0; i < WR; i++)
    for (int t = 0; t < WK; t++) acc[i][t] = VZERO();
  const int K = d->kernel, kdim = d->channels * K * K;
  const int vectors = (d->out_h * d->out_w + LANES - 1) / LANES;
  const size_t block = (size_t)d->in_h * d->out_w;
  size_t offset[WK]; /* where tap t's row starts in a sample's shifted copy */
  for (int t = 0; t < WK; t++) {
    int k = t0 + (t < wk ? t : 0), c = k / (K * K), ki = k / K % K, kj = k % K;
    offset[t] = ((size_t)c * K + kj) * block + (size_t)ki * d->out_w;
  }
  for (int s = 0; s < samples; s++) {
    const float *g = dy + (size_t)s * d->out_channels * d->out_stride + (size_t)oc0 * d->out_stride;
    const float *b = shifted + (size_t)s * d->shift_stride;
    for (int v = 0; v < vectors; v++) {
      V gv[WR];
      for (int i = 0; i < WR; i++)
        if (i < wr) gv[i] = VLOAD(g + (size_t)i * d->out_stride + v * LANES);
      for (int t = 0; t < WK; t++) {
        if (t >= wk) break;
        V bv = VLOAD(b + offset[t] + v * LANES);
        for (int i = 0; i < WR; i++)
          if (i < wr) acc[i][t] = VFMA(gv[i], bv, acc[i][t]);
      }
    }
  }
  /* the lanes' sums, all the tile's at once (with a chunk of two CIFAR
   * samples, one sum at a time took 15% of the pass) */
  V live[WR * WK];
  float sums[WR * WK];
  int n_live = 0;
  for (int i = 0; i < WR && i < wr; i++)
    for (int t = 0; t < WK && t < wk; t++) live[n_live++] = acc[i][t];
  VHSUM_MANY(live, n_live, sums);
  for (int i = 0, k = 0; i < WR && i < wr; i++)
    for (int t = 0; t < WK && t < wk; t++, k++) {
      float *to = dw + (size_t)(oc0 + i) * kdim + t0 + t;
      *to = accumulate ? *to + sums[k] : sums[k];
    }
}

INLINE void NAME(wgrad_rows)(const DlabDirectConv *d, const float *dy,
                                                                   const float *shifted, int samples, int oc0,
                                                                   int wr, float *dw, int accumulate) {
  const int kdim = d->channels * d->kernel * d->kernel;
  int t0 = 0;
#define WGRAD_TILE(k) NAME(wgrad_tile)(d, dy, shifted, samples, oc0, wr, t0, k, dw, accumulate)
  for (; t0 + WK <= kdim; t0 += WK) WGRAD_TILE(WK);
  switch (kdim - t0) {
  case 1: WGRAD_TILE(1); break;
  case 2: WGRAD_TILE(2); break;
  case 3: WGRAD_TILE(3); break;
#if WK > 4
  case 4: WGRAD_TILE(4); break;
  case 5: WGRAD_TILE(5); break;
#endif
  default: break;
  }
#undef WGRAD_TILE
}

#define WGRAD_ROWS(m) NAME(wgrad_rows)(d, dy, shifted, samples, oc0, m, dw, accumulate)
TARGET static void NAME(direct_weight_grad)(const DlabDirectConv *d, const float *dy, const float *shifted,
                                            int samples, float *dw, int accumulate) {
  int oc0 = 0;
  for (; oc0 + WR <= d->out_channels; oc0 += WR) WGRAD_ROWS(WR);
  switch (d->out_channels - oc0) {
  case 1: WGRAD_ROWS(1); break;
  case 2: WGRAD_ROWS(2); break;
#if WR > 3
  case 3: WGRAD_ROWS(3); break;
#endif
  default: break;
  }
}
#undef WGRAD_ROWS
