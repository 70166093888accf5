/* Rotation, affine warps, crops and flips on float CHW planes.
 *
 * Rotation and affine use nearest-neighbour sampling: torchvision's default
 * for RandomRotation and RandomAffine on PIL images, and it keeps MNIST's
 * pixel values (no blur from resampling twice when steps are chained). */
#include <math.h>
#include <string.h>

#include "inverse_map.h"
#include "transform_ops.h"

DlabInverseMap dlab_tf_rotation_map(float degrees, int h, int w) {
  DlabInverseMap map;
  dlab_rotation_inverse(degrees, h, w, map.m);
  return map;
}

DlabInverseMap dlab_tf_affine_map(float degrees, float tx, float ty, float scale, float shear_x,
                                  float shear_y, int h, int w) {
  DlabInverseMap map;
  dlab_affine_inverse(degrees, tx, ty, scale, shear_x, shear_y, h, w, map.m);
  return map;
}

#define WARP_CHUNK 256

/* Nearest sampling in two passes per stretch of a row: the source offset
 * of every pixel, then the copy for each channel. The first pass is plain
 * arithmetic without branches or a running sum (pixel x's point is the
 * row's start plus x steps), which the compiler turns into vector code:
 * rotation is most of an augmented MNIST batch's cost. */
void dlab_tf_warp_nearest(const float *src, float *dst, int c, int h, int w,
                          const DlabInverseMap *map, const float *fill) {
  const float *m = map->m;
  const float fw = (float)w, fh = (float)h, last_x = (float)(w - 1), last_y = (float)(h - 1);
  size_t plane = (size_t)h * (size_t)w;
  int offset[WARP_CHUNK];
  for (int y = 0; y < h; y++) {
    float yc = y + 0.5f;
    float bx = m[0] * 0.5f + m[1] * yc + m[2], by = m[3] * 0.5f + m[4] * yc + m[5];
    for (int x0 = 0; x0 < w; x0 += WARP_CHUNK) {
      int n = w - x0 < WARP_CHUNK ? w - x0 : WARP_CHUNK;
      for (int i = 0; i < n; i++) {
        float px = bx + (float)(x0 + i) * m[0], py = by + (float)(x0 + i) * m[3];
        /* The pixel that contains the point; outside (NaN too) is -1. The
         * clamp keeps the conversion in range for far-off points and
         * changes nothing inside, where truncation is the floor. */
        int inside = (px >= 0) & (py >= 0) & (px < fw) & (py < fh);
        float cx = px > 0 ? px : 0, cy = py > 0 ? py : 0;
        cx = cx < last_x ? cx : last_x;
        cy = cy < last_y ? cy : last_y;
        offset[i] = inside ? (int)cy * w + (int)cx : -1;
      }
      for (int ch = 0; ch < c; ch++) {
        const float *s = src + (size_t)ch * plane;
        float *d = dst + (size_t)ch * plane + (size_t)y * (size_t)w + x0, f = fill[ch];
        for (int i = 0; i < n; i++) d[i] = offset[i] >= 0 ? s[offset[i]] : f;
      }
    }
  }
}

void dlab_tf_crop(const float *src, float *dst, int c, int h, int w, int size, int pad, int oy,
                  int ox, const float *fill) {
  size_t in_plane = (size_t)h * (size_t)w, out_plane = (size_t)size * (size_t)size;
  for (int ch = 0; ch < c; ch++) {
    const float *s = src + (size_t)ch * in_plane;
    float *d = dst + (size_t)ch * out_plane;
    for (int y = 0; y < size; y++) {
      int sy = y + oy - pad;
      float *row = d + (size_t)y * (size_t)size;
      if (sy < 0 || sy >= h) {
        for (int x = 0; x < size; x++) row[x] = fill[ch];
        continue;
      }
      /* The columns that fall inside the source are one memcpy. */
      int x0 = pad - ox > 0 ? pad - ox : 0;
      int x1 = w + pad - ox < size ? w + pad - ox : size;
      for (int x = 0; x < x0 && x < size; x++) row[x] = fill[ch];
      if (x1 > x0) memcpy(row + x0, s + (size_t)sy * (size_t)w + (size_t)(x0 + ox - pad),
                          (size_t)(x1 - x0) * sizeof *row);
      for (int x = x1 > x0 ? x1 : x0; x < size; x++) row[x] = fill[ch];
    }
  }
}

void dlab_tf_hflip(const float *src, float *dst, int c, int h, int w) {
  for (int ch = 0; ch < c; ch++)
    for (int y = 0; y < h; y++) {
      const float *s = src + ((size_t)ch * (size_t)h + (size_t)y) * (size_t)w;
      float *d = dst + ((size_t)ch * (size_t)h + (size_t)y) * (size_t)w;
      for (int x = 0; x < w; x++) d[x] = s[w - 1 - x];
    }
}
