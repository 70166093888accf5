/* The tutorials' networks. Layer names reproduce each tutorial's PyTorch
 * class, so checkpoints load into it with load_state_dict. */
#include "dlab/zoo.h"

#include <string.h>

static const DlabZooEntry zoo[] = {
    {"mlp", "784-300-100-10 MLP with BatchNorm1d (MNIST tutorial)", "1x28x28",
     "flatten | fc1: linear 300 | bn1: bn1d | relu | fc2: linear 100 | bn2: bn1d | relu | "
     "fc3: linear 10"},
    {"lenet", "LeNet-5 with LeakyReLU 0.1 (Fashion-MNIST tutorial)", "1x28x28",
     "conv 6 5 | lrelu 0.1 | maxpool 2 | conv 16 5 | lrelu 0.1 | maxpool 2 | flatten | "
     "linear 120 | lrelu 0.1 | linear 84 | lrelu 0.1 | linear 10"},
    {"lenet3x3", "LeNet with each 5x5 conv replaced by two 3x3 convs", "1x28x28",
     "conv 6 3 | lrelu 0.1 | conv 6 3 | lrelu 0.1 | maxpool 2 | conv 16 3 | lrelu 0.1 | "
     "conv 16 3 | lrelu 0.1 | maxpool 2 | flatten | linear 120 | lrelu 0.1 | linear 84 | "
     "lrelu 0.1 | linear 10"},
    {"cifarnet", "three 5x5 conv + pool stages, two linears (CIFAR-10 tutorial)", "3x32x32",
     "model1.0: conv 32 5 pad 2 | model1.1: maxpool 2 | model1.2: conv 32 5 pad 2 | "
     "model1.3: maxpool 2 | model1.4: conv 64 5 pad 2 | model1.5: maxpool 2 | "
     "model1.6: flatten | model1.7: linear 64 | model1.8: linear 10"},
    {"digitnet", "two 3x3 conv stages and three linears (PNG-folder tutorial)", "1x28x28",
     "conv1: conv 16 3 | relu | maxpool 2 | conv2: conv 32 3 | relu | maxpool 2 | flatten | "
     "fc1: linear 64 | relu | dropout 0.25 | fc2: linear 128 | relu | fc3: linear 10"},
    {"emnistnet", "PyTorch's 60-minute-blitz Net on one channel (EMNIST tutorial)", "1x28x28",
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
