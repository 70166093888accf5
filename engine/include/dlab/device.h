/* Where the engine computes: the CPU or a CUDA GPU.
 *
 * Text form (the CLI's --device, the GUI's device choice): `cpu`, `cuda`
 * (the first GPU, also `gpu`) or `cuda:N` (GPU number N, counted from 0 as
 * nvidia-smi counts them).
 *
 * The GPUs come from the CUDA backend, a module (libdlab-cuda.so) that the
 * first dlab_device_check or dlab_devices_list of a CUDA device loads. A
 * build without CUDA (meson -Dcuda=disabled, or no CUDA Toolkit found), or
 * a module that cannot be loaded, lists only the CPU, and asking for a GPU
 * fails with a message that says why (naming the module file and the
 * loader's reason); so does a machine without an NVIDIA driver or GPU. */
#ifndef DLAB_DEVICE_H
#define DLAB_DEVICE_H

#include <stddef.h>

#include "dlab/tensor.h" /* DlabDevice */

typedef struct {
  DlabDevice kind; /* DLAB_DEVICE_CPU or DLAB_DEVICE_CUDA */
  int index;       /* the GPU's number; 0 for the CPU */
} DlabDeviceSpec;

/* Parses the text form. -1 with a message quoting `text` when it is not one
 * of the forms above. Whether the device exists is dlab_device_check's
 * business. */
int dlab_device_parse(const char *text, DlabDeviceSpec *out);

/* "cpu" or "cuda:N" into buf; returns buf. */
const char *dlab_device_name(DlabDeviceSpec d, char *buf, size_t n);

/* Whether this build made the CUDA backend's module (whether it loads is
 * dlab_device_check's business). */
int dlab_cuda_built(void);

/* Checks that `d` can be used here: always for the CPU; for a GPU, a build
 * with CUDA, a working driver and a GPU with that number. -1 with a message
 * naming the device and what is missing. */
int dlab_device_check(DlabDeviceSpec d);

/* One device, as `dlab devices` and the GUI's device menu show it. */
typedef struct {
  DlabDeviceSpec spec;
  char name[128];        /* "AMD EPYC 9654 (16 threads)", "NVIDIA H100 80GB HBM3" */
  size_t memory_bytes;   /* the GPU's memory; 0 for the CPU */
  size_t free_bytes;     /* of which free now; 0 for the CPU */
  int compute_major, compute_minor; /* the GPU's compute capability; 0 for the CPU */
  int multiprocessors;   /* the GPU's SMs, or the CPU's hardware threads */
} DlabDeviceInfo;

/* Fills out[0 .. max) with the devices present, the CPU first, and returns
 * how many there are (at least 1; may exceed max, then only max are
 * written). When no GPU can be listed, `note` (if not NULL) receives the
 * reason ("this dlab was built without CUDA", "no NVIDIA driver: ...");
 * otherwise it is set to "". */
int dlab_devices_list(DlabDeviceInfo *out, int max, char *note, size_t note_len);

/* "CUDA runtime 13.0, driver 13.0" (driver "none" without one), or
 * "built without CUDA", into buf; returns buf. */
const char *dlab_cuda_version_text(char *buf, size_t n);

#endif
