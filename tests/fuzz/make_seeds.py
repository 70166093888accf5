#!/usr/bin/env python3
"""Writes a small seed corpus for each fuzz target into DIR/TARGET/.

    make_seeds.py DIR

Seeds are valid inputs of each format (and a few near misses), so the
fuzzers start from the interesting structure instead of random bytes."""
import gzip
import io
import json
import os
import struct
import sys
import tarfile
import zipfile
import zlib


def idx(dims, data):
    return struct.pack('>BBBB', 0, 0, 8, len(dims)) + b''.join(struct.pack('>I', d) for d in dims) + bytes(data)


def png(w, h, color, depth, rows, palette=None):
    def chunk(t, d):
        return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d))
    raw = b''.join(b'\x00' + r for r in rows)
    out = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, depth, color, 0, 0, 0))
    if palette:
        out += chunk(b'PLTE', palette)
    return out + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')


def safetensors(field='dtype', name='w'):
    data = struct.pack('<4f', 1, 2, 3, 4)
    header = {name: {field: 'F32', 'shape': [2, 2], 'data_offsets': [0, 16]},
              '__metadata__': {'dlab.arch': 'flatten | linear 2', 'dlab.input': '1x2x2'}}
    h = json.dumps(header).encode()
    h += b' ' * (-len(h) % 8)
    return struct.pack('<Q', len(h)) + h + data


def tar_bytes():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=tarfile.USTAR_FORMAT) as t:
        info = tarfile.TarInfo('cifar-10-batches-bin/test_batch.bin')
        info.size = 5
        t.addfile(info, io.BytesIO(b'hello'))
    return buf.getvalue()


def zip_bytes():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('gzip/emnist-digits-test-labels-idx1-ubyte.gz', gzip.compress(idx([3], [1, 2, 3])))
        z.writestr('stored.txt', b'abc', compress_type=zipfile.ZIP_STORED)
    return buf.getvalue()


def main():
    root = sys.argv[1]
    images = idx([2, 3, 3], range(18))
    seeds = {
        # gzip IDX files whose body is longer or shorter than their header says
        'idx': {'images': images, 'labels': idx([4], [0, 1, 2, 9]), 'short': images[:20],
                'gz': gzip.compress(images), 'gz_longer': gzip.compress(idx([2, 3, 3], bytes(4096))),
                'gz_shorter': gzip.compress(idx([60000, 28, 28], bytes(100))),
                # 2.4 GB claimed by a few dozen bytes: must not be allocated
                'gz_huge_claim': gzip.compress(idx([60000, 200, 200], bytes(100)))},
        'gzip': {'one': gzip.compress(images), 'two': gzip.compress(b'ab') + gzip.compress(b'cd'),
                 'empty': gzip.compress(b''), 'zeros': gzip.compress(bytes(1 << 20))},
        'cifar': {'batch': bytes([3]) + bytes(range(256)) * 12, 'meta': b'airplane\nautomobile\n\nbird\n'},
        'label_file': {'numeric': b'train/0.png\t5\ntrain/1.png\t0\r\n', 'text': b'\xef\xbb\xbfa.png\tcat\n\nb.png\tdog\n',
                       'absolute': b'a.png\t0\n/etc/hostname\t1\n', 'dotdot': b'a.png\t0\n../outside.png\t1\nb/../c.png\t2\n'},
        'png': {
            'gray': png(3, 2, 0, 8, [b'\x00\x80\xff', b'\x10\x20\x30']),
            'rgb': png(2, 2, 2, 8, [b'\xff\x00\x00\x00\xff\x00', b'\x00\x00\xff\xff\xff\xff']),
            'rgba': png(1, 2, 6, 8, [b'\x10\x20\x30\x40', b'\x50\x60\x70\x80']),
            'gray16': png(2, 1, 0, 16, [b'\x12\x34\xff\xff']),
            'palette': png(2, 1, 3, 8, [b'\x00\x01'], palette=b'\xff\x00\x00\x00\xff\x00'),
        },
        # A field and a tensor name with a newline: the error stays one line.
        'safetensors': {'one': safetensors(), 'newline_field': safetensors(field='dty\npe'),
                        'newline_name': safetensors(name='w\n\x01')},
        'archive': {'tar': tar_bytes(), 'zip': zip_bytes()},
        'transform': {'tutorial': b'rotate:5,crop:12:2', 'all': b'normalize:0.5/0.5/0.5:0.2/0.2/0.2,affine:10:0.1/0.1:0.9/1.1:5,hflip,elastic:20:3:0',
                      'keys': b'crop:size=12:padding=1:fill=255,rotate:degrees=30'},
        # the first byte picks the input shape (fuzz_spec.c)
        'spec': {'lenet': b'\x00conv.0: conv 6 5 | lrelu 0.1 | maxpool 2 | conv 16 5 pad 1 | relu | avgpool 2 | flatten | fc: linear 10',
                 'cifar': b'\x01conv 8 3 stride 2 pad 1 | bn2d | gelu | maxpool 3 stride 2 pad 1 | dropout 0.25 | flatten | linear 10',
                 'odd': b'\x02conv 3 3 pad 2 | tanh | maxpool 2 stride 1 | flatten | bn1d | sigmoid | linear 4',
                 'flat': b'\x03linear 16 | bn1d | relu | dropout 0.5 | linear 3',
                 'zoo': b'\x00digitnet'},
        'strokes': {'digit': b'# canvas 280 280\n100 40\n120 60 0.5\n140 200\n\n60 120\n200 120 1\n',
                    'comments': b'# a comment\n\n\n1e30 -1e30\n0 0 0\n',
                    'dot': b'# canvas 10 10\n5 5\n'},
    }
    for target, files in seeds.items():
        d = os.path.join(root, target)
        os.makedirs(d, exist_ok=True)
        for name, data in files.items():
            with open(os.path.join(d, name), 'wb') as f:
                f.write(data)


if __name__ == '__main__':
    main()
