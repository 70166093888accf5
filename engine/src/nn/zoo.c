/* The tutorials' networks. Layer names reproduce each tutorial's PyTorch
 * class, so checkpoints load into it with load_state_dict. */
#include "dlab/zoo.h"

#include <string.h>

/* N_() marks a text for translation and is nothing more: the engine has no
 * gettext. xgettext extracts the marked texts into the application's
 * catalogue (po/POTFILES.in), and the application shows them through
 * gettext (_(e->description)). */
#ifndef N_
#define N_(text) text
#endif

static const DlabZooEntry zoo[] = {
    {"mlp", N_("784-300-100-10 MLP with BatchNorm1d (MNIST tutorial's Net)"), "1x28x28",
     "flatten | layer1.0: linear 300 | layer1.1: bn1d | relu | layer2.0: linear 100 | layer2.1: bn1d | "
     "relu | layer3.0: linear 10"},
    {"lenet", N_("LeNet-5 with LeakyReLU 0.1 (Fashion-MNIST tutorial's LeNet)"), "1x28x28",
     "conv.0: conv 6 5 | lrelu 0.1 | maxpool 2 | conv.3: conv 16 5 | lrelu 0.1 | maxpool 2 | flatten | "
     "fc.0: linear 120 | lrelu 0.1 | fc.2: linear 84 | relu | fc.4: linear 10"},
    {"lenet3x3", N_("LeNet with four 3x3 convolutions, 2-4-8-16 channels (the same tutorial's second LeNet)"),
     "1x28x28",
     "conv.0: conv 2 3 | lrelu 0.1 | conv.2: conv 4 3 | lrelu 0.1 | maxpool 2 | conv.5: conv 8 3 | "
     "lrelu 0.1 | conv.7: conv 16 3 | lrelu 0.1 | maxpool 2 | flatten | fc.0: linear 120 | lrelu 0.1 | "
     "fc.2: linear 84 | relu | fc.4: linear 10"},
    {"cifarnet", N_("three 5x5 conv + pool stages, two linears (CIFAR-10 tutorial's NetWork)"), "3x32x32",
     "module.0: conv 32 5 pad 2 | module.1: maxpool 2 | module.2: conv 32 5 pad 2 | "
     "module.3: maxpool 2 | module.4: conv 64 5 pad 2 | module.5: maxpool 2 | "
     "module.6: flatten | module.7: linear 64 | module.8: linear 10"},
    {"digitnet", N_("three convolutions and two linears, 65,674 parameters (PNG-folder tutorial's DigitNet)"),
     "1x28x28",
     "classifier.0: conv 16 3 | maxpool 2 | relu | classifier.3: conv 32 5 | maxpool 2 | relu | "
     "classifier.6: conv 64 3 | flatten | classifier.8: linear 128 | classifier.9: linear 10"},
    {"emnistnet", N_("PyTorch's 60-minute-blitz Net on one channel (EMNIST tutorial's Net)"), "1x28x28",
     "conv1: conv 6 5 | relu | maxpool 2 | conv2: conv 16 5 | relu | maxpool 2 | flatten | "
     "fc1: linear 120 | relu | fc2: linear 84 | relu | fc3: linear 10"},
    {0},
};

const DlabZooEntry *dlab_zoo_entries(void) { return zoo; }

const DlabZooEntry *dlab_zoo_find(const char *name) {
  for (const DlabZooEntry *e = zoo; e->name; e++)
    if (strcmp(e->name, name) == 0) return e;
  return NULL;
}

const char *dlab_zoo_resolve(const char *name_or_spec) {
  const DlabZooEntry *e = dlab_zoo_find(name_or_spec);
  return e ? e->spec : name_or_spec;
}
