/* The image operations behind the transforms (transform.h), on float CHW
 * planes. Not public API. Coordinates follow PIL: pixel (x, y) covers
 * [x, x+1) x [y, y+1), its centre is (x + 0.5, y + 0.5). */
#ifndef DLAB_TRANSFORM_OPS_H
#define DLAB_TRANSFORM_OPS_H

#include "dlab/rng.h"

/* An inverse map: the output pixel centred at (x, y) reads the input at
 * (m[0] x + m[1] y + m[2], m[3] x + m[4] y + m[5]). */
typedef struct {
  float m[6];
} DlabInverseMap;

/* RandomRotation's map: counter-clockwise by `degrees` about the centre. */
DlabInverseMap dlab_tf_rotation_map(float degrees, int h, int w);

/* RandomAffine's map (torchvision's _get_inverse_affine_matrix): rotation,
 * translation in pixels, scale and shear (degrees) about the centre. */
DlabInverseMap dlab_tf_affine_map(float degrees, float tx, float ty, float scale, float shear_x,
                                  float shear_y, int h, int w);

/* Nearest-neighbour resampling through `map`; fill[ch] outside the input. */
void dlab_tf_warp_nearest(const float *src, float *dst, int c, int h, int w,
                          const DlabInverseMap *map, const float *fill);

/* dst = the size x size window at (oy, ox) of src padded by `pad` on every
 * side with fill[ch]. */
void dlab_tf_crop(const float *src, float *dst, int c, int h, int w, int size, int pad, int oy,
                  int ox, const float *fill);

void dlab_tf_hflip(const float *src, float *dst, int c, int h, int w);

/* Elastic distortion's scratch: the Gaussian kernel and the two fields. */
typedef struct {
  float *kernel;
  int radius;
  float *dx, *dy, *tmp; /* h * w each */
} DlabElastic;

int dlab_tf_elastic_init(DlabElastic *e, float sigma, int h, int w);
void dlab_tf_elastic_free(DlabElastic *e);

/* torchvision's ElasticTransform: uniform(-1, 1) fields, Gaussian-blurred
 * (reflected edges), scaled by alpha, bilinear sampling with fill. */
void dlab_tf_elastic(DlabElastic *e, const float *src, float *dst, int c, int h, int w,
                     float alpha, const float *fill, DlabRng *rng);

#endif
