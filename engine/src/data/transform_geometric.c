/* Rotation, affine warps, crops and flips on float CHW planes.
 *
 * Rotation and affine use nearest-neighbour sampling: torchvision's default
 * for RandomRotation and RandomAffine on PIL images, and it keeps MNIST's
 * pixel values (no blur from resampling twice when steps are chained). */
#include <math.h>
#include <string.h>

#include "transform_ops.h"

#define DEG_TO_RAD 0.017453292519943295

DlabInverseMap dlab_tf_rotation_map(float degrees, int h, int w) {
  /* PIL's Image.rotate: positive angles turn the picture counter-clockwise
   * on screen; the inverse map turns the sampling grid the other way. */
  double a = degrees * DEG_TO_RAD, cs = cos(a), sn = sin(a);
  double cx = w * 0.5, cy = h * 0.5;
  DlabInverseMap map = {{(float)cs, (float)-sn, (float)(cx - cs * cx + sn * cy), (float)sn,
                         (float)cs, (float)(cy - sn * cx - cs * cy)}};
  return map;
}

DlabInverseMap dlab_tf_affine_map(float degrees, float tx, float ty, float scale, float shear_x,
                                  float shear_y, int h, int w) {
  double rot = degrees * DEG_TO_RAD, sx = shear_x * DEG_TO_RAD, sy = shear_y * DEG_TO_RAD;
  double cx = w * 0.5, cy = h * 0.5;
  /* The forward map is C T R S SHy SHx C^-1 (rotation R, scale S, shears);
   * its 2x2 part has determinant scale^2, so the inverse is the adjugate
   * divided by scale. */
  double a = cos(rot - sy) / cos(sy);
  double b = -cos(rot - sy) * tan(sx) / cos(sy) - sin(rot);
  double c = sin(rot - sy) / cos(sy);
  double d = -sin(rot - sy) * tan(sx) / cos(sy) + cos(rot);
  double m[6] = {d / scale, -b / scale, 0, -c / scale, a / scale, 0};
  m[2] = m[0] * (-cx - tx) + m[1] * (-cy - ty) + cx;
  m[5] = m[3] * (-cx - tx) + m[4] * (-cy - ty) + cy;
  DlabInverseMap map;
  for (int i = 0; i < 6; i++) map.m[i] = (float)m[i];
  return map;
}

void dlab_tf_warp_nearest(const float *src, float *dst, int c, int h, int w,
                          const DlabInverseMap *map, const float *fill) {
  const float *m = map->m;
  size_t plane = (size_t)h * (size_t)w;
  for (int y = 0; y < h; y++) {
    float yc = y + 0.5f;
    float sx = m[0] * 0.5f + m[1] * yc + m[2], sy = m[3] * 0.5f + m[4] * yc + m[5];
    for (int x = 0; x < w; x++, sx += m[0], sy += m[3]) {
      /* The pixel that contains the point, compared as floats first: a
       * far-off point (a tiny scale) must not overflow the conversion, and
       * points left of or above the image must not truncate toward 0. */
      int inside = sx >= 0 && sy >= 0 && sx < (float)w && sy < (float)h;
      int ix = inside ? (int)sx : 0, iy = inside ? (int)sy : 0;
      if (ix >= w || iy >= h) inside = 0; /* rounding right at the edge */
      size_t out = (size_t)y * (size_t)w + (size_t)x, in = (size_t)iy * (size_t)w + (size_t)ix;
      for (int ch = 0; ch < c; ch++)
        dst[(size_t)ch * plane + out] = inside ? src[(size_t)ch * plane + in] : fill[ch];
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
