/* dlab devices: what this dlab can compute on, the same list as the
 * application's device menu (dlab_devices_list), and --check for scripts. */
#include <stdio.h>
#include <string.h>

#include "cli_i18n.h"
#include "commands.h"
#include "dlab/device.h"
#include "options.h"

#define MAX_DEVICES 17 /* the CPU and up to 16 GPUs */

static void print_memory(const DlabDeviceInfo *d) {
  const double gib = 1024.0 * 1024.0 * 1024.0;
  char memory[48];
  if (d->memory_bytes)
    snprintf(memory, sizeof memory, _("%.1f GiB (%.1f free)"), d->memory_bytes / gib, d->free_bytes / gib);
  else
    snprintf(memory, sizeof memory, "-");
  printf("%-22s", memory);
}

static void print_device(const DlabDeviceInfo *d) {
  char name[32];
  printf("%-8s %-40s ", dlab_device_name(d->spec, name, sizeof name), d->name);
  print_memory(d);
  if (d->spec.kind == DLAB_DEVICE_CUDA)
    printf(_(" %d.%d, %d SMs"), d->compute_major, d->compute_minor, d->multiprocessors);
  else
    printf(" -");
  printf("\n");
}

/* --check DEVICE: 0 when it can be used, else the reason and 1. */
static int check(const char *text) {
  DlabDeviceSpec spec;
  if (dlab_device_parse(text, &spec) < 0 || dlab_device_check(spec) < 0) return cli_fail("devices");
  char name[32];
  printf(_("%s: ready\n"), dlab_device_name(spec, name, sizeof name));
  return 0;
}

int cmd_devices(int argc, char **argv) {
  const char *check_device = NULL;
  int help = 0;
  CliOption opts[] = {
      {"check", OPT_STRING, &check_device, N_("exit 0 if DEVICE (cpu, cuda, cuda:N) can be used, else say why"), 0},
      {"help", OPT_FLAG, &help, N_("show this help"), 0},
  };
  const int n_opts = (int)(sizeof opts / sizeof opts[0]);
  const char *pos[1];
  int n_pos;
  if (cli_parse("devices", argc, argv, 2, opts, n_opts, pos, 0, &n_pos) < 0) return 2;
  if (help) {
    fputs(_("usage: dlab devices [--check DEVICE]\n\n"
            "Lists the devices this dlab can train on: the CPU, and each NVIDIA GPU when it\n"
            "was built with CUDA and a driver is installed. `dlab train --device` takes the\n"
            "names in the first column (cuda is cuda:0).\n\n"),
          stdout);
    cli_print_options(opts, n_opts);
    return 0;
  }
  if (check_device) return check(check_device);
  DlabDeviceInfo devices[MAX_DEVICES];
  char note[512], versions[96];
  int n = dlab_devices_list(devices, MAX_DEVICES, note, sizeof note);
  if (n > MAX_DEVICES) n = MAX_DEVICES;
  /* TRANSLATORS: the column headings of `dlab devices` */
  printf("%s\n", _("device   name                                     memory                 compute"));
  for (int i = 0; i < n; i++) print_device(&devices[i]);
  printf("\n%s\n", dlab_cuda_version_text(versions, sizeof versions));
  if (note[0]) printf(_("no GPU: %s\n"), note);
  return 0;
}
