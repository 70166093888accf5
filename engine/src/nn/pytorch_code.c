/* PyTorch code for a network (see pytorch_code.h).
 *
 * The layer names decide the shape of the class, as they decide the
 * state_dict keys: layers named "P.0", "P.1", ... (with the unnamed layers
 * between them taking the positions in between) become one
 * `self.P = nn.Sequential(...)`, as the tutorials write them; a layer named
 * "fc1" becomes `self.fc1`; the other unnamed layers are plain functions in
 * forward(). A network whose layers are all unnamed is an nn.Sequential,
 * whose keys are the layer indices. */
#include "dlab/pytorch_code.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/numtext.h"
#include "dlab/cnum.h"
#include "dlab/error.h"

#include "core/i18n.h"
#include "nn/model_impl.h"

typedef struct {
  char *text;
  size_t len, cap;
  int failed;
} Code;

static void emit(Code *c, const char *fmt, ...) {
  if (c->failed) return;
  va_list ap;
  va_start(ap, fmt);
  int n = dlab_vsnprintf_c(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || c->len + (size_t)n + 1 > c->cap) {
    size_t cap = (c->cap ? c->cap : 1024) * 2 + (size_t)(n < 0 ? 0 : n);
    char *t = n < 0 ? NULL : realloc(c->text, cap);
    if (!t) {
      c->failed = 1;
      return;
    }
    c->text = t;
    c->cap = cap;
  }
  va_start(ap, fmt);
  dlab_vsnprintf_c(c->text + c->len, c->cap - c->len, fmt, ap);
  va_end(ap);
  c->len += (size_t)n;
}


static const char *keyword(const DlabLayer *l) { return l->ops->keyword; }

static int is_unnamed(const DlabLayer *l, int index) {
  char s[16];
  snprintf(s, sizeof s, "%d", index);
  return strcmp(l->name, s) == 0;
}

static int is_identifier(const char *s, size_t n) {
  if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_')) return 0;
  for (size_t i = 1; i < n; i++)
    if (!(isalnum((unsigned char)s[i]) || s[i] == '_')) return 0;
  /* Names nn.Module itself uses would shadow its methods. */
  static const char *const reserved[] = {"forward", "train", "eval", "training", "state_dict", "parameters",
                                         "modules", "children", "to", "cuda", "cpu", "float", "double",
                                         "type", "apply", "zero_grad", "buffers", "half", "x"};
  for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
    if (strlen(reserved[i]) == n && strncmp(reserved[i], s, n) == 0) return 0;
  return 1;
}

/* "P.7" -> prefix length and 7; -1 when the name has no numeric suffix. */
static int split_index(const char *name, size_t *prefix_len) {
  const char *dot = strrchr(name, '.');
  if (!dot || !dot[1]) return -1;
  for (const char *p = dot + 1; *p; p++)
    if (!isdigit((unsigned char)*p)) return -1;
  *prefix_len = (size_t)(dot - name);
  return atoi(dot + 1);
}

static long long features(const DlabShape *s) {
  long long n = 1;
  for (int i = 0; i < s->ndim; i++) n *= s->d[i];
  return n;
}

static int pool_stride(const DlabLayer *l) { return l->args[1] < 0 ? (int)l->args[0] : (int)l->args[1]; }

/* The nn module constructing layer l. */
static void emit_module(Code *c, const DlabLayer *l) {
  const char *k = keyword(l);
  const float *a = l->args;
  char num[DLAB_NUMTEXT_SIZE];
  if (strcmp(k, "linear") == 0) {
    emit(c, "nn.Linear(%lld, %d%s)", features(&l->in_shape), (int)a[0], a[1] == 0 ? ", bias=False" : "");
  } else if (strcmp(k, "conv") == 0) {
    emit(c, "nn.Conv2d(%d, %d, %d", l->in_shape.d[0], (int)a[0], (int)a[1]);
    if (a[2] != 1) emit(c, ", stride=%d", (int)a[2]);
    if (a[3] != 0) emit(c, ", padding=%d", (int)a[3]);
    emit(c, "%s)", a[4] == 0 ? ", bias=False" : "");
  } else if (strcmp(k, "maxpool") == 0 || strcmp(k, "avgpool") == 0) {
    emit(c, "nn.%s(%d", k[0] == 'm' ? "MaxPool2d" : "AvgPool2d", (int)a[0]);
    if (pool_stride(l) != (int)a[0]) emit(c, ", stride=%d", pool_stride(l));
    if (a[2] != 0) emit(c, ", padding=%d", (int)a[2]);
    emit(c, ")");
  } else if (strcmp(k, "relu") == 0) {
    emit(c, "nn.ReLU()");
  } else if (strcmp(k, "lrelu") == 0) {
    emit(c, "nn.LeakyReLU(%s)", dlab_format_float(a[0], num));
  } else if (strcmp(k, "gelu") == 0) {
    emit(c, "nn.GELU()");
  } else if (strcmp(k, "sigmoid") == 0) {
    emit(c, "nn.Sigmoid()");
  } else if (strcmp(k, "tanh") == 0) {
    emit(c, "nn.Tanh()");
  } else if (strcmp(k, "bn1d") == 0 || strcmp(k, "bn2d") == 0) {
    emit(c, "nn.BatchNorm%s(%d", k[2] == '1' ? "1d" : "2d", l->in_shape.d[0]);
    if (a[0] != 1e-5f) emit(c, ", eps=%s", dlab_format_float(a[0], num));
    if (a[1] != 0.1f) emit(c, ", momentum=%s", dlab_format_float(a[1], num));
    emit(c, ")");
  } else if (strcmp(k, "dropout") == 0) {
    emit(c, "nn.Dropout(%s)", dlab_format_float(a[0], num));
  } else if (strcmp(k, "flatten") == 0) {
    emit(c, "nn.Flatten()");
  } else {
    emit(c, "None  # unknown layer %s", k);
  }
}

