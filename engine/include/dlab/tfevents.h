/* TensorBoard event files: the scalars of a run, written as PyTorch's
 * SummaryWriter.add_scalar writes them, so `tensorboard --logdir runs`
 * shows the curves of a Digit Lab run beside those of a PyTorch tutorial.
 *
 * File: DIR/events.out.tfevents.<10-digit unix time>.<host>.<pid>.<n>,
 * a sequence of records
 *   uint64  length of data            (little-endian)
 *   uint32  masked CRC-32C of those 8 bytes
 *   bytes   data: one serialized tensorflow.Event protobuf
 *   uint32  masked CRC-32C of data
 * where masked(crc) = ((crc >> 15) | (crc << 17)) + 0xa282ead8.
 * The first event carries file_version "brain.Event:2"; each scalar is an
 * Event {wall_time, step, summary {value {tag, simple_value}}}.
 *
 * Writing a scalar allocates nothing (the record is encoded on the stack),
 * so it may run from a training loop's per-step callback. */
#ifndef DLAB_TFEVENTS_H
#define DLAB_TFEVENTS_H

#include <stddef.h>
#include <stdint.h>

/* Longest tag accepted (bytes). */
#define DLAB_TFEVENTS_MAX_TAG 256

typedef struct DlabTfEvents DlabTfEvents;

/* Creates a new event file in the existing directory `dir` (the last number
 * of the name is raised when a file of the same name exists) and writes the
 * file_version event. NULL with a message naming the file on error. */
DlabTfEvents *dlab_tfevents_open(const char *dir);

/* The file being written. */
const char *dlab_tfevents_path(const DlabTfEvents *w);

/* One scalar: tag (e.g. "loss/train"), value, global step, and the time in
 * seconds since the epoch (wall_time <= 0: now). Buffered; see flush. */
int dlab_tfevents_add_scalar(DlabTfEvents *w, const char *tag, float value, int64_t step,
                             double wall_time);

/* A SessionLog START event at `step`: TensorBoard then forgets the
 * scalars of every earlier file of the run folder at steps >= step (what
 * PyTorch's SummaryWriter(purge_step=step) writes). A resumed run writes
 * it first, so the steps a stopped run trained past its checkpoint,
 * trained again now, do not show twice. */
int dlab_tfevents_add_session_start(DlabTfEvents *w, int64_t step);

/* Pushes buffered records to the file, so TensorBoard sees them. */
int dlab_tfevents_flush(DlabTfEvents *w);

/* Flushes and closes; NULL is ignored. Returns -1 if the last writes
 * failed (with a message), else 0. */
int dlab_tfevents_close(DlabTfEvents *w);

/* CRC-32C (Castagnoli), continuing from `crc` (0 to start). */
uint32_t dlab_crc32c(uint32_t crc, const void *data, size_t n);

/* The record format's masked CRC-32C of data[0..n). */
uint32_t dlab_tfevents_masked_crc(const void *data, size_t n);

#endif
