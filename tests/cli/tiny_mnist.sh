# make_tiny_mnist DIR: a tiny valid MNIST in torchvision's layout under DIR
# (DIR/MNIST/raw: 100 training and 20 test images, labels 0..9 in turn),
# for the shell tests that train for a moment. Source it.
make_tiny_mnist() {
  mkdir -p "$1/MNIST/raw"
  /usr/bin/python3 - "$1/MNIST/raw" <<'PY'
import struct, sys, os
d = sys.argv[1]
def images(n): return struct.pack('>IIII', 0x803, n, 28, 28) + bytes((i * 7 + i // 784 * 13) % 256 for i in range(n * 784))
def labels(n): return struct.pack('>II', 0x801, n) + bytes(i % 10 for i in range(n))
for name, data in [('train-images-idx3-ubyte', images(100)), ('train-labels-idx1-ubyte', labels(100)),
                   ('t10k-images-idx3-ubyte', images(20)), ('t10k-labels-idx1-ubyte', labels(20))]:
    open(os.path.join(d, name), 'wb').write(data)
PY
}