/* The same layer as a function in forward(), for unnamed parameterless
 * layers. */
static void emit_function(Code *c, const DlabLayer *l) {
  const char *k = keyword(l);
  const float *a = l->args;
  char num[DLAB_NUMTEXT_SIZE];
  emit(c, "        x = ");
  if (strcmp(k, "maxpool") == 0 || strcmp(k, "avgpool") == 0) {
    emit(c, "F.%s(x, %d", k[0] == 'm' ? "max_pool2d" : "avg_pool2d", (int)a[0]);
    if (pool_stride(l) != (int)a[0]) emit(c, ", stride=%d", pool_stride(l));
    if (a[2] != 0) emit(c, ", padding=%d", (int)a[2]);
    emit(c, ")");
  } else if (strcmp(k, "relu") == 0) {
    emit(c, "F.relu(x)");
  } else if (strcmp(k, "lrelu") == 0) {
    emit(c, "F.leaky_relu(x, %s)", dlab_format_float(a[0], num));
  } else if (strcmp(k, "gelu") == 0) {
    emit(c, "F.gelu(x)");
  } else if (strcmp(k, "sigmoid") == 0) {
    emit(c, "torch.sigmoid(x)");
  } else if (strcmp(k, "tanh") == 0) {
    emit(c, "torch.tanh(x)");
  } else if (strcmp(k, "dropout") == 0) {
    emit(c, "F.dropout(x, %s, self.training)", dlab_format_float(a[0], num));
  } else if (strcmp(k, "flatten") == 0) {
    emit(c, "torch.flatten(x, 1)");
  } else {
    emit(c, "x  # unknown layer %s", k);
  }
  emit(c, "\n");
}

static int has_params(const DlabLayer *l) { return l->n_params > 0; }

/* How the layers map onto the class: each layer is in a Sequential group
 * (group[i] = index of the group's first layer), an attribute of its own,
 * or a function in forward(). */
enum { AS_FUNCTION, AS_ATTRIBUTE, AS_GROUP, AS_INDEXED };

typedef struct {
  int how;
  int first; /* AS_GROUP: the group's first layer */
} Placement;

/* Whether layers [from, to] named "P.n" with n = 0.. and unnamed layers in
 * between form one Sequential P. */
static int place_group(const DlabModel *m, int from, size_t plen, Placement *place) {
  const char *prefix = m->layers[from]->name;
  int pos = 0, last = from, unnamed_params = 0;
  for (int i = from; i < m->n_layers; i++) {
    const DlabLayer *l = m->layers[i];
    size_t len;
    if (is_unnamed(l, i)) {
      /* Its key is its index in the whole network, not a position in P. */
      unnamed_params |= has_params(l);
      pos++;
      continue;
    }
    int n = split_index(l->name, &len);
    if (n < 0 || len != plen || strncmp(l->name, prefix, plen) != 0) break;
    if (n != pos || unnamed_params) return -1;
    last = i;
    pos++;
  }
  for (int i = from; i <= last; i++) place[i] = (Placement){AS_GROUP, from};
  return last;
}

