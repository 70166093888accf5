/* A PNG as a model's input, shared by `dlab predict` and `dlab inside`. */
#include "image_input.h"

#include <string.h>

#include "dlab/error.h"
#include "dlab/image.h"

/* Mean of the outermost ring of pixels: paper-like (bright) borders mean
 * dark ink on a light background, the opposite of MNIST. */
static double border_mean(const DlabImage *img) {
  double sum = 0;
  long n = 0;
  for (int y = 0; y < img->h; y++)
    for (int x = 0; x < img->w; x++)
      if (y == 0 || x == 0 || y == img->h - 1 || x == img->w - 1)
        for (int c = 0; c < img->c; c++, n++) sum += img->data[((size_t)y * img->w + x) * img->c + c];
  return n ? sum / n : 0;
}

/* A PNG of any size as the model's HWC input on the 0..1 scale, light ink on
 * dark as the networks were trained. */
int cli_load_image(const char *path, DlabShape in, InvertMode invert, float *pixels) {
  const int c = in.d[0], h = in.d[1], w = in.d[2];
  DlabImage img = {0}, scaled = {0};
  if (dlab_image_read_png(path, c, &img) < 0) return -1;
  const DlabImage *src = &img;
  if (img.w != w || img.h != h) {
    if (dlab_image_resize(&img, w, h, &scaled) < 0) {
      dlab_image_free(&img);
      return dlab_error_prefix("%s", path);
    }
    src = &scaled;
  }
  const int inv = invert == INVERT_YES || (invert == INVERT_AUTO && c == 1 && border_mean(src) > 127);
  for (size_t i = 0; i < (size_t)h * w * c; i++) {
    float v = src->data[i] / 255.0f;
    pixels[i] = inv ? 1.0f - v : v;
  }
  dlab_image_free(&img);
  dlab_image_free(&scaled);
  return 0;
}

int cli_parse_invert(const char *text, InvertMode *mode) {
  if (strcmp(text, "auto") == 0)
    *mode = INVERT_AUTO;
  else if (strcmp(text, "yes") == 0)
    *mode = INVERT_YES;
  else if (strcmp(text, "no") == 0)
    *mode = INVERT_NO;
  else
    return -1;
  return 0;
}
