/* Device names, checks and the device list (device.h). The GPUs come from
 * the CUDA backend's registry entry (backend_impl.h), which loads its
 * module here, the first time a GPU is checked or listed; a build without
 * it, or a module that cannot be loaded, says why. */
#include "dlab/device.h"

#include <ctype.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/backend_impl.h"
#include "dlab/error.h"
#include "core/i18n.h"

int dlab_device_parse(const char *text, DlabDeviceSpec *out) {
  const char *expected = _("expected cpu, cuda or cuda:N (N = 0, 1, ...; `dlab devices` lists them)");
  if (!text || !*text) return dlab_error(_("--device: %s"), expected);
  if (strcmp(text, "cpu") == 0) {
    *out = (DlabDeviceSpec){DLAB_DEVICE_CPU, 0};
    return 0;
  }
  if (strcmp(text, "cuda") == 0 || strcmp(text, "gpu") == 0) {
    *out = (DlabDeviceSpec){DLAB_DEVICE_CUDA, 0};
    return 0;
  }
  const char *prefix = strncmp(text, "cuda:", 5) == 0 ? "cuda:" : strncmp(text, "gpu:", 4) == 0 ? "gpu:" : NULL;
  if (prefix) {
    const char *digits = text + strlen(prefix);
    char *end;
    long index = strtol(digits, &end, 10);
    if (isdigit((unsigned char)*digits) && *end == '\0' && index >= 0 && index < 1024) {
      *out = (DlabDeviceSpec){DLAB_DEVICE_CUDA, (int)index};
      return 0;
    }
    return dlab_error(_("--device %s: `%s` is not a device number; %s"), text, digits, expected);
  }
  return dlab_error(_("--device %s: unknown device; %s"), text, expected);
}

const char *dlab_device_name(DlabDeviceSpec d, char *buf, size_t n) {
  if (d.kind == DLAB_DEVICE_CPU)
    snprintf(buf, n, "cpu");
  else
    snprintf(buf, n, "cuda:%d", d.index);
  return buf;
}

int dlab_device_check(DlabDeviceSpec d) {
  if (d.kind == DLAB_DEVICE_CPU) return 0;
  char name[32];
  dlab_device_name(d, name, sizeof name);
  const DlabBackendReg *reg = dlab_backend_reg(d.kind);
  if (reg && reg->device_use(d.index) == 0) return 0;
  /* "cuda:N: what is missing" -> "--device cuda:N: what is missing" */
  char why[800];
  snprintf(why, sizeof why, "%s", dlab_error_message());
  if (!reg) return dlab_error("--device %s: %s", name, why);
  return dlab_error("--device %s", why);
}

/* "model name : AMD EPYC 9654 96-Core Processor" from /proc/cpuinfo. */
static void cpu_model(char *buf, size_t n) {
  snprintf(buf, n, "CPU");
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f) return;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "model name", 10) != 0) continue;
    const char *colon = strchr(line, ':');
    if (!colon) break;
    colon++;
    while (*colon == ' ' || *colon == '\t') colon++;
    snprintf(buf, n, "%.*s", (int)strcspn(colon, "\n"), colon);
    break;
  }
  fclose(f);
}

static void set_note(char *note, size_t len, const char *text) {
  if (note && len) snprintf(note, len, "%s", text);
}

/* Whether the NVIDIA driver's library can be loaded. Without it the CUDA
 * module can find no GPU, and loading it to find that out would map the
 * CUDA runtime and cuBLAS for nothing: about 130 MB more resident in a
 * process that lists its devices (the application's device menu at
 * start-up), 230 MB at `dlab devices`' peak. */
static int nvidia_driver_present(void) {
  void *h = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
  if (!h) return 0;
  dlclose(h);
  return 1;
}

int dlab_devices_list(DlabDeviceInfo *out, int max, char *note, size_t note_len) {
  set_note(note, note_len, "");
  int count = 0;
  if (max > 0) {
    DlabDeviceInfo *cpu = &out[0];
    memset(cpu, 0, sizeof *cpu);
    cpu->spec = (DlabDeviceSpec){DLAB_DEVICE_CPU, 0};
    char model[96];
    cpu_model(model, sizeof model);
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    cpu->multiprocessors = online > 0 ? (int)online : 1;
    snprintf(cpu->name, sizeof cpu->name, "%s (%d threads)", model, cpu->multiprocessors);
  }
  count++;
  /* (A module in a folder named by $DLAB_BACKEND_DIR is loaded regardless:
   * its own message is the one to see.) */
  if (dlab_cuda_built() && !dlab_backend_module_dir() && !nvidia_driver_present()) {
    set_note(note, note_len, "no NVIDIA driver was found (libcuda.so.1 cannot be loaded)");
    return count;
  }
  const DlabBackendReg *reg = dlab_backend_reg(DLAB_DEVICE_CUDA);
  int gpus = reg ? reg->device_count() : -1;
  if (gpus < 0) {
    const char *why = dlab_error_message();
    set_note(note, note_len, strncmp(why, "CUDA: ", 6) == 0 ? why + 6 : why);
    return count;
  }
  if (gpus == 0) set_note(note, note_len, "no CUDA-capable GPU found");
  for (int i = 0; i < gpus; i++, count++) {
    if (count >= max) continue;
    DlabDeviceInfo *dev = &out[count];
    memset(dev, 0, sizeof *dev);
    dev->spec = (DlabDeviceSpec){DLAB_DEVICE_CUDA, i};
    if (reg->device_info(i, dev) < 0) snprintf(dev->name, sizeof dev->name, "(unreadable: %s)", dlab_error_message());
  }
  return count;
}

const char *dlab_cuda_version_text(char *buf, size_t n) {
  const DlabBackendReg *reg = dlab_backend_reg(DLAB_DEVICE_CUDA);
  if (reg)
    reg->versions(buf, n);
  else
    snprintf(buf, n, dlab_cuda_built() ? "CUDA backend not loaded" : "built without CUDA");
  return buf;
}