static int place_layers(const DlabModel *m, Placement *place) {
  for (int i = 0; i < m->n_layers; i++) {
    const DlabLayer *l = m->layers[i];
    size_t plen;
    if (is_unnamed(l, i)) {
      place[i] = (Placement){has_params(l) ? AS_INDEXED : AS_FUNCTION, i};
      continue;
    }
    int n = split_index(l->name, &plen);
    if (n == 0 && is_identifier(l->name, plen)) {
      int last = place_group(m, i, plen, place);
      if (last >= 0) {
        i = last;
        continue;
      }
    }
    if (n >= 0 && is_identifier(l->name, plen))
      return dlab_error(_("layer `%s`: PyTorch keeps %.*s.0, %.*s.1, ... in one nn.Sequential, so the layers "
                          "of %.*s must be numbered by their position, and a layer with parameters among them "
                          "needs a %.*s.N name of its own"),
                        l->name, (int)plen, l->name, (int)plen, l->name, (int)plen, l->name, (int)plen, l->name);
    if (!is_identifier(l->name, strlen(l->name)))
      return dlab_error(_("layer `%s`: PyTorch code needs layer names like `fc1` or `features.0`"), l->name);
    place[i] = (Placement){AS_ATTRIBUTE, i};
  }
  return 0;
}

static void emit_header(Code *c, const DlabModel *m) {
  emit(c, "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n\n");
  emit(c, "# %s\n", m->spec);
  emit(c, "# input: %d", m->input.d[0]);
  for (int i = 1; i < m->input.ndim; i++) emit(c, "x%d", m->input.d[i]);
  emit(c, " images, normalized as the checkpoint's dlab.mean and dlab.std say\n");
}

static void emit_sequential_class(Code *c, const DlabModel *m) {
  emit(c, "class Net(nn.Sequential):\n    def __init__(self):\n        super().__init__(\n");
  for (int i = 0; i < m->n_layers; i++) {
    emit(c, "            ");
    emit_module(c, m->layers[i]);
    emit(c, ",\n");
  }
  emit(c, "        )\n");
}

static void emit_module_class(Code *c, const DlabModel *m, const Placement *place) {
  emit(c, "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n");
  for (int i = 0; i < m->n_layers; i++) {
    const DlabLayer *l = m->layers[i];
    if (place[i].how == AS_ATTRIBUTE) {
      emit(c, "        self.%s = ", l->name);
      emit_module(c, l);
      emit(c, "\n");
    } else if (place[i].how == AS_INDEXED) {
      emit(c, "        self.add_module(\"%s\", ", l->name);
      emit_module(c, l);
      emit(c, ")\n");
    } else if (place[i].how == AS_GROUP && place[i].first == i) {
      emit(c, "        self.%.*s = nn.Sequential(\n", (int)strcspn(l->name, "."), l->name);
      for (int j = i; j < m->n_layers && place[j].how == AS_GROUP && place[j].first == i; j++) {
        emit(c, "            ");
        emit_module(c, m->layers[j]);
        emit(c, ",\n");
      }
      emit(c, "        )\n");
    }
  }
  emit(c, "\n    def forward(self, x):\n");
  for (int i = 0; i < m->n_layers; i++) {
    const DlabLayer *l = m->layers[i];
    if (place[i].how == AS_FUNCTION) emit_function(c, l);
    else if (place[i].how == AS_ATTRIBUTE) emit(c, "        x = self.%s(x)\n", l->name);
    else if (place[i].how == AS_INDEXED) emit(c, "        x = self._modules[\"%s\"](x)\n", l->name);
    else if (place[i].first == i) emit(c, "        x = self.%.*s(x)\n", (int)strcspn(l->name, "."), l->name);
  }
  emit(c, "        return x\n");
}

static int all_unnamed(const DlabModel *m) {
  for (int i = 0; i < m->n_layers; i++)
    if (!is_unnamed(m->layers[i], i)) return 0;
  return 1;
}

char *dlab_pytorch_code(const DlabModel *m) {
  Placement *place = calloc((size_t)m->n_layers + 1, sizeof *place);
  if (!place) {
    dlab_error(_("out of memory"));
    return NULL;
  }
  Code c = {0};
  int sequential = all_unnamed(m);
  if (!sequential && place_layers(m, place) < 0) {
    free(place);
    return NULL;
  }
  emit_header(&c, m);
  if (sequential) emit_sequential_class(&c, m);
  else emit_module_class(&c, m, place);
  emit(&c, "\n\n# Load a Digit Lab checkpoint (pip install safetensors):\n"
           "from safetensors.torch import load_file\n"
           "model = Net()\n"
           "model.load_state_dict(load_file(\"model.safetensors\"), strict=True)\n");
  free(place);
  if (c.failed) {
    free(c.text);
    dlab_error(_("out of memory"));
    return NULL;
  }
  return c.text;
}
