/* The inverse maps of RandomRotation and RandomAffine, written once for both
 * places that warp images: the CPU's transforms (transform_geometric.c) and
 * the GPU's augmentation kernel (backend/cuda/kernels_data.cu), so a GPU
 * batch is warped through the very matrix the CPU computes. In double, as
 * torchvision computes them, rounded to float at the end. The output pixel
 * centred at (x, y) reads the input at (m[0] x + m[1] y + m[2],
 * m[3] x + m[4] y + m[5]). Plain C that nvcc also compiles for the GPU. */
#ifndef DLAB_INVERSE_MAP_H
#define DLAB_INVERSE_MAP_H

#include <math.h>

#ifdef __CUDACC__
#define DLAB_HOST_DEVICE __host__ __device__
#else
#define DLAB_HOST_DEVICE
#endif

#define DLAB_DEG_TO_RAD 0.017453292519943295

/* Counter-clockwise by `degrees` about the centre (PIL's Image.rotate:
 * positive angles turn the picture counter-clockwise on screen; the inverse
 * map turns the sampling grid the other way). */
static inline DLAB_HOST_DEVICE void dlab_rotation_inverse(float degrees, int h, int w, float m[6]) {
  double a = degrees * DLAB_DEG_TO_RAD, cs = cos(a), sn = sin(a);
  double cx = w * 0.5, cy = h * 0.5;
  m[0] = (float)cs;
  m[1] = (float)-sn;
  m[2] = (float)(cx - cs * cx + sn * cy);
  m[3] = (float)sn;
  m[4] = (float)cs;
  m[5] = (float)(cy - sn * cx - cs * cy);
}

/* torchvision's _get_inverse_affine_matrix: rotation, translation in
 * pixels, scale and shears (degrees) about the centre. */
static inline DLAB_HOST_DEVICE void dlab_affine_inverse(float degrees, float tx, float ty, float scale,
                                                        float shear_x, float shear_y, int h, int w,
                                                        float out[6]) {
  double rot = degrees * DLAB_DEG_TO_RAD, sx = shear_x * DLAB_DEG_TO_RAD, sy = shear_y * DLAB_DEG_TO_RAD;
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
  for (int i = 0; i < 6; i++) out[i] = (float)m[i];
}

#endif
