/* CIFAR-10's binary version (cifar-10-binary.tar.gz, "suitable for C
 * programs"): each batch file is a run of 3073-byte records, one label byte
 * then 32x32 red, 32x32 green and 32x32 blue bytes (CHW planar RGB, rows top
 * to bottom); batches.meta.txt names the classes, one per line. */
#ifndef DLAB_CIFAR_H
#define DLAB_CIFAR_H

#include <stddef.h>
#include <stdint.h>

#define DLAB_CIFAR_SIDE 32
#define DLAB_CIFAR_RECORD (1 + 3 * DLAB_CIFAR_SIDE * DLAB_CIFAR_SIDE)
/* The most a batch file may hold: the official ones have 10,000 records; a
 * file with all 60,000 is accepted, anything larger (or a .gz inflating to
 * more) is refused without reading further. */
#define DLAB_CIFAR_MAX_RECORDS 60000
#define DLAB_CIFAR_BATCH_MAX ((size_t)DLAB_CIFAR_MAX_RECORDS * DLAB_CIFAR_RECORD)
/* The most a class-name file (batches.meta.txt, classes.txt) may hold. */
#define DLAB_CLASS_NAMES_MAX ((size_t)1 << 20)

/* Checks a batch in memory: a whole number (at least one) of records, every
 * label < num_classes. Returns the number of records, or -1 with a message
 * naming `what` (and the record for a bad label). */
long dlab_cifar_check_batch(const uint8_t *buf, size_t len, const char *what, int num_classes);

/* Copies the records of a checked batch into images (n x 3 x 32 x 32) and
 * labels (n). */
void dlab_cifar_unpack_batch(const uint8_t *buf, long n, uint8_t *images, uint8_t *labels);

/* Parses batches.meta.txt: one class name per line, blank lines (the file
 * ends with some) ignored, surrounding spaces and \r trimmed. Fills names
 * (strdup'ed, at most max) and returns their count, or -1 with a message
 * naming `what` (no names, too many, a NUL byte, a line too long). */
int dlab_cifar_parse_meta(const char *text, size_t len, const char *what, char **names, int max);

#endif
